/**
 * RLE Lossless (1.2.840.10008.1.2.5) frame decoder, PS3.5 Annex G: a 64-byte header (segment
 * count and up to 15 segment offsets, little-endian uint32) followed by PackBits-coded segments,
 * one per byte plane: for each sample (component), its bytes most significant first.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_G.html (RLE compression)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_A.4.2.html (RLE transfer syntax)
 */

/** Why an RLE frame cannot be decoded. */
export class RleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RleError';
  }
}

const HEADER_BYTES = 64;
const MAX_SEGMENTS = 15;

/** Reads the segment offsets of an RLE header. */
function segmentOffsets(frame: Uint8Array): number[] {
  if (frame.length < HEADER_BYTES) throw new RleError(`RLE frame of ${frame.length} bytes is shorter than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0, true);
  if (count < 1 || count > MAX_SEGMENTS) throw new RleError(`RLE header declares ${count} segments (1-15 allowed)`);
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const offset = view.getUint32(4 + 4 * i, true);
    if (offset < HEADER_BYTES || offset > frame.length) throw new RleError(`RLE segment ${i} offset ${offset} lies outside the frame`);
    if (i > 0 && offset < (offsets[i - 1] ?? 0)) throw new RleError('RLE segment offsets are not increasing');
    offsets.push(offset);
  }
  return offsets;
}

/**
 * PackBits: header byte n in 0..127 copies the next n+1 bytes; n in -127..-1 repeats the next byte
 * 1-n times; -128 is a no-op. Writes exactly `out.length` bytes (surplus output is dropped, as the
 * standard allows a padding byte); fails when the segment runs out first.
 */
function unpackBits(segment: Uint8Array, out: Uint8Array): void {
  let i = 0;
  let o = 0;
  while (o < out.length) {
    if (i >= segment.length) throw new RleError(`RLE segment ended after ${o} of ${out.length} bytes`);
    const n = (segment[i++] ?? 0) << 24 >> 24;
    if (n >= 0) {
      const end = Math.min(i + n + 1, segment.length);
      for (; i < end && o < out.length; i++) out[o++] = segment[i] ?? 0;
    } else if (n !== -128) {
      const value = segment[i++] ?? 0;
      for (let k = 0; k < 1 - n && o < out.length; k++) out[o++] = value;
    }
  }
}

/**
 * Decodes one RLE frame into native pixel bytes: little-endian words, planar layout (all values of
 * sample 0, then of sample 1, ...), `rows * columns * samplesPerPixel * bitsAllocated / 8` bytes.
 * @throws RleError for a malformed frame or a segment count that does not match the image.
 */
export function decodeRleFrame(frame: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number): Uint8Array {
  if (bitsAllocated % 8 !== 0) throw new RleError(`RLE with Bits Allocated ${bitsAllocated} is not supported`);
  const bytesPerSample = bitsAllocated / 8;
  const offsets = segmentOffsets(frame);
  const expected = samplesPerPixel * bytesPerSample;
  if (offsets.length !== expected) {
    throw new RleError(`RLE frame has ${offsets.length} segments; ${samplesPerPixel} sample(s) of ${bitsAllocated} bits need ${expected}`);
  }
  const pixels = rows * columns;
  const out = new Uint8Array(pixels * expected);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < offsets.length; s++) {
    const start = offsets[s] ?? HEADER_BYTES;
    const end = s + 1 < offsets.length ? (offsets[s + 1] ?? frame.length) : frame.length;
    unpackBits(frame.subarray(start, end), plane);
    const sample = Math.floor(s / bytesPerSample);
    // Segments run most significant byte first; little-endian output puts that byte last.
    const byteInWord = bytesPerSample - 1 - (s % bytesPerSample);
    const base = sample * pixels * bytesPerSample;
    for (let p = 0; p < pixels; p++) out[base + p * bytesPerSample + byteInWord] = plane[p] ?? 0;
  }
  return out;
}
