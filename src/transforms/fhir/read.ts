/**
 * Reads FHIR R4 input (ndjson, Bundle or a single resource) into Scans and Reports.
 * @see https://hl7.org/fhir/R4/imagingstudy.html
 * @see https://hl7.org/fhir/R4/diagnosticreport.html
 * @see https://hl7.org/fhir/R4/servicerequest.html
 * @see https://hl7.org/fhir/R4/nd-json.html
 */
import { ErrorCode } from '../../model/errors.ts';
import type { InputRejection, ReadResult, Report, Scan } from '../../model/types.ts';
import type { MapContext } from './common.ts';
import { reject, sourceOf, splitFhirText } from './entries.ts';
import type { FhirEntry } from './entries.ts';
import { imagingStudyToScan } from './imaging-study.ts';
import { diagnosticReportToReport, serviceRequestToReport } from './report.ts';
import { indexResources } from './resolve.ts';

type Mapped =
  | { side: 'scan'; scan: Scan }
  | { side: 'report'; report: Report }
  | { side: 'scan' | 'report'; rejection: InputRejection }
  | undefined;

/**
 * Reads FHIR text into Scans (ImagingStudy) and Reports (DiagnosticReport, ServiceRequest). Patient and
 * Practitioner resources in the same input resolve references and yield no record of their own; any
 * other resource type is rejected with FHIR_UNSUPPORTED_RESOURCE. Never throws on bad input.
 *
 * Rejections of an ImagingStudy go with the scans; all others, including input-level ones (bad JSON,
 * unsupported types), go with the reports, since FHIR input is mostly RIS-side. Callers report both.
 * @param path where the text came from, for SourceRefs (not opened here).
 */
export function fhirToRecords(text: string, path: string): { scans: ReadResult<Scan>; reports: ReadResult<Report> } {
  const { entries, rejections } = splitFhirText(text, path);
  const ctx: MapContext = { path, index: indexResources(entries) };
  const scans: ReadResult<Scan> = { records: [], rejections: [] };
  const reports: ReadResult<Report> = { records: [], rejections: [...rejections] };
  for (const entry of entries) {
    const m = mapEntry(entry, ctx);
    if (m === undefined) continue;
    const into = m.side === 'scan' ? scans.rejections : reports.rejections;
    if ('rejection' in m) into.push(m.rejection);
    else if ('scan' in m) scans.records.push(m.scan);
    else reports.records.push(m.report);
  }
  // Input order: input-level rejections were found before mapping, but belong between the resources.
  reports.rejections.sort((x, y) => (x.source.index ?? 0) - (y.source.index ?? 0));
  return { scans, reports };
}

function mapEntry(entry: FhirEntry, ctx: MapContext): Mapped {
  switch (entry.resourceType) {
    case 'ImagingStudy': {
      const scan = imagingStudyToScan(entry, ctx);
      return isRejection(scan) ? { side: 'scan', rejection: scan } : { side: 'scan', scan };
    }
    case 'DiagnosticReport':
    case 'ServiceRequest': {
      const map = entry.resourceType === 'ServiceRequest' ? serviceRequestToReport : diagnosticReportToReport;
      const report = map(entry, ctx);
      return isRejection(report) ? { side: 'report', rejection: report } : { side: 'report', report };
    }
    case 'Patient':
    case 'Practitioner':
      return undefined;
    default: {
      // The type name is echoed only when it looks like one, so free text never reaches a reason.
      const type = /^[A-Z][A-Za-z]{0,63}$/.test(entry.resourceType) ? entry.resourceType : '(malformed)';
      const reason = `resource type ${type} is not read`;
      return { side: 'report', rejection: reject(sourceOf(entry, ctx.path), ErrorCode.FhirUnsupportedResource, reason) };
    }
  }
}

function isRejection(r: Scan | Report | InputRejection): r is InputRejection {
  return 'code' in r && 'reason' in r;
}
