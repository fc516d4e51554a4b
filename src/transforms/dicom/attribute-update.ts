/**
 * The PACS-side message for a header fix: a JSON document that an archive adapter applies to every
 * instance of one study. It says which attributes take which values (`replace`, keyed by DICOM keyword),
 * and carries the Original Attributes Sequence item that records the old values, so that the change
 * stays auditable inside the objects themselves. Ready-made request bodies are included for Orthanc's
 * `POST /studies/{id}/modify` and, as DICOM JSON, for archives that take a study update in that model.
 * Pure: the modification time is a parameter.
 * @see DICOM PS3.3 C.12.1 "SOP Common Module", C.12.1.1.9 "Original Attributes Sequence"
 * @see DICOM PS3.18 F.2 "DICOM JSON Model"
 * @see https://orthanc.uclouvain.be/book/users/anonymization.html (Orthanc modification: Replace, Keep, Force)
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { CorrectableField } from '../../model/link.ts';

/** A data element tag as written in the standard, `(gggg,eeee)` in upper-case hex. */
export type DicomTagText = `(${string},${string})`;

/** What acclink needs to know about one correctable attribute. */
export interface CorrectableAttribute {
  tag: DicomTagText;
  vr: 'SH' | 'LO' | 'CS' | 'PN' | 'DA' | 'TM';
  /** Maximum value length in characters (per component group for PN). */
  maxLength: number;
}

/**
 * Tag, VR and length of every {@link CorrectableField}.
 * @see DICOM PS3.6 chapter 6 "Registry of DICOM Data Elements"
 */
export const CORRECTABLE_ATTRIBUTES: Readonly<Record<CorrectableField, CorrectableAttribute>> = {
  AccessionNumber: { tag: '(0008,0050)', vr: 'SH', maxLength: 16 },
  StudyDescription: { tag: '(0008,1030)', vr: 'LO', maxLength: 64 },
  BodyPartExamined: { tag: '(0018,0015)', vr: 'CS', maxLength: 16 },
  Modality: { tag: '(0008,0060)', vr: 'CS', maxLength: 16 },
  PatientName: { tag: '(0010,0010)', vr: 'PN', maxLength: 64 },
  PatientBirthDate: { tag: '(0010,0030)', vr: 'DA', maxLength: 8 },
  PatientSex: { tag: '(0010,0040)', vr: 'CS', maxLength: 16 },
  InstitutionName: { tag: '(0008,0080)', vr: 'LO', maxLength: 64 },
  StudyDate: { tag: '(0008,0020)', vr: 'DA', maxLength: 8 },
  StudyTime: { tag: '(0008,0030)', vr: 'TM', maxLength: 14 },
};

/** Tags of the SOP Common attributes written by this module. */
const ORIGINAL_ATTRIBUTES = {
  OriginalAttributesSequence: { tag: '04000561', vr: 'SQ' },
  ModifiedAttributesSequence: { tag: '04000550', vr: 'SQ' },
  AttributeModificationDateTime: { tag: '04000562', vr: 'DT' },
  ModifyingSystem: { tag: '04000563', vr: 'LO' },
  SourceOfPreviousValues: { tag: '04000564', vr: 'LO' },
  ReasonForTheAttributeModification: { tag: '04000565', vr: 'CS' },
} as const;

/** One attribute to change. `from` is the value the archive holds now (null when empty or absent). */
export interface AttributeChange {
  keyword: CorrectableField;
  /** Checked against {@link CORRECTABLE_ATTRIBUTES} when given. */
  tag?: string;
  from: string | null;
  /** The new value in its DICOM format (PN `FAMILY^GIVEN^MIDDLE`, DA `YYYYMMDD`, TM `HHMMSS`, CS upper-case). */
  to: string;
}

export interface AttributeUpdateInput {
  studyInstanceUid: string;
  changes: readonly AttributeChange[];
  /** Why acclink changes the study (a Correction reason such as `patient-consensus`), for the audit trail. */
  reason: string;
  /** The corrections this update carries (their ids are the idempotency keys). */
  correctionIds: readonly string[];
}

export interface AttributeUpdateOptions {
  /** Attribute Modification DateTime (0400,0562), a DICOM DT such as `20240305120000+0000`. */
  modificationDateTime: string;
  /** Source of Previous Values (0400,0564), e.g. the AE title the study came from; empty (Type 2) by default. */
  sourceOfPreviousValues?: string;
  /** Modifying System (0400,0563); default `ACCLINK`. */
  modifyingSystem?: string;
}

