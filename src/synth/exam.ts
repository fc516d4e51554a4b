/**
 * The internal, mutable world record of one imaging exam while the hospital is being generated:
 * the truth (patient, procedure, time, true accession) next to what each side will show.
 */
import type { Rng } from '../model/ports.ts';
import type { Modality, Procedure } from './catalogue.ts';
import { PROCEDURES } from './catalogue.ts';
import type { Category, SynthPatient } from './model.ts';
import { int, weighted } from './rand.ts';
import { yearsBetween } from './time.ts';

/** One exam: an order, usually a study in the PACS and a report in the RIS. */
export interface Exam {
  patient: number;
  proc: Procedure;
  modality: Modality;
  side?: 'R' | 'L';
  /** Study start, minutes since the epoch (local time). */
  minutes: number;
  isPrior: boolean;
  hasStudy: boolean;
  hasReport: boolean;
  kind: 'report' | 'order';
  category: Category;
  /** The other exam of a pair category. */
  pair?: Exam;
  /** The true accession, issued by the RIS. */
  accession: string;
  /** Accession as the PACS shows it. */
  studyAcc: string;
  /** Accession as the RIS shows it (OBR-18). */
  reportAcc: string;
  /** The RIS kept only the date of the exam (OBR-7). */
  examDateOnly: boolean;
}

/** A fresh exam with both sides consistent; accessions are issued later, in time order. */
export function newExam(patient: number, proc: Procedure, modality: Modality, minutes: number, rng: Rng, isPrior = false): Exam {
  const exam: Exam = {
    patient, proc, modality, minutes, isPrior,
    hasStudy: true, hasReport: true, kind: 'report',
    category: isPrior ? 'prior' : 'clean',
    accession: '', studyAcc: '', reportAcc: '',
    examDateOnly: rng.next() < 0.08,
  };
  if (proc.lateral === true) exam.side = rng.next() < 0.5 ? 'R' : 'L';
  return exam;
}

/** Procedures a patient can have on a day (no screening mammograms for men or children). */
export function eligibleProcedures(patient: SynthPatient, day: number): Procedure[] {
  const age = yearsBetween(patient.birthDate, day);
  return PROCEDURES.filter((p) => (p.femaleOnly !== true || patient.sex === 'F') && age >= (p.minAge ?? 0));
}

/** A procedure drawn by workload weight among the eligible ones. */
export function drawProcedure(rng: Rng, patient: SynthPatient, day: number, sameModalityAs?: Procedure, notKey?: string): Procedure {
  let options = eligibleProcedures(patient, day).filter((p) => p.key !== notKey);
  if (sameModalityAs !== undefined) {
    const same = options.filter((p) => p.modalities.some((m) => sameModalityAs.modalities.includes(m)));
    if (same.length > 0) options = same;
  }
  const table: Record<string, number> = {};
  for (const p of options) table[p.key] = p.weight;
  const key = weighted(rng, table);
  return options.find((p) => p.key === key) ?? (PROCEDURES[0] as Procedure);
}

/** Opening hours by modality, in minutes of the day: CT runs all night for the emergency department. */
const HOURS: Readonly<Record<Modality, readonly [number, number]>> = {
  CT: [0, 1435],
  CR: [420, 1320],
  DX: [420, 1320],
  MR: [420, 1260],
  US: [480, 1080],
  MG: [480, 1020],
  NM: [480, 960],
};

/** A plausible minute of the day for an exam of this modality. */
export function minuteOfDay(rng: Rng, modality: Modality): number {
  const [lo, hi] = HOURS[modality];
  return int(rng, lo, hi);
}
