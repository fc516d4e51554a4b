/**
 * pixels.ts against pydicom's test files (../shared/data/dicom-samples): every file is decoded or
 * skipped with a stated reason, never a throw; decoded values agree with pydicom 2.3.1 and across
 * encodings of the same image. Then synthetic files for formats the samples lack.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDicomPixels, decodeModalityImage, type ModalityImage, type PixelResult, SkipCode } from './pixels.ts';
import { buildPart10, encapsulate, type FixtureElement, imagePixelElements, rleFrame } from './testing/build-dicom.ts';
import { DICOM_SAMPLES } from '../../test/support/shared-data.ts';

const ROOT = `${DICOM_SAMPLES}/`;
const FILES: string[] = readdirSync(ROOT, { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile())
  .map((d) => `${d.parentPath}/${d.name}`.slice(ROOT.length).replace(/^\/+/, ''))
  .sort();
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(`${ROOT}${name}`));
const RESULTS = new Map<string, PixelResult>(FILES.map((f) => [f, decodeDicomPixels(read(f))]));

/** Every file that gives no image, and why. Everything else must decode. */
const SKIPPED: Readonly<Record<string, SkipCode>> = {
  // JPEG 2000, JPEG-LS, JPEG Extended (12-bit) and JPEG Lossless are not decoded.
  '693_J2KI.dcm': SkipCode.UnsupportedTransferSyntax,
  'GDCMJ2K_TextGBR.dcm': SkipCode.UnsupportedTransferSyntax,
  'J2K_pixelrep_mismatch.dcm': SkipCode.UnsupportedTransferSyntax,
  'JPEG-lossy.dcm': SkipCode.UnsupportedTransferSyntax,
  'JPEG2000-embedded-sequence-delimiter.dcm': SkipCode.UnsupportedTransferSyntax,
  'JPEG2000.dcm': SkipCode.UnsupportedTransferSyntax,
  'JPGExtended.dcm': SkipCode.UnsupportedTransferSyntax,
  'MR_small_jp2klossless.dcm': SkipCode.UnsupportedTransferSyntax,
  'MR_small_jpeg_ls_lossless.dcm': SkipCode.UnsupportedTransferSyntax,
  'SC_rgb_gdcm_KY.dcm': SkipCode.UnsupportedTransferSyntax,
  'SC_rgb_jpeg_gdcm.dcm': SkipCode.UnsupportedTransferSyntax,
  // Not DICOM: documentation, dumps, JSON, gzip; CT_small cut inside its meta (a stray leading byte).
  'ABOUT.md': SkipCode.NotDicom,
  'README.txt': SkipCode.NotDicom,
  'dicomdirtests/README.txt': SkipCode.NotDicom,
  'dicomdirtests/TINY_ALPHA/README': SkipCode.NotDicom,
  'no_meta.dcm': SkipCode.NotDicom,
  'rtplan.dump': SkipCode.NotDicom,
  'rtstruct.dump': SkipCode.NotDicom,
  'test1.json': SkipCode.NotDicom,
  'test_PN.json': SkipCode.NotDicom,
  'zipMR.gz': SkipCode.NotDicom,
  // No Pixel Data: DICOMDIRs, SR, RT plan/struct, waveform, header-only regression files.
  'ExplVR_BigEndNoMeta.dcm': SkipCode.NoPixelData,
  'ExplVR_LitEndNoMeta.dcm': SkipCode.NoPixelData,
  'UN_sequence.dcm': SkipCode.NoPixelData,
  'dicomdirtests/DICOMDIR': SkipCode.NoPixelData,
  'dicomdirtests/DICOMDIR-bigEnd': SkipCode.NoPixelData,
  'dicomdirtests/DICOMDIR-empty.dcm': SkipCode.NoPixelData,
  'dicomdirtests/DICOMDIR-implicit': SkipCode.NoPixelData,
  'dicomdirtests/DICOMDIR-nopatient': SkipCode.NoPixelData,
  'dicomdirtests/DICOMDIR-reordered': SkipCode.NoPixelData,
  'dicomdirtests/TINY_ALPHA/DICOMDIR': SkipCode.NoPixelData,
  'empty_charset_LEI.dcm': SkipCode.NoPixelData,
  'no_meta_group_length.dcm': SkipCode.NoPixelData,
  'priv_SQ.dcm': SkipCode.NoPixelData,
  'reportsi.dcm': SkipCode.NoPixelData,
  'reportsi_with_empty_number_tags.dcm': SkipCode.NoPixelData,
  'rtplan.dcm': SkipCode.NoPixelData,
  'rtstruct.dcm': SkipCode.NoPixelData,
  'test-SR.dcm': SkipCode.NoPixelData,
  'waveform_ecg.dcm': SkipCode.NoPixelData,
  // Cut short: inside the pixel data, or before it.
  'MR_truncated.dcm': SkipCode.Truncated,
  'dicomdirtests/DICOMDIR-nooffset': SkipCode.Truncated,
  'rtplan_truncated.dcm': SkipCode.Truncated,
  // 1-bit segmentation frames.
  'liver_1frame.dcm': SkipCode.UnsupportedPixelFormat,
  'liver_expb_1frame.dcm': SkipCode.UnsupportedPixelFormat,
  // Meta without a transfer syntax; a private sequence whose length points past the end.
  'meta_missing_tsyntax.dcm': SkipCode.Unreadable,
  'nested_priv_SQ.dcm': SkipCode.Unreadable,
};
/** The TINY_ALPHA media files are header-only records. */
const expectedSkip = (f: string): SkipCode | undefined => SKIPPED[f] ?? (f.startsWith('dicomdirtests/TINY_ALPHA/PT') ? SkipCode.NoPixelData : undefined);

