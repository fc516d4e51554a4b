/**
 * Accession numbers of the synthetic hospital: the site's format, sequential issuing, and the
 * damage done to them by people and interfaces (one-edit typos, stripped zeros, lower-case prefixes).
 */
import type { Rng } from '../model/ports.ts';
import { int, pick } from './rand.ts';

/**
 * Site formats. Each hospital seed uses one:
 * - `A7`: `A` + 7 digits, `A0012345`
 * - `D10`: 10 digits, `0001234567`
 * - `ACC`: `ACC-<year>-<6 digits>`, `ACC-2026-000123`
 */
export const AccessionFormat = { A7: 'A7', D10: 'D10', ACC: 'ACC' } as const;
export type AccessionFormat = (typeof AccessionFormat)[keyof typeof AccessionFormat];

/** Kinds of one-character edit (optimal string alignment operations). */
export const EditKind = {
  Substitution: 'substitution',
  Transposition: 'transposition',
  Insertion: 'insertion',
  Deletion: 'deletion',
} as const;
export type EditKind = (typeof EditKind)[keyof typeof EditKind];

/** Issues sequential accession numbers, with the small gaps that cancelled orders leave. */
export interface AccessionIssuer {
  next(year: number, rng: Rng): string;
}

/** A new issuer for a format, starting at a random low number so that values keep leading zeros. */
export function accessionIssuer(format: AccessionFormat, rng: Rng): AccessionIssuer {
  let n = format === 'A7' ? int(rng, 10_000, 400_000) : format === 'D10' ? int(rng, 100_000, 5_000_000) : int(rng, 100, 20_000);
  return {
    next(year, r) {
      n += r.next() < 0.9 ? 1 : int(r, 2, 4);
      if (format === 'A7') return `A${String(n).padStart(7, '0')}`;
      if (format === 'D10') return String(n).padStart(10, '0');
      return `ACC-${year}-${String(n).padStart(6, '0')}`;
    },
  };
}

/** Index of the first character of the last digit run (where people re-key numbers). */
function numberStart(acc: string): number {
  const m = /\d+$/.exec(acc);
  return m === null ? acc.length : m.index;
}

/** Digits without leading zeros: two values with the same core differ only in zero padding. */
export function digitCore(acc: string): string {
  return acc.replace(/\D/g, '').replace(/^0+/, '');
}

/** One edit of the given kind inside the digit run, or null when the value offers no place for it. */
export function applyEdit(acc: string, kind: EditKind, rng: Rng): string | null {
  const start = numberStart(acc);
  // Leading zeros are left alone: losing one is padding noise, not a typo.
  let sig = start;
  while (sig < acc.length - 1 && acc[sig] === '0') sig++;
  const len = acc.length;
  if (sig >= len) return null;
  switch (kind) {
    case 'substitution': {
      const i = int(rng, sig, len - 1);
      const d = (Number(acc[i]) + int(rng, 1, 9)) % 10;
      if (i === sig && d === 0) return null;
      return acc.slice(0, i) + String(d) + acc.slice(i + 1);
    }
    case 'transposition': {
      const places: number[] = [];
      for (let i = sig; i < len - 1; i++) if (acc[i] !== acc[i + 1] && !(i === sig && acc[i + 1] === '0')) places.push(i);
      if (places.length === 0) return null;
      const i = pick(rng, places);
      return acc.slice(0, i) + (acc[i + 1] ?? '') + (acc[i] ?? '') + acc.slice(i + 2);
    }
    case 'insertion': {
      const i = int(rng, sig + 1, len);
      return acc.slice(0, i) + String(int(rng, 0, 9)) + acc.slice(i);
    }
    case 'deletion': {
      const i = int(rng, sig, len - 1);
      if (len - start < 2 || (i === sig && acc[sig + 1] === '0')) return null;
      return acc.slice(0, i) + acc.slice(i + 1);
    }
  }
}

/**
 * A typo of `acc` that is not another existing accession (nor the same one after zero padding):
 * a typo that hits a real number is a different error, and the truth would lie.
 */
export function typo(acc: string, kind: EditKind, used: ReadonlySet<string>, rng: Rng): string | null {
  for (let attempt = 0; attempt < 12; attempt++) {
    const t = applyEdit(acc, kind, rng);
    if (t === null) continue;
    if (t === acc || used.has(t) || used.has(t.toUpperCase()) || digitCore(t) === digitCore(acc)) continue;
    return t;
  }
  return null;
}

/**
 * Formatting damage that keeps the number: zeros stripped by a modality that stores it as an
 * integer, or a prefix typed in lower case at the console.
 */
export function formatNoise(acc: string, format: AccessionFormat, rng: Rng): string {
  const stripZeros = (): string => {
    const start = numberStart(acc);
    const core = acc.slice(start).replace(/^0+(?=\d)/, '');
    return acc.slice(0, start) + core;
  };
  if (format === 'D10') return stripZeros();
  const stripped = stripZeros();
  if (stripped !== acc && rng.next() < 0.5) return stripped;
  return acc.toLowerCase();
}

/** The edit kind that turns `from` into `to`, when they are exactly one edit apart; else null. */
export function editKindBetween(from: string, to: string): EditKind | null {
  if (from.length === to.length) {
    const diff: number[] = [];
    for (let i = 0; i < from.length; i++) if (from[i] !== to[i]) diff.push(i);
    if (diff.length === 1) return 'substitution';
    const [a, b] = diff;
    if (diff.length === 2 && a !== undefined && b === a + 1 && from[a] === to[b] && from[b] === to[a]) return 'transposition';
    return null;
  }
  const [shorter, longer] = from.length < to.length ? [from, to] : [to, from];
  if (longer.length !== shorter.length + 1) return null;
  for (let i = 0; i < longer.length; i++) {
    if (longer.slice(0, i) + longer.slice(i + 1) === shorter) return from.length < to.length ? 'insertion' : 'deletion';
  }
  return null;
}
