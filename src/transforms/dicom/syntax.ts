/**
 * Transfer syntaxes and their detection from the data set bytes themselves, for files without File
 * Meta Information and for files whose meta header lies about the encoding.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_10.html (transfer syntaxes)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_7.html (data element encoding)
 */

/** Transfer syntax UIDs whose data set encoding differs from Explicit VR Little Endian. */
export const TransferSyntax = {
  ImplicitLittle: '1.2.840.10008.1.2',
  ExplicitLittle: '1.2.840.10008.1.2.1',
  DeflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  ExplicitBig: '1.2.840.10008.1.2.2',
} as const;

/** How a data set is encoded; every compressed pixel syntax encodes the data set as Explicit VR LE. */
export interface Encoding {
  explicitVr: boolean;
  littleEndian: boolean;
}

/** The data set encoding of a transfer syntax UID (deflate is explicit little endian once inflated). */
export function encodingOf(transferSyntaxUid: string): Encoding {
  if (transferSyntaxUid === TransferSyntax.ImplicitLittle) return { explicitVr: false, littleEndian: true };
  if (transferSyntaxUid === TransferSyntax.ExplicitBig) return { explicitVr: true, littleEndian: false };
  return { explicitVr: true, littleEndian: true };
}

/** The transfer syntax UID that dicom-parser needs to read a data set with this encoding. */
export function syntaxOf(encoding: Encoding): string {
  if (!encoding.explicitVr) return TransferSyntax.ImplicitLittle;
  return encoding.littleEndian ? TransferSyntax.ExplicitLittle : TransferSyntax.ExplicitBig;
}

/** @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (VR table) */
const VRS = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV',
  'OW', 'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
]);
/** VRs whose explicit encoding has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED_LENGTH = 0xffffffff;

function vrAt(bytes: Uint8Array, at: number): string | undefined {
  const a = bytes[at];
  const b = bytes[at + 1];
  if (a === undefined || b === undefined) return undefined;
  const vr = String.fromCharCode(a, b);
  return VRS.has(vr) ? vr : undefined;
}

function u16(bytes: Uint8Array, at: number, little: boolean): number {
  const a = bytes[at] ?? 0;
  const b = bytes[at + 1] ?? 0;
  return little ? a | (b << 8) : (a << 8) | b;
}

function u32(bytes: Uint8Array, at: number, little: boolean): number {
  const hi = u16(bytes, at + (little ? 2 : 0), little);
  const lo = u16(bytes, at + (little ? 0 : 2), little);
  return hi * 0x10000 + lo;
}

/**
 * The first element of a data set: File Meta (0002) when written without preamble, a DICOMDIR's
 * (0004), or the usual (0008) group; a few writers start at patient or study level. Anything else
 * in the first bytes means the data is not a data set.
 */
const plausibleFirstGroup = (group: number): boolean => group >= 0x0002 && group <= 0x0020 && group % 2 === 0;

interface ElementHead {
  group: number;
  /** Offset of the next element, or undefined when the length is undefined (a sequence follows). */
  next: number | undefined;
}

function readHead(bytes: Uint8Array, at: number, enc: Encoding): ElementHead | undefined {
  if (at + 8 > bytes.length) return undefined;
  const group = u16(bytes, at, enc.littleEndian);
  let length: number;
  let valueAt: number;
  if (enc.explicitVr) {
    const vr = vrAt(bytes, at + 4);
    if (vr === undefined) return undefined;
    const long = LONG_VRS.has(vr);
    length = long ? u32(bytes, at + 8, enc.littleEndian) : u16(bytes, at + 6, enc.littleEndian);
    valueAt = at + (long ? 12 : 8);
  } else {
    length = u32(bytes, at + 4, enc.littleEndian);
    valueAt = at + 8;
  }
  if (length === UNDEFINED_LENGTH) return { group, next: undefined };
  return { group, next: valueAt + length };
}

/**
 * Checks that the first element has a plausible tag and VR/length, and that the element after it
 * (when the bytes reach that far) continues in ascending group order. Two consistent elements are
 * strong evidence; random bytes or text fail on the first group or the first length.
 */
function looksLike(bytes: Uint8Array, at: number, enc: Encoding): boolean {
  const first = readHead(bytes, at, enc);
  if (first === undefined || !plausibleFirstGroup(first.group)) return false;
  if (first.next === undefined) return true;
  if (first.next > bytes.length) return false;
  if (first.next + 8 > bytes.length) return true;
  const second = readHead(bytes, first.next, enc);
  return second !== undefined && second.group >= first.group && second.group <= 0x7fe0;
}

/**
 * Detects the encoding of a data set starting at `at`, or `undefined` when the bytes do not look like
 * a data set in any encoding. Explicit VR is tried first because a VR code in bytes 4–5 is a strong
 * signal (an implicit element would need a first length of at least 0x4141 to look like that); big
 * endian only when little endian fails, as implicit big endian was retired and is not supported.
 */
export function sniffEncoding(bytes: Uint8Array, at = 0): Encoding | undefined {
  const candidates: Encoding[] = [
    { explicitVr: true, littleEndian: true },
    { explicitVr: false, littleEndian: true },
    { explicitVr: true, littleEndian: false },
  ];
  return candidates.find((enc) => looksLike(bytes, at, enc));
}

/** True when the bytes at `at` start with a File Meta element (0002,xxxx) in Explicit VR Little Endian. */
export function startsWithMetaGroup(bytes: Uint8Array, at = 0): boolean {
  return u16(bytes, at, true) === 0x0002 && vrAt(bytes, at + 4) !== undefined;
}
