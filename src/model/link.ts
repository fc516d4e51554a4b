/**
 * What the linker decides: links, corrections, review items and unlinked records, each with evidence.
 */
import type { AccessionNumber, StudyInstanceUid } from './types.ts';

/** Link status of a study or report, per seed figures 13A/13B. */
export const LinkStatus = {
  Verified: 'verified',
  Missing: 'missing',
  Orphan: 'orphan',
  Mismatch: 'mismatch',
  Duplicate: 'duplicate',
} as const;
export type LinkStatus = (typeof LinkStatus)[keyof typeof LinkStatus];

/** One field comparison's outcome: the level reached and its log2 likelihood-ratio weight. */
export interface Evidence {
  /** Field compared: `patientId`, `name`, `birthDate`, `sex`, `examTime`, `modality`, `bodyRegion`, ... */
  field: string;
  /** Comparison level, e.g. `exact`, `jw>=0.92`, `<=1h`, `differs`, `missing`. */
  level: string;
  /** log2(m/u) for this level; positive supports a match. */
  weight: number;
  /** Who produced it: `header` comparators, or an evidence provider's name. */
  source?: string;
}

/** A linked study/report pair. `corrected` when an accession changes to make the link hold. */
export interface Link {
  studyInstanceUid: StudyInstanceUid;
  reportId: string;
  accession: AccessionNumber;
  status: 'verified' | 'corrected';
  probability: number;
  matchWeight: number;
  evidence: Evidence[];
}

export const CorrectionReason = {
  /** Report's accession adopted by the study (RIS owns accession numbers). */
  StudyTakesReportAccession: 'study-takes-report-accession',
  /** The study's accession survives: the report had none, its value belongs to another record, or policy says so. */
  ReportTakesStudyAccession: 'report-takes-study-accession',
  /** Neither side's accession was usable: a new one was minted for both. */
  MintedAccession: 'minted-accession',
  /** A person chose this link in the review console. */
  ChosenByReviewer: 'chosen-by-reviewer',
  /** A person found no candidate fits and marked the accession INCONCLUSIVE. */
  MarkedInconclusive: 'marked-inconclusive',
  /** The reverse of an earlier correction (`acclink undo`). */
  Reverted: 'reverted',
} as const;
export type CorrectionReason = (typeof CorrectionReason)[keyof typeof CorrectionReason];

/**
 * Header standardization reasons (issue 4): a value replaced by its standard entry, reformatted, filled
 * from another reliable source, or corrected toward a patient's consensus.
 */
export const StandardizationReason = {
  StandardEntry: 'standard-entry',
  Reformatted: 'reformatted',
  FilledFromLinkedRecord: 'filled-from-linked-record',
  PatientConsensus: 'patient-consensus',
} as const;
export type StandardizationReason = (typeof StandardizationReason)[keyof typeof StandardizationReason];

/**
 * Fields a correction may change, named by DICOM keyword (the HL7 position is derived per message).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part06/chapter_6.html
 */
export const CorrectableField = {
  AccessionNumber: 'AccessionNumber',
  StudyDescription: 'StudyDescription',
  BodyPartExamined: 'BodyPartExamined',
  Modality: 'Modality',
  PatientName: 'PatientName',
  PatientBirthDate: 'PatientBirthDate',
  PatientSex: 'PatientSex',
  InstitutionName: 'InstitutionName',
  StudyDate: 'StudyDate',
  StudyTime: 'StudyTime',
} as const;
export type CorrectableField = (typeof CorrectableField)[keyof typeof CorrectableField];

/** One changed value on one record. */
export interface Correction {
  /** Deterministic id derived from target, record id, field and values: the idempotency key. */
  id: string;
  target: 'scan' | 'report';
  studyInstanceUid?: StudyInstanceUid;
  reportId?: string;
  field: CorrectableField;
  from: AccessionNumber | null;
  to: AccessionNumber;
  /** The record on the other side of the link (accession), or the source of a standardization. */
  linkedTo: string;
  probability: number;
  reason: CorrectionReason | StandardizationReason;
}

/** A candidate counterpart offered to a reviewer. */
export interface ReviewCandidate {
  id: string;
  kind: 'scan' | 'report';
  probability: number;
  matchWeight: number;
  evidence: Evidence[];
}

/** Something a person must decide. */
/** Where a review item stands: waiting for a person, put off by one, or decided. Absent means open. */
export const ReviewState = { Open: 'open', Deferred: 'deferred', Resolved: 'resolved' } as const;
export type ReviewState = (typeof ReviewState)[keyof typeof ReviewState];

/** What a person (or the engine, when new records settled it) decided about a review item. */
export interface ReviewResolution {
  /** `linked` (to `chosen`), `none` (no candidate fits), `deferred`, or `superseded` (decided automatically later). */
  action: 'linked' | 'none' | 'deferred' | 'superseded';
  /** User name, or `acclink` for the engine. */
  by: string;
  /** ISO 8601 instant. */
  at: string;
  /** The chosen candidate's id, for `linked`. */
  chosen?: string;
  /** For `none`: whether the accession is marked INCONCLUSIVE or left as it is. */
  mark?: 'inconclusive' | 'leave';
}

export interface ReviewItem {
  studyInstanceUid?: StudyInstanceUid;
  reportId?: string;
  reason: string;
  status: LinkStatus;
  candidates: ReviewCandidate[];
  /** Absent: open. */
  state?: ReviewState;
  resolution?: ReviewResolution;
  /** When the item was first opened (ISO 8601), for ranking by age. */
  openedAt?: string;
}

/** A study or report with no counterpart. */
export interface Unlinked {
  studyInstanceUid?: StudyInstanceUid;
  reportId?: string;
  accession: AccessionNumber | null;
  status: LinkStatus;
  reason: string;
}
