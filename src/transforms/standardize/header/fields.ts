/**
 * The header fields that standardization knows, and how they map onto the model's correction vocabulary.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part06/chapter_6.html (DICOM keywords)
 */
import { CorrectableField, StandardizationReason } from '../../../model/link.ts';

/**
 * Header fields with standardization rules. DICOM side: Study Description (0008,1030), Body Part Examined
 * (0018,0015), Modality (0008,0060), Patient's Sex (0010,0040), Patient's Name (0010,0010), Study Date
 * (0008,0020), Patient's Birth Date (0010,0030), Institution Name (0008,0080), Accession Number
 * (0008,0050). Report side: `procedureText` (OBR-4 text, ServiceRequest.code.text).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html (General Study)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.3.html (General Series)
 */
export const FIELD_NAMES = [
  'accessionNumber',
  'patientName',
  'patientSex',
  'birthDate',
  'studyDate',
  'modality',
  'bodyPartExamined',
  'studyDescription',
  'procedureText',
  'institutionName',
] as const;

/**
 * A header field name (see FIELD_NAMES).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part06/chapter_6.html
 */
export type FieldName = (typeof FIELD_NAMES)[number];

/**
 * One record's header values by field; absent or blank means missing.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part06/chapter_6.html
 */
export type HeaderValues = Partial<Record<FieldName, string | undefined>>;

const CORRECTABLE: Readonly<Record<FieldName, CorrectableField | undefined>> = {
  accessionNumber: CorrectableField.AccessionNumber,
  patientName: CorrectableField.PatientName,
  patientSex: CorrectableField.PatientSex,
  birthDate: CorrectableField.PatientBirthDate,
  studyDate: CorrectableField.StudyDate,
  modality: CorrectableField.Modality,
  bodyPartExamined: CorrectableField.BodyPartExamined,
  studyDescription: CorrectableField.StudyDescription,
  // The report's procedure text has no DICOM keyword and no CorrectableField yet.
  procedureText: undefined,
  institutionName: CorrectableField.InstitutionName,
};

/**
 * The model's CorrectableField for a header field, or undefined where the model has none (procedureText).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part06/chapter_6.html
 */
export function correctableFieldOf(field: FieldName): CorrectableField | undefined {
  return CORRECTABLE[field];
}

/**
 * True for the names of FIELD_NAMES.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part06/chapter_6.html
 */
export function isFieldName(name: string): name is FieldName {
  return (FIELD_NAMES as readonly string[]).includes(name);
}

/**
 * The StandardizationReason for a changed field status: a standard entry replaced the value, the value
 * was only reformatted, or it was filled from a linked record. Other statuses change nothing.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function reasonOfStatus(status: string): StandardizationReason | undefined {
  switch (status) {
    case 'standardized':
      return StandardizationReason.StandardEntry;
    case 'reformatted':
      return StandardizationReason.Reformatted;
    case 'filled':
      return StandardizationReason.FilledFromLinkedRecord;
    default:
      return undefined;
  }
}
