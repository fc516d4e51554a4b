/**
 * FHIR resources received live (pushed or polled) → Scans and Reports, through the same reader as the
 * batch command (`fhirToRecords`), so that both drivers read FHIR alike.
 * @see https://hl7.org/fhir/R4/bundle.html
 */
import { ErrorCode } from '../../model/errors.ts';
import type { InputRejection, Report, Scan } from '../../model/types.ts';
import { fhirToRecords } from '../../transforms/fhir/read.ts';

/** What a FHIR channel hands to the engine: resolves once the records are durably stored. */
export interface FhirIngestBatch {
  scans: Scan[];
  reports: Report[];
}
export type FhirIngest = (batch: FhirIngestBatch) => Promise<void>;

/** One resource with the Bundle fullUrl it came with (the target of `urn:uuid:` references). */
export interface ReceivedResource {
  resource: unknown;
  fullUrl?: string;
}

export interface ConvertedResources {
  batch: FhirIngestBatch;
  /** Resources of a read type that could not be read (no Study Instance UID, no id...): fatal for a request. */
  rejections: InputRejection[];
  /** Resources of other types (neither read nor used for references): ignorable in a Bundle. */
  ignored: InputRejection[];
}

/** Resource types the channels turn into records. */
export const RECORD_TYPES = ['ImagingStudy', 'DiagnosticReport', 'ServiceRequest'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/**
 * Reads FHIR text (a resource or a Bundle) into records.
 * @param path where it came from, for the records' SourceRefs (`fhir-inbound`, `fhir:<base>`).
 */
export function textToRecords(text: string, path: string): ConvertedResources {
  const { scans, reports } = fhirToRecords(text, path);
  const all = [...scans.rejections, ...reports.rejections].sort((a, b) => (a.source.index ?? 0) - (b.source.index ?? 0));
  return {
    batch: { scans: scans.records, reports: reports.records },
    rejections: all.filter((r) => r.code !== ErrorCode.FhirUnsupportedResource),
    ignored: all.filter((r) => r.code === ErrorCode.FhirUnsupportedResource),
  };
}

/**
 * Reads resources together, as one collection Bundle, so references between them resolve (a study's
 * Patient, a report's ServiceRequest). Rejection indexes are positions in `resources`.
 * @param keep when given, only records whose resource (`Type/id`) is in it are returned: the others
 *   came along as context (search `_include`s) and are not news.
 */
export function resourcesToRecords(resources: readonly ReceivedResource[], path: string, keep?: ReadonlySet<string>): ConvertedResources {
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((r) => (r.fullUrl === undefined ? { resource: r.resource } : { fullUrl: r.fullUrl, resource: r.resource })),
  };
  const converted = textToRecords(JSON.stringify(bundle), path);
  if (keep === undefined) return converted;
  const kept = (sources: readonly { id?: string }[]): boolean => sources.some((s) => s.id !== undefined && keep.has(s.id));
  return {
    ...converted,
    batch: { scans: converted.batch.scans.filter((s) => kept(s.sources)), reports: converted.batch.reports.filter((r) => kept(r.sources)) },
  };
}
