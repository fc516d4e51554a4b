/**
 * Scoring header standardization on variants with known answers: the chosen standard entry, how often
 * a value is set INCONCLUSIVE or sent to review, and changes to entries that were already standard.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { seededRng } from '../../src/model/ports.ts';
import { compileStandards, parseStandards, standardizeHeader, type CompiledStandards } from '../../src/transforms/standardize/header/index.ts';
import { parseProcedureTerms } from '../../src/transforms/standardize/procedure.ts';
import { makeHeldOutVariants, makeVariants, type Variant } from './standardize-variants.ts';

const yaml = (p: string): unknown => parse(readFileSync(new URL(`../../mappings/${p}`, import.meta.url), 'utf8')) as unknown;

export function globalStandards(): { standards: CompiledStandards; entries: string[] } {
  const profile = parseStandards(yaml('standards/global.yaml'));
  const entries = profile.fields.studyDescription?.standards.map((e) => e.entry) ?? [];
  return { standards: compileStandards(profile, parseProcedureTerms(yaml('procedure-terms.yaml'))), entries };
}

/** The modality a header carrying this description would have. */
function modalityOf(entry: string | null): string | undefined {
  const first = entry?.split(' ')[0];
  return first === 'XR' ? 'DX' : first;
}

export interface KindScore {
  kind: string;
  n: number;
  correct: number;
  wrong: number;
  inconclusive: number;
  review: number;
  unchanged: number;
}

export interface StandardizeScores {
  kinds: KindScore[];
  /** Standard entries given as input that came out changed (must be 0). */
  standardChanged: number;
  standardTotal: number;
}

function scoreVariant(standards: CompiledStandards, v: Variant, score: KindScore): void {
  const result = standardizeHeader({ studyDescription: v.text, modality: modalityOf(v.expected) }, standards, { today: '20260401' });
  const f = result.fields.find((x) => x.field === 'studyDescription');
  score.n++;
  const status = f?.status ?? 'unchanged';
  if (status === 'inconclusive') score.inconclusive++;
  else if (status === 'review') score.review++;
  else if (status === 'unchanged') score.unchanged++;
  if (v.expected === null) {
    if (status === 'standardized' || status === 'reformatted') score.wrong++;
    else score.correct++;
  } else if (f?.value === v.expected && status !== 'review') score.correct++;
  else if (status === 'standardized' || status === 'reformatted') score.wrong++;
}

export function scoreStandardization(seed: number, perEntry = 12): StandardizeScores {
  const { standards, entries } = globalStandards();
  const rng = seededRng(seed);
  const variants = [...makeVariants(entries, perEntry, rng), ...makeHeldOutVariants(entries, rng)];
  const byKind = new Map<string, KindScore>();
  for (const v of variants) {
    const s = byKind.get(v.kind) ?? { kind: v.kind, n: 0, correct: 0, wrong: 0, inconclusive: 0, review: 0, unchanged: 0 };
    byKind.set(v.kind, s);
    scoreVariant(standards, v, s);
  }
  let standardChanged = 0;
  for (const entry of entries) {
    const f = standardizeHeader({ studyDescription: entry, modality: modalityOf(entry) }, standards, { today: '20260401' }).fields.find((x) => x.field === 'studyDescription');
    if (f?.status !== 'unchanged' || f.value !== entry) standardChanged++;
  }
  return { kinds: [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind)), standardChanged, standardTotal: entries.length };
}
