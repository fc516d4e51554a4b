/**
 * JPEG Baseline (Process 1, 1.2.840.10008.1.2.4.50) frames decoded with the pure-JS `jpeg-js`,
 * then reduced to grey. Whether a three-component JPEG holds YCbCr or RGB follows what the JPEG
 * stream says, as libjpeg reads it, because writers often get the DICOM Photometric Interpretation
 * wrong for JPEG: an Adobe APP14 marker's transform flag; else a JFIF APP0 marker means YCbCr; else
 * component ids 'R','G','B' mean RGB and 1,2,3 mean YCbCr. Only a stream that says none of these
 * (other component ids) is read per the Photometric Interpretation: RGB untransformed, YBR_* as YCbCr.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_A.4.html (encapsulated JPEG)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_8.2.html (photometric interpretation of JPEG)
 * @see https://www.w3.org/Graphics/JPEG/itu-t81.pdf (ITU-T T.81)
 */
import jpeg from 'jpeg-js';

/** What the JPEG stream says about its colour model. */
interface JpegMarkers {
  jfif: boolean;
  /** Adobe APP14 transform code, when the marker is present. */
  adobeTransform?: number;
  componentIds: number[];
  /** Sample precision of the frame header (baseline is 8). */
  precision?: number;
}

/** Walks the markers up to the first scan. */
function readMarkers(data: Uint8Array): JpegMarkers {
  const out: JpegMarkers = { jfif: false, componentIds: [] };
  let i = 2;
  while (i + 4 <= data.length) {
    if (data[i] !== 0xff) break;
    const marker = data[i + 1] ?? 0;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = ((data[i + 2] ?? 0) << 8) | (data[i + 3] ?? 0);
    const body = data.subarray(i + 4, i + 2 + length);
    if (marker === 0xe0 && String.fromCharCode(...body.subarray(0, 4)) === 'JFIF') out.jfif = true;
    if (marker === 0xee && String.fromCharCode(...body.subarray(0, 5)) === 'Adobe') out.adobeTransform = body[11] ?? 0;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out.precision = body[0];
      const n = body[5] ?? 0;
      for (let c = 0; c < n; c++) out.componentIds.push(body[6 + 3 * c] ?? 0);
    }
    if (marker === 0xda) break;
    i += 2 + length;
  }
  return out;
}

/** True when a three-component stream holds YCbCr and needs the colour transform. */
export function jpegHoldsYcbcr(markers: JpegMarkers, photometric: string): boolean {
  if (markers.adobeTransform !== undefined) return markers.adobeTransform !== 0;
  if (markers.jfif) return true;
  const [a, b, c] = markers.componentIds;
  if (a === 0x52 && b === 0x47 && c === 0x42) return false;
  if (a === 1 && b === 2 && c === 3) return true;
  return photometric !== 'RGB';
}

/** A decoded frame as grey luminance, 0..255. */
export interface JpegGrey {
  rows: number;
  columns: number;
  values: Float32Array;
  components: number;
}

/**
 * Decodes one baseline JPEG frame to BT.601 luminance (`0.299 R + 0.587 G + 0.114 B`, which is Y
 * for YCbCr data).
 * @throws Error when the stream is not a decodable 8-bit JPEG of 1 or 3 components.
 */
export function decodeJpegBaselineGrey(frame: Uint8Array, photometric: string): JpegGrey {
  if (frame[0] !== 0xff || frame[1] !== 0xd8) throw new Error('the frame does not start with a JPEG SOI marker');
  const markers = readMarkers(frame);
  if (markers.precision !== undefined && markers.precision !== 8) throw new Error(`JPEG sample precision ${markers.precision}, baseline needs 8`);
  const components = markers.componentIds.length;
  if (components !== 1 && components !== 3) throw new Error(`JPEG with ${components} components is not supported`);
  const image = jpeg.decode(frame, {
    useTArray: true,
    formatAsRGBA: false,
    colorTransform: components === 3 && jpegHoldsYcbcr(markers, photometric),
    tolerantDecoding: false,
    maxMemoryUsageInMB: 1024,
  });
  const n = image.width * image.height;
  const values = new Float32Array(n);
  const rgb = image.data;
  for (let p = 0; p < n; p++) {
    values[p] = 0.299 * (rgb[3 * p] ?? 0) + 0.587 * (rgb[3 * p + 1] ?? 0) + 0.114 * (rgb[3 * p + 2] ?? 0);
  }
  return { rows: image.height, columns: image.width, values, components };
}
