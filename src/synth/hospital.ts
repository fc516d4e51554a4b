/**
 * `generateHospital`: a synthetic radiology department with known truth. Pure and deterministic:
 * the seed and the base date fix every value; nothing reads the clock or the file system.
 */
import { seededRng } from '../model/ports.ts';
import type { Rng } from '../model/ports.ts';
import type { AccessionFormat } from './accession.ts';
import { accessionIssuer } from './accession.ts';
import type { Exam } from './exam.ts';
import { drawProcedure, eligibleProcedures, minuteOfDay, newExam } from './exam.ts';
import { applyErrors, planErrors } from './inject.ts';
import type { ErrorRates, Hospital, SynthPatient } from './model.ts';
import { DEFAULT_ERROR_RATES } from './model.ts';
import { INSTITUTIONS } from './names.ts';
import { observe } from './observe.ts';
import { generatePatients } from './patients.ts';
import { chance, int, pick, weighted } from './rand.ts';
import { dayNumber, dayOfMinutes, minutesAt } from './time.ts';

/** Options of {@link generateHospital}. */
export interface HospitalOptions {
  seed: number;
  /** Number of patients (confounders included). */
  patients: number;
  /** First day of the period, `YYYY-MM-DD`; priors fall before it. */
  baseDate: string;
  /** Length of the period in days (default 30). */
  days?: number;
  /** Overrides of {@link DEFAULT_ERROR_RATES}. */
  errorRates?: Partial<ErrorRates>;
}

/** Studies per patient: 1–4, most patients have one or two. */
const STUDY_COUNT = { '1': 40, '2': 30, '3': 20, '4': 10 } as const;

function examAt(rng: Rng, patient: SynthPatient, day: number, sameAs?: Exam): Exam {
  const proc = sameAs !== undefined && chance(rng, 0.5) && eligibleProcedures(patient, day).includes(sameAs.proc) ? sameAs.proc : drawProcedure(rng, patient, day);
  const modality = pick(rng, proc.modalities);
  return newExam(patient.index, proc, modality, minutesAt(day, minuteOfDay(rng, modality)), rng);
}

/** One patient's exams: the latest in the period, the others earlier in the period or priors. */
function patientExams(rng: Rng, patient: SynthPatient, baseDay: number, days: number): Exam[] {
  const count = Number(weighted(rng, STUDY_COUNT));
  const latestDay = baseDay + int(rng, 0, days - 1);
  const latest = examAt(rng, patient, latestDay);
  const exams = [latest];
  for (let i = 1; i < count; i++) {
    const inPeriod = chance(rng, 0.4) && latestDay > baseDay;
    const day = inPeriod ? int(rng, baseDay, latestDay - 1) : baseDay - int(rng, 30, 1500);
    const e = examAt(rng, patient, Math.max(day, dayNumber(patient.birthDate)), latest);
    e.isPrior = e.minutes < minutesAt(baseDay, 0);
    if (e.isPrior) e.category = 'prior';
    exams.push(e);
  }
  return exams;
}

/** Twins often come in together: half of them share the latest exam's day, some the same exam. */
function alignTwins(rng: Rng, patients: readonly SynthPatient[], byPatient: Map<number, Exam[]>): void {
  for (const p of patients) {
    if (p.resembles?.how !== 'twin' || !chance(rng, 0.5)) continue;
    const mine = byPatient.get(p.index)?.[0];
    const theirs = byPatient.get(p.resembles.index)?.[0];
    if (mine === undefined || theirs === undefined) continue;
    const day = dayOfMinutes(theirs.minutes);
    if (chance(rng, 0.5) && eligibleProcedures(p, day).includes(theirs.proc)) {
      mine.proc = theirs.proc;
      mine.modality = theirs.modality;
      if (theirs.side !== undefined) mine.side = theirs.side;
      else delete mine.side;
    }
    mine.minutes = minutesAt(day, minuteOfDay(rng, mine.modality));
  }
}

/** Labels the current clean exams of both halves of a confounder pair with how they resemble each other. */
function labelConfounders(patients: readonly SynthPatient[], byPatient: Map<number, Exam[]>): void {
  for (const p of patients) {
    if (p.resembles === undefined) continue;
    const exams = [...(byPatient.get(p.index) ?? []), ...(byPatient.get(p.resembles.index) ?? [])];
    for (const e of exams) if (e.category === 'clean') e.category = p.resembles.how;
  }
}

function validate(opts: HospitalOptions): void {
  if (!Number.isInteger(opts.patients) || opts.patients < 1) throw new RangeError('patients must be a positive integer');
  if (opts.days !== undefined && (!Number.isInteger(opts.days) || opts.days < 1)) throw new RangeError('days must be a positive integer');
  dayNumber(opts.baseDate);
}

/**
 * Generates a hospital: patients, studies (PACS), reports (RIS) with injected errors, and the truth.
 * 200 patients take a few milliseconds; 10,000 well under a second.
 */
export function generateHospital(opts: HospitalOptions): Hospital {
  validate(opts);
  const rng = seededRng(opts.seed);
  const rates: ErrorRates = { ...DEFAULT_ERROR_RATES, ...opts.errorRates };
  const days = opts.days ?? 30;
  const baseDay = dayNumber(opts.baseDate);
  const institution = pick(rng, INSTITUTIONS);
  const format = pick<AccessionFormat>(rng, ['A7', 'D10', 'ACC']);
  const patients = generatePatients(rng, opts.patients, { sameName: rates['same-name'], twin: rates.twin }, institution.issuer, baseDay);

  const byPatient = new Map<number, Exam[]>();
  for (const p of patients) byPatient.set(p.index, patientExams(rng, p, baseDay, days));
  alignTwins(rng, patients, byPatient);
  labelConfounders(patients, byPatient);
  const exams = [...byPatient.values()].flat();
  planErrors({ rng, exams, patients, rates, baseDay, days });

  // Accessions are issued in time order, as a RIS does when orders are placed.
  const ordered = exams.map((e, i) => ({ e, i })).sort((a, b) => a.e.minutes - b.e.minutes || a.i - b.i).map((x) => x.e);
  const issuer = accessionIssuer(format, rng);
  for (const e of ordered) e.accession = issuer.next(Number(new Date(e.minutes * 60_000).getUTCFullYear()), rng);
  applyErrors(ordered, format, rng);

  const { studies, reports, truth } = observe({ rng, exams: ordered, patients, institution: institution.name, format, seed: opts.seed, baseDate: opts.baseDate });
  return { seed: opts.seed, baseDate: opts.baseDate, days, institution, accessionFormat: format, patients, studies, reports, truth };
}
