/**
 * Per-record comparison features, computed once per study or report so that pairwise comparison
 * does no parsing or normalization (it runs for every candidate pair).
 */
import type { PersonName, Report, Scan } from '../model/types.ts';
import { canonicalAccession } from './accession.ts';
import { foldText } from './strings.ts';

/** What the procedure text, section and modality say about the exam, in standardized terms. */
export interface ProcedureView {
  modalities: string[];
  bodyRegions: string[];
  laterality?: string;
  contrast?: string;
}

/** Turns a study or report into standardized procedure terms (implemented with `mappings/procedure-terms.yaml`). */
export interface ProcedureDescriber {
  describeScan(scan: Scan): ProcedureView;
  describeReport(report: Report): ProcedureView;
  /** Body-region agreement: same region, parent/child or partly shared, disjoint, or unknown. */
  compareRegions(a: readonly string[], b: readonly string[]): 'agree' | 'overlap' | 'disagree' | 'unknown';
}

export interface RecordFeatures {
  /** Patient id, upper-cased, without punctuation, spaces and leading zeros. */
  patientId?: string;
  /** The id's digits without leading zeros, when it has at least four: `H-0012345` and `12345` share it. */
  patientIdDigits?: string;
  issuer?: string;
  family?: string;
  given?: string;
  birthDate?: string;
  sex?: 'M' | 'F';
  /** Minutes since 1970 of the exam time (local time read as UTC), when known. */
  examMinutes?: number;
  /** True when only the date was known. */
  dateOnly: boolean;
  /** The accession as written (trimmed); comparisons normalize it. */
  accession?: string;
  /**
   * The accession is shared with a record of the other side that this record does not match (a swap or a
   * duplicate): it says nothing about this record's other candidates.
   */
  accessionContested?: boolean;
  institution?: string;
  /** The study's own UID, or the study UID a report names (ZDS-1, IPC-3, OBX 113014, DiagnosticReport.imagingStudy). */
  studyUid?: string;
  procedure: ProcedureView;
}

function foldName(name: PersonName | undefined): { family?: string; given?: string } {
  if (!name) return {};
  const family = foldText(name.family);
  const given = foldText(name.given).split(' ')[0] ?? '';
  return { ...(family ? { family } : {}), ...(given ? { given } : {}) };
}

/** Normalize a patient id so that `00012345`, `12345 ` and `12-345` agree. */
export function normalizePatientId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const s = id.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const stripped = s.replace(/^0+(?=.)/, '');
  return stripped || undefined;
}

/** The digit core of a patient id: RIS and PACS often differ only in a site prefix or zero padding. */
export function patientIdDigits(id: string | undefined): string | undefined {
  const digits = id?.replace(/[^0-9]/g, '').replace(/^0+/, '') ?? '';
  return digits.length >= 4 ? digits : undefined;
}

/** Parse a LocalDateTime into minutes since the epoch (as if UTC); undefined when unparseable. */
export function localDateTimeMinutes(v: string | undefined): { minutes: number; dateOnly: boolean } | undefined {
  if (!v) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(v);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (Number.isNaN(ms)) return undefined;
  return { minutes: Math.floor(ms / 60000), dateOnly: m[4] === undefined };
}

function baseFeatures(
  patient: Scan['patient'],
  when: string | undefined,
  accession: string | undefined,
  institution: string | undefined,
  procedure: ProcedureView,
): RecordFeatures {
  const t = localDateTimeMinutes(when);
  const sex = patient.sex === 'M' || patient.sex === 'F' ? patient.sex : undefined;
  const f: RecordFeatures = { dateOnly: t?.dateOnly ?? true, procedure, ...foldName(patient.name) };
  const pid = normalizePatientId(patient.id);
  if (pid) f.patientId = pid;
  const digits = patientIdDigits(patient.id);
  if (digits) f.patientIdDigits = digits;
  if (patient.issuer) f.issuer = foldText(patient.issuer);
  if (patient.birthDate) f.birthDate = patient.birthDate.replace(/-/g, '');
  if (sex) f.sex = sex;
  if (t) f.examMinutes = t.minutes;
  if (canonicalAccession(accession) != null && accession) f.accession = accession.trim();
  const inst = institution ? foldText(institution) : '';
  if (inst) f.institution = inst;
  return f;
}

export function scanFeatures(scan: Scan, describer: ProcedureDescriber): RecordFeatures {
  const f = baseFeatures(scan.patient, scan.studyDateTime, scan.accession, scan.institution, describer.describeScan(scan));
  f.studyUid = scan.studyInstanceUid;
  return f;
}

export function reportFeatures(report: Report, describer: ProcedureDescriber): RecordFeatures {
  const f = baseFeatures(report.patient, report.examDateTime, report.accession, report.institution, describer.describeReport(report));
  if (report.studyInstanceUid) f.studyUid = report.studyInstanceUid;
  return f;
}
