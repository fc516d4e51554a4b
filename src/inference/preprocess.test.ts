/**
 * preprocess.ts: the resize, crop and normalization steps that model.json describes.
 */
import { describe, expect, it } from 'vitest';
import type { Preprocessing } from './manifest.ts';
import { centreSquare, minMaxStretch, type Plane, preprocess, resizeArea } from './preprocess.ts';

const plane = (rows: number, columns: number, f: (r: number, c: number) => number): Plane => {
  const data = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) data[r * columns + c] = f(r, c);
  return { rows, columns, data };
};

const P: Preprocessing = {
  frame: 'middle',
  rescale: 'modality',
  voi: 'window-else-min-max',
  monochrome1: 'invert',
  color: 'luminance-bt601',
  crop: 'centre-square',
  resize: { method: 'area', height: 28, width: 28 },
  intensity: 'min-max',
  normalize: { mean: 0.5, std: 0.25 },
};

describe('resizeArea', () => {
  it('is the identity at the same size', () => {
    const p = plane(28, 28, (r, c) => (r * 28 + c) / 784);
    expect(resizeArea(p, 28, 28).data).toEqual(p.data);
  });

  it('averages blocks for integer factors', () => {
    const p = plane(4, 4, (r, c) => r * 4 + c);
    expect([...resizeArea(p, 2, 2).data]).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('weights partial pixels by coverage and preserves the mean', () => {
    const p = plane(3, 3, (r, c) => r * 3 + c);
    // 3 -> 2: output 0 covers input 0 fully and half of input 1: (0 + 0.5 * 1) / 1.5 in each direction.
    const out = resizeArea(p, 2, 2);
    expect(out.data[0]).toBeCloseTo(((0 + 0.5 * 1) / 1.5) + 3 * ((0 + 0.5 * 1) / 1.5), 5);
    const big = plane(100, 100, (r, c) => Math.sin(r / 7) + Math.cos(c / 11));
    const small = resizeArea(big, 28, 28);
    const mean = (x: Float32Array): number => x.reduce((a, b) => a + b, 0) / x.length;
    expect(mean(small.data)).toBeCloseTo(mean(big.data), 4);
  });

  it('matches train.py (numpy) on non-integer factors, with and without the centre crop', () => {
    const p = plane(5, 7, (r, c) => (r * 7 + c) ** 1.5 % 17);
    const cropped = resizeArea(centreSquare(p), 3, 3);
    [3.989403, 7.678123, 8.158794, 7.956428, 8.012784, 10.558954, 5.4712, 8.499035, 7.787927].forEach((v, i) => expect(cropped.data[i]).toBeCloseTo(v, 4));
    const whole = resizeArea(p, 3, 2);
    [3.897008, 9.708421, 6.888413, 8.452641, 8.050122, 8.099691].forEach((v, i) => expect(whole.data[i]).toBeCloseTo(v, 4));
  });

  it('upsamples by replicating covered pixels', () => {
    expect([...resizeArea(plane(1, 2, (_, c) => c), 1, 4).data]).toEqual([0, 0, 1, 1]);
  });
});

describe('preprocess', () => {
  it('crops the centred square', () => {
    const p = centreSquare(plane(2, 4, (r, c) => r * 4 + c));
    expect([p.rows, p.columns, ...p.data]).toEqual([2, 2, 1, 2, 5, 6]);
  });

  it('stretches, then normalizes with the manifest mean and std', () => {
    const p = plane(28, 28, (r) => 0.2 + r * 0.01);
    const x = preprocess(p, P);
    expect(x).toHaveLength(784);
    expect(x[0]).toBeCloseTo((0 - 0.5) / 0.25, 5);
    expect(x[783]).toBeCloseTo((1 - 0.5) / 0.25, 5);
    expect([...minMaxStretch(plane(2, 2, () => 3)).data]).toEqual([0, 0, 0, 0]);
  });

  it('turns any size into the input size, writing in place at an offset', () => {
    const out = new Float32Array(784 * 2).fill(99);
    preprocess(plane(300, 200, (r, c) => r + c), P, out, 784);
    expect(out[0]).toBe(99);
    expect(out.subarray(784).every((v) => v >= -2 - 1e-6 && v <= 2 + 1e-6)).toBe(true);
  });
});