function modality(name: string): ModalityImage {
  const r = decodeModalityImage(read(name));
  if (!r.ok) throw new Error(`${name}: ${r.skipped.code} ${r.skipped.reason}`);
  return r.image;
}

function stats(values: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, max, mean: sum / values.length };
}

describe('dicom-samples', () => {
  it('decodes or skips every file with a reason, as listed', () => {
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const [file, r] of RESULTS) {
      got[file] = r.ok ? 'decoded' : r.skipped.code;
      want[file] = expectedSkip(file) ?? 'decoded';
      if (!r.ok) expect(r.skipped.reason.length, file).toBeGreaterThan(5);
      if (r.ok) {
        expect(r.image.data.length).toBe(r.image.rows * r.image.columns);
        expect(r.image.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      }
    }
    expect(got).toEqual(want);
    expect(Object.values(got).filter((v) => v === 'decoded')).toHaveLength(69);
  });

  it('never throws on any sample cut short anywhere', () => {
    for (const file of FILES) {
      const bytes = read(file);
      for (const fraction of [0.05, 0.2, 0.5, 0.8, 0.95, 0.999]) {
        const cut = bytes.subarray(0, Math.floor(bytes.length * fraction));
        const r = decodeDicomPixels(cut);
        if (!r.ok) expect(Object.values(SkipCode), `${file} @${fraction}`).toContain(r.skipped.code);
      }
    }
  });

  it('gives the same values for one image in every encoding (native LE/BE, implicit, padded, RLE)', () => {
    const mr = modality('MR_small.dcm').values;
    for (const f of ['MR_small_RLE.dcm', 'MR_small_bigendian.dcm', 'MR_small_expb.dcm', 'MR_small_implicit.dcm', 'MR_small_padded.dcm']) {
      expect(modality(f).values, f).toEqual(mr);
    }
    const dose = modality('rtdose.dcm');
    expect([dose.frame, dose.frames]).toEqual([7, 15]);
    for (const f of ['rtdose_expb.dcm', 'rtdose_rle.dcm']) expect(modality(f).values, f).toEqual(dose.values);
    for (const f of ['rtdose_expb_1frame.dcm', 'rtdose_rle_1frame.dcm']) expect(modality(f).values, f).toEqual(modality('rtdose_1frame.dcm').values);
    // 8-, 16- and 32-bit versions of one RGB picture: 16-bit samples are 257x, 32-bit 16843009x the 8-bit ones.
    for (const [f8, f16, f32] of [
      ['SC_rgb_rle.dcm', 'SC_rgb_rle_16bit.dcm', 'SC_rgb_rle_32bit.dcm'],
      ['SC_rgb_rle_2frame.dcm', 'SC_rgb_rle_16bit_2frame.dcm', 'SC_rgb_rle_32bit_2frame.dcm'],
    ] as const) {
      const v8 = modality(f8).values;
      const v16 = modality(f16).values;
      const v32 = modality(f32).values;
      for (let i = 0; i < v8.length; i++) {
        expect(Math.abs((v16[i] ?? 0) / 257 - (v8[i] ?? 0)), f16).toBeLessThan(1e-3);
        expect(Math.abs((v32[i] ?? 0) / 16843009 - (v8[i] ?? 0)), f32).toBeLessThan(1e-3);
      }
    }
  });

  it('matches pydicom 2.3.1 (modality values; BT.601 luma for colour; middle frame)', () => {
    // From pydicom: pixel_array, apply_modality_lut for grey, 0.299R+0.587G+0.114B for RGB, Y for YBR.
    const reference: Record<string, { min: number; max: number; mean: number; first: number[] }> = {
      'CT_small.dcm': { min: -896, max: 1167, mean: -119.073853, first: [-849, -844, -858] },
      'MR_small.dcm': { min: 127, max: 2145, mean: 518.881348, first: [905, 1019, 1227] },
      'ExplVR_BigEnd.dcm': { min: 123, max: 255, mean: 222.435706, first: [171, 173, 156] },
      'image_dfl.dcm': { min: 0, max: 255, mean: 127.115967, first: [213, 213, 213] },
      'rtdose.dcm': { min: 798000, max: 1254000, mean: 1012730, first: [1253000, 1253000, 1249000] },
      'SC_rgb_rle.dcm': { min: 0, max: 255, mean: 127.7, first: [76.245, 76.245, 76.245] },
      'SC_rgb_rle_32bit_2frame.dcm': { min: 0, max: 4294967295, mean: 2144115045.7, first: [3010772073.795] },
      'SC_ybr_full_422_uncompressed.dcm': { min: 0, max: 255, mean: 127.69, first: [76, 76, 76] },
      'SC_rgb_small_odd.dcm': { min: 89.97, max: 158, mean: 128.766333, first: [138.329, 138.329, 138.329] },
      'dicomdirtests/77654033/CR1/6154': { min: 1563.896, max: 2116.568, mean: 1926.274391, first: [1563.896, 1589.204, 1640.504] },
    };
    for (const [file, ref] of Object.entries(reference)) {
      const values = modality(file).values;
      const s = stats(values);
      const tol = Math.max(1e-4, Math.abs(ref.max) * 1e-6);
      expect(Math.abs(s.min - ref.min), file).toBeLessThanOrEqual(tol);
      expect(Math.abs(s.max - ref.max), file).toBeLessThanOrEqual(tol);
      expect(Math.abs(s.mean - ref.mean), file).toBeLessThanOrEqual(tol);
      ref.first.forEach((v, i) => expect(Math.abs((values[i] ?? 0) - v), `${file}[${i}]`).toBeLessThanOrEqual(tol));
    }
  });

  it('applies the window, and inverts MONOCHROME1', () => {
    const mr = RESULTS.get('MR_small.dcm');
    if (!mr?.ok) throw new Error('MR_small not decoded');
    expect(mr.image.voi).toBe('window');
    // Window 600/1600: 905 -> (905 - 599.5) / 1599 + 0.5.
    expect(mr.image.data[0]).toBeCloseTo((905 - 599.5) / 1599 + 0.5, 6);
    const cr = RESULTS.get('dicomdirtests/77654033/CR1/6154');
    if (!cr?.ok) throw new Error('CR1 not decoded');
    // MONOCHROME1, window 1600/2800: 1 - ((1563.896 - 1599.5) / 2799 + 0.5).
    expect(cr.image.data[0]).toBeCloseTo(1 - ((1563.896 - 1599.5) / 2799 + 0.5), 5);
    const ct = RESULTS.get('CT_small.dcm');
    if (!ct?.ok) throw new Error('CT_small not decoded');
    expect(ct.image.voi).toBe('min-max');
    expect(Math.min(...ct.image.data)).toBe(0);
    expect(Math.max(...ct.image.data)).toBe(1);
  });

  it('decodes JPEG Baseline close to the lossless original, whatever the colour model', () => {
    const lossless = modality('SC_rgb_rle.dcm').values;
    const jpegs = FILES.filter((f) => /^SC_rgb_(dcmtk_\+eb|jpeg_dcmtk|jpeg_lossy_gdcm)/.test(f));
    expect(jpegs.length).toBeGreaterThanOrEqual(8);
    for (const f of jpegs) {
      const values = modality(f).values;
      const mad = values.reduce((acc, v, i) => acc + Math.abs(v - (lossless[i] ?? 0)), 0) / values.length;
      expect(mad, f).toBeLessThan(3);
    }
    // RGB-coded JPEG (no transform): against the uncompressed copy of the same picture.
    const raw = modality('SC_rgb_jpeg_dcmd.dcm').values;
    for (const f of ['SC_jpeg_no_color_transform.dcm', 'SC_rgb_jpeg.dcm']) {
      const values = modality(f).values;
      const mad = values.reduce((acc, v, i) => acc + Math.abs(v - (raw[i] ?? 0)), 0) / values.length;
      expect(mad, f).toBeLessThan(3);
    }
  });
});

