/**
 * The shared vocabulary of acclink: plain data, no behaviour that does I/O.
 * Every source format (DICOM, HL7 v2, FHIR) is read into these shapes, and the linker only sees these.
 */

/** An accession number as written by the RIS/PACS, untouched. Normalized forms are derived in the linker. */
export type AccessionNumber = string;
/** DICOM Study Instance UID (0020,000D). */
export type StudyInstanceUid = string;

/**
 * A person's name with components aligned across DICOM PN and HL7 XPN.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (PN)
 * @see https://hl7-definition.caristix.com/v2/HL7v2.5.1/DataTypes/XPN
 */
export interface PersonName {
  family: string;
  given: string;
  middle?: string;
  prefix?: string;
  suffix?: string;
}

/** Administrative sex, reduced to the HL7 table 0001 / DICOM (0010,0040) common subset. */
export const Sex = { Male: 'M', Female: 'F', Other: 'O', Unknown: 'U' } as const;
export type Sex = (typeof Sex)[keyof typeof Sex];

/** The patient as one record describes them. Every field may be missing in real feeds. */
export interface PatientIdentity {
  id?: string;
  /** Assigning authority (HL7 CX-4) or DICOM Issuer of Patient ID (0010,0021). */
  issuer?: string;
  name?: PersonName;
  /** `YYYY-MM-DD`, or `YYYY` / `YYYY-MM` where only that is known. */
  birthDate?: string;
  sex?: Sex;
}

/**
 * A local date-time as `YYYY-MM-DDTHH:MM:SS`, or `YYYY-MM-DD` when the time is unknown.
 * Time-zone offsets are dropped on purpose: DICOM StudyTime is local time, and comparing it with an
 * offset-shifted HL7 time would move same-day exams apart.
 */
export type LocalDateTime = string;

/** Where a record came from, for evidence, errors and outbound addressing. Never PHI. */
export interface SourceRef {
  kind: 'dicom' | 'hl7' | 'fhir';
  /** File path (relative to the input root where known). */
  path: string;
  /** Message index within a file (HL7, 0-based), line number (ndjson, 1-based) or entry index (Bundle). */
  index?: number;
  /** HL7 MSH-10, FHIR resource type/id, or SOP Instance UID. */
  id?: string;
}

/** One imaging study: the PACS side of the link. Built from DICOM instances and/or a FHIR ImagingStudy. */
export interface Scan {
  studyInstanceUid: StudyInstanceUid;
  accession?: AccessionNumber;
  accessionIssuer?: string;
  patient: PatientIdentity;
  studyDateTime?: LocalDateTime;
  modalities: string[];
  bodyParts: string[];
  studyDescription?: string;
  seriesDescriptions: string[];
  /** Requested procedure / procedure code meaning where the header carries it. */
  procedureText?: string;
  referringPhysician?: PersonName;
  institution?: string;
  seriesCount: number;
  instanceCount: number;
  /** FHIR ImagingStudy id, when the study is also known to a FHIR server. */
  fhirId?: string;
  sources: SourceRef[];
}

/** Report-side record kinds: a signed/preliminary report (ORU, DiagnosticReport) or an order without text. */
export const ReportKind = { Report: 'report', Order: 'order' } as const;
export type ReportKind = (typeof ReportKind)[keyof typeof ReportKind];

/** One report or order: the RIS side of the link. */
export interface Report {
  /** Stable id: OBR-3 filler order number (fallback ORC-3), or the FHIR resource id. */
  reportId: string;
  kind: ReportKind;
  accession?: AccessionNumber;
  accessionIssuer?: string;
  patient: PatientIdentity;
  /** OBR-7 observation date/time: when the exam was performed. */
  examDateTime?: LocalDateTime;
  /** OBR-22 results report/status change date/time. */
  reportDateTime?: LocalDateTime;
  procedureCode?: string;
  procedureText?: string;
  /** OBR-24 diagnostic service section id (often a modality code, sometimes `RAD`). */
  section?: string;
  /** Modality when the source states one explicitly (FHIR ImagingStudy reference, OBR-24 mapped). */
  modality?: string;
  /** OBR-25 result status (F, P, C, ...). */
  resultStatus?: string;
  interpreter?: PersonName;
  institution?: string;
  /** Report text (OBX-5 lines joined with `\n`). */
  text?: string;
  /** Study Instance UID when the report-side record names it (FHIR, OBX/ZDS). */
  studyInstanceUid?: StudyInstanceUid;
  /** HL7 version of the source message, for building replies in the same dialect. */
  hl7Version?: string;
  /** FHIR DiagnosticReport/ServiceRequest id when known, for PATCH addressing. */
  fhirId?: string;
  fhirType?: 'DiagnosticReport' | 'ServiceRequest';
  sources: SourceRef[];
}

/** An input that could not be read, with a stable code and a human reason. Contains no PHI. */
export interface InputRejection {
  source: SourceRef;
  code: string;
  reason: string;
  /**
   * `warning` when the data was still used (instances of a study disagree, stray lines around messages);
   * absent or `error` when the input was skipped.
   */
  severity?: 'error' | 'warning';
}

/** The result of reading some input: the records it yielded and the parts it had to reject. */
export interface ReadResult<T> {
  records: T[];
  rejections: InputRejection[];
}
