/**
 * Learning the Fellegi–Sunter table from reviewers' answers (issue 6: a decision made in the console
 * feeds the evidence weights). A `linked` answer labels the chosen candidate pair a match and the item's
 * other candidates non-matches; `none` labels every candidate a non-match. Each answered pair's evidence
 * levels then update m (matches) and u (non-matches) of the current table, which acts as a Dirichlet
 * prior of `strength` pseudo-answers per field: a handful of answers moves a weight a little, hundreds
 * move it a lot.
 *
 * Review answers are not a random sample of pairs: the queue holds the hard cases, found by blocking on
 * the patient's identity. So, unlike a plain Dirichlet update, a level no answer showed keeps its m and u
 * (that `accession exact` never reaches review says nothing about how often matches share an accession),
 * and the u of the fields that choose the candidates (blocking keys) is not learned from them, just as
 * `em.ts` freezes the fields that chose its training pairs.
 * @see https://moj-analytical-services.github.io/splink/topic_guides/theory/fellegi_sunter.html
 * @see https://en.wikipedia.org/wiki/Dirichlet_distribution#Conjugate_to_categorical_or_multinomial
 */
import type { Evidence, ReviewCandidate } from '../model/link.ts';
import type { MU, WeightTable } from './weights.ts';

/** Default prior strength: pseudo-answers per field that the current table stands for. */
export const DEFAULT_REVIEW_STRENGTH = 20;

/**
 * Fields whose u is not learned from review answers by default. Candidates are found by these keys
 * (criteria `patient-id`, `name-birth-date`, `accession-variant`, `study-uid`, and the exam day of the
 * second-tier criteria and of the accession-variant condition), so rejected candidates agree on them by
 * construction, not by chance: counting them would teach u of the review queue, where most non-matches
 * are the same patient's other exams of the same days, instead of u of a random pair, and the weight of
 * an agreeing patient id or exam time would collapse. Their conditioned rows (`name|sameId`, ...) are
 * learned: they already describe pairs of one patient.
 */
export const BLOCKING_FIELDS: ReadonlySet<string> = new Set(['patientId', 'name', 'birthDate', 'accession', 'studyUid', 'examTime']);

/** Lowest and highest probability written (as in `em.ts`): no level becomes impossible or certain. */
const FLOOR = 1e-7;

/** One answered candidate pair: its evidence and what the person's answer made of it. */
export interface LabelledEvidence {
  evidence: readonly Evidence[];
  match: boolean;
}

/** What a person answered about one review item. */
export interface ReviewAnswer {
  candidates: ReadonlyArray<Pick<ReviewCandidate, 'id' | 'evidence'>>;
  /**
   * Id of the counterpart the person linked the item's subject to; absent for "none of these". When it
   * is not among the candidates (linked elsewhere), every candidate is a non-match.
   */
  linkedTo?: string;
  /**
   * The item's subject (study UID or report id). One decision can resolve a study's item and a report's
   * item that show the same pair; with subjects given, each pair is counted once.
   */
  subject?: string;
}

/**
 * Labels every candidate of every answer: the linked one a match, the others non-matches. A pair shown
 * by two answered items counts once, as a match if either answer linked it.
 */
export function labelAnswers(answers: readonly ReviewAnswer[]): LabelledEvidence[] {
  const out = new Map<string, LabelledEvidence>();
  answers.forEach((a, i) => {
    for (const c of a.candidates) {
      const key = a.subject === undefined ? `#${i}\u0000${c.id}` : [a.subject, c.id].sort().join('\u0000');
      const match = a.linkedTo !== undefined && c.id === a.linkedTo;
      const prev = out.get(key);
      if (!prev || (match && !prev.match)) out.set(key, { evidence: c.evidence, match });
    }
  });
  return [...out.values()];
}

