/**
 * Criteria generation (blocking, seed figure 13B): which report-side records are compared with a study.
 * Keys are built once per record, so the cost is near-linear in the number of unlinked records.
 * Criteria are tried from tight to loose; looser ones apply only when tighter ones found nothing.
 */
import { accessionBlockingKeys } from './accession.ts';
import type { RecordFeatures } from './features.ts';

/** Blocking criteria, tightest first. */
export const Criterion = {
  StudyUid: 'study-uid',
  PatientId: 'patient-id',
  AccessionVariant: 'accession-variant',
  NameAndBirthDate: 'name-birth-date',
  BirthDateAndDay: 'birth-date-exam-day',
  NameAndDay: 'family-name-exam-day',
} as const;
export type Criterion = (typeof Criterion)[keyof typeof Criterion];

const MINUTES_PER_DAY = 1440;

function dayOf(f: RecordFeatures): number | undefined {
  return f.examMinutes === undefined ? undefined : Math.floor(f.examMinutes / MINUTES_PER_DAY);
}

/** Keys per criterion for one record. Day-based keys include the neighbouring days on the report side only. */
function keysFor(f: RecordFeatures, accession: string | undefined, widenDays: number): Map<Criterion, string[]> {
  const keys = new Map<Criterion, string[]>();
  if (f.studyUid) keys.set(Criterion.StudyUid, [f.studyUid]);
  if (f.patientId) keys.set(Criterion.PatientId, f.patientIdDigits ? [f.patientId, `d:${f.patientIdDigits}`] : [f.patientId]);
  const acc = accessionBlockingKeys(accession);
  if (acc.length > 0) keys.set(Criterion.AccessionVariant, acc);
  if (f.family && f.birthDate) keys.set(Criterion.NameAndBirthDate, [`${f.family.slice(0, 4)}|${f.birthDate}`]);
  const day = dayOf(f);
  if (day !== undefined) {
    const days: number[] = [];
    for (let d = day - widenDays; d <= day + widenDays; d++) days.push(d);
    if (f.birthDate) keys.set(Criterion.BirthDateAndDay, days.map((d) => `${f.birthDate}|${d}`));
    if (f.family) keys.set(Criterion.NameAndDay, days.map((d) => `${f.family?.slice(0, 3)}|${d}`));
  }
  return keys;
}

/**
 * Accession neighbours alone are weak where numbers are issued in sequence (almost every number has
 * one-edit neighbours), so a variant must also share the patient, the birth date, or the exam days.
 */
function plausible(a: RecordFeatures, b: RecordFeatures | undefined, windowDays: number): boolean {
  if (!b) return false;
  if (a.patientIdDigits !== undefined && a.patientIdDigits === b.patientIdDigits) return true;
  if (a.patientId !== undefined && a.patientId === b.patientId) return true;
  if (a.birthDate !== undefined && a.birthDate === b.birthDate) return true;
  const da = dayOf(a);
  const db = dayOf(b);
  return da !== undefined && db !== undefined && Math.abs(da - db) <= windowDays;
}

export interface BlockingOptions {
  /** How many days either side of the exam day the day-based criteria reach. */
  windowDays: number;
  /** Upper bound on candidates per study, to keep pathological blocks (common names) cheap. */
  maxCandidates: number;
}

/**
 * Index of report-side records for candidate search.
 * @returns for each study index, the report indexes to compare and the criterion that found them.
 */
export function findCandidates(
  scans: ReadonlyArray<{ index: number; features: RecordFeatures; accession: string | undefined }>,
  reports: ReadonlyArray<{ index: number; features: RecordFeatures; accession: string | undefined }>,
  opts: BlockingOptions,
): Map<number, Map<number, Criterion>> {
  const index = new Map<string, number[]>();
  for (const r of reports) {
    for (const [criterion, keys] of keysFor(r.features, r.accession, opts.windowDays)) {
      for (const k of keys) {
        const key = `${criterion}#${k}`;
        const list = index.get(key);
        if (list) list.push(r.index);
        else index.set(key, [r.index]);
      }
    }
  }
  const features = new Map(reports.map((r) => [r.index, r.features]));
  const out = new Map<number, Map<number, Criterion>>();
  const tiers: Criterion[][] = [
    [Criterion.StudyUid, Criterion.PatientId, Criterion.AccessionVariant, Criterion.NameAndBirthDate],
    [Criterion.BirthDateAndDay, Criterion.NameAndDay],
  ];
  for (const s of scans) {
    const own = keysFor(s.features, s.accession, 0);
    const found = new Map<number, Criterion>();
    for (const tier of tiers) {
      for (const criterion of tier) {
        for (const k of own.get(criterion) ?? []) {
          for (const r of index.get(`${criterion}#${k}`) ?? []) {
            if (found.has(r) || found.size >= opts.maxCandidates) continue;
            if (criterion === Criterion.AccessionVariant && !plausible(s.features, features.get(r), opts.windowDays)) continue;
            found.set(r, criterion);
          }
        }
      }
      if (found.size > 0) break;
    }
    if (found.size > 0) out.set(s.index, found);
  }
  return out;
}
