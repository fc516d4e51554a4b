/**
 * Fellegi–Sunter weights: per field and comparison level, m = P(level | match) and u = P(level | non-match).
 * A level's weight is log2(m/u); a pair's match weight is the sum, and its probability follows from the prior.
 * @see https://moj-analytical-services.github.io/splink/topic_guides/theory/fellegi_sunter.html
 */
import { z } from 'zod';
import { AcclinkError, ErrorCode } from '../model/errors.ts';

const Probability = z.number().gt(0).lt(1);
const LevelSchema = z.object({ m: Probability, u: Probability }).strict();
/** zod schema of `mappings/linker-weights.yaml`. */
export const WeightTableSchema = z
  .object({
    fields: z.record(z.string(), z.record(z.string(), LevelSchema)),
  })
  .strict();

export type MU = z.infer<typeof LevelSchema>;
/** field key → level → m/u. Field keys may carry a condition, e.g. `name|sameId`. */
export type WeightTable = z.infer<typeof WeightTableSchema>;

/** Validate parsed YAML/JSON into a weight table, with a path-level message on failure. */
export function parseWeightTable(data: unknown): WeightTable {
  const r = WeightTableSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new AcclinkError(ErrorCode.MappingInvalid, `linker weights: ${where || 'root'}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** log2(m/u) for a field level; 0 when the level is unknown to the table (no evidence either way). */
export function levelWeight(table: WeightTable, field: string, level: string): number {
  const mu = table.fields[field]?.[level];
  return mu ? Math.log2(mu.m / mu.u) : 0;
}

/** Probability of a match from the summed weight and the prior match probability of a random pair. */
export function matchProbability(matchWeight: number, prior: number): number {
  const priorBits = Math.log2(prior / (1 - prior));
  return 1 / (1 + 2 ** -(matchWeight + priorBits));
}
