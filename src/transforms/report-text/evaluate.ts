/**
 * Scoring the labeller against hand-labelled sentences (`test/fixtures/report-sentences/sentences.jsonl`).
 *
 * Every (sentence, finding) pair that the labels or the labeller name is one decision. Per finding: a
 * pair is a true positive when both give the same state, a false positive when the labeller gives a state
 * the labels do not (another state, or a finding they do not name), a false negative when the labels give
 * a state the labeller does not (a wrong state is both). Per state the same with the state as the class.
 * Micro scores sum the counts; macro scores average the F1 of each finding (or state) that occurs.
 */
import { z } from 'zod';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { FindingsLexicon } from './lexicon.ts';
import { labelPassage } from './label.ts';
import type { FindingState } from './scope.ts';
import { SECTION_NAMES } from './sections.ts';
import type { SectionName } from './sections.ts';

const STATE = z.enum(['positive', 'negative', 'uncertain']);
const SentenceSchema = z.strictObject({
  id: z.string().min(1),
  section: z.enum(SECTION_NAMES),
  text: z.string().min(1),
  labels: z.record(z.string(), STATE),
});

/** One hand-labelled sentence. */
export interface LabelledSentence {
  id: string;
  section: SectionName;
  text: string;
  labels: Record<string, FindingState>;
}

/**
 * Reads the JSON-lines test set; every line must be a valid sentence and label only findings of `lexicon`.
 * @throws AcclinkError MAPPING_INVALID naming the line
 */
export function parseLabelledSentences(jsonl: string, lexicon: FindingsLexicon): LabelledSentence[] {
  const known = new Set(lexicon.findings);
  const ids = new Set<string>();
  const out: LabelledSentence[] = [];
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new AcclinkError(ErrorCode.MappingInvalid, `sentences line ${i + 1}: not JSON`);
    }
    const r = SentenceSchema.safeParse(raw);
    if (!r.success) throw new AcclinkError(ErrorCode.MappingInvalid, `sentences line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    const unknown = Object.keys(r.data.labels).filter((f) => !known.has(f));
    if (unknown.length > 0) throw new AcclinkError(ErrorCode.MappingInvalid, `sentences line ${i + 1}: unknown finding(s) ${unknown.join(', ')}`);
    if (ids.has(r.data.id)) throw new AcclinkError(ErrorCode.MappingInvalid, `sentences line ${i + 1}: duplicate id ${r.data.id}`);
    ids.add(r.data.id);
    out.push(r.data);
  });
  return out;
}

/** True-positive, false-positive and false-negative counts. */
export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/** Precision, recall and F1 (0 when undefined), with the support (labelled occurrences). */
export interface Scores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** One disagreement: what the labels say and what the labeller said (`absent` when nothing). */
export interface LabelError {
  id: string;
  finding: string;
  expected: FindingState | 'absent';
  got: FindingState | 'absent';
  text: string;
}

/** The scores of one run over the test set. */
export interface Evaluation {
  sentences: number;
  perFinding: Map<string, Scores>;
  perState: Map<FindingState, Scores>;
  micro: Scores;
  macroFinding: Scores;
  macroState: Scores;
  /** Micro scores per sentence group: the id without its trailing number ("uk-014" → "uk"). */
  perGroup: Map<string, Scores>;
  errors: LabelError[];
}

const STATES: readonly FindingState[] = ['positive', 'negative', 'uncertain'];

/** Scores from counts. */
export function scores(c: Counts): Scores {
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, support: c.tp + c.fn };
}

function macro(list: readonly Scores[]): Scores {
  const n = list.length || 1;
  const sum = (k: 'precision' | 'recall' | 'f1'): number => list.reduce((a, s) => a + s[k], 0) / n;
  return { precision: sum('precision'), recall: sum('recall'), f1: sum('f1'), support: list.reduce((a, s) => a + s.support, 0) };
}

/** Labels every sentence (as a passage of its section) and scores the result against its labels. */
export function evaluateSentences(sentences: readonly LabelledSentence[], lexicon: FindingsLexicon): Evaluation {
  const byFinding = new Map<string, Counts>(lexicon.findings.map((f) => [f, { tp: 0, fp: 0, fn: 0 }]));
  const byState = new Map<FindingState, Counts>(STATES.map((s) => [s, { tp: 0, fp: 0, fn: 0 }]));
  const byGroup = new Map<string, Counts>();
  const errors: LabelError[] = [];
  for (const s of sentences) {
    const got = labelPassage(s.text, s.section, lexicon).findings;
    const group = s.id.replace(/-?\d+$/, '');
    const gc = byGroup.get(group) ?? { tp: 0, fp: 0, fn: 0 };
    byGroup.set(group, gc);
    for (const f of new Set([...Object.keys(s.labels), ...Object.keys(got)])) {
      const e = s.labels[f];
      const g = got[f];
      const fc = byFinding.get(f);
      if (fc === undefined) continue;
      if (e !== undefined && e === g) fc.tp++;
      if (g !== undefined && g !== e) fc.fp++;
      if (e !== undefined && g !== e) fc.fn++;
      if (e !== undefined && e === g) gc.tp++;
      if (g !== undefined && g !== e) gc.fp++;
      if (e !== undefined && g !== e) gc.fn++;
      for (const state of STATES) {
        const sc = byState.get(state);
        if (sc === undefined) continue;
        if (e === state && g === state) sc.tp++;
        if (g === state && e !== state) sc.fp++;
        if (e === state && g !== state) sc.fn++;
      }
      if (e !== g) errors.push({ id: s.id, finding: f, expected: e ?? 'absent', got: g ?? 'absent', text: s.text });
    }
  }
  const total = [...byFinding.values()].reduce((a, c) => ({ tp: a.tp + c.tp, fp: a.fp + c.fp, fn: a.fn + c.fn }), { tp: 0, fp: 0, fn: 0 });
  const perFinding = new Map([...byFinding].filter(([, c]) => c.tp + c.fp + c.fn > 0).map(([f, c]) => [f, scores(c)] as const));
  const perState = new Map([...byState].map(([s, c]) => [s, scores(c)] as const));
  return {
    sentences: sentences.length,
    perFinding,
    perState,
    micro: scores(total),
    macroFinding: macro([...perFinding.values()]),
    macroState: macro([...perState.values()]),
    perGroup: new Map([...byGroup].map(([g, c]) => [g, scores(c)] as const)),
    errors,
  };
}
