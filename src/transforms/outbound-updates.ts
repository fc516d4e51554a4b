/**
 * Outbound planning for the streaming engine's non-HL7 destinations: the image archive (a DICOM
 * attribute change through its API: accessions and header fixes) and FHIR servers (an accession change the sink re-reads and guards at
 * delivery time). The batch path writes JSON Patches from the resources it read; the engine cannot hold
 * every resource, and what it read may be stale by delivery time, so it plans the intent instead.
 * Pure: ids derive from correction ids.
 * @see https://hl7.org/fhir/R4/http.html#patch
 * @see DICOM PS3.3 C.12.1.1.9 "Original Attributes Sequence"
 */
import type { Correction } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import {
  ARCHIVE_MESSAGE_TYPE, Destination, type ArchiveUpdate, type FhirAccessionUpdate, type OutboundMessage,
} from './outbound.ts';

/** The FHIR resource a record came from, as `Type/id`, if any. */
export function fhirTargetOf(record: Scan | Report): string | undefined {
  if ('studyInstanceUid' in record && !('reportId' in record)) return record.fhirId ? `ImagingStudy/${record.fhirId}` : undefined;
  const r = record;
  return r.fhirId && r.fhirType ? `${r.fhirType}/${r.fhirId}` : undefined;
}

function json(v: ArchiveUpdate | FhirAccessionUpdate): string {
  return `${JSON.stringify(v)}\n`;
}

/**
 * Messages for the archive and FHIR destinations: one archive update per study correction (the
 * accession or a header fix, one attribute each), one FHIR update per accession correction of a record
 * that came from FHIR. Header fixes are not sent to FHIR servers, as in the batch command.
 */
export function planRecordUpdates(
  corrections: readonly Correction[],
  records: { scans: readonly Scan[]; reports: readonly Report[] },
): OutboundMessage[] {
  const scans = new Map(records.scans.map((s) => [s.studyInstanceUid, s]));
  const reports = new Map(records.reports.map((r) => [r.reportId, r]));
  const out: OutboundMessage[] = [];
  for (const c of corrections) {
    const record = c.target === 'scan'
      ? (c.studyInstanceUid === undefined ? undefined : scans.get(c.studyInstanceUid))
      : (c.reportId === undefined ? undefined : reports.get(c.reportId));
    if (!record) continue;
    if (c.target === 'scan' && c.studyInstanceUid !== undefined) {
      const body: ArchiveUpdate = { studyInstanceUid: c.studyInstanceUid, attribute: c.field, from: c.from, to: c.to };
      out.push({ correctionId: c.id, destination: Destination.Archive, messageType: ARCHIVE_MESSAGE_TYPE, fileName: `${c.id}.archive.json`, body: json(body), target: c.studyInstanceUid });
    }
    const target = c.field === 'AccessionNumber' ? fhirTargetOf(record) : undefined;
    if (target) {
      const body: FhirAccessionUpdate = { target, from: c.from, to: c.to };
      out.push({ correctionId: c.id, destination: Destination.Fhir, messageType: `PATCH ${target.split('/')[0] ?? ''}`, fileName: `${c.id}.fhir.json`, body: json(body), target });
    }
  }
  return out;
}
