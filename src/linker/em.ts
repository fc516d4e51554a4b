/**
 * Learning the weights from the run's own data, as Splink and fastLink do:
 * u from random pairs (almost all non-matches), m by expectation–maximization over candidate pairs.
 * @see https://moj-analytical-services.github.io/splink/topic_guides/training/estimating_u.html
 * @see https://doi.org/10.1017/S0003055418000783 (fastLink)
 */
import type { Rng } from '../model/ports.ts';
import type { WeightTable } from './weights.ts';

/** A comparison vector: field key → level, without the `missing` entries (they carry no evidence). */
export type Vector = ReadonlyArray<readonly [string, string]>;

function cloneTable(t: WeightTable): WeightTable {
  return { fields: Object.fromEntries(Object.entries(t.fields).map(([f, levels]) => [f, Object.fromEntries(Object.entries(levels).map(([l, mu]) => [l, { ...mu }]))])) };
}

function levelCounts(vectors: readonly Vector[]): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const v of vectors) {
    for (const [field, level] of v) {
      if (level === 'missing') continue;
      let c = counts.get(field);
      if (!c) counts.set(field, (c = new Map<string, number>()));
      c.set(level, (c.get(level) ?? 0) + 1);
    }
  }
  return counts;
}

const FLOOR = 1e-7;

/**
 * Re-estimate u from random pairs, shrunk toward the table's u with `strength` pseudo-pairs, so that rare
 * levels (an exact accession among random pairs) keep a sensible non-zero value.
 */
export function estimateU(table: WeightTable, randomVectors: readonly Vector[], strength: number): WeightTable {
  const out = cloneTable(table);
  const counts = levelCounts(randomVectors);
  for (const [field, levels] of Object.entries(out.fields)) {
    const c = counts.get(field);
    const n = c ? [...c.values()].reduce((a, b) => a + b, 0) : 0;
    for (const [level, mu] of Object.entries(levels)) {
      const k = c?.get(level) ?? 0;
      mu.u = clamp((k + strength * mu.u) / (n + strength));
    }
  }
  return out;
}

function clamp(p: number): number {
  return Math.min(1 - FLOOR, Math.max(FLOOR, p));
}

export interface EmResult {
  table: WeightTable;
  /** Estimated share of matches among the candidate pairs. */
  lambda: number;
  iterations: number;
}

/**
 * EM over candidate pairs with u held fixed (it came from random pairs): alternate the posterior match
 * probability of every pair and the m of every level, until m stops moving. Fields used to choose the
 * training pairs are `frozen`: their agreement there is an artefact of the choice, not evidence.
 */
export function learnM(table: WeightTable, candidateVectors: readonly Vector[], frozen: ReadonlySet<string> = new Set(), maxIterations = 30): EmResult {
  const out = cloneTable(table);
  let lambda = 0.5;
  let it = 0;
  for (; it < maxIterations && candidateVectors.length > 0; it++) {
    const posteriors = candidateVectors.map((v) => posterior(out, v, lambda));
    lambda = clamp(posteriors.reduce((a, b) => a + b, 0) / posteriors.length);
    const mass = new Map<string, Map<string, number>>();
    const totals = new Map<string, number>();
    candidateVectors.forEach((v, i) => {
      const g = posteriors[i] ?? 0;
      for (const [field, level] of v) {
        if (level === 'missing') continue;
        let m = mass.get(field);
        if (!m) mass.set(field, (m = new Map<string, number>()));
        m.set(level, (m.get(level) ?? 0) + g);
        totals.set(field, (totals.get(field) ?? 0) + g);
      }
    });
    let delta = 0;
    for (const [field, levels] of Object.entries(out.fields)) {
      const total = totals.get(field) ?? 0;
      if (total < 1 || frozen.has(field)) continue;
      const nLevels = Object.keys(levels).length;
      for (const [level, mu] of Object.entries(levels)) {
        const next = clamp(((mass.get(field)?.get(level) ?? 0) + 0.5) / (total + 0.5 * nLevels));
        delta = Math.max(delta, Math.abs(next - mu.m));
        mu.m = next;
      }
    }
    if (delta < 1e-4) break;
  }
  return { table: out, lambda, iterations: it };
}

function posterior(table: WeightTable, v: Vector, lambda: number): number {
  let logM = Math.log(lambda);
  let logU = Math.log(1 - lambda);
  for (const [field, level] of v) {
    const mu = table.fields[field]?.[level];
    if (!mu) continue;
    logM += Math.log(mu.m);
    logU += Math.log(mu.u);
  }
  const d = logU - logM;
  return d > 50 ? 0 : 1 / (1 + Math.exp(d));
}

/** Sample `n` random index pairs with replacement. */
export function randomPairs(nScans: number, nReports: number, n: number, rng: Rng): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (nScans === 0 || nReports === 0) return out;
  for (let i = 0; i < n; i++) out.push([Math.floor(rng.next() * nScans), Math.floor(rng.next() * nReports)]);
  return out;
}