/** Item of the Original Attributes Sequence (0400,0561), keyed by keyword as Orthanc and pydicom JSON do. */
export interface OriginalAttributesItem {
  /** One item holding every changed attribute with its previous value (empty when it had none). */
  ModifiedAttributesSequence: [Partial<Record<CorrectableField, string>>];
  AttributeModificationDateTime: string;
  ModifyingSystem: string;
  SourceOfPreviousValues: string;
  ReasonForTheAttributeModification: 'CORRECT';
}

/** One attribute in the DICOM JSON model: PN values are `{ Alphabetic }` objects, SQ values items. */
export interface DicomJsonAttribute {
  vr: string;
  Value?: (string | { Alphabetic: string } | DicomJsonDataset)[];
}
export type DicomJsonDataset = Record<string, DicomJsonAttribute>;

export interface OrthancModifyRequest {
  Replace: Record<string, string>;
  Keep: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'];
  Force: true;
}

/** The PACS-side header update for one study. */
export interface AttributeUpdate {
  studyInstanceUid: string;
  level: 'STUDY';
  reason: string;
  correctionIds: string[];
  /** New values by keyword. */
  replace: Partial<Record<CorrectableField, string>>;
  /** The item to append to (never to replace) the Original Attributes Sequence of each instance. */
  originalAttributes: OriginalAttributesItem;
  /** Body for Orthanc `POST /studies/{orthanc-id}/modify`: UIDs kept, so the study stays the same study. */
  orthanc: OrthancModifyRequest;
  /** The same in the DICOM JSON model: the new values, and the Original Attributes item to append. */
  dicomJson: { replace: DicomJsonDataset; originalAttributesItem: DicomJsonDataset };
}

function usage(reason: string): AcclinkError {
  return new AcclinkError(ErrorCode.Usage, reason);
}

const UID_RE = /^(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*$/;
// DT: YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]; acclink always knows at least the second.
const DT_RE = /^\d{14}(?:\.\d{1,6})?(?:[+-]\d{4})?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function validDate(v: string): boolean {
  if (!/^\d{8}$/.test(v)) return false;
  const year = Number(v.slice(0, 4));
  const month = Number(v.slice(4, 6));
  const day = Number(v.slice(6, 8));
  return year > 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function validTime(v: string): boolean {
  const m = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,6})?)?)?$/.exec(v);
  return m !== null && Number(m[1]) <= 23 && Number(m[2] ?? 0) <= 59 && Number(m[3] ?? 0) <= 60;
}

/**
 * Why `value` is not a valid value of `keyword`, or undefined when it is.
 * @see DICOM PS3.5 6.2 "Value Representation"
 */
export function invalidAttributeValue(keyword: CorrectableField, value: string): string | undefined {
  const { vr, maxLength } = CORRECTABLE_ATTRIBUTES[keyword];
  if (value === '') return `${keyword} must not be empty`;
  // Backslash separates values and control characters are not allowed in any of these VRs.
  if (hasBackslashOrControl(value)) return `${keyword} holds a backslash or a control character`;
  switch (vr) {
    case 'DA':
      return validDate(value) ? undefined : `${keyword} must be a DICOM date YYYYMMDD`;
    case 'TM':
      return validTime(value) ? undefined : `${keyword} must be a DICOM time HHMMSS[.FFFFFF]`;
    case 'CS':
      if (!/^[A-Z0-9 _]+$/.test(value)) return `${keyword} must hold upper-case letters, digits, space or underscore`;
      if (keyword === 'PatientSex' && !['M', 'F', 'O'].includes(value)) return 'PatientSex must be M, F or O';
      break;
    case 'PN':
      if (value.split('=').some((group) => group.length > maxLength)) return `${keyword} component groups are limited to ${maxLength} characters`;
      if (value.split('=').some((group) => group.split('^').length > 5)) return `${keyword} has more than 5 components`;
      return undefined;
    default:
      break;
  }
  return value.length > maxLength ? `${keyword} is limited to ${maxLength} characters` : undefined;
}

function hasBackslashOrControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/** `(0010,0010)` → `00100010`, the DICOM JSON key. */
function jsonKey(tag: DicomTagText): string {
  return tag.slice(1, 5) + tag.slice(6, 10);
}

function jsonValue(keyword: CorrectableField, value: string | null): DicomJsonAttribute {
  const { vr } = CORRECTABLE_ATTRIBUTES[keyword];
  if (value === null || value === '') return { vr };
  return { vr, Value: [vr === 'PN' ? { Alphabetic: value } : value] };
}

function checkChange(change: AttributeChange, seen: Set<string>): void {
  const attribute = CORRECTABLE_ATTRIBUTES[change.keyword] as CorrectableAttribute | undefined;
  if (attribute === undefined) throw usage(`${String(change.keyword)} is not a correctable attribute`);
  if (change.tag !== undefined && change.tag.toUpperCase().replace(/\s/g, '') !== attribute.tag) {
    throw usage(`${change.keyword} is ${attribute.tag}, not ${change.tag}`);
  }
  if (seen.has(change.keyword)) throw usage(`${change.keyword} is changed twice`);
  seen.add(change.keyword);
  const invalid = invalidAttributeValue(change.keyword, change.to);
  if (invalid !== undefined) throw usage(invalid);
}

