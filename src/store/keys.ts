/**
 * Indexed columns derived from records, shared by every store adapter so that all agree on blocking.
 */
import { accessionBlockingKeys, canonicalAccession } from '../linker/accession.ts';
import { normalizePatientId, patientIdDigits } from '../linker/features.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { ReviewItem } from '../model/link.ts';
import type { CandidateQuery } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';

/** The blocking columns of one record. */
export interface RecordKeys {
  patientKey: string | null;
  /** The id's digit core (at least 4 digits), matching ids that differ in a prefix or zero padding. */
  patientDigits: string | null;
  accessionKey: string | null;
  /** `YYYY-MM-DD`, or null when absent or not a real calendar date. */
  examDate: string | null;
  /** The linker's accession blocking keys (one-edit variants), sorted. */
  accessionBlockKeys: string[];
}

/** The `YYYY-MM-DD` date of a LocalDateTime, or null when absent or not a valid calendar date. */
export function examDateOf(v: string | undefined): string | null {
  const m = v?.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d ? m[0] : null;
}

/** Blocking columns of a scan: normalized patient id, canonical accession, study date. */
export function scanKeys(s: Scan): RecordKeys {
  return {
    patientKey: normalizePatientId(s.patient.id) ?? null,
    patientDigits: patientIdDigits(s.patient.id) ?? null,
    accessionKey: canonicalAccession(s.accession),
    examDate: examDateOf(s.studyDateTime),
    accessionBlockKeys: [...new Set(accessionBlockingKeys(s.accession))].sort(),
  };
}

/** Blocking columns of a report: normalized patient id, canonical accession, exam (OBR-7) date. */
export function reportKeys(r: Report): RecordKeys {
  return {
    patientKey: normalizePatientId(r.patient.id) ?? null,
    patientDigits: patientIdDigits(r.patient.id) ?? null,
    accessionKey: canonicalAccession(r.accession),
    examDate: examDateOf(r.examDateTime),
    accessionBlockKeys: [...new Set(accessionBlockingKeys(r.accession))].sort(),
  };
}

/** A candidate query reduced to normalized keys and validated dates. */
export interface NormalizedQuery {
  /** True when the caller gave keys: then a record must share one (none usable means no candidates). */
  keyed: boolean;
  patientKey: string | null;
  patientDigits: string | null;
  accessionKeys: string[];
  fromDate: string | null;
  toDate: string | null;
  includeUndated: boolean;
  /** Blocking keys of the query's accessions when `nearAccessions` was asked for, else empty. */
  accessionBlockKeys: string[];
}

/** Normalize and validate a candidate query; throws `USAGE` when it has no criterion or a bad date. */
export function normalizeQuery(q: CandidateQuery): NormalizedQuery {
  const bound = (v: string | undefined, name: string): string | null => {
    if (v === undefined) return null;
    const d = examDateOf(v);
    if (d === null || d.length !== v.length) throw new AcclinkError(ErrorCode.Usage, `${name} must be a YYYY-MM-DD date`);
    return d;
  };
  const patientKey = normalizePatientId(q.patientId) ?? null;
  const accessionKeys = [...new Set((q.accessionKeys ?? []).map((a) => canonicalAccession(a)).filter((a) => a !== null))].sort();
  const fromDate = bound(q.fromDate, 'fromDate');
  const toDate = bound(q.toDate, 'toDate');
  const hasKeyInput = q.patientId !== undefined || (q.accessionKeys?.length ?? 0) > 0;
  if (!hasKeyInput && fromDate === null && toDate === null) {
    throw new AcclinkError(ErrorCode.Usage, 'candidate search needs a patient id, an accession key or a date bound');
  }
  const accessionBlockKeys = q.nearAccessions ? [...new Set((q.accessionKeys ?? []).flatMap((a) => accessionBlockingKeys(a)))].sort() : [];
  return { keyed: hasKeyInput, patientKey, patientDigits: patientIdDigits(q.patientId) ?? null, accessionKeys, fromDate, toDate, includeUndated: q.includeUndated ?? false, accessionBlockKeys };
}

/**
 * The subject key of a review item: one open item per (study, report) pair or single side.
 * Throws `USAGE` when the item names neither.
 */
export function reviewKey(item: Pick<ReviewItem, 'studyInstanceUid' | 'reportId'>): string {
  if (!item.studyInstanceUid && !item.reportId) throw new AcclinkError(ErrorCode.Usage, 'a review item needs a study or a report');
  return `${item.studyInstanceUid ?? ''}|${item.reportId ?? ''}`;
}

/** A JSON round trip: what every adapter stores and returns (drops `undefined`, detaches the caller's object). */
export function toJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
