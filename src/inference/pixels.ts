/**
 * Decodes a DICOM instance's pixel data into one grey image with values in [0, 1], the input of
 * preprocess.ts. Never throws for bad input: anything it cannot decode comes back as a typed
 * `skipped` result with a reason.
 *
 * Rules, in order:
 * 1. Frame: a multi-frame instance gives its middle frame, `floor(NumberOfFrames / 2)` (0-based).
 * 2. Stored words to sample values: Bits Allocated 8/16/32, Bits Stored masking, High Bit, Pixel
 *    Representation (two's complement), little or big endian, planar or interleaved colour.
 * 3. Colour to grey: BT.601 luma of RGB, Y of YBR_FULL/YBR_FULL_422 (native, RLE and JPEG alike).
 * 4. Modality values: `value * RescaleSlope + RescaleIntercept` (grey images only; a Modality LUT
 *    Sequence is not applied).
 * 5. VOI to [0, 1]: the first Window Center/Width pair when present and usable (LINEAR, LINEAR_EXACT
 *    or SIGMOID per VOI LUT Function), else the frame's own min-max. A VOI LUT Sequence is not applied.
 * 6. MONOCHROME1 is inverted, `1 - v`, so that bright always means dense.
 *
 * Transfer syntaxes decoded: Implicit/Explicit VR Little Endian, Deflated Explicit VR Little Endian,
 * Explicit VR Big Endian, RLE Lossless (rle.ts), JPEG Baseline 8-bit (jpeg.ts). Every other one is
 * skipped with `unsupported-transfer-syntax`.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.11.2.html (VOI LUT module)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_A.html (transfer syntaxes, PS3.5 Annex A)
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet, Element, ParseDicomOptions } from 'dicom-parser';
import { encodingOf, sniffEncoding, startsWithMetaGroup, syntaxOf } from '../transforms/dicom/syntax.ts';
import { decodeJpegBaselineGrey } from './jpeg.ts';
import { frameBytes, greyValues, type PixelLayout, swapBytePairs } from './native.ts';
import { decodeRleFrame } from './rle.ts';
import { frameSlice, readFrameValues, SYNTAX, syntaxName } from './frames.ts';

/** Why an instance gave no image. Stable codes; `reason` is for people. */
export const SkipCode = {
  NotDicom: 'not-dicom',
  Unreadable: 'unreadable',
  NoPixelData: 'no-pixel-data',
  UnsupportedTransferSyntax: 'unsupported-transfer-syntax',
  UnsupportedPixelFormat: 'unsupported-pixel-format',
  Truncated: 'truncated',
  DecodeFailed: 'decode-failed',
} as const;
export type SkipCode = (typeof SkipCode)[keyof typeof SkipCode];

/** The header fields the image path uses to choose an instance and to cache results. */
export interface InstanceInfo {
  transferSyntaxUid?: string;
  sopInstanceUid?: string;
  studyInstanceUid?: string;
  modality?: string;
  bodyPartExamined?: string;
  seriesNumber?: number;
  instanceNumber?: number;
}

/** A decoded frame before VOI: modality values (grey) or luma (colour), row-major. */
export interface ModalityImage {
  rows: number;
  columns: number;
  values: Float32Array;
  photometric: string;
  /** The frame decoded (0-based) and how many the instance has. */
  frame: number;
  frames: number;
}

/** A display-ready grey image: values in [0, 1], bright = dense, row-major. */
export interface GreyImage {
  rows: number;
  columns: number;
  data: Float32Array;
  /** How [0, 1] was reached. */
  voi: 'window' | 'min-max';
  frame: number;
  frames: number;
}

export interface PixelSkip {
  code: SkipCode;
  reason: string;
}

export type ModalityResult = { ok: true; info: InstanceInfo; image: ModalityImage; dataSet: DataSet } | { ok: false; info: InstanceInfo; skipped: PixelSkip };
export type PixelResult = { ok: true; info: InstanceInfo; image: GreyImage } | { ok: false; info: InstanceInfo; skipped: PixelSkip };

