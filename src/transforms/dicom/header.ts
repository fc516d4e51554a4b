/**
 * Reads the header of one DICOM instance into the fields the linker needs. Pure: takes bytes,
 * returns a value or a rejection, never throws for bad input.
 *
 * Truncation policy: a file whose bytes end before the last attribute we read is still accepted
 * when the Study Instance UID was read, with `truncated: true`, because everything before the cut
 * is intact and the study is still worth linking; the missing later fields are simply absent. Without
 * the Study Instance UID such a file is rejected as DICOM_TRUNCATED.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html (Part 10 file format)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html (General Study module)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.3.html (General Series module)
 */
import type { DataSet } from 'dicom-parser';
import { ErrorCode } from '../../model/errors.ts';
import type { InputRejection, LocalDateTime, PatientIdentity, PersonName, SourceRef } from '../../model/types.ts';
import { decoderFor, type TextDecodeFn } from './charset.ts';
import { parseDataSet, type ParsedDataSet } from './parse.ts';
import { cleanValue, combineDateTime, parseDicomDate, parsePersonName, parseSex } from './values.ts';

/** Which date/time pair a study date-time came from, best first. */
export type StudyDateTimeOrigin = 'study' | 'series' | 'acquisition' | 'content';

/** The header fields of one DICOM instance that linking and reporting use. Padding is trimmed; empty means absent. */
export interface DicomInstanceHeader {
  /** The file, with `id` set to the SOP Instance UID when known. */
  source: SourceRef;
  sopInstanceUid?: string;
  sopClassUid?: string;
  studyInstanceUid: string;
  seriesInstanceUid?: string;
  patient: PatientIdentity;
  /** Study Date/Time, else Series, Acquisition or Content Date/Time (see `studyDateTimeFrom`). */
  studyDateTime?: LocalDateTime;
  studyDateTimeFrom?: StudyDateTimeOrigin;
  accession?: string;
  /** Local Namespace Entity ID (else Universal Entity ID) of Issuer of Accession Number Sequence. */
  accessionIssuer?: string;
  modality?: string;
  bodyPartExamined?: string;
  studyDescription?: string;
  seriesDescription?: string;
  /** Requested Procedure Description, else the Procedure Code Sequence code meaning. */
  procedureText?: string;
  referringPhysician?: PersonName;
  institution?: string;
  transferSyntaxUid: string;
  numberOfFrames?: number;
  /** The bytes ended before the last attribute read here: fields after the cut are missing. */
  truncated?: boolean;
}

/** Options for {@link readDicomHeader}. */
export interface ReadHeaderOptions {
  /** The bytes are only the start of a larger file; running out of them is not the file's fault. */
  prefix?: boolean;
}

export type HeaderResult = { ok: true; instance: DicomInstanceHeader } | { ok: false; rejection: InputRejection };

/** Tags read, as dicom-parser keys. @see https://dicom.nema.org/medical/dicom/current/output/chtml/part06/chapter_6.html */
const T = {
  charset: 'x00080005',
  sopClass: 'x00080016',
  sopInstance: 'x00080018',
  studyDate: 'x00080020',
  seriesDate: 'x00080021',
  acquisitionDate: 'x00080022',
  contentDate: 'x00080023',
  studyTime: 'x00080030',
  seriesTime: 'x00080031',
  acquisitionTime: 'x00080032',
  contentTime: 'x00080033',
  accession: 'x00080050',
  accessionIssuerSeq: 'x00080051',
  modality: 'x00080060',
  institution: 'x00080080',
  referring: 'x00080090',
  studyDescription: 'x00081030',
  procedureCodeSeq: 'x00081032',
  seriesDescription: 'x0008103e',
  patientName: 'x00100010',
  patientId: 'x00100020',
  patientIdIssuer: 'x00100021',
  birthDate: 'x00100030',
  sex: 'x00100040',
  bodyPart: 'x00180015',
  studyUid: 'x0020000d',
  seriesUid: 'x0020000e',
  frames: 'x00280008',
  requestedProcedure: 'x00321060',
  requestAttributesSeq: 'x00400275',
} as const;
/** Nested tags (inside sequence items). */
const N = { codeMeaning: 'x00080104', localNamespace: 'x00400031', universalEntity: 'x00400032' } as const;
const DIRECTORY_RECORD_SEQ = 'x00041220';
/** The data set must reach this tag for every field above to have had its chance. */
const LAST_TAG_READ = Object.values(T).reduce((a, b) => (a > b ? a : b));