/**
 * The study-level update that replaces the given attributes and records their previous values in an
 * Original Attributes Sequence item (Reason `CORRECT`, Modifying System `ACCLINK`). Attributes that had no
 * value are listed there with an empty value, as C.12.1.1.9.1 allows. Changes whose `from` equals `to`
 * are kept: the caller decided to send them, and re-applying them is harmless.
 *
 * The adapter must append `originalAttributes` to any existing Original Attributes Sequence (existing
 * items "shall be preserved"); Orthanc's Replace map cannot append, so `orthanc` carries only the new values.
 * @throws AcclinkError USAGE when the UID, the time, a keyword, a tag or a new value is unusable, or nothing changes.
 * @see DICOM PS3.3 C.12.1.1.9 "Original Attributes Sequence"; defined term CORRECT of (0400,0565)
 */
export function buildAttributeUpdate(input: AttributeUpdateInput, opts: AttributeUpdateOptions): AttributeUpdate {
  const uid = input.studyInstanceUid.trim();
  if (uid.length === 0 || uid.length > 64 || !UID_RE.test(uid)) throw usage('studyInstanceUid must be a DICOM UID');
  if (!DT_RE.test(opts.modificationDateTime)) throw usage('modificationDateTime must be a DICOM DT such as 20240305120000+0000');
  if (input.changes.length === 0) throw usage('an attribute update needs at least one change');
  const modifyingSystem = opts.modifyingSystem ?? 'ACCLINK';
  if (modifyingSystem.trim() === '' || modifyingSystem.length > 64) throw usage('modifyingSystem must be 1 to 64 characters');
  const source = opts.sourceOfPreviousValues ?? '';
  if (source.length > 64) throw usage('sourceOfPreviousValues is limited to 64 characters');

  const seen = new Set<string>();
  for (const change of input.changes) checkChange(change, seen);

  const replace: Partial<Record<CorrectableField, string>> = {};
  const previous: Partial<Record<CorrectableField, string>> = {};
  const jsonReplace: DicomJsonDataset = {};
  const jsonPrevious: DicomJsonDataset = {};
  for (const c of input.changes) {
    replace[c.keyword] = c.to;
    previous[c.keyword] = c.from ?? '';
    const key = jsonKey(CORRECTABLE_ATTRIBUTES[c.keyword].tag);
    jsonReplace[key] = jsonValue(c.keyword, c.to);
    jsonPrevious[key] = jsonValue(c.keyword, c.from);
  }

  const A = ORIGINAL_ATTRIBUTES;
  const originalAttributesItem: DicomJsonDataset = {
    [A.ModifiedAttributesSequence.tag]: { vr: 'SQ', Value: [sortedDataset(jsonPrevious)] },
    [A.AttributeModificationDateTime.tag]: { vr: 'DT', Value: [opts.modificationDateTime] },
    [A.ModifyingSystem.tag]: { vr: 'LO', Value: [modifyingSystem] },
    [A.SourceOfPreviousValues.tag]: source === '' ? { vr: 'LO' } : { vr: 'LO', Value: [source] },
    [A.ReasonForTheAttributeModification.tag]: { vr: 'CS', Value: ['CORRECT'] },
  };

  return {
    studyInstanceUid: uid,
    level: 'STUDY',
    reason: input.reason,
    correctionIds: [...input.correctionIds],
    replace,
    originalAttributes: {
      ModifiedAttributesSequence: [previous],
      AttributeModificationDateTime: opts.modificationDateTime,
      ModifyingSystem: modifyingSystem,
      SourceOfPreviousValues: source,
      ReasonForTheAttributeModification: 'CORRECT',
    },
    orthanc: { Replace: { ...replace }, Keep: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'], Force: true },
    dicomJson: { replace: sortedDataset(jsonReplace), originalAttributesItem: sortedDataset(originalAttributesItem) },
  };
}

/** DICOM JSON datasets list attributes in tag order, as a data set is encoded. */
function sortedDataset(ds: DicomJsonDataset): DicomJsonDataset {
  return Object.fromEntries(Object.entries(ds).sort(([a], [b]) => a.localeCompare(b)));
}

/** The Original Attributes Sequence (0400,0561) tag in DICOM JSON, for adapters that append the item. */
export const ORIGINAL_ATTRIBUTES_SEQUENCE_TAG = ORIGINAL_ATTRIBUTES.OriginalAttributesSequence.tag;
