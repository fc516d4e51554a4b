/**
 * FHIR R4 ImagingStudy → Scan.
 * @see https://hl7.org/fhir/R4/imagingstudy.html
 */
import { ErrorCode } from '../../model/errors.ts';
import type { InputRejection, Scan } from '../../model/types.ts';
import { findAccessionIdentifier, identifierIssuer, studyUidOf } from './codes.ts';
import { assignDefined, practitionerName, subjectPatient } from './common.ts';
import type { MapContext } from './common.ts';
import { codingCode, codingText, conceptText, toLocalDateTime } from './datatypes.ts';
import { reject, sourceOf } from './entries.ts';
import type { FhirEntry } from './entries.ts';
import { arr, count, distinct, obj, objects, str } from './json.ts';
import type { JsonObject } from './json.ts';

/** Maps one ImagingStudy; a study without a Study Instance UID cannot be linked and is rejected. */
export function imagingStudyToScan(entry: FhirEntry, ctx: MapContext): Scan | InputRejection {
  const r = entry.resource;
  const source = sourceOf(entry, ctx.path);
  const studyInstanceUid = studyUidOf(r);
  if (studyInstanceUid === undefined) {
    return reject(source, ErrorCode.FhirMissingField, 'ImagingStudy has no identifier with system urn:dicom:uid');
  }
  const series = objects(r['series']);
  const scan: Scan = {
    studyInstanceUid,
    patient: subjectPatient(r, ctx),
    modalities: distinct([...arr(r['modality']), ...series.map((s) => s['modality'])].map(modalityCode)),
    bodyParts: distinct(series.map((s) => bodySiteText(s['bodySite']))),
    seriesDescriptions: series.map((s) => str(s['description'])).filter((d) => d !== undefined),
    seriesCount: count(r['numberOfSeries']) ?? series.length,
    instanceCount: count(r['numberOfInstances']) ?? sumInstances(series),
    sources: [source],
  };
  const acsn = findAccessionIdentifier(r);
  if (acsn?.value !== undefined) {
    scan.accession = acsn.value;
    const issuer = identifierIssuer(acsn.identifier);
    if (issuer !== undefined) scan.accessionIssuer = issuer;
  }
  assignDefined(scan, {
    studyDateTime: toLocalDateTime(r['started']),
    studyDescription: str(r['description']),
    procedureText: arr(r['procedureCode']).map(conceptText).find((t) => t !== undefined),
    referringPhysician: practitionerName(r['referrer'], r, ctx),
    fhirId: str(r['id']),
  });
  return scan;
}

/** R4 modality is a Coding, R5 a CodeableConcept: both are accepted. Codes are upper-cased DICOM terms. */
function modalityCode(v: unknown): string | undefined {
  return codingCode(v)?.trim().toUpperCase();
}

/** R4 bodySite is a Coding. Its display is kept over the code: SNOMED numbers say nothing to text matching. */
function bodySiteText(v: unknown): string | undefined {
  const o = obj(v);
  if (o === undefined) return undefined;
  return 'concept' in o ? conceptText(o['concept']) : (codingText(o) ?? conceptText(o));
}

function sumInstances(series: readonly JsonObject[]): number {
  return series.reduce((n, s) => n + (count(s['numberOfInstances']) ?? arr(s['instance']).length), 0);
}
