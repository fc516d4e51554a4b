/**
 * Transfer syntaxes the image path knows, and how one frame's bytes are found in the Pixel Data
 * element: a slice of native data, or the fragments of encapsulated data that make up the frame.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_A.html (transfer syntaxes, PS3.5 Annex A)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_A.4.html (encapsulation, fragments, Basic Offset Table)
 */
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';

const IMPLICIT_LITTLE = '1.2.840.10008.1.2';
const EXPLICIT_LITTLE = '1.2.840.10008.1.2.1';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const EXPLICIT_BIG = '1.2.840.10008.1.2.2';
const RLE = '1.2.840.10008.1.2.5';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

/** The transfer syntaxes decoded, by family. */
export const SYNTAX = {
  native: new Set([IMPLICIT_LITTLE, EXPLICIT_LITTLE, DEFLATED, EXPLICIT_BIG]),
  decodable: new Set([IMPLICIT_LITTLE, EXPLICIT_LITTLE, DEFLATED, EXPLICIT_BIG, RLE, JPEG_BASELINE]),
  explicitBig: EXPLICIT_BIG,
  rle: RLE,
  jpegBaseline: JPEG_BASELINE,
} as const;

/** Names for skip reasons. @see https://dicom.nema.org/medical/dicom/current/output/chtml/part06/chapter_A.html */
const NAMES: Readonly<Record<string, string>> = {
  [IMPLICIT_LITTLE]: 'Implicit VR Little Endian',
  [EXPLICIT_LITTLE]: 'Explicit VR Little Endian',
  [DEFLATED]: 'Deflated Explicit VR Little Endian',
  [EXPLICIT_BIG]: 'Explicit VR Big Endian',
  [RLE]: 'RLE Lossless',
  [JPEG_BASELINE]: 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4, 12-bit)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1 (Process 14, selection value 1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG2 video',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 video',
};

/** A readable name for a transfer syntax UID. */
export function syntaxName(uid: string): string {
  return NAMES[uid] ?? (uid === '' ? 'an unknown transfer syntax' : 'a transfer syntax not known here');
}

const UNDEFINED_LENGTH = 0xffffffff;

/** One native frame's bytes, or why they are not all there. */
export function readFrameValues(dataSet: DataSet, element: Element, frame: number, size: number): { ok: true; bytes: Uint8Array } | { ok: false; reason: string } {
  const start = element.dataOffset + frame * size;
  const end = start + size;
  const declared = element.length === UNDEFINED_LENGTH ? Infinity : element.dataOffset + element.length;
  const available = Math.min(declared, dataSet.byteArray.length);
  if (end > available) {
    return { ok: false, reason: `Pixel Data holds ${Math.max(0, available - element.dataOffset)} bytes, frame ${frame + 1} needs bytes up to ${end - element.dataOffset}` };
  }
  const bytes = dataSet.byteArray;
  return { ok: true, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset + start, size) };
}

function asBytes(array: Uint8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * The compressed bytes of frame `frame` (0-based). One frame: all fragments joined. Several: the
 * Basic Offset Table when it has an entry per frame, else one fragment per frame (always so for
 * RLE), else for JPEG the frame boundaries found from the SOI markers.
 * @throws Error when the fragments cannot be assigned to frames.
 */
export function frameSlice(dataSet: DataSet, element: Element, frame: number, frames: number, syntax: string): Uint8Array {
  const fragments = element.fragments ?? [];
  if (fragments.length === 0) throw new Error('encapsulated Pixel Data without fragments');
  for (const f of fragments) {
    if (f.position + f.length > dataSet.byteArray.length) throw new Error('a Pixel Data fragment runs past the end of the file');
  }
  if (frames === 1) return asBytes(dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, fragments.length));
  const table = element.basicOffsetTable ?? [];
  if (table.length === frames) return asBytes(dicomParser.readEncapsulatedImageFrame(dataSet, element, frame));
  if (fragments.length === frames) return asBytes(dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, frame, 1));
  if (syntax === SYNTAX.jpegBaseline) {
    const found = dicomParser.createJPEGBasicOffsetTable(dataSet, element);
    if (found.length === frames) return asBytes(dicomParser.readEncapsulatedImageFrame(dataSet, element, frame, found));
  }
  throw new Error(`${fragments.length} fragments and no usable Basic Offset Table for ${frames} frames`);
}