/** Fields whose m/u are conditioned on agreeing patient ids, and on an agreeing name (see compare/index.ts). */
const CONDITIONED_ON_ID = new Set(['name', 'birthDate', 'sex']);
const CONDITIONED_ON_NAME = new Set(['birthDate', 'sex']);
const SAME_ID_LEVELS = new Set(['exact', 'same-digits']);
const AGREEING_NAME_LEVELS = new Set(['exact', 'jw>=0.94']);

/**
 * The table key a piece of evidence was weighed from. Evidence names the field without its condition
 * (`name`, not `name|sameId`), so the condition is recovered from the pair's other evidence exactly as
 * `comparisonVector` sets it: agreeing patient ids condition name, birth date and sex on `|sameId`;
 * otherwise an agreeing name conditions birth date and sex on `|sameName`. Findings (`finding:<name>`) use
 * their own row when the table has one, else the shared `finding` row, as `findingsEvidence` does.
 */
export function weightKey(e: Evidence, pair: readonly Evidence[], table: WeightTable): string {
  if (e.field.includes('|')) return e.field;
  if (e.field.startsWith('finding:')) return table.fields[e.field] ? e.field : 'finding';
  const level = (field: string): string | undefined => pair.find((x) => x.field === field)?.level;
  const sameId = SAME_ID_LEVELS.has(level('patientId') ?? '');
  if (sameId && CONDITIONED_ON_ID.has(e.field)) return `${e.field}|sameId`;
  if (!sameId && CONDITIONED_ON_NAME.has(e.field) && AGREEING_NAME_LEVELS.has(level('name') ?? '')) return `${e.field}|sameName`;
  return e.field;
}

/** Options of {@link learnFromReviews}. */
export interface ReviewLearningOptions {
  /** Pseudo-answers per field the current table counts for (default {@link DEFAULT_REVIEW_STRENGTH}). */
  strength?: number;
  /** Fields whose u stays as it is (default {@link BLOCKING_FIELDS}); a conditioned row `f|...` is its own field. */
  frozenU?: ReadonlySet<string>;
}

/** One level's counts and its m/u and weight before and after. */
export interface LevelChange {
  level: string;
  matches: number;
  nonMatches: number;
  before: MU;
  after: MU;
  /** log2(m/u) in bits. */
  weightBefore: number;
  weightAfter: number;
}

/** One table field the answers reached: how many answered pairs showed it, and every level's change. */
export interface FieldChange {
  field: string;
  matches: number;
  nonMatches: number;
  /** Whether u was held (a blocking field). */
  uFrozen: boolean;
  levels: LevelChange[];
}

/** What {@link learnFromReviews} returns. */
export interface ReviewLearningResult {
  /** The updated table: every field and level of the input, in the same order. */
  table: WeightTable;
  /** The fields the answers reached, in table order. */
  fields: FieldChange[];
  /** Labelled pairs used. */
  pairs: { matches: number; nonMatches: number };
  /** Evidence whose field or level the table does not have (it weighed 0): counted, not learned. */
  notInTable: Array<{ field: string; level: string; count: number }>;
}

type Counts = Map<string, Map<string, { m: number; u: number }>>;

function countLevels(table: WeightTable, labelled: readonly LabelledEvidence[]): { counts: Counts; notInTable: Map<string, number> } {
  const counts: Counts = new Map();
  const notInTable = new Map<string, number>();
  for (const pair of labelled) {
    for (const e of pair.evidence) {
      if (e.level === 'missing') continue;
      const key = weightKey(e, pair.evidence, table);
      if (!table.fields[key]?.[e.level]) {
        const k = `${key}\u0000${e.level}`;
        notInTable.set(k, (notInTable.get(k) ?? 0) + 1);
        continue;
      }
      let field = counts.get(key);
      if (!field) counts.set(key, (field = new Map<string, { m: number; u: number }>()));
      const c = field.get(e.level) ?? { m: 0, u: 0 };
      if (pair.match) c.m++;
      else c.u++;
      field.set(e.level, c);
    }
  }
  return { counts, notInTable };
}

