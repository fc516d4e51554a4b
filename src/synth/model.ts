/**
 * The synthetic hospital: what the PACS and the RIS *show* (error-injected, "observed" values) and
 * the truth behind them. Renderers only read the observed records; tests and benchmarks score the
 * linker against {@link Truth}.
 */
import type { LocalDateTime, PersonName, Sex } from '../model/types.ts';
import type { AccessionFormat } from './accession.ts';
import type { Modality } from './catalogue.ts';

/**
 * What happened to a study or report. Exactly one per record; injected errors take precedence over
 * confounder labels, which take precedence over `clean`.
 */
export const Category = {
  /** Everything consistent (names and times may still differ in format). */
  Clean: 'clean',
  /** An older, clean study of a patient who has newer ones: a confounder for candidate search. */
  Prior: 'prior',
  /** Accession differs only in format on the DICOM side (zeros stripped, lower case); names re-cased. */
  FormatNoise: 'format-noise',
  /** Patient shares (or nearly shares) the name of another patient with a different MRN. */
  SameName: 'same-name',
  /** Patient has a twin: same surname and birth date, different given name and MRN. */
  Twin: 'twin',
  TypoStudySubstitution: 'typo-study-substitution',
  TypoStudyTransposition: 'typo-study-transposition',
  TypoStudyInsertion: 'typo-study-insertion',
  TypoStudyDeletion: 'typo-study-deletion',
  TypoReportSubstitution: 'typo-report-substitution',
  TypoReportTransposition: 'typo-report-transposition',
  TypoReportInsertion: 'typo-report-insertion',
  TypoReportDeletion: 'typo-report-deletion',
  /** DICOM AccessionNumber present but empty. */
  MissingStudy: 'missing-study',
  /** OBR-18 empty. */
  MissingReport: 'missing-report',
  /** Both sides empty: linking must rely on demographics, and a new accession is minted. */
  MissingBoth: 'missing-both',
  /** Two patients' studies (same day or week) exchanged accession numbers in the PACS. */
  Swapped: 'swapped',
  /** A patient's second same-day study carries the first study's accession in DICOM. */
  Duplicate: 'duplicate',
  /** A report or order whose study never reached the PACS. */
  OrphanReport: 'orphan-report',
  /** A study with no report yet. */
  PendingStudy: 'pending-study',
  /** Two same-day studies of the same exam, both without DICOM accession: a person must decide. */
  Human: 'human',
} as const;
export type Category = (typeof Category)[keyof typeof Category];

/** Categories that are injected at a rate (fraction of all studies). */
export type InjectedCategory = Exclude<Category, 'clean' | 'prior' | 'same-name' | 'twin'>;

/**
 * Error rates. Injected categories are fractions of all studies (pair categories count both
 * studies of a pair; `orphan-report` adds reports at that fraction of studies). `same-name` and
 * `twin` are fractions of patients.
 */
export type ErrorRates = Record<InjectedCategory | 'same-name' | 'twin', number>;

/** Default rates: about 31% of studies touched, plus 2% orphan reports. */
export const DEFAULT_ERROR_RATES: Readonly<ErrorRates> = {
  'typo-study-substitution': 0.02,
  'typo-study-transposition': 0.015,
  'typo-study-insertion': 0.01,
  'typo-study-deletion': 0.01,
  'typo-report-substitution': 0.01,
  'typo-report-transposition': 0.01,
  'typo-report-insertion': 0.01,
  'typo-report-deletion': 0.01,
  'missing-study': 0.05,
  'missing-report': 0.02,
  'missing-both': 0.005,
  swapped: 0.02,
  duplicate: 0.02,
  'orphan-report': 0.02,
  'pending-study': 0.03,
  human: 0.01,
  'format-noise': 0.04,
  'same-name': 0.03,
  twin: 0.02,
};

/** A patient identifier other than the MRN (PID-3 second repetition). */
export interface OtherId {
  id: string;
  issuer: string;
  /** HL7 table 0203 identifier type, e.g. `PI` (patient internal), `AN` (account). */
  type: string;
}

/** The patient as one system records them. */
export interface PatientView {
  id: string;
  issuer: string;
  name: PersonName;
  birthDate: string;
  sex: Sex;
  otherIds: OtherId[];
}

/** A patient of the synthetic hospital (the truth about them). */
export interface SynthPatient extends PatientView {
  index: number;
  /** For confounders: which patient they resemble, and how. */
  resembles?: { index: number; how: 'same-name' | 'twin' };
}

/** A physician with a staff number (OBR-32 / ReferringPhysicianName). */
export interface Physician extends PersonName {
  id: string;
}

/** One study as the PACS holds it (observed values). */
export interface SynthStudy {
  index: number;
  studyInstanceUid: string;
  patientIndex: number;
  patient: PatientView;
  procedureKey: string;
  modality: Modality;
  bodyPart: string;
  studyDescription: string;
  /** Candidate series descriptions; the renderer uses the first N. */
  seriesDescriptions: string[];
  /** Acquisition start, local time with seconds. */
  dateTime: LocalDateTime;
  /** AccessionNumber as stored; `''` when the modality left it empty. */
  accession: string;
  referringPhysician: Physician;
  institution: string;
  /** Also published as a FHIR ImagingStudy. */
  inFhir: boolean;
}

/** One report or order as the RIS sends it (observed values). */
export interface SynthReport {
  index: number;
  /** Filler order number (OBR-3), the report's stable id. */
  reportId: string;
  placerOrderNumber: string;
  kind: 'report' | 'order';
  patientIndex: number;
  patient: PatientView;
  /** OBR-18; `''` when empty. */
  accession: string;
  /** OBR-7: `YYYY-MM-DDTHH:MM:SS`, or `YYYY-MM-DD` when the RIS only kept the date. */
  examDateTime: LocalDateTime;
  /** OBR-22; absent for orders. */
  reportDateTime?: LocalDateTime;
  procedureCode: string;
  procedureText: string;
  /** OBR-24. */
  section: string;
  modality: Modality;
  /** OBR-25: F final, P preliminary; orders have none. */
  resultStatus?: 'F' | 'P';
  interpreter: Physician;
  orderingPhysician: Physician;
  /** Report lines (OBX-5), empty for orders. */
  text: string[];
}

/** Truth about one study. */
export interface StudyTruth {
  studyInstanceUid: string;
  /** The report that belongs to it; null for pending studies. */
  reportId: string | null;
  category: Category;
  /**
   * The accession it should carry after reconciliation: the report's (the RIS owns accession numbers)
   * unless missing or in conflict, then the study's own; null when both are unusable and a new one
   * must be minted. Formatting-only differences (`format-noise`) compare equal after normalization.
   */
  expectedAccession: string | null;
  /** True when a correct engine should ask a person instead of linking on its own. */
  expectReview: boolean;
  /** The other study of a `swapped`, `duplicate` or `human` pair. */
  pair?: string;
}

/** Truth about one report or order. */
export interface ReportTruth {
  reportId: string;
  /** The study it belongs to; null for orphans. */
  studyInstanceUid: string | null;
  category: Category;
  expectReview: boolean;
}

/** The known answers for a synthetic hospital. */
export interface Truth {
  seed: number;
  baseDate: string;
  accessionFormat: AccessionFormat;
  studies: StudyTruth[];
  reports: ReportTruth[];
}

/** A whole synthetic hospital. */
export interface Hospital {
  seed: number;
  baseDate: string;
  days: number;
  institution: { name: string; issuer: string; domain: string };
  accessionFormat: AccessionFormat;
  patients: SynthPatient[];
  studies: SynthStudy[];
  reports: SynthReport[];
  truth: Truth;
}