const skip = (info: InstanceInfo, code: SkipCode, reason: string): { ok: false; info: InstanceInfo; skipped: PixelSkip } => ({ ok: false, info, skipped: { code, reason } });

function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** dicom-parser's inflater hook: header bytes as they are, the deflated rest inflated. */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position));
  out.set(inflated, position);
  return out;
}

type Parsed = { ok: true; dataSet: DataSet; syntax: string; threw: boolean } | { ok: false; skipped: PixelSkip };

const DEFLATED = '1.2.840.10008.1.2.1.99';

/** Runs dicom-parser; a throw still yields what was read before it (`{ exception, dataSet }`). */
function run(input: Uint8Array, options: ParseDicomOptions, syntax: (ds: DataSet) => string): Parsed {
  try {
    const dataSet = dicomParser.parseDicom(input, options);
    return { ok: true, dataSet, syntax: syntax(dataSet), threw: false };
  } catch (error: unknown) {
    const partial = (error as { dataSet?: DataSet } | undefined)?.dataSet;
    if (partial !== undefined) return { ok: true, dataSet: partial, syntax: syntax(partial), threw: true };
    const text = typeof error === 'string' ? error : error instanceof Error ? error.message : 'parse error';
    return { ok: false, skipped: { code: SkipCode.Unreadable, reason: `the data set cannot be parsed: ${text}` } };
  }
}

/**
 * Parses the whole instance, pixel data included. A file without File Meta is sniffed; a data set
 * whose bytes contradict the declared encoding (implicit VR under a JPEG syntax, a known writer
 * bug) is parsed with the encoding it has, while the declared syntax still names the compression.
 */
function parse(bytes: Uint8Array, untilTag?: string): Parsed {
  const until = untilTag === undefined ? {} : { untilTag };
  let input = bytes;
  if (!hasDicmPrefix(input) && startsWithMetaGroup(input)) {
    input = new Uint8Array(132 + bytes.length);
    input.set([0x44, 0x49, 0x43, 0x4d], 128);
    input.set(bytes, 132);
  }
  if (!hasDicmPrefix(input)) {
    const encoding = sniffEncoding(input);
    if (encoding === undefined) return { ok: false, skipped: { code: SkipCode.NotDicom, reason: 'no DICM prefix and no DICOM data element at the start' } };
    const sniffed = syntaxOf(encoding);
    return run(input, { TransferSyntaxUID: sniffed, ...until }, () => sniffed);
  }
  let meta: DataSet;
  try {
    meta = dicomParser.readPart10Header(input);
  } catch {
    return { ok: false, skipped: { code: SkipCode.Unreadable, reason: 'the File Meta Information cannot be read' } };
  }
  const declared = meta.string('x00020010')?.replaceAll('\0', '').trim() ?? '';
  if (declared === '') return { ok: false, skipped: { code: SkipCode.Unreadable, reason: 'the File Meta Information has no Transfer Syntax UID' } };
  const position = (meta as DataSet & { position?: number }).position;
  if (declared !== DEFLATED && position !== undefined) {
    const found = sniffEncoding(input, position);
    const want = encodingOf(declared);
    if (found !== undefined && (found.explicitVr !== want.explicitVr || found.littleEndian !== want.littleEndian)) {
      return run(input.subarray(position), { TransferSyntaxUID: syntaxOf(found), ...until }, () => declared);
    }
  }
  return run(input, { inflater, ...until }, () => declared);
}

