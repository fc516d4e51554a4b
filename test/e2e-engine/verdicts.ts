/**
 * Verdicts of the end-to-end engine test, per record and place (archive, FHIR server, RIS), and the
 * per-category table it prints: how many corrections were due, made right, left undone or made wrong,
 * and whether anything changed that was not due.
 */
import { table } from '../../src/cli/progress.ts';
import { judge, type Expectation, type Verdict } from './hospital.ts';

/** Where a record's accession is read back. */
export type Place = 'archive' | 'fhir' | 'ris';

export interface Judged {
  e: Expectation;
  place: Place;
  final: string;
  verdict: Verdict;
}

/**
 * Judges each expectation at each place where the record lives. `finals` gives the value read back per
 * place and record id (absent: the record does not live there). Minted accessions are checked against
 * the counterpart's value at the archive (study) or RIS (report).
 */
export function judgeAll(expected: readonly Expectation[], finals: Record<Place, ReadonlyMap<string, string>>): Judged[] {
  const out: Judged[] = [];
  const peer = (e: Expectation): string | undefined => {
    if (e.counterpart === null) return undefined;
    return e.target === 'study' ? finals.ris.get(e.counterpart) : finals.archive.get(e.counterpart);
  };
  for (const e of expected) {
    const places: Place[] = e.target === 'study' ? ['archive', 'fhir'] : ['ris'];
    for (const place of places) {
      const final = finals[place].get(e.id);
      if (final === undefined) continue;
      out.push({ e, place, final, verdict: judge(e, final, peer(e)) });
    }
  }
  return out;
}

const VERDICTS: readonly Verdict[] = ['corrected', 'left', 'wrong', 'kept', 'normalized', 'changed'];

export type Counts = Record<Verdict, number> & { due: number };

/** Counts per verdict, and how many changes were due. */
export function count(judged: readonly Judged[]): Counts {
  const c = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Counts;
  c.due = 0;
  for (const j of judged) {
    c[j.verdict]++;
    if (j.e.mustChange) c.due++;
  }
  return c;
}

/** One row per category and target, plus a total. */
export function formatTable(judged: readonly Judged[]): string {
  const keys = [...new Set(judged.map((j) => `${j.e.category} ${j.e.target}@${j.place}`))].sort();
  const rows = keys.map((k) => {
    const c = count(judged.filter((j) => `${j.e.category} ${j.e.target}@${j.place}` === k));
    return [k, c.due, c.corrected, c.left, c.wrong, c.kept + c.normalized, c.normalized, c.changed];
  });
  const t = count(judged);
  rows.push(['all', t.due, t.corrected, t.left, t.wrong, t.kept + t.normalized, t.normalized, t.changed]);
  return table(['category target@place', 'due', 'corrected', 'left', 'wrong', 'not due, kept', 'of which format', 'not due, changed'], rows);
}
