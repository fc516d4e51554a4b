/**
 * Small display formatters shared by the console pages.
 */
import type { Evidence } from '../model/link.ts';
import type { PersonName } from '../model/types.ts';

/** "FAMILY, Given Middle" (DICOM PN / HL7 XPN components). */
export function personName(n: PersonName | undefined): string {
  if (!n) return '';
  const given = [n.prefix, n.given, n.middle, n.suffix].filter((x) => x !== undefined && x !== '').join(' ');
  return given ? `${n.family}, ${given}` : n.family;
}

/** `YYYY-MM-DDTHH:MM:SS` → `YYYY-MM-DD HH:MM`. */
export function localTime(t: string | undefined): string {
  if (!t) return '';
  return t.replace('T', ' ').slice(0, 16);
}

/** An ISO instant as `YYYY-MM-DD HH:MM` UTC. */
export function instant(t: string | undefined): string {
  if (!t) return '';
  return `${t.slice(0, 16).replace('T', ' ')} UTC`;
}

/** How long ago, coarsely: "40 min", "5 h", "3 d". */
export function age(fromIso: string | undefined, now: Date): string {
  if (!fromIso) return 'unknown';
  const ms = now.getTime() - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return 'unknown';
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 90) return `${min} min`;
  const h = Math.round(min / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} d`;
}

/** A weight in bits with its sign: "+3.2", "−1.0". */
export function bits(w: number): string {
  return `${w >= 0 ? '+' : '−'}${Math.abs(w).toFixed(1)}`;
}

/** Readable names of evidence fields. */
export const EVIDENCE_LABELS: Readonly<Record<string, string>> = {
  accession: 'Accession',
  patientId: 'Patient ID',
  name: 'Name',
  birthDate: 'Birth date',
  sex: 'Sex',
  examTime: 'Exam time',
  modality: 'Modality',
  bodyRegion: 'Body region',
  laterality: 'Laterality',
  contrast: 'Contrast',
  institution: 'Institution',
  studyUid: 'Study UID',
};

export function evidenceLabel(e: Pick<Evidence, 'field'>): string {
  if (e.field.startsWith('finding:')) return `Finding: ${e.field.slice('finding:'.length)}`;
  return EVIDENCE_LABELS[e.field] ?? e.field;
}

/** The evidence rows from providers other than the header comparators (image model, report labeler). */
export function modelEvidence(evidence: readonly Evidence[]): Evidence[] {
  return evidence.filter((e) => e.source !== undefined && e.source !== 'header');
}
