/** Small FHIR R4 resource builders for the FHIR channel tests (ImagingStudy, DiagnosticReport, ServiceRequest). */
import type { DiagnosticReport, ImagingStudy, Patient, ServiceRequest } from '@medplum/fhirtypes';
import type { Destination, FhirAccessionUpdate, OutboundMessage } from '../../src/transforms/outbound.ts';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** Patient data in every test resource; it must never appear in a result detail or an OperationOutcome. */
export const FHIR_PHI = { family: 'ZZFHIRFAMILY', given: 'ZZFHIRGIVEN', mrn: 'MRN5518203' } as const;

/** An ACSN-typed identifier, as the reader recognises accessions. */
export function acsn(value: string): { type: { coding: { system: string; code: string }[] }; value: string } {
  return { type: { coding: [{ system: V2_0203, code: 'ACSN' }] }, value };
}

export function patient(id = 'p1'): Patient {
  return {
    resourceType: 'Patient', id,
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'MR' }] }, system: 'urn:oid:1.2.3.9', value: FHIR_PHI.mrn }],
    name: [{ family: FHIR_PHI.family, given: [FHIR_PHI.given] }],
    birthDate: '1961-02-03', gender: 'female',
  };
}

export function imagingStudy(uid: string, accession?: string, o: { id?: string; lastUpdated?: string; patientRef?: string } = {}): ImagingStudy {
  return {
    resourceType: 'ImagingStudy',
    ...(o.id === undefined ? {} : { id: o.id }),
    ...(o.lastUpdated === undefined ? {} : { meta: { lastUpdated: o.lastUpdated } }),
    status: 'available',
    identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${uid}` }, ...(accession === undefined ? [] : [acsn(accession)])],
    subject: { reference: o.patientRef ?? 'Patient/p1', display: `${FHIR_PHI.family}, ${FHIR_PHI.given}` },
    started: '2024-05-06T09:41:00Z',
    modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }],
    description: 'CT CHEST',
  };
}

export function diagnosticReport(id: string | undefined, accession?: string, o: { basedOn?: string; lastUpdated?: string } = {}): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    ...(id === undefined ? {} : { id }),
    ...(o.lastUpdated === undefined ? {} : { meta: { lastUpdated: o.lastUpdated } }),
    status: 'final',
    identifier: [{ system: 'http://ris.example.org/report', value: `RPT-${id ?? 'x'}` }, ...(accession === undefined ? [] : [acsn(accession)])],
    ...(o.basedOn === undefined ? {} : { basedOn: [{ reference: o.basedOn }] }),
    subject: { reference: 'Patient/p1' },
    code: { text: 'CT CHEST WITHOUT CONTRAST' },
    effectiveDateTime: '2024-05-06T10:00:00Z',
  };
}

export function serviceRequest(id: string | undefined, accession?: string, o: { lastUpdated?: string } = {}): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    ...(id === undefined ? {} : { id }),
    ...(o.lastUpdated === undefined ? {} : { meta: { lastUpdated: o.lastUpdated } }),
    status: 'active', intent: 'order',
    identifier: [{ type: { coding: [{ system: V2_0203, code: 'FILL' }] }, value: `FO-${id ?? 'x'}` }, ...(accession === undefined ? [] : [acsn(accession)])],
    subject: { reference: 'Patient/p1' },
    code: { text: 'CT CHEST' },
    occurrenceDateTime: '2024-05-06T09:30:00Z',
  };
}

/** The `fhir` message the engine plans for one accession change on `target` (`Type/id`). */
export function updateMessage(correctionId: string, target: string, from: string | null, to: string, destination: Destination = 'fhir'): OutboundMessage {
  const body: FhirAccessionUpdate = { target, from, to };
  const type = target.split('/')[0] ?? '';
  return { correctionId, destination, messageType: `PATCH ${type}`, fileName: `${correctionId}.json`, body: JSON.stringify(body), target };
}
