/**
 * Native (uncompressed) pixel values: stored words to integer sample values per the Image Pixel
 * module (Bits Allocated/Stored, High Bit, Pixel Representation, Planar Configuration), and colour
 * samples to one grey value per pixel.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_8.html (encoding of pixel data)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_A.2.html (Explicit VR Big Endian)
 */

/** The Image Pixel module attributes that say how to read the stored words. */
export interface PixelLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: 8 | 16 | 32;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  /** 0 interleaved (R1 G1 B1 R2 ...), 1 planar (R1 R2 ... G1 G2 ... B1 B2 ...). */
  planarConfiguration: 0 | 1;
  photometric: string;
}

/** Bytes of one frame. */
export function frameBytes(layout: PixelLayout): number {
  return layout.rows * layout.columns * layout.samplesPerPixel * (layout.bitsAllocated / 8);
}

type WordReader = (bytes: Uint8Array, offset: number) => number;

function wordReader(bitsAllocated: 8 | 16 | 32, littleEndian: boolean): WordReader {
  if (bitsAllocated === 8) return (b, o) => b[o] ?? 0;
  if (bitsAllocated === 16) {
    return littleEndian ? (b, o) => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) : (b, o) => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
  }
  return littleEndian
    ? (b, o) => ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0
    : (b, o) => (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}

/**
 * Stored word to sample value: shift the stored bits down to bit 0 (High Bit need not be Bits
 * Stored - 1), mask away the bits above Bits Stored (overlays, garbage), sign-extend when signed.
 */
function sampleDecoder(layout: PixelLayout): (word: number) => number {
  const shift = Math.max(0, layout.highBit + 1 - layout.bitsStored);
  const bits = Math.min(layout.bitsStored, 32);
  const range = 2 ** bits;
  const signBit = 2 ** (bits - 1);
  return (word) => {
    const value = Math.floor(word / 2 ** shift) % range;
    return layout.pixelRepresentation === 1 && value >= signBit ? value - range : value;
  };
}

/**
 * The sample values of one frame, one grey value per pixel, row-major. Colour becomes ITU-R BT.601
 * luma: `0.299 R + 0.587 G + 0.114 B` for RGB, Y itself for YBR_FULL and YBR_FULL_422.
 * @param frame the frame's bytes, `frameBytes(layout)` long (YBR_FULL_422: two thirds of that)
 * @param littleEndian false for Explicit VR Big Endian words
 */
export function greyValues(frame: Uint8Array, layout: PixelLayout, littleEndian: boolean): Float32Array {
  const { rows, columns, samplesPerPixel, bitsAllocated } = layout;
  const n = rows * columns;
  const bytes = bitsAllocated / 8;
  const read = wordReader(bitsAllocated, littleEndian);
  const decode = sampleDecoder(layout);
  const sample = (pixel: number, s: number): number => {
    const index = layout.planarConfiguration === 1 ? s * n + pixel : pixel * samplesPerPixel + s;
    return decode(read(frame, index * bytes));
  };
  const out = new Float32Array(n);
  if (samplesPerPixel === 1 && layout.bitsStored < 32) {
    greyFast(frame, layout, littleEndian, out);
  } else if (samplesPerPixel === 1) {
    for (let p = 0; p < n; p++) out[p] = decode(read(frame, p * bytes));
  } else if (layout.photometric === 'YBR_FULL_422') {
    // Two pixels share one Cb and Cr: Y1 Y2 Cb Cr, always interleaved (PS3.3 C.7.6.3.1.2).
    for (let p = 0; p < n; p++) {
      const pair = Math.floor(p / 2);
      out[p] = decode(read(frame, (pair * 4 + (p % 2)) * bytes));
    }
  } else if (layout.photometric.startsWith('YBR')) {
    for (let p = 0; p < n; p++) out[p] = sample(p, 0);
  } else {
    for (let p = 0; p < n; p++) out[p] = 0.299 * sample(p, 0) + 0.587 * sample(p, 1) + 0.114 * sample(p, 2);
  }
  return out;
}

/** The common grey case with bit operations (Bits Stored < 32): shift, mask, sign-extend. */
function greyFast(frame: Uint8Array, layout: PixelLayout, littleEndian: boolean, out: Float32Array): void {
  const shift = Math.max(0, layout.highBit + 1 - layout.bitsStored);
  const mask = 2 ** layout.bitsStored - 1;
  const extend = 32 - layout.bitsStored;
  const signed = layout.pixelRepresentation === 1;
  const n = out.length;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  for (let p = 0; p < n; p++) {
    const word =
      layout.bitsAllocated === 8 ? (frame[p] ?? 0)
      : layout.bitsAllocated === 16 ? view.getUint16(p * 2, littleEndian)
      : view.getUint32(p * 4, littleEndian);
    const v = (word >>> shift) & mask;
    out[p] = signed ? (v << extend) >> extend : v;
  }
}

/** Swaps each byte pair: 8-bit pixel data stored as OW under Explicit VR Big Endian. */
export function swapBytePairs(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1] ?? 0;
    out[i + 1] = bytes[i] ?? 0;
  }
  if (bytes.length % 2 === 1) out[bytes.length - 1] = bytes[bytes.length - 1] ?? 0;
  return out;
}