function infoOf(dataSet: DataSet, syntax: string): InstanceInfo {
  const text = (tag: string): string | undefined => {
    try {
      const v = dataSet.string(tag)?.replaceAll('\0', '').trim();
      return v === '' ? undefined : v;
    } catch {
      return undefined;
    }
  };
  const int = (tag: string): number | undefined => {
    const v = text(tag);
    return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
  };
  const info: InstanceInfo = { transferSyntaxUid: syntax };
  const fields: Array<[keyof InstanceInfo, string | number | undefined]> = [
    ['sopInstanceUid', text('x00080018')],
    ['studyInstanceUid', text('x0020000d')],
    ['modality', text('x00080060')?.toUpperCase()],
    ['bodyPartExamined', text('x00180015')?.toUpperCase()],
    ['seriesNumber', int('x00200011')],
    ['instanceNumber', int('x00200013')],
  ];
  for (const [key, value] of fields) if (value !== undefined) (info as Record<string, unknown>)[key] = value;
  return info;
}

type Layout = { ok: true; layout: PixelLayout; frames: number } | { ok: false; reason: string };

/** Reads and checks the Image Pixel module. */
function layoutOf(dataSet: DataSet): Layout {
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  const bitsAllocated = dataSet.uint16('x00280100') ?? 0;
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  const highBit = dataSet.uint16('x00280102') ?? bitsStored - 1;
  const pixelRepresentation = dataSet.uint16('x00280103') ?? 0;
  const planarConfiguration = dataSet.uint16('x00280006') ?? 0;
  const photometric = (dataSet.string('x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).trim().toUpperCase();
  const frames = Math.max(1, Number.parseInt(dataSet.string('x00280008') ?? '1', 10) || 1);
  if (rows < 1 || columns < 1) return { ok: false, reason: `image size ${rows}x${columns}` };
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) return { ok: false, reason: `Bits Allocated ${bitsAllocated} (8, 16 and 32 are supported)` };
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit >= bitsAllocated || highBit + 1 < bitsStored) {
    return { ok: false, reason: `Bits Stored ${bitsStored} / High Bit ${highBit} do not fit Bits Allocated ${bitsAllocated}` };
  }
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) return { ok: false, reason: `Pixel Representation ${pixelRepresentation}` };
  const grey = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
  const colour = ['RGB', 'YBR_FULL', 'YBR_FULL_422'].includes(photometric);
  if (!((samplesPerPixel === 1 && grey) || (samplesPerPixel === 3 && colour))) {
    return { ok: false, reason: `Photometric Interpretation ${photometric} with ${samplesPerPixel} sample(s) per pixel` };
  }
  return {
    ok: true,
    frames,
    layout: { rows, columns, samplesPerPixel, bitsAllocated, bitsStored, highBit, pixelRepresentation, planarConfiguration: planarConfiguration === 1 ? 1 : 0, photometric },
  };
}

/**
 * Decodes the middle frame of an instance to modality values (grey) or luma (colour), before VOI.
 * Never throws.
 */
