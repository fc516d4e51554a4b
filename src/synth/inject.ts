/**
 * Error injection. Two stages: `planErrors` chooses which exams are touched and adds the exams that
 * pair categories and orphans need (before accessions are issued, so numbering stays in time
 * order); `applyErrors` then damages the accessions each side shows.
 */
import type { Rng } from '../model/ports.ts';
import type { AccessionFormat, EditKind } from './accession.ts';
import { formatNoise, typo } from './accession.ts';
import type { Exam } from './exam.ts';
import { drawProcedure, minuteOfDay, newExam } from './exam.ts';
import type { Category, ErrorRates, InjectedCategory, SynthPatient } from './model.ts';
import { chance, int, pick, shuffle } from './rand.ts';
import { dayOfMinutes, minutesAt } from './time.ts';

/** Per-exam categories, in the order their quotas are filled after the pair categories. */
const SINGLE: readonly InjectedCategory[] = [
  'missing-both',
  'typo-study-substitution', 'typo-study-transposition', 'typo-study-insertion', 'typo-study-deletion',
  'typo-report-substitution', 'typo-report-transposition', 'typo-report-insertion', 'typo-report-deletion',
  'missing-study', 'missing-report', 'pending-study', 'format-noise',
];

/** What the planner needs to know about the world. */
export interface PlanContext {
  rng: Rng;
  exams: Exam[];
  patients: readonly SynthPatient[];
  rates: Readonly<ErrorRates>;
  baseDay: number;
  days: number;
}

/** Number of records for a rate: at least one when the rate is positive, so every category shows. */
function quota(rate: number, base: number): number {
  if (rate <= 0) return 0;
  return Math.max(1, Math.round(rate * base));
}

/** A minute on the same day, `delta` minutes away from `minutes` (backwards if it would cross midnight). */
function sameDayShift(minutes: number, delta: number): number {
  const day = dayOfMinutes(minutes);
  const later = minutes + delta;
  return dayOfMinutes(later) === day ? later : Math.max(minutesAt(day, 0), minutes - delta);
}

function pairUp(a: Exam, b: Exam, category: Category): void {
  a.category = category;
  b.category = category;
  a.pair = b;
  b.pair = a;
}

/** A second same-day exam of the same patient: the same procedure (`human`) or another one (`duplicate`). */
function addPartner(ctx: PlanContext, base: Exam, sameProcedure: boolean): Exam {
  const patient = ctx.patients[base.patient] as SynthPatient;
  const day = dayOfMinutes(base.minutes);
  const proc = sameProcedure ? base.proc : drawProcedure(ctx.rng, patient, day, base.proc, base.proc.key);
  const modality = sameProcedure ? base.modality : pick(ctx.rng, proc.modalities);
  const minutes = sameDayShift(base.minutes, sameProcedure ? int(ctx.rng, 20, 90) : int(ctx.rng, 5, 45));
  const partner = newExam(base.patient, proc, modality, minutes, ctx.rng);
  if (sameProcedure && base.side !== undefined) partner.side = base.side;
  ctx.exams.push(partner);
  return partner;
}

/** Takes an exam of another patient within a week of `base` from the pool, nearest day first. */
function takeSwapPartner(pool: Exam[], base: Exam): Exam | undefined {
  const day = dayOfMinutes(base.minutes);
  let best = -1;
  let bestGap = 8;
  for (let i = 0; i < pool.length && bestGap > 0; i++) {
    const e = pool[i] as Exam;
    const gap = Math.abs(dayOfMinutes(e.minutes) - day);
    if (e.patient !== base.patient && gap < bestGap) {
      best = i;
      bestGap = gap;
    }
  }
  return best < 0 ? undefined : pool.splice(best, 1)[0];
}

/** Reports (or orders) for exams that never reached the PACS. */
function addOrphans(ctx: PlanContext, count: number, eligible: readonly number[]): void {
  for (let i = 0; i < count && eligible.length > 0; i++) {
    const patientIndex = pick(ctx.rng, eligible);
    const patient = ctx.patients[patientIndex] as SynthPatient;
    const day = ctx.baseDay + int(ctx.rng, 0, ctx.days - 1);
    const proc = drawProcedure(ctx.rng, patient, day);
    const modality = pick(ctx.rng, proc.modalities);
    const exam = newExam(patientIndex, proc, modality, minutesAt(day, minuteOfDay(ctx.rng, modality)), ctx.rng);
    exam.hasStudy = false;
    exam.category = 'orphan-report';
    if (chance(ctx.rng, 0.4)) exam.kind = 'order';
    ctx.exams.push(exam);
  }
}

