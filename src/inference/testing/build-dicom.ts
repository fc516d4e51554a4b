/**
 * Test support: a tiny Part 10 writer for pixel formats acclink's own writer does not produce
 * (16/32-bit, signed, MONOCHROME1, multi-frame, RLE, big endian), so pixels.ts can be tested on
 * values known exactly. Explicit VR only; not for production use.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_7.html (data element encoding)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_A.4.html (encapsulation)
 */

/** One element: tag as `0xGGGGEEEE`, VR, and its value (text, numbers for US, or raw bytes). */
import { concat } from '../../transforms/dicom/part10-fixture.ts';

export interface FixtureElement {
  tag: number;
  vr: string;
  value: string | number[] | Uint8Array;
  /** Raw bytes already holding items: written with undefined length (encapsulated Pixel Data). */
  undefinedLength?: boolean;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function encodeValue(el: FixtureElement, littleEndian: boolean): Uint8Array {
  if (el.value instanceof Uint8Array) {
    const out = new Uint8Array(el.value.length + (el.value.length % 2));
    out.set(el.value);
    return out;
  }
  if (typeof el.value === 'string') {
    const text = el.value.length % 2 === 0 ? el.value : `${el.value}${el.vr === 'UI' ? '\0' : ' '}`;
    return new Uint8Array([...text].map((c) => c.charCodeAt(0)));
  }
  const out = new Uint8Array(el.value.length * 2);
  const view = new DataView(out.buffer);
  el.value.forEach((v, i) => view.setUint16(i * 2, v, littleEndian));
  return out;
}

function encodeElement(el: FixtureElement, littleEndian: boolean): Uint8Array {
  const value = encodeValue(el, littleEndian);
  const long = LONG_VRS.has(el.vr);
  const head = new Uint8Array(long ? 12 : 8);
  const view = new DataView(head.buffer);
  view.setUint16(0, el.tag >>> 16, littleEndian);
  view.setUint16(2, el.tag & 0xffff, littleEndian);
  head[4] = el.vr.charCodeAt(0);
  head[5] = el.vr.charCodeAt(1);
  if (long) view.setUint32(8, el.undefinedLength === true ? 0xffffffff : value.length, littleEndian);
  else view.setUint16(6, value.length, littleEndian);
  const out = new Uint8Array(head.length + value.length);
  out.set(head);
  out.set(value, head.length);
  return out;
}

/** Encapsulated Pixel Data items: an empty Basic Offset Table, one fragment per frame, the delimiter. */
export function encapsulate(frames: readonly Uint8Array[]): Uint8Array {
  const item = (bytes: Uint8Array): Uint8Array => {
    const padded = new Uint8Array(bytes.length + (bytes.length % 2));
    padded.set(bytes);
    const head = new Uint8Array(8);
    const view = new DataView(head.buffer);
    view.setUint16(0, 0xfffe, true);
    view.setUint16(2, 0xe000, true);
    view.setUint32(4, padded.length, true);
    return concat([head, padded]);
  };
  const delimiter = new Uint8Array([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return concat([item(new Uint8Array(0)), ...frames.map(item), delimiter]);
}

/** PackBits with literal runs only, plus one replicate run where a byte repeats (enough to test both paths). */
export function packBits(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    let run = 1;
    while (i + run < bytes.length && run < 128 && bytes[i + run] === bytes[i]) run++;
    if (run >= 3) {
      out.push((257 - run) & 0xff, bytes[i] ?? 0);
      i += run;
      continue;
    }
    const n = Math.min(128, bytes.length - i);
    out.push(n - 1, ...bytes.subarray(i, i + n));
    i += n;
  }
  return new Uint8Array(out);
}

/** One RLE frame from little-endian planar native bytes: segments per sample, most significant byte first. */
export function rleFrame(native: Uint8Array, pixels: number, samples: number, bytesPerSample: number): Uint8Array {
  const segments: Uint8Array[] = [];
  for (let s = 0; s < samples; s++) {
    for (let b = bytesPerSample - 1; b >= 0; b--) {
      const plane = new Uint8Array(pixels);
      for (let p = 0; p < pixels; p++) plane[p] = native[(s * pixels + p) * bytesPerSample + b] ?? 0;
      segments.push(packBits(plane));
    }
  }
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((seg, k) => {
    view.setUint32(4 + 4 * k, offset, true);
    offset += seg.length;
  });
  return concat([header, ...segments]);
}

/** A Part 10 file: meta (explicit VR LE) and the data set in explicit VR, little or big endian. */
export function buildPart10(elements: readonly FixtureElement[], transferSyntaxUid: string, littleEndian = true): Uint8Array {
  const metaBody = concat(
    [
      { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
      { tag: 0x00020002, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
      { tag: 0x00020003, vr: 'UI', value: '2.25.1' },
      { tag: 0x00020010, vr: 'UI', value: transferSyntaxUid },
    ].map((e) => encodeElement(e, true)),
  );
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, metaBody.length, true);
  const meta = concat([encodeElement({ tag: 0x00020000, vr: 'UL', value: groupLength }, true), metaBody]);
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  const body = concat(sorted.map((e) => encodeElement(e, littleEndian)));
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, meta, body]);
}

/** The Image Pixel module elements for a grey or colour image. */
export function imagePixelElements(o: {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored?: number;
  highBit?: number;
  pixelRepresentation?: number;
  photometric?: string;
  samplesPerPixel?: number;
  frames?: number;
}): FixtureElement[] {
  const stored = o.bitsStored ?? o.bitsAllocated;
  const els: FixtureElement[] = [
    { tag: 0x00080018, vr: 'UI', value: '2.25.42' },
    { tag: 0x00080060, vr: 'CS', value: 'OT' },
    { tag: 0x00280002, vr: 'US', value: [o.samplesPerPixel ?? 1] },
    { tag: 0x00280004, vr: 'CS', value: o.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: [o.rows] },
    { tag: 0x00280011, vr: 'US', value: [o.columns] },
    { tag: 0x00280100, vr: 'US', value: [o.bitsAllocated] },
    { tag: 0x00280101, vr: 'US', value: [stored] },
    { tag: 0x00280102, vr: 'US', value: [o.highBit ?? stored - 1] },
    { tag: 0x00280103, vr: 'US', value: [o.pixelRepresentation ?? 0] },
  ];
  if ((o.samplesPerPixel ?? 1) > 1) els.push({ tag: 0x00280006, vr: 'US', value: [0] });
  if (o.frames !== undefined) els.push({ tag: 0x00280008, vr: 'IS', value: String(o.frames) });
  return els;
}
