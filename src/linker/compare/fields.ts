/**
 * One comparator per field: each maps a pair of record features to a comparison level.
 * Levels are the keys of `mappings/linker-weights.yaml`.
 */
import { compareAccessions } from '../accession.ts';
import type { RecordFeatures } from '../features.ts';
import { jaroWinkler, osaDistance } from '../strings.ts';

export const Missing = 'missing';

/**
 * Patient identifier: exact (after normalization), same digits (a site prefix or padding apart), or differs.
 * Issuers are compared for the veto, not here.
 */
export function comparePatientId(a: RecordFeatures, b: RecordFeatures): string {
  if (!a.patientId || !b.patientId) return Missing;
  if (a.patientId === b.patientId) return 'exact';
  return a.patientIdDigits !== undefined && a.patientIdDigits === b.patientIdDigits ? 'same-digits' : 'differs';
}

/**
 * Name: family and first given name aligned (DICOM PN and HL7 XPN are both family-first once parsed),
 * middle names and case ignored, diacritics folded; swapped family/given detected.
 */
export function compareName(a: RecordFeatures, b: RecordFeatures): string {
  if (!a.family || !b.family) return Missing;
  const givenKnown = Boolean(a.given && b.given);
  if (a.family === b.family && (!givenKnown || a.given === b.given)) return givenKnown ? 'exact' : 'family-only';
  if (givenKnown && a.family === b.given && a.given === b.family) return 'swapped';
  const jf = jaroWinkler(a.family, b.family);
  const jg = givenKnown ? jaroWinkler(a.given ?? '', b.given ?? '') : jf;
  const score = givenKnown ? 0.6 * jf + 0.4 * jg : jf;
  if (score >= 0.94) return 'jw>=0.94';
  if (score >= 0.85) return 'jw>=0.85';
  return 'differs';
}

/** Birth date: exact, one keying error (one digit, adjacent transposition, or day/month swapped), or differs. */
export function compareBirthDate(a: RecordFeatures, b: RecordFeatures): string {
  if (!a.birthDate || !b.birthDate) return Missing;
  if (a.birthDate === b.birthDate) return 'exact';
  if (a.birthDate.length === 8 && b.birthDate.length === 8) {
    const swapped = a.birthDate.slice(0, 4) + a.birthDate.slice(6, 8) + a.birthDate.slice(4, 6);
    if (swapped === b.birthDate || osaDistance(a.birthDate, b.birthDate, 1) <= 1) return 'one-edit';
  } else if (a.birthDate.slice(0, 4) === b.birthDate.slice(0, 4)) {
    return 'one-edit';
  }
  return 'differs';
}

export function compareSex(a: RecordFeatures, b: RecordFeatures): string {
  if (!a.sex || !b.sex) return Missing;
  return a.sex === b.sex ? 'agree' : 'differs';
}

const MINUTES_PER_DAY = 1440;

/** Exam time: the study's time against the report's exam time (OBR-7), in absolute-difference bands. */
export function compareExamTime(a: RecordFeatures, b: RecordFeatures): string {
  if (a.examMinutes === undefined || b.examMinutes === undefined) return Missing;
  const dateOnly = a.dateOnly || b.dateOnly;
  const dayA = Math.floor(a.examMinutes / MINUTES_PER_DAY);
  const dayB = Math.floor(b.examMinutes / MINUTES_PER_DAY);
  const diff = Math.abs(a.examMinutes - b.examMinutes);
  if (!dateOnly && diff <= 60) return '<=1h';
  if (!dateOnly && diff <= 6 * 60) return '<=6h';
  const days = Math.abs(dayA - dayB);
  if (days === 0 || (!dateOnly && diff <= MINUTES_PER_DAY)) return 'same-day';
  if (days <= 3) return '<=3d';
  if (days <= 30) return '<=30d';
  return '>30d';
}

/** Modality: the study's modalities against the report's (from OBR-24 or procedure text), by standardized group. */
export function compareModality(a: RecordFeatures, b: RecordFeatures): string {
  const ma = a.procedure.modalities;
  const mb = b.procedure.modalities;
  if (ma.length === 0 || mb.length === 0) return Missing;
  return ma.some((m) => mb.includes(m)) ? 'agree' : 'differs';
}

/** Laterality: only informative when both sides state one. */
export function compareLaterality(a: RecordFeatures, b: RecordFeatures): string {
  const la = a.procedure.laterality;
  const lb = b.procedure.laterality;
  if (!la || !lb) return Missing;
  if (la === lb) return 'agree';
  return la === 'bilateral' || lb === 'bilateral' ? 'partial' : 'differs';
}

/** Contrast: with / without / with-and-without, when both sides state it. */
export function compareContrast(a: RecordFeatures, b: RecordFeatures): string {
  const ca = a.procedure.contrast;
  const cb = b.procedure.contrast;
  if (!ca || !cb) return Missing;
  if (ca === cb) return 'agree';
  return ca === 'with-and-without' || cb === 'with-and-without' ? 'partial' : 'differs';
}

/** Accession distance; a contested accession only counts when it matches (see RecordFeatures.accessionContested). */
export function compareAccessionLevel(a: RecordFeatures, b: RecordFeatures): string {
  const level = compareAccessions(a.accession, b.accession);
  if ((a.accessionContested || b.accessionContested) && level !== 'exact' && level !== 'normalized') return Missing;
  return level;
}

/** Study Instance UID named by the report side (when it names one) against the study's. */
export function compareStudyUid(a: RecordFeatures, b: RecordFeatures): string {
  if (!a.studyUid || !b.studyUid) return Missing;
  return a.studyUid === b.studyUid ? 'exact' : 'differs';
}

export function compareInstitution(a: RecordFeatures, b: RecordFeatures): string {
  if (!a.institution || !b.institution) return Missing;
  if (a.institution === b.institution) return 'agree';
  return jaroWinkler(a.institution, b.institution) >= 0.9 ? 'agree' : 'differs';
}
