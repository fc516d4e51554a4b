/**
 * Renders part of the PACS side (studies flagged `inFhir`, about a third) as FHIR R4 ndjson:
 * one Patient per patient, then one ImagingStudy per study, in a single file so that every
 * `subject` reference resolves within it.
 * @see https://hl7.org/fhir/R4/imagingstudy.html
 * @see https://hl7.org/fhir/R4/imagingstudy-example.json.html (identifier conventions)
 */
import type { Sex } from '../model/types.ts';
import type { DicomRenderOptions } from './render-dicom.ts';
import { planStudyInstances } from './render-dicom.ts';
import type { RenderedText } from './render-hl7.ts';
import type { Hospital, PatientView, SynthStudy } from './model.ts';
import { fnv1a } from './rand.ts';

/** Code systems used in the resources. */
export const FhirSystem = {
  V2_0203: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  DicomUid: 'urn:dicom:uid',
  Dcm: 'http://dicom.nema.org/resources/ontology/DCM',
} as const;

/** A JSON value, for typing resources without a FHIR library. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const GENDER: Readonly<Record<Sex, string>> = { M: 'male', F: 'female', O: 'other', U: 'unknown' };

/** The site's UTC offset, fixed per hospital: FHIR dateTimes with a time must carry one. */
function siteOffset(hospital: Hospital): string {
  return ['+01:00', '-05:00', '+00:00', '+02:00'][fnv1a(`${hospital.seed}/tz`) % 4] ?? '+00:00';
}

function patientResource(hospital: Hospital, index: number, p: PatientView): Json {
  const given = [p.name.given, ...(p.name.middle === undefined ? [] : [p.name.middle])];
  const identifier: Json[] = [
    { use: 'usual', type: { coding: [{ system: FhirSystem.V2_0203, code: 'MR' }] }, system: `http://${hospital.institution.domain}/fhir/mrn`, value: p.id },
  ];
  return { resourceType: 'Patient', id: `pat-${index}`, identifier, name: [{ family: p.name.family, given }], gender: GENDER[p.sex], birthDate: p.birthDate };
}

function imagingStudy(hospital: Hospital, s: SynthStudy, opts: DicomRenderOptions): Json {
  const plans = planStudyInstances(hospital, s, opts);
  const bySeries = new Map<string, { number: number; description: string; count: number }>();
  for (const { dataset } of plans) {
    const entry = bySeries.get(dataset.seriesInstanceUid) ?? { number: dataset.seriesNumber ?? 0, description: dataset.seriesDescription ?? '', count: 0 };
    entry.count++;
    bySeries.set(dataset.seriesInstanceUid, entry);
  }
  const modality = { system: FhirSystem.Dcm, code: s.modality };
  const identifier: Json[] = [{ system: FhirSystem.DicomUid, value: `urn:oid:${s.studyInstanceUid}` }];
  if (s.accession !== '') {
    identifier.push({ type: { coding: [{ system: FhirSystem.V2_0203, code: 'ACSN' }] }, system: `http://${hospital.institution.domain}/accession`, value: s.accession });
  }
  const series: Json[] = [...bySeries].map(([uid, x]) => ({
    uid, number: x.number, modality, description: x.description, numberOfInstances: x.count, bodySite: { display: s.bodyPart },
  }));
  return {
    resourceType: 'ImagingStudy',
    id: `is-${s.index}`,
    identifier,
    status: 'available',
    modality: [modality],
    subject: { reference: `Patient/pat-${s.patientIndex}` },
    started: `${s.dateTime}${siteOffset(hospital)}`,
    numberOfSeries: bySeries.size,
    numberOfInstances: plans.length,
    description: s.studyDescription,
    series,
  };
}

/** The ndjson file(s) of the hospital; the DICOM options keep series and instance counts in step. */
export function renderFhirFiles(hospital: Hospital, opts: DicomRenderOptions = {}): RenderedText[] {
  const studies = hospital.studies.filter((s) => s.inFhir);
  const patients = new Map<number, PatientView>();
  for (const s of studies) if (!patients.has(s.patientIndex)) patients.set(s.patientIndex, s.patient);
  const lines: string[] = [];
  for (const [index, p] of patients) lines.push(JSON.stringify(patientResource(hospital, index, p)));
  for (const s of studies) lines.push(JSON.stringify(imagingStudy(hospital, s, opts)));
  return [{ path: 'fhir/imaging-studies.ndjson', text: lines.length === 0 ? '' : `${lines.join('\n')}\n`, records: lines.length }];
}