/** Typed access to one data set's values: ASCII for codes and UIDs, the character set for text. */
class Values {
  readonly #dataSet: DataSet;
  readonly #decode: TextDecodeFn;
  constructor(dataSet: DataSet, decode: TextDecodeFn) {
    this.#dataSet = dataSet;
    this.#decode = decode;
  }

  #bytes(tag: string): Uint8Array | undefined {
    const element = this.#dataSet.elements[tag];
    if (element === undefined || element.length === 0 || element.hadUndefinedLength) return undefined;
    const end = element.dataOffset + element.length;
    if (end > this.#dataSet.byteArray.length) return undefined;
    return this.#dataSet.byteArray.subarray(element.dataOffset, end);
  }

  /** CS, UI, DA, TM, IS, AE: default repertoire only. */
  ascii(tag: string): string | undefined {
    const bytes = this.#bytes(tag);
    return bytes === undefined ? undefined : cleanValue(String.fromCharCode(...bytes.subarray(0, 1024)));
  }

  /** PN, LO, SH, LT, ST, UT, UC: decoded per Specific Character Set. */
  text(tag: string): string | undefined {
    const bytes = this.#bytes(tag);
    return bytes === undefined ? undefined : cleanValue(this.#decode(bytes));
  }

  /** The items of a sequence, each readable with the same character set. */
  items(tag: string): Values[] {
    const items = this.#dataSet.elements[tag]?.items ?? [];
    return items.flatMap((item) => (item.dataSet === undefined ? [] : [new Values(item.dataSet, this.#decode)]));
  }
}

function firstText(values: Values[], ...tags: string[]): string | undefined {
  for (const v of values) {
    for (const tag of tags) {
      const text = v.text(tag);
      if (text !== undefined) return text;
    }
  }
  return undefined;
}

function readPatient(v: Values): PatientIdentity {
  const patient: PatientIdentity = {};
  const id = v.text(T.patientId);
  const issuer = v.text(T.patientIdIssuer);
  const name = parsePersonName(v.text(T.patientName));
  const birthDate = parseDicomDate(v.ascii(T.birthDate), true);
  const sex = parseSex(v.ascii(T.sex));
  if (id !== undefined) patient.id = id;
  if (issuer !== undefined) patient.issuer = issuer;
  if (name !== undefined) patient.name = name;
  if (birthDate !== undefined) patient.birthDate = birthDate;
  if (sex !== undefined) patient.sex = sex;
  return patient;
}

const DATE_PAIRS: ReadonlyArray<readonly [StudyDateTimeOrigin, string, string]> = [
  ['study', T.studyDate, T.studyTime],
  ['series', T.seriesDate, T.seriesTime],
  ['acquisition', T.acquisitionDate, T.acquisitionTime],
  ['content', T.contentDate, T.contentTime],
];

/** Study Date/Time, falling back to the series, acquisition and content pairs when StudyDate is absent or unreadable. */
function readStudyDateTime(v: Values): { at: LocalDateTime; from: StudyDateTimeOrigin } | undefined {
  for (const [from, dateTag, timeTag] of DATE_PAIRS) {
    const at = combineDateTime(v.ascii(dateTag), v.ascii(timeTag));
    if (at !== undefined) return { at, from };
  }
  return undefined;
}

function readProcedureText(v: Values): string | undefined {
  return (
    v.text(T.requestedProcedure) ??
    firstText(v.items(T.procedureCodeSeq), N.codeMeaning) ??
    firstText(v.items(T.requestAttributesSeq), T.requestedProcedure)
  );
}

function readFrames(v: Values): number | undefined {
  const raw = v.ascii(T.frames);
  const n = raw === undefined ? Number.NaN : Number(raw.replace(/^\+/, ''));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Copies the defined entries of `fields` onto `target`, so absent values leave no `undefined` keys. */
function assignDefined<T extends object>(target: T, fields: Partial<T>): T {
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
  return target;
}

function buildHeader(parsed: ParsedDataSet, source: SourceRef, studyInstanceUid: string, truncated: boolean): DicomInstanceHeader {
  const ascii = new Values(parsed.dataSet, decoderFor(undefined));
  const v = new Values(parsed.dataSet, decoderFor(ascii.ascii(T.charset)));
  const meta = parsed.meta === undefined ? undefined : new Values(parsed.meta, decoderFor(undefined));
  const sopInstanceUid = v.ascii(T.sopInstance) ?? meta?.ascii('x00020003');
  const when = readStudyDateTime(v);
  const header: DicomInstanceHeader = {
    source: sopInstanceUid === undefined ? { ...source } : { ...source, id: sopInstanceUid },
    studyInstanceUid,
    patient: readPatient(v),
    transferSyntaxUid: parsed.transferSyntaxUid,
  };
  return assignDefined(header, {
    sopInstanceUid,
    sopClassUid: v.ascii(T.sopClass) ?? meta?.ascii('x00020002'),
    seriesInstanceUid: v.ascii(T.seriesUid),
    studyDateTime: when?.at,
    studyDateTimeFrom: when?.from,
    accession: v.text(T.accession),
    accessionIssuer: firstText(v.items(T.accessionIssuerSeq), N.localNamespace, N.universalEntity),
    modality: v.ascii(T.modality),
    bodyPartExamined: v.ascii(T.bodyPart),
    studyDescription: v.text(T.studyDescription),
    seriesDescription: v.text(T.seriesDescription),
    procedureText: readProcedureText(v),
    referringPhysician: parsePersonName(v.text(T.referring)),
    institution: v.text(T.institution),
    numberOfFrames: readFrames(v),
    truncated: truncated ? true : undefined,
  });
}

function reject(source: SourceRef, code: ErrorCode, problem: string): HeaderResult {
  return { ok: false, rejection: { source: { ...source }, code, reason: `${source.path}: ${problem}` } };
}

function rejectWithoutStudy(parsed: ParsedDataSet, source: SourceRef, truncated: boolean): HeaderResult {
  const elements = parsed.dataSet.elements;
  const studyUidSeen = parsed.lastCompleteTag !== undefined && parsed.lastCompleteTag >= T.studyUid;
  if (truncated && !studyUidSeen) {
    return reject(source, ErrorCode.DicomTruncated, 'the data set ends before the Study Instance UID (0020,000D): truncated file or corrupt element length');
  }
  if (elements[DIRECTORY_RECORD_SEQ] !== undefined) {
    return reject(source, ErrorCode.DicomMissingStudyUid, 'a DICOMDIR (media directory): it indexes other files and has no study of its own');
  }
  if (Object.keys(elements).length === 0) {
    return reject(source, ErrorCode.DicomNotDicom, 'no DICOM data elements could be read');
  }
  return reject(source, ErrorCode.DicomMissingStudyUid, 'no Study Instance UID (0020,000D) in the header');
}

/**
 * Reads one DICOM instance's header: Part 10 files (explicit/implicit VR little endian, explicit VR
 * big endian, deflated) and bare data sets without File Meta Information, whose encoding is detected
 * from their first elements. Stops before the pixel data.
 *
 * @param bytes the whole file, or (with `options.prefix`) its first bytes
 * @param source where the bytes came from; copied into the result with `id` = SOP Instance UID
 * @returns the header, or a rejection with a DICOM_* code and a reason free of patient data
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_7.html
 */
export function readDicomHeader(bytes: Uint8Array, source: SourceRef, options: ReadHeaderOptions = {}): HeaderResult {
  if (bytes.length === 0) return reject(source, ErrorCode.DicomEmpty, 'empty file');
  const outcome = parseDataSet(bytes, options.prefix === true);
  if (!outcome.ok) return reject(source, outcome.failure.code, outcome.failure.reason);
  const { parsed } = outcome;
  const truncated = parsed.endedEarly && (parsed.lastCompleteTag === undefined || parsed.lastCompleteTag < LAST_TAG_READ);
  const studyInstanceUid = new Values(parsed.dataSet, decoderFor(undefined)).ascii(T.studyUid);
  if (studyInstanceUid === undefined) return rejectWithoutStudy(parsed, source, truncated);
  return { ok: true, instance: buildHeader(parsed, source, studyInstanceUid, truncated) };
}
