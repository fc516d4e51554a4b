/**
 * `truth.json`: the truth of a synthetic hospital as JSON with one study or report per line, so
 * that large files stay greppable and diffs stay small.
 */
import type { Truth } from './model.ts';

/** Serializes the truth; `JSON.parse` of the result deep-equals the input. */
export function truthToJson(truth: Truth): string {
  const head = JSON.stringify({ seed: truth.seed, baseDate: truth.baseDate, accessionFormat: truth.accessionFormat });
  const list = (items: readonly object[]): string => (items.length === 0 ? '[]' : `[\n${items.map((x) => JSON.stringify(x)).join(',\n')}\n]`);
  return `${head.slice(0, -1)},\n"studies": ${list(truth.studies)},\n"reports": ${list(truth.reports)}\n}\n`;
}
