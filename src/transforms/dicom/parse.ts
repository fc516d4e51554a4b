/**
 * Runs dicom-parser over a Part 10 file (or a bare data set) up to, not into, the pixel data, and
 * reports how far it got. Decides the transfer syntax, inflates deflated data sets, and turns the
 * parser's exceptions into a flag instead of letting them escape.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html (file format)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_A.5.html (deflate)
 */
import { constants, inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet, ParseDicomOptions } from 'dicom-parser';
import { ErrorCode } from '../../model/errors.ts';
import { encodingOf, sniffEncoding, startsWithMetaGroup, syntaxOf, TransferSyntax } from './syntax.ts';

/** Parsing stops here: pixel data is never needed and can be gigabytes. */
export const PIXEL_DATA_TAG = 'x7fe00010';
const PREAMBLE_LENGTH = 128;
const PREFIX = 'DICM';
const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';
const UNDEFINED_LENGTH = 0xffffffff;
/** Cap on inflated output, so a deflate bomb is rejected instead of exhausting memory. */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** A data set as far as it could be parsed. */
export interface ParsedDataSet {
  /** The data set elements (File Meta excluded). */
  dataSet: DataSet;
  /** File Meta Information, when the file has it. */
  meta: DataSet | undefined;
  /**
   * The declared transfer syntax (it also names the pixel compression), or the detected one when
   * the file has no File Meta. The data set is parsed with the detected encoding when the bytes
   * contradict the declaration, a known writer bug (for example implicit VR under a JPEG syntax).
   */
  transferSyntaxUid: string;
  /**
   * The parse ended before the pixel data or the end of the data set: the bytes ran out (truncated
   * file, or a prefix of a larger one) or an element's length pointed past the end.
   */
  endedEarly: boolean;
  /** Last top-level tag whose value lies wholly within the bytes, in parse order. */
  lastCompleteTag: string | undefined;
}

/** A failure before any data set element could be read. */
export interface ParseFailure {
  code: ErrorCode;
  reason: string;
}

export type ParseOutcome = { ok: true; parsed: ParsedDataSet } | { ok: false; failure: ParseFailure };

function hasPrefix(bytes: Uint8Array): boolean {
  if (bytes.length < PREAMBLE_LENGTH + 4) return false;
  return String.fromCharCode(...bytes.subarray(PREAMBLE_LENGTH, PREAMBLE_LENGTH + 4)) === PREFIX;
}

/** Reads a UI value from the meta header (always Explicit VR LE), without NUL/space padding. */
function metaUid(meta: DataSet, tag: string): string | undefined {
  const element = meta.elements[tag];
  // A UID is at most 64 characters; anything longer is a broken header, not a UID.
  if (element === undefined || element.length > 128) return undefined;
  if (element.dataOffset + element.length > meta.byteArray.length) return undefined;
  const raw = String.fromCharCode(...meta.byteArray.subarray(element.dataOffset, element.dataOffset + element.length));
  const value = raw.replaceAll('\0', '').trim();
  return value === '' ? undefined : value;
}

/** Gives a meta header written without the 128-byte preamble the preamble dicom-parser expects. */
function withPreamble(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREAMBLE_LENGTH + 4 + bytes.length);
  out.set([0x44, 0x49, 0x43, 0x4d], PREAMBLE_LENGTH);
  out.set(bytes, PREAMBLE_LENGTH + 4);
  return out;
}

/** Picks the encoding to parse with: the sniffed one wins when it contradicts the declaration. */
function chooseSyntax(declared: string | undefined, body: Uint8Array): string | undefined {
  const sniffed = sniffEncoding(body);
  if (declared === undefined) return sniffed === undefined ? undefined : syntaxOf(sniffed);
  if (sniffed === undefined) return declared;
  const want = encodingOf(declared);
  const same = want.explicitVr === sniffed.explicitVr && want.littleEndian === sniffed.littleEndian;
  return same ? declared : syntaxOf(sniffed);
}

/**
 * Inflates a deflated data set. Z_SYNC_FLUSH returns whatever inflates from a cut-off stream, so a
 * prefix of a deflated file still yields its header. When the whole data set inflates past the cap,
 * only the start of the stream is inflated: deflate expands at most 1032:1, so that start cannot
 * exceed the cap, and the header sits at the start.
 */
function inflate(body: Uint8Array): Uint8Array {
  const options = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_INFLATED_BYTES };
  try {
    return inflateRawSync(body, options);
  } catch (error: unknown) {
    if ((error as { code?: unknown } | undefined)?.code !== 'ERR_BUFFER_TOO_LARGE') throw error;
    return inflateRawSync(body.subarray(0, Math.floor(MAX_INFLATED_BYTES / 1032)), options);
  }
}

interface Located {
  meta: DataSet | undefined;
  body: Uint8Array;
  declared: string | undefined;
}

const truncatedMeta: ParseFailure = { code: ErrorCode.DicomTruncated, reason: 'the file ends inside the File Meta Information' };

/** Where File Meta Information Group Length (0002,0000) says the meta ends, when it is present. */
function metaGroupEnd(meta: DataSet): number | undefined {
  const element = meta.elements.x00020000;
  if (element === undefined || element.length !== 4 || element.dataOffset + 4 > meta.byteArray.length) return undefined;
  return element.dataOffset + 4 + (meta.uint32('x00020000') ?? 0);
}

/**
 * Finds where the data set starts. dicom-parser reads meta elements until the group changes; the
 * group length says the same thing the standard way. They disagree when the group length is wrong
 * (some writers) or when junk after the meta looks like more meta; the one followed by a plausible
 * data element wins, dicom-parser's first. `undefined` when both point past the end of the bytes.
 */