/**
 * Chooses the touched exams and adds partner and orphan exams. Only current exams of patients who
 * are not confounders are touched, so that `same-name`, `twin` and `prior` stay clean confounders.
 */
export function planErrors(ctx: PlanContext): void {
  const base = ctx.exams.length;
  const { rates, rng } = ctx;
  const skip = confounded(ctx.patients);
  const pool = shuffle(rng, ctx.exams.filter((e) => !e.isPrior && !skip.has(e.patient)));
  for (const [category, sameProcedure] of [['human', true], ['duplicate', false]] as const) {
    const pairs = quota(rates[category] / 2, base);
    for (let i = 0; i < pairs && pool.length > 0; i++) {
      const first = pool.pop() as Exam;
      pairUp(first, addPartner(ctx, first, sameProcedure), category);
    }
  }
  const swaps = quota(rates.swapped / 2, base);
  for (let i = 0; i < swaps && pool.length > 1; i++) {
    const first = pool.pop() as Exam;
    const second = takeSwapPartner(pool, first);
    if (second === undefined) continue;
    pairUp(first, second, 'swapped');
  }
  // Reports are still missing for the most recent exams: pending studies come from the last week.
  const since = minutesAt(ctx.baseDay + ctx.days - 7, 0);
  for (const e of takeWhere(pool, quota(rates['pending-study'], base), (x) => x.minutes >= since)) e.category = 'pending-study';
  for (const category of SINGLE) {
    const n = category === 'pending-study' ? 0 : quota(rates[category], base);
    for (let i = 0; i < n && pool.length > 0; i++) (pool.pop() as Exam).category = category;
  }
  const eligible = ctx.patients.filter((p) => !skip.has(p.index)).map((p) => p.index);
  addOrphans(ctx, quota(rates['orphan-report'], base), eligible);
}

/** Removes up to `n` exams matching `test` from the pool (topping up with any exams if too few match). */
function takeWhere(pool: Exam[], n: number, test: (e: Exam) => boolean): Exam[] {
  const taken: Exam[] = [];
  for (let i = pool.length - 1; i >= 0 && taken.length < n; i--) {
    if (test(pool[i] as Exam)) taken.push(...pool.splice(i, 1));
  }
  while (taken.length < n && pool.length > 0) taken.push(pool.pop() as Exam);
  return taken;
}

/** Confounders and the patients they resemble: both halves of the trap stay clean. */
function confounded(patients: readonly SynthPatient[]): Set<number> {
  const set = new Set<number>();
  for (const p of patients) {
    if (p.resembles === undefined) continue;
    set.add(p.index);
    set.add(p.resembles.index);
  }
  return set;
}

/** Applies one typo, falling back to a substitution (and saying so in the category) when the value has no room. */
function applyTypo(exam: Exam, side: 'study' | 'report', kind: EditKind, used: Set<string>, rng: Rng): void {
  let value = typo(exam.accession, kind, used, rng);
  let actual = kind;
  if (value === null) {
    actual = 'substitution';
    value = typo(exam.accession, actual, used, rng) ?? `${exam.accession}9`;
  }
  used.add(value.toUpperCase());
  if (side === 'study') exam.studyAcc = value;
  else exam.reportAcc = value;
  exam.category = `typo-${side}-${actual}`;
}

/** Damages the accessions each side shows, per the planned categories. Accessions must be issued. */
export function applyErrors(exams: readonly Exam[], format: AccessionFormat, rng: Rng): void {
  const used = new Set(exams.map((e) => e.accession.toUpperCase()));
  for (const e of exams) {
    e.studyAcc = e.accession;
    e.reportAcc = e.accession;
  }
  for (const e of exams) {
    const c = e.category;
    const m = /^typo-(study|report)-(\w+)$/.exec(c);
    if (m !== null) applyTypo(e, m[1] as 'study' | 'report', m[2] as EditKind, used, rng);
    else if (c === 'missing-study' || c === 'human') e.studyAcc = '';
    else if (c === 'missing-report') e.reportAcc = '';
    else if (c === 'missing-both') {
      e.studyAcc = '';
      e.reportAcc = '';
    } else if (c === 'pending-study') e.hasReport = false;
    else if (c === 'format-noise') e.studyAcc = formatNoise(e.accession, format, rng);
    else if (c === 'swapped' && e.pair !== undefined) e.studyAcc = e.pair.accession;
    if (c === 'human') e.examDateOnly = true;
  }
  // The later study of a duplicate pair carries the earlier one's accession.
  for (const e of exams) {
    if (e.category === 'duplicate' && e.pair !== undefined && e.minutes > e.pair.minutes) e.studyAcc = e.pair.accession;
  }
}
