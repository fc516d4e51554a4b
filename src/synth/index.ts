/**
 * The synthetic hospital: generation (pure), rendering to DICOM / HL7 v2 / FHIR (pure), and the
 * truth to score against. File writing lives in src/channels/files/write-synth.ts.
 */
export { generateHospital } from './hospital.ts';
export type { HospitalOptions } from './hospital.ts';
export { Category, DEFAULT_ERROR_RATES } from './model.ts';
export type { ErrorRates, Hospital, InjectedCategory, PatientView, ReportTruth, StudyTruth, SynthPatient, SynthReport, SynthStudy, Truth } from './model.ts';
export { AccessionFormat, EditKind, editKindBetween } from './accession.ts';
export { countDicomInstances, planStudyInstances, renderDicomFiles } from './render-dicom.ts';
export type { DicomInstancePlan, DicomRenderOptions, RenderedFile } from './render-dicom.ts';
export { HL7_VENDORS, renderHl7Files } from './render-hl7.ts';
export type { Hl7Vendor, RenderedText } from './render-hl7.ts';
export { renderFhirFiles } from './render-fhir.ts';
export { truthToJson } from './truth-json.ts';
