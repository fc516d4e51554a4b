/** Injected effects, so that the core stays deterministic in tests. */

/** A source of the current time. */
export interface Clock {
  now(): Date;
}

/** A source of new identifiers (correction ids, minted accessions, message control ids). */
export interface IdGenerator {
  next(prefix?: string): string;
}

/** A seeded pseudo-random number generator returning floats in [0, 1). */
export interface Rng {
  next(): number;
}

/** mulberry32: small, fast, good enough for sampling and synthetic data. Deterministic for a seed. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A counter-based id generator: deterministic, readable ids such as `c-000001`. */
export function counterIds(start = 1): IdGenerator {
  let n = start;
  return {
    next(prefix = 'id'): string {
      return `${prefix}-${String(n++).padStart(6, '0')}`;
    },
  };
}

/** A clock fixed at one instant (tests, reproducible batch runs). */
export function fixedClock(iso: string): Clock {
  const d = new Date(iso);
  return { now: () => new Date(d.getTime()) };
}
