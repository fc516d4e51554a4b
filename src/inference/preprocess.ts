/**
 * A [0, 1] grey image (pixels.ts) to the model input, exactly as training did (train.py implements
 * the same steps in numpy; the parity test holds them together):
 * 1. centre square crop of side `min(rows, columns)` (manifest `crop: centre-square`);
 * 2. area resampling to the input size: each output pixel is the mean of the input area it covers,
 *    partial pixels weighted by their covered fraction (a box filter; for integer factors the plain
 *    block mean, and the identity when the size already matches, as for the 28x28 training images);
 * 3. per-image min-max stretch to [0, 1] (`intensity: min-max`; a constant image becomes 0);
 * 4. `(v - mean) / std` with the training set's mean and std from the manifest.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 */
import type { Preprocessing } from './manifest.ts';
import type { GreyImage } from './pixels.ts';

/** A row-major single-channel image. */
export interface Plane {
  rows: number;
  columns: number;
  data: Float32Array;
}

/** The centred square of side `min(rows, columns)` (top/left offsets rounded down). */
export function centreSquare(image: Plane): Plane {
  const side = Math.min(image.rows, image.columns);
  if (image.rows === side && image.columns === side) return image;
  const top = Math.floor((image.rows - side) / 2);
  const left = Math.floor((image.columns - side) / 2);
  const data = new Float32Array(side * side);
  for (let r = 0; r < side; r++) data.set(image.data.subarray((top + r) * image.columns + left, (top + r) * image.columns + left + side), r * side);
  return { rows: side, columns: side, data };
}

/** Sparse coverage weights: for each output index, the input indices it covers and their weights (summing to 1). */
function coverage(nIn: number, nOut: number): Array<{ first: number; weights: number[] }> {
  const scale = nIn / nOut;
  const out: Array<{ first: number; weights: number[] }> = [];
  for (let o = 0; o < nOut; o++) {
    const a = o * scale;
    const b = (o + 1) * scale;
    const first = Math.floor(a);
    const weights: number[] = [];
    let sum = 0;
    for (let i = first; i < Math.min(nIn, Math.ceil(b)); i++) {
      const w = Math.min(b, i + 1) - Math.max(a, i);
      weights.push(w);
      sum += w;
    }
    out.push({ first, weights: weights.map((w) => w / sum) });
  }
  return out;
}

/** Area (box-filter) resampling to `rows x columns`, separable, in double precision. */
export function resizeArea(image: Plane, rows: number, columns: number): Plane {
  if (image.rows === rows && image.columns === columns) return image;
  const cols = coverage(image.columns, columns);
  const rws = coverage(image.rows, rows);
  const horizontal = new Float64Array(image.rows * columns);
  for (let r = 0; r < image.rows; r++) {
    const base = r * image.columns;
    for (let c = 0; c < columns; c++) {
      const { first, weights } = cols[c] ?? { first: 0, weights: [] };
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += (weights[k] ?? 0) * (image.data[base + first + k] ?? 0);
      horizontal[r * columns + c] = acc;
    }
  }
  const data = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const { first, weights } = rws[r] ?? { first: 0, weights: [] };
    for (let c = 0; c < columns; c++) {
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += (weights[k] ?? 0) * (horizontal[(first + k) * columns + c] ?? 0);
      data[r * columns + c] = acc;
    }
  }
  return { rows, columns, data };
}

/** Stretches to [0, 1] by the image's own min and max; a constant image becomes all 0. */
export function minMaxStretch(image: Plane): Plane {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of image.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const data = new Float32Array(image.data.length);
  const span = hi - lo;
  if (span > 0) for (let i = 0; i < data.length; i++) data[i] = ((image.data[i] ?? 0) - lo) / span;
  return { rows: image.rows, columns: image.columns, data };
}

/** Steps 1-2 (crop, resize): a small image that `preprocess` finishes; lets callers drop big images early. */
export function reduceForModel(image: GreyImage | Plane, p: Preprocessing): Plane {
  let plane: Plane = { rows: image.rows, columns: image.columns, data: image.data };
  if (p.crop === 'centre-square') plane = centreSquare(plane);
  return resizeArea(plane, p.resize.height, p.resize.width);
}

/**
 * One image to one model input (`1 x height x width` floats, to be stacked along the batch axis).
 * Writes into `out` at `offset` when given, so a batch tensor is filled without copies.
 */
export function preprocess(image: GreyImage | Plane, p: Preprocessing, out?: Float32Array, offset = 0): Float32Array {
  const { height, width } = p.resize;
  let plane = reduceForModel(image, p);
  if (p.intensity === 'min-max') plane = minMaxStretch(plane);
  const target = out ?? new Float32Array(height * width);
  const { mean, std } = p.normalize;
  for (let i = 0; i < height * width; i++) target[offset + i] = ((plane.data[i] ?? 0) - mean) / std;
  return target;
}
