/** `acclink weights <subcommand>`: work on the linker's m/u table. `learn-reviews` learns it from reviewers' answers. */
import { stat } from 'node:fs/promises';
import { bits, runLearnReviews, type LearnReviewsRun } from '../app/review-learning.ts';
import { DEFAULT_REVIEW_STRENGTH } from '../linker/review-learning.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { integer, parse } from './args.ts';
import { table } from './progress.ts';

/** Help of `acclink weights`. */
export const WEIGHTS_USAGE = `Usage: acclink weights <subcommand> [options]

Subcommands:
  learn-reviews   Propose a linker-weights.yaml learned from the answers people gave in the review console

Run "acclink weights learn-reviews --help" for its options.`;

/** Help of `acclink weights learn-reviews`. */
export const LEARN_REVIEWS_USAGE = `Usage: acclink weights learn-reviews --out FILE.yaml [--config FILE] [--data DIR] [--strength N] [--quiet]

Reads the review items people answered in the console from the engine's store: a "link" answer makes the
chosen candidate pair a match and the item's other candidates non-matches; "none of these" makes every
candidate a non-match. Their evidence levels update m (from matches) and u (from non-matches) of the current
table, which counts as N answers per field. Writes the proposal (the format of mappings/linker-weights.yaml,
for config mappings.linkerWeights) and prints, per level the answers reached, the counts and the weight in
bits before and after. Evidence levels only: no patient data is read into the output. With no answers, it
says so and writes nothing. With PGlite (--data), stop the engine first: its data folder has one user.

Options:
  --out FILE       proposed weights YAML to write
  --config FILE    configuration (YAML): engine.database (the store) and mappings.linkerWeights (the prior)
  --data DIR       the engine's PGlite data folder, as "acclink serve --data" (wins over engine.database)
  --strength N     answers per field the current table counts for (default ${DEFAULT_REVIEW_STRENGTH}): with a
                   handful of answers the weights move a little, with hundreds a lot
  --quiet          no table, only the summary line
  -h, --help       this help`;

/** Every level the answers reached: its counts and its weight before → after. */
export function formatLearnReviewsTable(run: LearnReviewsRun): string {
  // Levels no answer showed keep their m and u: only the others are listed.
  const rows = (run.result?.fields ?? []).flatMap((f) => f.levels.filter((l) => l.matches + l.nonMatches > 0).map((l) => [
    f.field + (f.uFrozen ? ' (u held)' : ''), l.level, `${l.matches}/${l.nonMatches}`, `${bits(l.weightBefore)} → ${bits(l.weightAfter)}`,
  ]));
  return table(['field', 'level', 'answers (match/non-match)', 'weight (bits) before → after'], rows);
}

/** The one-line summary (counts only). */
export function formatLearnReviewsSummary(run: LearnReviewsRun): string {
  const c = run.counts;
  const skipped = c.skipped > 0 ? `; ${c.skipped} linked item${c.skipped === 1 ? '' : 's'} skipped (chosen study unknown)` : '';
  if (!run.result || !run.written) {
    return `Nothing to learn: the store holds ${c.items === 0 ? 'no review items answered by a person (linked or none of these)' : `no candidate pairs in its ${c.items} answered review items`}${skipped}. Nothing written.`;
  }
  const r = run.result;
  const moved = r.fields.flatMap((f) => f.levels.map((l) => ({ f: f.field, l: l.level, d: l.weightAfter - l.weightBefore })))
    .sort((a, b) => Math.abs(b.d) - Math.abs(a.d))[0];
  const largest = moved && Math.abs(moved.d) >= 0.05 ? `, largest move ${moved.f} ${moved.l} ${bits(moved.d)} bits` : ', no weight moved by 0.1 bits';
  return `Learned from ${c.items - c.skipped} answers (${c.linked - c.skipped} linked, ${c.none} none of these) by ${c.reviewers} reviewer${c.reviewers === 1 ? '' : 's'}: `
    + `${r.pairs.matches} match and ${r.pairs.nonMatches} non-match pairs, ${r.fields.length} fields reached${largest}; strength ${run.strength}${skipped}. Proposal: ${run.written}`;
}

async function learnReviewsCommand(argv: string[], write: (line: string) => void): Promise<number> {
  const { values } = parse(argv, {
    out: { type: 'string' }, config: { type: 'string' }, data: { type: 'string' }, strength: { type: 'string' }, quiet: { type: 'boolean' },
  }, LEARN_REVIEWS_USAGE);
  if (values.help) {
    write(LEARN_REVIEWS_USAGE);
    return 0;
  }
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (!out) throw new AcclinkError(ErrorCode.Usage, `--out is required\n\n${LEARN_REVIEWS_USAGE}`);
  if (await stat(out).then((s) => s.isDirectory(), () => false)) throw new AcclinkError(ErrorCode.Usage, `${out} is a folder; --out names the YAML file to write`);
  const run = await runLearnReviews({
    out, strength: integer(values.strength, 'strength', DEFAULT_REVIEW_STRENGTH, 0),
    ...(typeof values.config === 'string' ? { configPath: values.config } : {}),
    ...(typeof values.data === 'string' ? { dataDir: values.data } : {}),
  });
  if (run.result && values.quiet !== true) write(formatLearnReviewsTable(run));
  write(formatLearnReviewsSummary(run));
  return 0;
}

/**
 * `acclink weights <subcommand> ...`.
 * @returns the exit code; usage errors are thrown as AcclinkError USAGE (main prints them, exit 2)
 */
export async function weightsCommand(argv: string[], write: (line: string) => void = (l) => { process.stdout.write(`${l}\n`); }): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new AcclinkError(ErrorCode.Usage, `a subcommand is required\n\n${WEIGHTS_USAGE}`);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    write(WEIGHTS_USAGE);
    return 0;
  }
  if (sub === 'learn-reviews') return learnReviewsCommand(rest, write);
  throw new AcclinkError(ErrorCode.Usage, `unknown subcommand "${sub}"\n\n${WEIGHTS_USAGE}`);
}
