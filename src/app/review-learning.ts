/**
 * `acclink weights learn-reviews`: reads the review items people answered in the console from the
 * engine's store, learns the Fellegi–Sunter table from the answers (`src/linker/review-learning.ts`) and
 * writes it as a proposed `linker-weights.yaml` (config `mappings.linkerWeights`). Evidence levels only:
 * no record values reach the file or the output.
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { resolveEngineSettings } from '../config/engine.ts';
import { loadConfig } from '../config/load.ts';
import { REVIEW_DECISION } from '../engine/decisions.ts';
import { DEFAULT_REVIEW_STRENGTH, labelAnswers, learnFromReviews, BLOCKING_FIELDS, type ReviewAnswer, type ReviewLearningResult } from '../linker/review-learning.ts';
import type { WeightTable } from '../linker/weights.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { ReviewItem } from '../model/link.ts';
import type { Store } from '../model/store.ts';
import { openStore } from './adapters.ts';

/** How many answers the store held, by kind (counts only). */
export interface AnswerCounts {
  /** Items a person resolved as `linked` or `none`. */
  items: number;
  linked: number;
  none: number;
  /** Linked items whose chosen counterpart could not be told (a report's item without its decision row). */
  skipped: number;
  /** Distinct people who answered. */
  reviewers: number;
}

/** The answers read from a store, ready for {@link labelAnswers}. */
export interface StoreAnswers {
  answers: ReviewAnswer[];
  counts: AnswerCounts;
}

/**
 * The study a person linked a report-centred item to: its candidates are studies, and the resolution
 * names only the report, so the decision's audit row (same person, written right after) says which.
 */
async function linkedStudyOf(store: Store, item: ReviewItem): Promise<string | undefined> {
  const r = item.resolution;
  if (!r || item.reportId === undefined) return undefined;
  const rows = (await store.listAudit({ reportId: item.reportId, actions: [REVIEW_DECISION] }))
    .filter((a) => a.actor === r.by && (a.result as { decision?: string } | undefined)?.decision === 'linked' && a.studyInstanceUid !== undefined);
  return (rows.find((a) => a.at >= r.at) ?? rows.at(-1))?.studyInstanceUid;
}

function subjectOf(item: ReviewItem): string {
  return item.studyInstanceUid ?? item.reportId ?? '';
}

/**
 * Resolved review items a person answered (`linked` or `none`; `superseded` and `deferred` are not
 * answers), with the counterpart each `linked` answer chose.
 */
export async function answersFromStore(store: Store): Promise<StoreAnswers> {
  const items = (await store.listReviewItems({ state: 'resolved' })).filter((i) => i.resolution?.action === 'linked' || i.resolution?.action === 'none');
  const answers: ReviewAnswer[] = [];
  let skipped = 0;
  for (const item of items) {
    const r = item.resolution;
    if (r?.action !== 'linked') {
      answers.push({ candidates: item.candidates, subject: subjectOf(item) });
      continue;
    }
    // Candidates are reports for a study's item (the resolution names the report), studies for a report's.
    const linkedTo = item.candidates.every((c) => c.kind === 'report') ? r.chosen : await linkedStudyOf(store, item);
    if (linkedTo === undefined) {
      skipped++;
      continue;
    }
    answers.push({ candidates: item.candidates, linkedTo, subject: subjectOf(item) });
  }
  const linked = items.filter((i) => i.resolution?.action === 'linked').length;
  return {
    answers,
    counts: { items: items.length, linked, none: items.length - linked, skipped, reviewers: new Set(items.map((i) => i.resolution?.by)).size },
  };
}

const PLAIN_KEY = /^[A-Za-z0-9<][A-Za-z0-9_<=>.|:-]*$/;

function yamlKey(k: string): string {
  return PLAIN_KEY.test(k) && !k.includes(': ') ? k : stringify(k).trimEnd();
}

/** Six significant digits, unless that would reach 0 or 1 (the schema wants 0 < p < 1). */
function prob(p: number): string {
  const r = Number(p.toPrecision(6));
  return String(r > 0 && r < 1 ? r : p);
}

/**
 * The table as `linker-weights.yaml` text: `header` lines as comments, one flow map per level, and the
 * answer counts with the weight change as a comment on every level the answers reached.
 */
