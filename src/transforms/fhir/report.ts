/**
 * FHIR R4 DiagnosticReport → Report (kind `report`) and ServiceRequest → Report (kind `order`).
 * @see https://hl7.org/fhir/R4/diagnosticreport.html
 * @see https://hl7.org/fhir/R4/servicerequest.html
 */
import { ErrorCode } from '../../model/errors.ts';
import type { InputRejection, Report } from '../../model/types.ts';
import { findAccessionIdentifier, findTypedIdentifier, FhirSystem, identifierIssuer, IdentifierTypeCode, studyUidOf } from './codes.ts';
import { codingCode, conceptText, toLocalDateTime } from './datatypes.ts';
import { reject, sourceOf } from './entries.ts';
import type { FhirEntry } from './entries.ts';
import { assignDefined, practitionerName, subjectPatient } from './common.ts';
import type { MapContext } from './common.ts';
import { arr, distinct, isObject, obj, objects, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { resolveReference } from './resolve.ts';

/**
 * DiagnosticReport.status as HL7 v2 OBR-25 (table 0123), so reports from both feeds compare alike.
 * `registered` is I (exam known, no result yet); every post-final change (amended, corrected, appended)
 * is C; cancelled and entered-in-error are X (no valid result). `unknown` maps to nothing.
 * @see https://hl7.org/fhir/R4/valueset-diagnostic-report-status.html
 */
export const REPORT_RESULT_STATUS = {
  registered: 'I',
  partial: 'A',
  preliminary: 'P',
  final: 'F',
  amended: 'C',
  corrected: 'C',
  appended: 'C',
  cancelled: 'X',
  'entered-in-error': 'X',
} as const;

/**
 * ServiceRequest.status as OBR-25: an order has no result, so only withdrawn orders say something (X);
 * active or completed orders leave the status empty, as an HL7 ORM does.
 * @see https://hl7.org/fhir/R4/valueset-request-status.html
 */
export const ORDER_RESULT_STATUS = { revoked: 'X', 'entered-in-error': 'X' } as const;

function lookupStatus(map: Readonly<Record<string, string>>, v: unknown): string | undefined {
  const s = str(v)?.trim();
  return s !== undefined && Object.hasOwn(map, s) ? map[s] : undefined;
}

/** Maps one DiagnosticReport. */
export function diagnosticReportToReport(entry: FhirEntry, ctx: MapContext): Report | InputRejection {
  const r = entry.resource;
  const base = baseReport(entry, ctx, 'report', 'DiagnosticReport');
  if (!('reportId' in base)) return base;
  const studies = arr(r['imagingStudy']).map((ref) => referencedStudy(ref, r, ctx));
  assignDefined(base, {
    examDateTime: toLocalDateTime(r['effectiveDateTime']) ?? toLocalDateTime(obj(r['effectivePeriod'])?.['start']),
    reportDateTime: toLocalDateTime(r['issued']),
    resultStatus: lookupStatus(REPORT_RESULT_STATUS, r['status']),
    interpreter: practitionerName(arr(r['resultsInterpreter'])[0], r, ctx),
    text: reportText(r),
    studyInstanceUid: studies.map((s) => s.uid).find((u) => u !== undefined),
    modality: studies.map((s) => s.modality).find((m) => m !== undefined),
  });
  if (base.accession === undefined) assignAccession(base, accessionFromBasedOn(r, ctx));
  return base;
}

/** Maps one ServiceRequest. */
export function serviceRequestToReport(entry: FhirEntry, ctx: MapContext): Report | InputRejection {
  const r = entry.resource;
  const base = baseReport(entry, ctx, 'order', 'ServiceRequest');
  if (!('reportId' in base)) return base;
  assignDefined(base, {
    examDateTime: toLocalDateTime(r['occurrenceDateTime']) ?? toLocalDateTime(obj(r['occurrencePeriod'])?.['start']),
    resultStatus: lookupStatus(ORDER_RESULT_STATUS, r['status']),
  });
  return base;
}

/** Fields common to both resource types: ids, accession, patient, code and category. */
function baseReport(
  entry: FhirEntry,
  ctx: MapContext,
  kind: Report['kind'],
  fhirType: NonNullable<Report['fhirType']>,
): Report | InputRejection {
  const r = entry.resource;
  const source = sourceOf(entry, ctx.path);
  const reportId = reportIdOf(r);
  if (reportId === undefined) return reject(source, ErrorCode.FhirMissingField, `${fhirType} has neither id nor identifier`);
  const report: Report = { reportId, kind, patient: subjectPatient(r, ctx), fhirType, sources: [source] };
  assignAccession(report, accessionOf(r));
  const code = obj(r['code']);
  assignDefined(report, {
    procedureText: conceptText(code),
    procedureCode: str(objects(code?.['coding'])[0]?.['code']),
    section: sectionOf(r['category']),
    fhirId: str(r['id']),
  });
  return report;
}

/** Resource id first (it addresses PATCH); else filler, then any non-accession, then accession identifier. */
function reportIdOf(r: JsonObject): string | undefined {
  const identifiers = objects(r['identifier']);
  const acsn = findAccessionIdentifier(r);
  return (
    str(r['id']) ??
    findTypedIdentifier(r, IdentifierTypeCode.Filler)?.value ??
    identifiers.filter((i) => i !== acsn?.identifier).map((i) => str(i['value'])).find((v) => v !== undefined) ??
    acsn?.value
  );
}

interface Accession {
  value: string;
  issuer?: string;
}

function accessionOf(r: JsonObject): Accession | undefined {
  const acsn = findAccessionIdentifier(r);
  if (acsn?.value === undefined) return undefined;
  const issuer = identifierIssuer(acsn.identifier);
  return issuer === undefined ? { value: acsn.value } : { value: acsn.value, issuer };
}

function assignAccession(report: Report, acsn: Accession | undefined): void {
  if (acsn === undefined) return;
  report.accession = acsn.value;
  if (acsn.issuer !== undefined) report.accessionIssuer = acsn.issuer;
}

/** A report often carries its accession only on the order it fulfils (`basedOn`). */
function accessionFromBasedOn(r: JsonObject, ctx: MapContext): Accession | undefined {
  for (const ref of arr(r['basedOn'])) {
    const order = resolveReference(ref, r, ctx.index, 'ServiceRequest');
    const acsn = order === undefined ? undefined : accessionOf(order);
    if (acsn !== undefined) return acsn;
  }
  return undefined;
}

/**
 * The section (OBR-24 equivalent) from `category`. Table 0074 codings are preferred, and among them a
 * specific one (CT) over the catch-all RAD. Other systems are used only for letter codes: SNOMED/LOINC
 * category codes are numbers that no section comparison understands.
 */
function sectionOf(category: unknown): string | undefined {
  // STU3 had a single CodeableConcept here; accept it as well as the R4 array.
  const concepts = isObject(category) ? [category] : arr(category);
  const codings = concepts.flatMap((cc) => objects(obj(cc)?.['coding']));
  const v2 = distinct(codings.filter((c) => str(c['system']) === FhirSystem.DiagnosticServiceSection).map((c) => str(c['code'])));
  const section = v2.find((c) => c.toUpperCase() !== 'RAD') ?? v2[0];
  return section ?? codings.map((c) => str(c['code'])).find((c) => c !== undefined && /^[A-Za-z]+$/.test(c));
}

/** The study a report names: resolved in the input, or given by a logical `urn:dicom:uid` identifier. */
function referencedStudy(ref: unknown, r: JsonObject, ctx: MapContext): { uid?: string; modality?: string } {
  const study = resolveReference(ref, r, ctx.index, 'ImagingStudy');
  if (study !== undefined) {
    const modality = codingCode(arr(study['modality'])[0])?.toUpperCase();
    return { ...optional('uid', studyUidOf(study)), ...optional('modality', modality) };
  }
  const identifier = obj(obj(ref)?.['identifier']);
  return identifier === undefined ? {} : optional('uid', studyUidOf({ identifier: [identifier] }));
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, string>>);
}

/** Conclusion and plain-text presentedForm attachments, joined by blank lines, without repeats. */
function reportText(r: JsonObject): string | undefined {
  const parts = distinct([str(r['conclusion']), ...objects(r['presentedForm']).map(attachmentText)].map(tidy));
  return parts.length === 0 ? undefined : parts.join('\n\n');
}

function tidy(text: string | undefined): string | undefined {
  const t = text?.replace(/\r\n?/g, '\n').trim();
  return t === '' ? undefined : t;
}

/** Decodes a base64 text/plain attachment in its declared charset (UTF-8 when none or unknown). */
function attachmentText(a: JsonObject): string | undefined {
  const contentType = str(a['contentType'])?.toLowerCase() ?? '';
  const data = str(a['data']);
  if (!contentType.startsWith('text/plain') || data === undefined) return undefined;
  const bytes = Buffer.from(data, 'base64');
  const charset = /charset\s*=\s*"?([^";]+)/.exec(contentType)?.[1]?.trim();
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