function dataSetStart(bytes: Uint8Array, meta: DataSet, deflated: boolean): number | undefined {
  const parsedEnd = (meta as DataSet & { position?: number }).position;
  const candidates = [parsedEnd, metaGroupEnd(meta)].filter((n): n is number => n !== undefined && n <= bytes.length);
  if (deflated) return candidates[0];
  return candidates.find((n) => sniffEncoding(bytes, n) !== undefined) ?? candidates[0];
}

function locateBody(bytes: Uint8Array): Located | ParseFailure {
  if (!hasPrefix(bytes)) {
    if (startsWithMetaGroup(bytes)) return locateBody(withPreamble(bytes));
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      return { code: ErrorCode.DicomNotDicom, reason: 'a gzip-compressed file; decompress it to read the DICOM inside' };
    }
    return { meta: undefined, body: bytes, declared: undefined };
  }
  let meta: DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch {
    return truncatedMeta;
  }
  if (metaUid(meta, 'x00020002') === DICOMDIR_SOP_CLASS) {
    return {
      code: ErrorCode.DicomMissingStudyUid,
      reason: 'a DICOMDIR (media directory): it indexes other files and has no study of its own',
    };
  }
  const declared = metaUid(meta, 'x00020010');
  const start = dataSetStart(bytes, meta, declared === TransferSyntax.DeflatedExplicitLittle);
  if (start === undefined || Object.keys(meta.elements).length === 0) return truncatedMeta;
  return { meta, body: bytes.subarray(start), declared };
}

/**
 * Walks the top-level elements in parse order (keys like `x00080005` keep insertion order) to find
 * the last one whose value the bytes hold entirely. The pixel data element is excluded: parsing
 * stops at its header, so a cut inside the pixels leaves the header whole. So is the transfer
 * syntax entry dicom-parser adds without an offset for data sets read without File Meta.
 */
function lastCompleteTag(dataSet: DataSet): { tag: string | undefined; overrun: boolean } {
  let tag: string | undefined;
  for (const element of Object.values(dataSet.elements)) {
    if (element.tag === PIXEL_DATA_TAG || typeof element.dataOffset !== 'number') continue;
    const definite = element.length !== UNDEFINED_LENGTH && !element.hadUndefinedLength;
    if (definite && element.dataOffset + element.length > dataSet.byteArray.length) return { tag, overrun: true };
    tag = element.tag;
  }
  return { tag, overrun: false };
}

function runParser(body: Uint8Array, syntax: string): { dataSet: DataSet; threw: boolean } {
  try {
    // Deflated data sets arrive here already inflated, so dicom-parser's inflater is never used.
    const options: ParseDicomOptions = { TransferSyntaxUID: syntax, untilTag: PIXEL_DATA_TAG };
    return { dataSet: dicomParser.parseDicom(body, options), threw: false };
  } catch (error: unknown) {
    // dicom-parser throws `{ exception, dataSet }` with the elements read before the failure.
    const partial = (error as { dataSet?: DataSet } | undefined)?.dataSet;
    if (partial !== undefined) return { dataSet: partial, threw: true };
    throw error;
  }
}

type Body = { ok: true; bytes: Uint8Array; syntax: string } | { ok: false; failure: ParseFailure };

/** Inflates a deflated data set and settles the encoding to parse the data set bytes with. */
function prepareBody(located: Located, prefix: boolean): Body {
  const deflated = located.declared === TransferSyntax.DeflatedExplicitLittle;
  let bytes = located.body;
  if (deflated && bytes.length > 0) {
    try {
      bytes = inflate(bytes);
    } catch {
      return { ok: false, failure: { code: ErrorCode.DicomUnreadable, reason: 'the deflated data set cannot be inflated' } };
    }
  }
  if (bytes.length === 0) {
    // A prefix that stops right after the meta says nothing about the data set.
    if (prefix) return { ok: false, failure: truncatedMeta };
    if (deflated) return { ok: false, failure: { code: ErrorCode.DicomTruncated, reason: 'the deflated data set ends before its first element' } };
    return { ok: false, failure: { code: ErrorCode.DicomMissingStudyUid, reason: 'File Meta Information only, no data set' } };
  }
  const syntax = chooseSyntax(deflated ? TransferSyntax.ExplicitLittle : located.declared, bytes);
  if (syntax === undefined) {
    const what = located.meta === undefined ? 'no DICM prefix and the data' : 'the data set after the File Meta Information';
    return { ok: false, failure: { code: ErrorCode.DicomNotDicom, reason: `${what} does not start with a DICOM data element` } };
  }
  return { ok: true, bytes, syntax };
}

/**
 * Parses `bytes` as a Part 10 file or a bare data set. `prefix` says the bytes are the start of a
 * larger file, so reaching their end before the pixel data counts as ending early.
 * Never throws for bad input.
 */
export function parseDataSet(bytes: Uint8Array, prefix: boolean): ParseOutcome {
  const located = locateBody(bytes);
  if ('code' in located) return { ok: false, failure: located };
  const body = prepareBody(located, prefix);
  if (!body.ok) return body;
  let run: { dataSet: DataSet; threw: boolean };
  try {
    run = runParser(body.bytes, body.syntax);
  } catch {
    return { ok: false, failure: { code: ErrorCode.DicomUnreadable, reason: 'the data set cannot be parsed' } };
  }
  const { tag, overrun } = lastCompleteTag(run.dataSet);
  const reachedPixels = run.dataSet.elements[PIXEL_DATA_TAG] !== undefined;
  const endedEarly = run.threw || overrun || (prefix && !reachedPixels);
  const transferSyntaxUid = located.declared ?? body.syntax;
  return { ok: true, parsed: { dataSet: run.dataSet, meta: located.meta, transferSyntaxUid, endedEarly, lastCompleteTag: tag } };
}