export function renderWeightsYaml(table: WeightTable, header: readonly string[], result?: ReviewLearningResult): string {
  const lines = header.map((h) => (h === '' ? '#' : `# ${h}`));
  lines.push('fields:');
  for (const [field, levels] of Object.entries(table.fields)) {
    const change = result?.fields.find((f) => f.field === field);
    lines.push(`  ${yamlKey(field)}:${change ? `  # ${change.matches} match, ${change.nonMatches} non-match pairs${change.uFrozen ? '; u held (blocking field)' : ''}` : ''}`);
    for (const [level, mu] of Object.entries(levels)) {
      const l = change?.levels.find((x) => x.level === level);
      const note = l && (l.matches > 0 || l.nonMatches > 0) ? `  # ${l.matches}/${l.nonMatches}; ${bits(l.weightBefore)} → ${bits(l.weightAfter)} bits` : '';
      lines.push(`    ${yamlKey(level)}: { m: ${prob(mu.m)}, u: ${prob(mu.u)} }${note}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A weight in bits with its sign, one decimal. */
export function bits(w: number): string {
  const r = w.toFixed(1);
  return w > 0 && r !== '0.0' ? `+${r}` : r === '-0.0' ? '0.0' : r;
}

/** What {@link runLearnReviews} reads and writes. */
export interface LearnReviewsOptions {
  configPath?: string;
  /** PGlite data folder (`--data`), as `acclink serve --data`. */
  dataDir?: string;
  out: string;
  strength?: number;
  env?: Readonly<Record<string, string | undefined>>;
  /** Time stamped into the YAML header (default: now). */
  now?: Date;
}

/** What a run found and wrote. `written` is absent when there was nothing to learn. */
export interface LearnReviewsRun {
  counts: AnswerCounts;
  strength: number;
  result?: ReviewLearningResult;
  written?: string;
  /** Where the prior table came from, for the header and the summary. */
  prior: string;
}

function priorSource(configPath: string | undefined, mappings: { dir?: string; linkerWeights?: string } | undefined): string {
  if (mappings?.linkerWeights) return `${mappings.linkerWeights} (mappings.linkerWeights of ${configPath ?? 'the config'})`;
  if (mappings?.dir) return `${path.join(mappings.dir, 'linker-weights.yaml')} (mappings.dir of ${configPath ?? 'the config'})`;
  return 'the shipped mappings/linker-weights.yaml';
}

async function storeFor(o: LearnReviewsOptions, engineSection: unknown): Promise<Store> {
  const settings = resolveEngineSettings(engineSection, o.env ?? process.env, o.configPath ?? 'config');
  // A read-only command must not create a database where the engine never kept one.
  if (o.dataDir !== undefined && !(await stat(path.join(o.dataDir, 'PG_VERSION')).then((s) => s.isFile(), () => false))) {
    throw new AcclinkError(ErrorCode.Usage, `--data ${o.dataDir} is not a PGlite data folder (give the folder "acclink serve --data" kept its store in)`);
  }
  const baseDir = o.configPath ? path.dirname(path.resolve(o.configPath)) : process.cwd();
  const { store, kind } = await openStore(settings, baseDir, o.dataDir);
  if (kind === 'memory') {
    await store.close();
    throw new AcclinkError(ErrorCode.Usage, 'no store to read: give --data DIR (PGlite) or a --config whose engine.database names the engine\'s store (or set DATABASE_URL)');
  }
  return store;
}

/**
 * Reads the answers, learns, and writes the proposal to `out` (only when there is something to learn).
 * @throws AcclinkError USAGE when no durable store is configured; CONFIG_INVALID for a bad config.
 */
export async function runLearnReviews(o: LearnReviewsOptions): Promise<LearnReviewsRun> {
  const config = await loadConfig(o.configPath);
  const strength = o.strength ?? DEFAULT_REVIEW_STRENGTH;
  const prior = priorSource(o.configPath, config.file.mappings);
  const store = await storeFor(o, config.file.engine);
  let found: StoreAnswers;
  try {
    await store.migrate();
    found = await answersFromStore(store);
  } finally {
    await store.close();
  }
  const labelled = labelAnswers(found.answers);
  if (labelled.length === 0) return { counts: found.counts, strength, prior };
  const result = learnFromReviews(config.weights, labelled, { strength });
  const c = found.counts;
  const header = [
    'Fellegi–Sunter m/u proposed by `acclink weights learn-reviews` from reviewers\' answers in the review console.',
    `Made ${(o.now ?? new Date()).toISOString()} from ${c.items - c.skipped} answered review items (${c.linked - c.skipped} linked, ${c.none} none of these)`,
    `by ${c.reviewers} reviewer${c.reviewers === 1 ? '' : 's'}: ${result.pairs.matches} match and ${result.pairs.nonMatches} non-match candidate pairs.`,
    `Prior: ${prior}, counted as ${strength} answers per field.`,
    `m is learned from the matches; u from the non-matches, except for the blocking fields (${[...BLOCKING_FIELDS].join(', ')}),`,
    'whose agreement among candidates is how they were found, not chance. Levels no answer showed keep their values.',
    'Comments: match/non-match pairs at the level; weight log2(m/u) before → after.',
    'To use it, review the changes and set `mappings.linkerWeights` to this file.',
  ];
  await writeFile(o.out, renderWeightsYaml(result.table, header, result));
  return { counts: c, strength, result, written: o.out, prior };
}
