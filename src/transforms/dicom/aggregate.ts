/**
 * Groups instance headers into studies (Scans). Deterministic: the same headers in the same order
 * give the same scans in the same order.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/chapter_A.html#sect_A.1.2 (study/series/instance levels)
 */
import { ErrorCode } from '../../model/errors.ts';
import type { InputRejection, PatientIdentity, PersonName, ReadResult, Scan, SourceRef } from '../../model/types.ts';
import type { DicomInstanceHeader, StudyDateTimeOrigin } from './header.ts';

/** Code-unit order, not locale order: output must not depend on the machine's locale. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The most common value, ties going to the value seen first, with the number of distinct values.
 * `key` makes structured values (names) comparable.
 */
function majority<T>(values: ReadonlyArray<T | undefined>, key: (v: T) => string = String): { value: T | undefined; distinct: number } {
  const counts = new Map<string, { value: T; count: number }>();
  for (const value of values) {
    if (value === undefined) continue;
    const k = key(value);
    const entry = counts.get(k);
    if (entry === undefined) counts.set(k, { value, count: 1 });
    else entry.count += 1;
  }
  let best: { value: T; count: number } | undefined;
  // Map iteration is insertion order, so `>` keeps the first-seen value on ties.
  for (const entry of counts.values()) if (best === undefined || entry.count > best.count) best = entry;
  return { value: best?.value, distinct: counts.size };
}

const nameKey = (n: PersonName): string => [n.family, n.given, n.middle ?? '', n.prefix ?? '', n.suffix ?? ''].join('^');

function sortedUnique(values: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))].sort(byCodeUnit);
}

const ORIGIN_RANK: Readonly<Record<StudyDateTimeOrigin, number>> = { study: 0, series: 1, acquisition: 2, content: 3 };

/**
 * The study date-time from the best origin any instance has: Study Date beats the series,
 * acquisition and content fallbacks even when fewer instances carry it, since the fallbacks
 * differ legitimately between series of one study.
 */
function studyDateTime(instances: DicomInstanceHeader[]): string | undefined {
  const rank = (i: DicomInstanceHeader): number => (i.studyDateTimeFrom === undefined ? 99 : ORIGIN_RANK[i.studyDateTimeFrom]);
  const best = instances.reduce((min, i) => Math.min(min, rank(i)), 99);
  return majority(instances.filter((i) => rank(i) === best).map((i) => i.studyDateTime)).value;
}

function patientOf(instances: DicomInstanceHeader[]): PatientIdentity {
  const patient: PatientIdentity = {};
  const id = majority(instances.map((i) => i.patient.id)).value;
  const issuer = majority(instances.map((i) => i.patient.issuer)).value;
  const name = majority(instances.map((i) => i.patient.name), nameKey).value;
  const birthDate = majority(instances.map((i) => i.patient.birthDate)).value;
  const sex = majority(instances.map((i) => i.patient.sex)).value;
  if (id !== undefined) patient.id = id;
  if (issuer !== undefined) patient.issuer = issuer;
  if (name !== undefined) patient.name = { ...name };
  if (birthDate !== undefined) patient.birthDate = birthDate;
  if (sex !== undefined) patient.sex = sex;
  return patient;
}

const sourceOf = (i: DicomInstanceHeader): SourceRef =>
  i.sopInstanceUid === undefined ? { kind: 'dicom', path: i.source.path } : { kind: 'dicom', path: i.source.path, id: i.sopInstanceUid };

function buildScan(studyInstanceUid: string, instances: DicomInstanceHeader[]): Scan {
  const scan: Scan = {
    studyInstanceUid,
    patient: patientOf(instances),
    modalities: sortedUnique(instances.map((i) => i.modality)),
    bodyParts: sortedUnique(instances.map((i) => i.bodyPartExamined)),
    seriesDescriptions: sortedUnique(instances.map((i) => i.seriesDescription)),
    seriesCount: new Set(instances.map((i) => i.seriesInstanceUid).filter((u) => u !== undefined)).size,
    // A file copied twice is one instance; a header without SOP Instance UID counts by its file.
    instanceCount: new Set(instances.map((i) => i.sopInstanceUid ?? `file:${i.source.path}`)).size,
    sources: instances.map(sourceOf).sort((a, b) => byCodeUnit(a.path, b.path) || byCodeUnit(a.id ?? '', b.id ?? '')),
  };
  const optional: Partial<Scan> = {
    accession: majority(instances.map((i) => i.accession)).value,
    accessionIssuer: majority(instances.map((i) => i.accessionIssuer)).value,
    studyDateTime: studyDateTime(instances),
    studyDescription: majority(instances.map((i) => i.studyDescription)).value,
    procedureText: majority(instances.map((i) => i.procedureText)).value,
    referringPhysician: majority(instances.map((i) => i.referringPhysician), nameKey).value,
    institution: majority(instances.map((i) => i.institution)).value,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (scan as unknown as Record<string, unknown>)[key] = value;
  }
  return scan;
}

/** Fields whose disagreement inside one study means the study was split or mislabelled somewhere. */
const CONFLICT_FIELDS: ReadonlyArray<{ label: string; read: (i: DicomInstanceHeader) => string | undefined }> = [
  { label: 'accession number (0008,0050)', read: (i) => i.accession },
  { label: 'patient id (0010,0020)', read: (i) => i.patient.id },
];

/**
 * One DICOM_CONFLICT per disagreeing field: the source is the first file (by path) holding a
 * minority value, so the operator can open it; the reason names the field, the study and counts,
 * never the values, which are PHI.
 */
function conflictsOf(studyInstanceUid: string, instances: DicomInstanceHeader[]): InputRejection[] {
  const rejections: InputRejection[] = [];
  for (const { label, read } of CONFLICT_FIELDS) {
    const { value, distinct } = majority(instances.map(read));
    if (distinct < 2) continue;
    const odd = instances
      .filter((i) => read(i) !== undefined && read(i) !== value)
      .sort((a, b) => byCodeUnit(a.source.path, b.source.path));
    const first = odd[0];
    if (first === undefined) continue;
    rejections.push({
      source: sourceOf(first),
      code: ErrorCode.DicomConflict,
      severity: 'warning',
      reason:
        `study ${studyInstanceUid}: instances disagree on the ${label} (${distinct} distinct values; ` +
        `${odd.length} of ${instances.length} instances differ from the majority, which the scan uses)`,
    });
  }
  return rejections;
}

/**
 * Groups instance headers by Study Instance UID into Scans, sorted by study UID.
 * Lists (modalities, body parts, series descriptions) are sorted unique values; scalars take the
 * most common non-empty value (ties: first seen). Disagreement on accession number or patient id
 * inside a study still yields the scan, plus a DICOM_CONFLICT rejection for errors.jsonl.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html (General Study module)
 */
export function aggregateStudies(instances: DicomInstanceHeader[]): ReadResult<Scan> {
  const byStudy = new Map<string, DicomInstanceHeader[]>();
  for (const instance of instances) {
    const group = byStudy.get(instance.studyInstanceUid);
    if (group === undefined) byStudy.set(instance.studyInstanceUid, [instance]);
    else group.push(instance);
  }
  const records: Scan[] = [];
  const rejections: InputRejection[] = [];
  for (const uid of [...byStudy.keys()].sort(byCodeUnit)) {
    const group = byStudy.get(uid) ?? [];
    records.push(buildScan(uid, group));
    rejections.push(...conflictsOf(uid, group));
  }
  return { records, rejections };
}
