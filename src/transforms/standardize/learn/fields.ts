/**
 * The fields `acclink mappings learn` looks at, where each is read, and how its values are learned.
 * One table, so that renaming a field (to match the standardization data format) is a one-line change.
 */

/** How the values of a field are grouped into standards. */
export type ClusterStrategy =
  /** Exam descriptions: structural procedure terms (modality, regions, contrast, side, views), then text similarity. */
  | 'procedure'
  /** Body parts: the procedure-term body region of the value, then text similarity. */
  | 'region'
  /** Short codes where an abbreviation is a variant (`M` / `MALE`): prefix, then text similarity. */
  | 'code'
  /** Codes that differ whenever their letters differ (`CR` ≠ `DX`): only case, spaces and punctuation fold. */
  | 'exact'
  /** Free text (series descriptions, institution names): text similarity with numbers kept apart. */
  | 'text';

/** What a field's values are: entries to standardize, or format classes computed from raw values. */
export type FieldKind = 'entry' | 'format';

/** The kind of format class a `format` field holds (see formats.ts). */
export type FormatClassKind = 'name' | 'date' | 'time' | 'datetime' | 'identifier';

/** One learned field. */
export interface FieldSpec {
  /** Key in the proposal's `fields:` section. */
  readonly name: string;
  /** Which side of the link the values come from. */
  readonly side: 'dicom' | 'hl7';
  /** Where the value is read: a DICOM tag and keyword, or the default HL7 position. */
  readonly source: string;
  /** Short human label for the report. */
  readonly label: string;
  readonly kind: FieldKind;
  /** For entry fields. */
  readonly cluster?: ClusterStrategy;
  /** For format fields. */
  readonly format?: FormatClassKind;
  /** Proposed `fixedSet`: only the listed standards are allowed (coded values), rather than free text. */
  readonly fixedSet: boolean;
  /**
   * The field is one of the standards profile's header fields (`mappings/standards/*.yaml`) and goes into
   * the proposal's `fields:`; the others are learned for the report and the evidence file only.
   */
  readonly profile: boolean;
}

/** Fields of the standards profile (src/transforms/standardize/header/fields.ts FIELD_NAMES) that are learned here. */
const PROFILE_FIELDS: ReadonlySet<string> = new Set([
  'accessionNumber', 'patientName', 'patientSex', 'birthDate', 'studyDate', 'modality', 'bodyPartExamined', 'studyDescription', 'procedureText', 'institutionName',
]);

/**
 * The learned fields, in the order they are proposed to be standardized in (the profile's `order`):
 * identifiers and patient fields, dates, then modality before the fields whose synonyms may depend on
 * it (body part, descriptions), as in the global profile. DICOM fields are study-level (one record per study: a value counts when any
 * instance has it); raw formats are sampled from one instance per study. HL7 fields are read per report
 * or order, through the site's HL7 field mapping; raw formats from the message holding the report.
 */