export function decodeModalityImage(bytes: Uint8Array): ModalityResult {
  try {
    return decodeModality(bytes);
  } catch (error: unknown) {
    // Attribute values cut by the end of the bytes make dicom-parser's accessors throw.
    return skip({}, SkipCode.Unreadable, `the data set cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function decodeModality(bytes: Uint8Array): ModalityResult {
  if (bytes.length === 0) return skip({}, SkipCode.NotDicom, 'empty file');
  const parsed = parse(bytes);
  if (!parsed.ok) return { ok: false, info: {}, skipped: parsed.skipped };
  const { dataSet, syntax } = parsed;
  const info = infoOf(dataSet, syntax);
  const pixelElement: Element | undefined = dataSet.elements.x7fe00010;
  if (pixelElement === undefined) {
    if (dataSet.elements.x7fe00008 !== undefined || dataSet.elements.x7fe00009 !== undefined) {
      return skip(info, SkipCode.UnsupportedPixelFormat, 'Float/Double Float Pixel Data is not supported');
    }
    return skip(info, parsed.threw ? SkipCode.Truncated : SkipCode.NoPixelData, parsed.threw ? 'the data set ends before the pixel data' : 'no Pixel Data (7FE0,0010): not an image');
  }
  if (!SYNTAX.decodable.has(syntax)) {
    return skip(info, SkipCode.UnsupportedTransferSyntax, `${syntaxName(syntax)} (${syntax || 'none declared'}) is not decoded here`);
  }
  const layout = layoutOf(dataSet);
  if (!layout.ok) return skip(info, SkipCode.UnsupportedPixelFormat, layout.reason);
  const frame = Math.floor(layout.frames / 2);
  try {
    const decoded = decodeFrame(dataSet, pixelElement, syntax, layout.layout, frame, layout.frames);
    if (!decoded.ok) return skip(info, decoded.code, decoded.reason);
    const { rows, columns, photometric } = layout.layout;
    if (decoded.values.length !== rows * columns) return skip(info, SkipCode.DecodeFailed, `decoded ${decoded.values.length} values for a ${rows}x${columns} image`);
    applyRescale(dataSet, decoded.values, layout.layout);
    return { ok: true, info, dataSet, image: { rows, columns, values: decoded.values, photometric, frame, frames: layout.frames } };
  } catch (error: unknown) {
    return skip(info, SkipCode.DecodeFailed, error instanceof Error ? error.message : String(error));
  }
}

type Decoded = { ok: true; values: Float32Array } | { ok: false; code: SkipCode; reason: string };

/**
 * Implicit VR parsing does not recognise encapsulated pixel data (an undefined-length Pixel Data
 * element, seen under a JPEG syntax from writers that ignore the declared encoding): read its items.
 */
function readAsEncapsulated(dataSet: DataSet, element: Element): void {
  if (element.encapsulatedPixelData === true || element.hadUndefinedLength !== true) return;
  const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, dataSet.byteArray, element.dataOffset);
  dicomParser.findEndOfEncapsulatedElement(stream, element, []);
}

function decodeFrame(dataSet: DataSet, element: Element, syntax: string, layout: PixelLayout, frame: number, frames: number): Decoded {
  if (!SYNTAX.native.has(syntax)) readAsEncapsulated(dataSet, element);
  const encapsulated = element.encapsulatedPixelData === true;
  if (SYNTAX.native.has(syntax)) {
    if (encapsulated) return { ok: false, code: SkipCode.DecodeFailed, reason: 'encapsulated pixel data under an uncompressed transfer syntax' };
    const size = layout.photometric === 'YBR_FULL_422' ? (frameBytes(layout) * 2) / 3 : frameBytes(layout);
    const slice = readFrameValues(dataSet, element, frame, size);
    if (!slice.ok) return { ok: false, code: SkipCode.Truncated, reason: slice.reason };
    const bigEndian = syntax === SYNTAX.explicitBig;
    // 8-bit data as OW under big endian was written as 16-bit words: undo the swap.
    const bytes = bigEndian && layout.bitsAllocated === 8 && element.vr === 'OW' ? swapBytePairs(slice.bytes) : slice.bytes;
    return { ok: true, values: greyValues(bytes, layout, !bigEndian) };
  }
  if (!encapsulated) return { ok: false, code: SkipCode.DecodeFailed, reason: `${syntaxName(syntax)} needs encapsulated pixel data` };
  const compressed = frameSlice(dataSet, element, frame, frames, syntax);
  if (syntax === SYNTAX.rle) {
    const raw = decodeRleFrame(compressed, layout.rows, layout.columns, layout.samplesPerPixel, layout.bitsAllocated);
    // RLE output is planar; YBR_FULL_422 is not allowed with RLE (PS3.5 G.2), its samples are full.
    const photometric = layout.photometric === 'YBR_FULL_422' ? 'YBR_FULL' : layout.photometric;
    return { ok: true, values: greyValues(raw, { ...layout, planarConfiguration: 1, photometric }, true) };
  }
  if (layout.bitsAllocated !== 8) return { ok: false, code: SkipCode.UnsupportedPixelFormat, reason: `JPEG Baseline with Bits Allocated ${layout.bitsAllocated}` };
  const grey = decodeJpegBaselineGrey(compressed, layout.photometric);
  if (grey.rows !== layout.rows || grey.columns !== layout.columns) {
    return { ok: false, code: SkipCode.DecodeFailed, reason: `JPEG is ${grey.columns}x${grey.rows}, the header says ${layout.columns}x${layout.rows}` };
  }
  return { ok: true, values: grey.values };
}

function decimal(dataSet: DataSet, tag: string, index = 0): number | undefined {
  try {
    const v = dataSet.floatString(tag, index);
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Modality LUT as a linear transform, grey images only. */
function applyRescale(dataSet: DataSet, values: Float32Array, layout: PixelLayout): void {
  if (layout.samplesPerPixel !== 1) return;
  const slope = decimal(dataSet, 'x00281053') ?? 1;
  const intercept = decimal(dataSet, 'x00281052') ?? 0;
  if (slope === 1 && intercept === 0) return;
  for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) * slope + intercept;
}

/**
 * Modality values to [0, 1]: the first window (C.11.2.1.2) when present and usable, else min-max.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.11.2.html#sect_C.11.2.1.2
 */
export function applyVoi(image: ModalityImage, window?: { center: number; width: number; fn?: string }): GreyImage {
  const { values } = image;
  const out = new Float32Array(values.length);
  const fn = window?.fn ?? 'LINEAR';
  const usable = window !== undefined && image.photometric.startsWith('MONOCHROME') && (fn === 'LINEAR' ? window.width >= 1 : window.width > 0);
  if (usable) {
    const { center: c, width: w } = window;
    const n = values.length;
    if (fn === 'SIGMOID') {
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp((-4 * ((values[i] ?? 0) - c)) / w));
    } else {
      // LINEAR: (x - (c - 0.5)) / (w - 1) + 0.5; LINEAR_EXACT: (x - c) / w + 0.5; clipped to [0, 1].
      const origin = fn === 'LINEAR_EXACT' ? c : c - 0.5;
      const scale = fn === 'LINEAR_EXACT' ? w : w - 1;
      for (let i = 0; i < n; i++) {
        const y = ((values[i] ?? 0) - origin) / scale + 0.5;
        out[i] = y < 0 ? 0 : y > 1 ? 1 : y;
      }
    }
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo;
    if (span > 0) for (let i = 0; i < values.length; i++) out[i] = ((values[i] ?? 0) - lo) / span;
  }
  if (image.photometric === 'MONOCHROME1') for (let i = 0; i < out.length; i++) out[i] = 1 - (out[i] ?? 0);
  return { rows: image.rows, columns: image.columns, data: out, voi: usable ? 'window' : 'min-max', frame: image.frame, frames: image.frames };
}

/** The first Window Center/Width pair and VOI LUT Function of a data set, when present. */
function windowOf(dataSet: DataSet): { center: number; width: number; fn?: string } | undefined {
  const center = decimal(dataSet, 'x00281050');
  const width = decimal(dataSet, 'x00281051');
  if (center === undefined || width === undefined) return undefined;
  const fn = dataSet.string('x00281056')?.trim().toUpperCase();
  return fn === undefined || fn === '' ? { center, width } : { center, width, fn };
}

/**
 * The identifying header fields alone, parsing up to (not into) the pixel data: cheap enough to
 * choose among a study's instances. `undefined` when the bytes are not a readable data set.
 */
export function readInstanceInfo(bytes: Uint8Array): InstanceInfo | undefined {
  try {
    const parsed = parse(bytes, 'x7fe00010');
    return parsed.ok ? infoOf(parsed.dataSet, parsed.syntax) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decodes an instance (Part 10 file or bare data set) to a [0, 1] grey image per the rules above.
 * Never throws: undecodable input gives `{ ok: false, skipped: { code, reason } }`.
 */
export function decodeDicomPixels(bytes: Uint8Array): PixelResult {
  const decoded = decodeModalityImage(bytes);
  if (!decoded.ok) return decoded;
  let window: ReturnType<typeof windowOf>;
  try {
    window = windowOf(decoded.dataSet);
  } catch {
    window = undefined;
  }
  return { ok: true, info: decoded.info, image: applyVoi(decoded.image, window) };
}
