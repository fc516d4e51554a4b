/**
 * Reading a header value for comparison: its words (with typos corrected against a vocabulary), what the
 * procedure terms make of it (modality, regions, contrast, laterality, views) and the words left over.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import { osaDistance } from '../../../linker/strings.ts';
import { extractProcedureTerms, normalizeModality } from '../procedure.ts';
import type { ExtractedProcedureTerms, ProcedureTerms } from '../procedure.ts';
import { matchAt, phraseKey, tokenize } from '../tokens.ts';
import type { PhraseNode } from '../tokens.ts';
import type { MatchKind } from './profile.ts';

/** Words that never tell two values apart. */
const STOP_WORDS: ReadonlySet<string> = new Set(['OF', 'THE', 'FOR', 'TO', 'A', 'AN', 'ON', 'IN', 'AT', 'BY', 'PER', 'AND', 'OR']);

/**
 * What one value says.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface Analysis {
  /** The value's words as written, joined by single spaces: equal keys are the same value. */
  key: string;
  /** Content words after typo correction (no stop words, ignored words or bare numbers). */
  words: string[];
  /** Content words that no procedure phrase or view count consumed (COMPLETE, SCREENING, ...). */
  residual: string[];
  /** The procedure terms, restricted to what the field's match kind compares. */
  terms: ExtractedProcedureTerms;
  /** Standard entries only: dimensions not written but implied by the entry's requirements (dependsOn). */
  implied?: { modality?: true; regions?: true };
}

/**
 * The per-field reader: vocabulary for typo correction and words to ignore. Build with createAnalyzer.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface Analyzer {
  readonly kind: MatchKind;
  readonly terms: ProcedureTerms;
  readonly vocabulary: ReadonlySet<string>;
  /** The words of the field's own entries and synonyms (preferred when correcting). */
  readonly ownWords: ReadonlySet<string>;
  readonly ignore: ReadonlySet<string>;
  /** Memo of typo corrections (token → correction, or null for none). */
  readonly corrections: Map<string, string | null>;
}

/**
 * A reader for one field. The vocabulary is every word of the field's entries and synonyms and of the
 * procedure terms (phrases and modality codes), so typos are corrected only toward words that mean something.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function createAnalyzer(kind: MatchKind, terms: ProcedureTerms, texts: readonly string[], ignoreWords: readonly string[]): Analyzer {
  const vocabulary = new Set<string>();
  const add = (w: string): void => {
    if (/[A-Z]/.test(w)) vocabulary.add(w);
  };
  for (const t of texts) tokenize(t).forEach(add);
  const ownWords = new Set(vocabulary);
  if (kind !== 'text') {
    trieWords(terms.phrases, add);
    for (const code of terms.modalityCodes.keys()) code.split(' ').forEach(add);
    for (const w of terms.countWords) add(w);
    for (const w of terms.numberWords.keys()) add(w);
  }
  return { kind, terms, vocabulary, ownWords, ignore: new Set(ignoreWords.map(phraseKey)), corrections: new Map() };
}

function trieWords(node: PhraseNode, add: (w: string) => void): void {
  for (const [word, next] of node.next) {
    add(word);
    trieWords(next, add);
  }
}

/**
 * Reads a value. Pure given the analyzer (its correction memo only caches).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function analyze(text: string, a: Analyzer): Analysis {
  const raw = tokenize(text);
  const tokens = raw.map((w) => correct(w, a));
  const content = (w: string): boolean => w !== '+' && !/^\d+$/.test(w) && !STOP_WORDS.has(w) && !a.ignore.has(w);
  const words = tokens.filter(content);
  if (a.kind === 'text') return { key: raw.join(' '), words, residual: words, terms: { bodyRegions: [] } };
  const residual = leftover(tokens, a.terms).filter(content);
  const extracted = extractProcedureTerms(tokens.join(' '), a.terms);
  return { key: raw.join(' '), words, residual, terms: restrict(extracted, tokens, a) };
}

/** Keeps what the match kind compares: body parts compare regions only, modalities the modality group only. */
function restrict(t: ExtractedProcedureTerms, tokens: readonly string[], a: Analyzer): ExtractedProcedureTerms {
  if (a.kind === 'bodyPart') return { bodyRegions: t.bodyRegions };
  if (a.kind === 'modality') {
    const modality = normalizeModality(tokens.join(' '), a.terms) ?? t.modality;
    return modality === undefined ? { bodyRegions: [] } : { modality, bodyRegions: [] };
  }
  return t;
}

/**
 * A token unknown to the vocabulary, three letters or more, one edit from a vocabulary word (for four
 * letters or fewer, a dropped, added or swapped letter, not a substituted one): corrected when
 * that word is the only one, or the only one of the field's own entries and synonyms (WIT → WITH, not the
 * procedure terms' MIT), or when all such words mean the same to the procedure terms (PELVIV → PELVIS or
 * PELVIC; the field's own word wins).
 */
function correct(token: string, a: Analyzer): string {
  if (token.length < 3 || a.vocabulary.has(token) || !/^[A-Z]+$/.test(token)) return token;
  const memo = a.corrections.get(token);
  if (memo !== undefined) return memo ?? token;
  const near: string[] = [];
  for (const v of a.vocabulary) {
    if (v.length < 3 || Math.abs(v.length - token.length) > 1 || osaDistance(token, v, 1) > 1) continue;
    // In short words a substituted letter is as likely another word (READ, HEAD): only drops and swaps.
    if (token.length <= 4 && v.length === token.length && !swapped(token, v)) continue;
    near.push(v);
  }
  const own = near.filter((w) => a.ownWords.has(w));
  let found: string | null = near.length === 1 ? (near[0] ?? null) : own.length === 1 ? (own[0] ?? null) : null;
  if (found === null && near.length > 1) {
    const meaning = (w: string): string => JSON.stringify(matchAt(a.terms.phrases, [w], 0)?.meaning ?? w);
    const first = meaning(near[0] ?? '');
    if (first.startsWith('{') && near.every((w) => meaning(w) === first)) {
      near.sort((x, y) => Number(a.ownWords.has(y)) - Number(a.ownWords.has(x)) || (x < y ? -1 : 1));
      found = near[0] ?? null;
    }
  }
  a.corrections.set(token, found);
  return found ?? token;
}

/** Same length, equal but for two adjacent letters swapped. */
function swapped(a: string, b: string): boolean {
  const i = [...a].findIndex((c, k) => c !== b[k]);
  return i >= 0 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** The words no phrase or view count consumes, in order. Mirrors extractProcedureTerms' reading. */
function leftover(words: readonly string[], terms: ProcedureTerms): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; ) {
    const m = matchAt(terms.phrases, words, i);
    if (m !== undefined) {
      i += m.length;
      continue;
    }
    const word = words[i] ?? '';
    const compact = /^\d{1,2}([A-Z]+)$/.exec(word);
    if (compact !== null && terms.countWords.has(compact[1] ?? '')) {
      i += 1;
      continue;
    }
    const isCount = /^\d{1,2}$/.test(word) || terms.numberWords.has(word);
    if (isCount && terms.countWords.has(words[i + 1] ?? '')) {
      i += 2;
      continue;
    }
    out.push(word);
    i += 1;
  }
  return out;
}
