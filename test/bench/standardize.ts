/**
 * `npm run bench:standardize`: accuracy of the chosen standard entry on study-description variants,
 * INCONCLUSIVE and review rates, and zero changes to already-standard entries. Options after `--`:
 * --seed N (default 5), --per-entry N (default 12).
 */
import { parseArgs } from 'node:util';
import { table } from '../../src/cli/progress.ts';
import { scoreStandardization } from './standardize-eval.ts';

const { values } = parseArgs({ options: { seed: { type: 'string' }, 'per-entry': { type: 'string' } } });
const started = performance.now();
const s = scoreStandardization(Number(values.seed ?? 5), Number(values['per-entry'] ?? 12));
const pct = (a: number, b: number): string => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
const rows = s.kinds.map((k) => [k.kind, k.n, pct(k.correct, k.n), k.wrong, pct(k.inconclusive, k.n), pct(k.review, k.n)]);
const all = s.kinds.reduce((a, k) => ({ n: a.n + k.n, c: a.c + k.correct, w: a.w + k.wrong, i: a.i + k.inconclusive, r: a.r + k.review }), { n: 0, c: 0, w: 0, i: 0, r: 0 });
rows.push(['all', all.n, pct(all.c, all.n), all.w, pct(all.i, all.n), pct(all.r, all.n)]);
process.stdout.write(`Study description standardization against mappings/standards/global.yaml (held-out kinds were written after the matcher was tuned)\n`);
process.stdout.write(`${table(['variant kind', 'n', 'right entry', 'wrong entry', 'INCONCLUSIVE', 'review'], rows)}\n\n`);
process.stdout.write(`already-standard entries changed: ${s.standardChanged} of ${s.standardTotal}\n`);
process.stdout.write(`bench:standardize done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
