/**
 * Accuracy against a known truth (the synthetic hospital's truth.json): per error category, how many
 * studies ended correctly linked with the right accession, how many were linked wrongly, sent to
 * review or left unlinked; and the same for a baseline of exact accession matching.
 */
import type { Link, ReviewItem } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import { canonicalAccession } from '../linker/accession.ts';
import type { Truth } from '../synth/model.ts';
import { table } from '../cli/progress.ts';

export interface CategoryScore {
  category: string;
  studies: number;
  /** Right report (or rightly none) and right final accession; for review cases: in review with the right candidate. */
  correct: number;
  wrongLinks: number;
  review: number;
  unlinked: number;
  baselineCorrect: number;
}

export interface Evaluation {
  categories: CategoryScore[];
  links: { predicted: number; right: number; truePairs: number; precision: number; recall: number };
  baseline: { predicted: number; right: number; precision: number; recall: number };
  wrongAutoLinks: number;
  reviewRate: number;
}

function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return canonicalAccession(a) === canonicalAccession(b);
}

/** Exact accession matching as a site without acclink would do it: one study and one report with the same value. */
export function baselineLinks(scans: readonly Scan[], reports: readonly Report[]): Map<string, string> {
  const byAcc = new Map<string, { s: string[]; r: string[] }>();
  for (const s of scans) if (s.accession) byAcc.set(s.accession, { s: [...(byAcc.get(s.accession)?.s ?? []), s.studyInstanceUid], r: byAcc.get(s.accession)?.r ?? [] });
  for (const r of reports) if (r.accession) byAcc.set(r.accession, { s: byAcc.get(r.accession)?.s ?? [], r: [...new Set([...(byAcc.get(r.accession)?.r ?? []), r.reportId])] });
  const out = new Map<string, string>();
  for (const { s, r } of byAcc.values()) if (s.length === 1 && r.length === 1 && s[0] && r[0]) out.set(s[0], r[0]);
  return out;
}

export function evaluate(
  truth: Truth,
  result: { links: readonly Link[]; review: readonly ReviewItem[] },
  baseline: ReadonlyMap<string, string>,
): Evaluation {
  const linkOf = new Map(result.links.map((l) => [l.studyInstanceUid, l]));
  const reviewOf = new Map(result.review.filter((i) => i.studyInstanceUid).map((i) => [i.studyInstanceUid ?? '', i]));
  const inReviewAsCandidate = new Set(result.review.flatMap((i) => i.candidates.filter((c) => c.kind === 'scan').map((c) => c.id)));
  const cats = new Map<string, CategoryScore>();
  let wrongAutoLinks = 0;
  for (const t of truth.studies) {
    const c = cats.get(t.category) ?? { category: t.category, studies: 0, correct: 0, wrongLinks: 0, review: 0, unlinked: 0, baselineCorrect: 0 };
    cats.set(t.category, c);
    c.studies++;
    const link = linkOf.get(t.studyInstanceUid);
    const item = reviewOf.get(t.studyInstanceUid);
    if (link) {
      const rightReport = link.reportId === t.reportId;
      const rightAccession = t.expectedAccession === null ? !same(link.accession, null) : same(link.accession, t.expectedAccession);
      if (rightReport && rightAccession && !t.expectReview) c.correct++;
      else if (!rightReport) {
        c.wrongLinks++;
        wrongAutoLinks++;
      } else if (!t.expectReview) c.wrongLinks++;
      else c.correct++;
    } else if (item || inReviewAsCandidate.has(t.studyInstanceUid)) {
      c.review++;
      if (t.expectReview && (!item || item.candidates.some((x) => x.id === t.reportId))) c.correct++;
    } else {
      c.unlinked++;
      if (t.reportId === null) c.correct++;
    }
    const b = baseline.get(t.studyInstanceUid);
    if ((b ?? null) === t.reportId && !t.expectReview) c.baselineCorrect++;
  }
  const truePairs = truth.studies.filter((t) => t.reportId !== null).length;
  const truthOf = new Map(truth.studies.map((t) => [t.studyInstanceUid, t.reportId]));
  const rightLinks = result.links.filter((l) => truthOf.get(l.studyInstanceUid) === l.reportId).length;
  const rightBase = [...baseline].filter(([s, r]) => truthOf.get(s) === r).length;
  return {
    categories: [...cats.values()].sort((a, b) => a.category.localeCompare(b.category)),
    links: { predicted: result.links.length, right: rightLinks, truePairs, precision: ratio(rightLinks, result.links.length), recall: ratio(rightLinks, truePairs) },
    baseline: { predicted: baseline.size, right: rightBase, precision: ratio(rightBase, baseline.size), recall: ratio(rightBase, truePairs) },
    wrongAutoLinks,
    reviewRate: ratio(result.review.length, truth.studies.length),
  };
}

function ratio(a: number, b: number): number {
  return b === 0 ? 1 : a / b;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function formatEvaluation(e: Evaluation): string {
  const rows = e.categories.map((c) => [c.category, c.studies, pct(c.correct / c.studies), c.wrongLinks, c.review, c.unlinked, pct(c.baselineCorrect / c.studies)]);
  const all = e.categories.reduce((a, c) => ({ n: a.n + c.studies, ok: a.ok + c.correct, base: a.base + c.baselineCorrect }), { n: 0, ok: 0, base: 0 });
  rows.push(['all studies', all.n, pct(all.ok / Math.max(1, all.n)), e.categories.reduce((a, c) => a + c.wrongLinks, 0), e.categories.reduce((a, c) => a + c.review, 0), e.categories.reduce((a, c) => a + c.unlinked, 0), pct(all.base / Math.max(1, all.n))]);
  return [
    table(['category', 'studies', 'acclink correct', 'wrong links', 'review', 'unlinked', 'exact-match baseline'], rows),
    '',
    table(['links', 'predicted', 'right', 'precision', 'recall'], [
      ['acclink', e.links.predicted, e.links.right, pct(e.links.precision), pct(e.links.recall)],
      ['exact accession match', e.baseline.predicted, e.baseline.right, pct(e.baseline.precision), pct(e.baseline.recall)],
    ]),
    '',
    `wrong automatic links: ${e.wrongAutoLinks}; review rate: ${pct(e.reviewRate)} of studies`,
  ].join('\n');
}