const LE = '1.2.840.10008.1.2.1';
const BE = '1.2.840.10008.1.2.2';
const RLE = '1.2.840.10008.1.2.5';

function words16(values: number[], littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint16(i * 2, v & 0xffff, littleEndian));
  return out;
}

describe('synthetic pixel formats', () => {
  // 12 bits stored in 16, signed, with garbage in the top 4 bits: -2048, -1, 0, 2047.
  const stored = [0x800, 0xfff, 0x000, 0x7ff].map((v, i) => v | ((0xa + i) << 12));
  const signed12 = (extra: FixtureElement[] = [], ts = LE, le = true): Uint8Array =>
    buildPart10([...imagePixelElements({ rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1 }), ...extra, { tag: 0x7fe00010, vr: 'OW', value: words16(stored, le) }], ts, le);

  it('masks Bits Stored, sign-extends, rescales, in both byte orders', () => {
    const rescale: FixtureElement[] = [
      { tag: 0x00281052, vr: 'DS', value: '10' },
      { tag: 0x00281053, vr: 'DS', value: '2' },
    ];
    for (const [ts, le] of [[LE, true], [BE, false]] as const) {
      const r = decodeModalityImage(signed12(rescale, ts, le));
      if (!r.ok) throw new Error(r.skipped.reason);
      expect([...r.image.values]).toEqual([-2048 * 2 + 10, -2 + 10, 10, 2047 * 2 + 10]);
    }
  });

  it('inverts MONOCHROME1 after min-max, picks the middle frame', () => {
    const frames = [0, 1, 2].map((f) => [f, f + 10, f + 20, f + 30]);
    const bytes = buildPart10(
      [...imagePixelElements({ rows: 2, columns: 2, bitsAllocated: 8, photometric: 'MONOCHROME1', frames: 3 }), { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(frames.flat()) }],
      LE,
    );
    const r = decodeDicomPixels(bytes);
    if (!r.ok) throw new Error(r.skipped.reason);
    expect([r.image.frame, r.image.frames]).toEqual([1, 3]);
    expect([...r.image.data].map((v) => Math.round(v * 30))).toEqual([30, 20, 10, 0]);
  });

  it('decodes RLE Lossless (16-bit grey, 8-bit RGB, two frames)', () => {
    const grey = [0, 1, 1, 1, 1, 513, 65535, 4660, 4660, 4660, 4660, 7];
    const native = words16(grey, true);
    const rle = buildPart10(
      [...imagePixelElements({ rows: 3, columns: 4, bitsAllocated: 16 }), { tag: 0x7fe00010, vr: 'OB', value: encapsulate([rleFrame(native, 12, 1, 2)]), undefinedLength: true }],
      RLE,
    );
    const r = decodeModalityImage(rle);
    if (!r.ok) throw new Error(r.skipped.reason);
    expect([...r.image.values]).toEqual(grey);

    const rgbFrame = (k: number): Uint8Array => new Uint8Array([...[10, 20].map((v) => v + k), ...[30, 40], ...[50, 60]]); // planar R, G, B
    const two = buildPart10(
      [
        ...imagePixelElements({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', frames: 2 }),
        { tag: 0x7fe00010, vr: 'OB', value: encapsulate([rleFrame(rgbFrame(0), 2, 3, 1), rleFrame(rgbFrame(100), 2, 3, 1)]), undefinedLength: true },
      ],
      RLE,
    );
    const c = decodeModalityImage(two);
    if (!c.ok) throw new Error(c.skipped.reason);
    expect(c.image.frame).toBe(1);
    expect(c.image.values[0]).toBeCloseTo(0.299 * 110 + 0.587 * 30 + 0.114 * 50, 4);
    expect(c.image.values[1]).toBeCloseTo(0.299 * 120 + 0.587 * 40 + 0.114 * 60, 4);
  });

  it('skips rather than throws on damaged or unsupported input', () => {
    const good = signed12();
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => decodeDicomPixels(good.subarray(0, cut)), `cut at ${cut}`).not.toThrow();
      const r = decodeDicomPixels(good.subarray(0, cut));
      if (!r.ok) expect(r.skipped.reason.length).toBeGreaterThan(5);
    }
    expect(decodeDicomPixels(new Uint8Array(0))).toMatchObject({ ok: false, skipped: { code: SkipCode.NotDicom } });
    const badRle = buildPart10(
      [...imagePixelElements({ rows: 2, columns: 2, bitsAllocated: 8 }), { tag: 0x7fe00010, vr: 'OB', value: encapsulate([new Uint8Array(70)]), undefinedLength: true }],
      RLE,
    );
    expect(decodeDicomPixels(badRle)).toMatchObject({ ok: false, skipped: { code: SkipCode.DecodeFailed } });
    const palette = buildPart10([...imagePixelElements({ rows: 1, columns: 2, bitsAllocated: 8, photometric: 'PALETTE COLOR' }), { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(2) }], LE);
    expect(decodeDicomPixels(palette)).toMatchObject({ ok: false, skipped: { code: SkipCode.UnsupportedPixelFormat } });
  });
});
