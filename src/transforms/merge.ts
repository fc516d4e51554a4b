/**
 * One study, several descriptions: DICOM headers and a FHIR ImagingStudy with the same Study Instance
 * UID are one scan. The archive's own headers win; the FHIR resource fills what they lack and lends its id.
 */
import type { Scan } from '../model/types.ts';

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** Merge two scans of one study: `primary` (DICOM) values win, `secondary` (FHIR) fills gaps. */
export function mergeScan(primary: Scan, secondary: Scan): Scan {
  const out: Scan = { ...secondary, ...stripUndefined(primary) };
  out.modalities = union(primary.modalities, secondary.modalities);
  out.bodyParts = union(primary.bodyParts, secondary.bodyParts);
  out.seriesDescriptions = union(primary.seriesDescriptions, secondary.seriesDescriptions);
  out.patient = { ...secondary.patient, ...stripUndefined(primary.patient) };
  out.seriesCount = Math.max(primary.seriesCount, secondary.seriesCount);
  out.instanceCount = Math.max(primary.instanceCount, secondary.instanceCount);
  out.sources = [...primary.sources, ...secondary.sources];
  const fhirId = primary.fhirId ?? secondary.fhirId;
  if (fhirId) out.fhirId = fhirId;
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

/** Merge scan lists by Study Instance UID, keeping first-seen order. Earlier lists take precedence. */
export function mergeScans(...lists: ReadonlyArray<readonly Scan[]>): Scan[] {
  const byUid = new Map<string, Scan>();
  for (const list of lists) {
    for (const s of list) {
      const prev = byUid.get(s.studyInstanceUid);
      byUid.set(s.studyInstanceUid, prev ? mergeScan(prev, s) : s);
    }
  }
  return [...byUid.values()];
}
