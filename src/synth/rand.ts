/**
 * Sampling helpers over an injected {@link Rng}. Everything synthetic draws through these, so one
 * seed fixes the whole hospital.
 */
import type { Rng } from '../model/ports.ts';
import { seededRng } from '../model/ports.ts';

/** Integer in [min, max] (both inclusive). */
export function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng.next() * (max - min + 1));
}

/** True with probability `p`. */
export function chance(rng: Rng, p: number): boolean {
  return rng.next() < p;
}

/** One element of a non-empty list. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng.next() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** One key of a weight table, with probability proportional to its weight. */
export function weighted<K extends string>(rng: Rng, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [k, w] of entries) {
    r -= w;
    if (r < 0) return k;
  }
  const last = entries[entries.length - 1];
  if (last === undefined) throw new Error('weighted pick from an empty table');
  return last[0];
}

/** Fisher-Yates shuffle, in place; returns the same array. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}

/** 32-bit FNV-1a of a string: a stable way to derive sub-seeds and short hashes. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * An independent generator for one labelled part of the world (`render-dicom/17`): rendering a study
 * draws the same values whatever order studies are rendered in, or how many others exist.
 */
export function subRng(seed: number, label: string): Rng {
  return seededRng(fnv1a(`${seed >>> 0}/${label}`));
}

/**
 * A DICOM UID under the `2.25` arc (a 128-bit integer, as for UUID-derived UIDs).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_B.2.html
 */
export function uid225(rng: Rng): string {
  let n = 0n;
  for (let i = 0; i < 4; i++) n = (n << 32n) | BigInt(Math.floor(rng.next() * 4294967296));
  // A leading 1 bit keeps the length steady and the integer free of leading zeros.
  return `2.25.${(n | (1n << 127n)).toString()}`;
}

/** Digits string of the given length (leading zeros allowed). */
export function digits(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String(int(rng, 0, 9));
  return s;
}