export const LEARN_FIELDS: readonly FieldSpec[] = ([
  { name: 'accessionNumber', side: 'dicom', source: '(0008,0050) AccessionNumber', label: 'Accession number (format)', kind: 'format', format: 'identifier', fixedSet: false },
  { name: 'patientName', side: 'dicom', source: "(0010,0010) PatientName", label: "Patient's name (format)", kind: 'format', format: 'name', fixedSet: false },
  { name: 'patientSex', side: 'dicom', source: "(0010,0040) PatientSex", label: "Patient's sex", kind: 'entry', cluster: 'code', fixedSet: true },
  { name: 'birthDate', side: 'dicom', source: "(0010,0030) PatientBirthDate", label: "Patient's birth date (format)", kind: 'format', format: 'date', fixedSet: false },
  { name: 'studyDate', side: 'dicom', source: '(0008,0020) StudyDate', label: 'Study date (format)', kind: 'format', format: 'date', fixedSet: false },
  { name: 'studyTime', side: 'dicom', source: '(0008,0030) StudyTime', label: 'Study time (format)', kind: 'format', format: 'time', fixedSet: false },
  { name: 'modality', side: 'dicom', source: '(0008,0060) Modality', label: 'Modality', kind: 'entry', cluster: 'exact', fixedSet: true },
  { name: 'bodyPartExamined', side: 'dicom', source: '(0018,0015) BodyPartExamined', label: 'Body part examined', kind: 'entry', cluster: 'region', fixedSet: true },
  { name: 'studyDescription', side: 'dicom', source: '(0008,1030) StudyDescription', label: 'Study description', kind: 'entry', cluster: 'procedure', fixedSet: true },
  { name: 'seriesDescription', side: 'dicom', source: '(0008,103E) SeriesDescription', label: 'Series description', kind: 'entry', cluster: 'text', fixedSet: false },
  { name: 'institutionName', side: 'dicom', source: '(0008,0080) InstitutionName', label: 'Institution name', kind: 'entry', cluster: 'text', fixedSet: true },
  { name: 'referringPhysician', side: 'dicom', source: '(0008,0090) ReferringPhysicianName', label: 'Referring physician (format)', kind: 'format', format: 'name', fixedSet: false },
  { name: 'procedureText', side: 'hl7', source: 'OBR-4 text', label: 'Procedure (OBR-4)', kind: 'entry', cluster: 'procedure', fixedSet: true },
  { name: 'section', side: 'hl7', source: 'OBR-24', label: 'Diagnostic section (OBR-24)', kind: 'entry', cluster: 'exact', fixedSet: true },
  { name: 'sendingFacility', side: 'hl7', source: 'MSH-4', label: 'Sending facility (MSH-4)', kind: 'entry', cluster: 'text', fixedSet: true },
  { name: 'reportAccession', side: 'hl7', source: 'OBR-18 / IPC-1', label: 'Accession number (HL7, format)', kind: 'format', format: 'identifier', fixedSet: false },
  { name: 'reportPatientName', side: 'hl7', source: 'PID-5', label: 'Patient name (PID-5, format)', kind: 'format', format: 'name', fixedSet: false },
  { name: 'reportPatientSex', side: 'hl7', source: 'PID-8', label: 'Patient sex (PID-8)', kind: 'entry', cluster: 'code', fixedSet: true },
  { name: 'reportBirthDate', side: 'hl7', source: 'PID-7', label: 'Birth date (PID-7, format)', kind: 'format', format: 'datetime', fixedSet: false },
  { name: 'examDateTime', side: 'hl7', source: 'OBR-7', label: 'Exam date/time (OBR-7, format)', kind: 'format', format: 'datetime', fixedSet: false },
  { name: 'reportDateTime', side: 'hl7', source: 'OBR-22', label: 'Report date/time (OBR-22, format)', kind: 'format', format: 'datetime', fixedSet: false },
  { name: 'interpreter', side: 'hl7', source: 'OBR-32', label: 'Interpreter (OBR-32, format)', kind: 'format', format: 'name', fixedSet: false },
] satisfies Array<Omit<FieldSpec, 'profile'>>).map((f) => ({ ...f, profile: PROFILE_FIELDS.has(f.name) }));

/** The spec of a field by name. */
export function fieldSpec(name: string): FieldSpec | undefined {
  return LEARN_FIELDS.find((f) => f.name === name);
}

/**
 * One study or one report as the learner sees it. `values[field]` lists the field's values in this
 * record: `[]` when the field was looked at and is empty, absent when it could not be looked at (a FHIR
 * study has no raw DICOM header to sample). Format fields hold format classes, never raw values, so
 * that patient data never reaches the learner.
 */
export interface LearnRecord {
  side: 'dicom' | 'hl7';
  /** Modality code of the record (DICOM Modality, HL7 modality or section), for reading its descriptions. */
  modality?: string;
  values: Partial<Record<string, readonly string[]>>;
}