function clamp(p: number): number {
  return Math.min(1 - FLOOR, Math.max(FLOOR, p));
}

/**
 * Posterior mean of one side (m or u) of a field. The levels the answers showed share the probability
 * mass they had in the table, in proportion to (count + strength × prior share); the others keep theirs,
 * so the field's total is unchanged (the shipped table's rows need not sum to exactly 1).
 */
function updateSide(prior: ReadonlyArray<readonly [string, number]>, counts: ReadonlyMap<string, number>, strength: number): Map<string, number> {
  const out = new Map(prior);
  const total = prior.reduce((a, [, p]) => a + p, 0);
  const seen = prior.filter(([level]) => (counts.get(level) ?? 0) > 0);
  // One level alone keeps its mass by construction; skip it rather than round it.
  if (seen.length < 2) return out;
  const seenMass = seen.reduce((a, [, p]) => a + p, 0);
  const n = seen.reduce((a, [level]) => a + (counts.get(level) ?? 0), 0);
  const pseudo = (strength * seenMass) / total;
  for (const [level, p] of seen) {
    const alpha = (strength * p) / total;
    out.set(level, clamp((seenMass * ((counts.get(level) ?? 0) + alpha)) / (n + pseudo)));
  }
  return out;
}

/**
 * Updates the table from labelled answers: per field, m from the matches and u from the non-matches
 * (u of `frozenU` fields held), with the table as a Dirichlet prior of `strength` pseudo-answers.
 * Fields and levels no answer reached are returned unchanged; no m or u becomes 0 or 1.
 */
export function learnFromReviews(table: WeightTable, labelled: readonly LabelledEvidence[], opts: ReviewLearningOptions = {}): ReviewLearningResult {
  const strength = opts.strength ?? DEFAULT_REVIEW_STRENGTH;
  const frozenU = opts.frozenU ?? BLOCKING_FIELDS;
  const { counts, notInTable } = countLevels(table, labelled);
  const out: WeightTable = { fields: {} };
  const fields: FieldChange[] = [];
  for (const [field, levels] of Object.entries(table.fields)) {
    const entries = Object.entries(levels);
    const c = counts.get(field);
    if (!c) {
      out.fields[field] = Object.fromEntries(entries.map(([l, mu]) => [l, { ...mu }]));
      continue;
    }
    const side = (k: 'm' | 'u'): Map<string, number> => new Map([...c].map(([l, x]) => [l, x[k]]));
    const uFrozen = frozenU.has(field);
    const m = updateSide(entries.map(([l, mu]) => [l, mu.m] as const), side('m'), strength);
    const u = uFrozen ? new Map(entries.map(([l, mu]) => [l, mu.u])) : updateSide(entries.map(([l, mu]) => [l, mu.u] as const), side('u'), strength);
    out.fields[field] = Object.fromEntries(entries.map(([l, mu]) => [l, { m: m.get(l) ?? mu.m, u: u.get(l) ?? mu.u }]));
    const changes = entries.map(([level, before]): LevelChange => {
      const after = out.fields[field]?.[level] ?? before;
      const k = c.get(level) ?? { m: 0, u: 0 };
      return { level, matches: k.m, nonMatches: k.u, before, after, weightBefore: Math.log2(before.m / before.u), weightAfter: Math.log2(after.m / after.u) };
    });
    fields.push({ field, matches: sum(changes, 'matches'), nonMatches: sum(changes, 'nonMatches'), uFrozen, levels: changes });
  }
  return {
    table: out,
    fields,
    pairs: { matches: labelled.filter((p) => p.match).length, nonMatches: labelled.filter((p) => !p.match).length },
    notInTable: [...notInTable].map(([k, count]) => {
      const [field = '', level = ''] = k.split('\u0000');
      return { field, level, count };
    }),
  };
}

function sum(rows: readonly LevelChange[], k: 'matches' | 'nonMatches'): number {
  return rows.reduce((a, r) => a + r[k], 0);
}
