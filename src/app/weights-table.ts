/** Printing the learned m/u table (`--learn`). */
import type { EmResult } from '../linker/em.ts';
import type { WeightTable } from '../linker/weights.ts';
import { table } from '../cli/progress.ts';

export function formatWeights(weights: WeightTable, em: EmResult): string {
  const rows: Array<Array<string | number>> = [];
  for (const [field, levels] of Object.entries(weights.fields)) {
    for (const [level, mu] of Object.entries(levels)) {
      rows.push([field, level, mu.m.toFixed(4), mu.u.toExponential(2), Math.log2(mu.m / mu.u).toFixed(2)]);
    }
  }
  return `Learned weights (EM: ${em.iterations} iterations, share of matches among candidate pairs λ=${em.lambda.toFixed(3)})\n` +
    table(['field', 'level', 'm', 'u', 'weight (bits)'], rows);
}
