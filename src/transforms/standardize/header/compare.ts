/**
 * Scoring a header value against a standard entry (or one of its synonyms), in [0, 1].
 *
 * Three signals, strongest first:
 * - structure: what the procedure terms read from both texts (modality group, body regions, contrast,
 *   laterality, view count). Agreement on all of them is near 1.0 whatever the wording, order or
 *   abbreviations ("Chest CT", "CT of Chest", "CT THORAX W/O"); a contradiction (with vs without
 *   contrast, left vs right, CT vs MR) is a strong penalty; silence on one side a mild one.
 * - leftover words (COMPLETE vs LIMITED, SCREENING vs DIAGNOSTIC), order-free, with prefixes
 *   (DIAG = DIAGNOSTIC) and single typos tolerated; and the word sets as a whole, as a tie-breaker.
 * - characters: Damerau (OSA) similarity of the texts, for typos the word reader cannot repair
 *   ("TC HEAD"); contradictions found by the structure still apply.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html (Body Part Examined)
 */
import { osaDistance } from '../../../linker/strings.ts';
import { compareProcedureTerms, extractProcedureTerms, normalizeModality } from '../procedure.ts';
import type { ExtractedProcedureTerms, ProcedureTerms } from '../procedure.ts';
import { phraseKey } from '../tokens.ts';
import { analyze } from './analyze.ts';
import type { Analysis } from './analyze.ts';
import type { CompiledField, CompiledStandards } from './compile.ts';
import { allHold, mentions, ruleBreaks } from './conditions.ts';
import type { KnownValues } from './conditions.ts';
import type { FieldName } from './fields.ts';
import type { Conditions, MatchKind, StandardEntry } from './profile.ts';

/** Factors per comparison outcome. `missingInput`: the value is silent where the standard speaks. */
interface Factors {
  agree: number;
  partial: number;
  disagree: number;
  missingInput: number;
  missingStandard: number;
}

const MODALITY: Factors = { agree: 1, partial: 0.5, disagree: 0.15, missingInput: 0.75, missingStandard: 0.8 };
const REGION: Factors = { agree: 1, partial: 0.55, disagree: 0.1, missingInput: 0.6, missingStandard: 0.8 };
const CONTRAST: Factors = { agree: 1, partial: 0.5, disagree: 0.2, missingInput: 0.85, missingStandard: 0.8 };
const LATERALITY: Factors = { agree: 1, partial: 0.55, disagree: 0.2, missingInput: 0.85, missingStandard: 0.85 };
const VIEWS: Factors = { agree: 1, partial: 0.45, disagree: 0.45, missingInput: 0.9, missingStandard: 0.9 };

/**
 * Weights inside a structural match: the base, leftover words, and whole word sets (the tie-breaker).
 * Without a body region on either side, structure says little (a modality, a contrast phase) and the
 * leftover words (SCREENING, STONE PROTOCOL) carry the identity.
 */
const WITH_REGIONS = { base: 0.72, residual: 0.18, words: 0.1 };
const WITHOUT_REGIONS = { base: 0.3, residual: 0.6, words: 0.1 };

/**
 * Structure-derived parts of a score: all factors, and the contradiction factors alone.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface StructureScore {
  factor: number;
  contradiction: number;
}

/**
 * Scores `input` against a standard's text `standard` (both read by the same field analyzer).
 * Equal keys (same words, whatever case and punctuation) score 1.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function scoreAnalyses(input: Analysis, standard: Analysis, kind: MatchKind, terms: ProcedureTerms): number {
  return scoreDetailed(input, standard, kind, terms).score;
}

/**
 * The score and, apart, the bare character similarity (before any structural contradiction).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function scoreDetailed(input: Analysis, standard: Analysis, kind: MatchKind, terms: ProcedureTerms): { score: number; chars: number } {
  if (input.key === standard.key) return { score: 1, chars: 1 };
  if (input.key === '' || standard.key === '') return { score: 0, chars: 0 };
  const words = wordSimilarity(input.words, standard.words);
  const chars = charSimilarity(input.key, standard.key);
  if (kind === 'text') return { score: Math.max(chars, words), chars };
  const s = structure(input.terms, unimplied(standard, input), terms);
  const lexical = chars * s.contradiction;
  if (!hasStructure(input.terms) || !hasStructure(standard.terms)) return { score: Math.max(lexical, words * s.contradiction * 0.9), chars };
  const residual = residualSimilarity(input.residual, standard.residual);
  const w = input.terms.bodyRegions.length > 0 || standard.terms.bodyRegions.length > 0 ? WITH_REGIONS : WITHOUT_REGIONS;
  return { score: Math.max(s.factor * (w.base + w.residual * residual + w.words * words), lexical), chars };
}

/** A standard's implied modality or regions count only against a value that states them. */
function unimplied(standard: Analysis, input: Analysis): ExtractedProcedureTerms {
  const t = standard.terms;
  if (standard.implied === undefined) return t;
  const out = { ...t };
  if (standard.implied.regions === true && input.terms.bodyRegions.length === 0) out.bodyRegions = [];
  if (standard.implied.modality === true && input.terms.modality === undefined) delete out.modality;
  return out;
}

/**
 * True when a text names a modality or a body region: enough to compare structurally.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function hasStructure(t: ExtractedProcedureTerms): boolean {
  return t.modality !== undefined || t.bodyRegions.length > 0;
}

/**
 * The structure factors of two readings.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function structure(a: ExtractedProcedureTerms, b: ExtractedProcedureTerms, terms: ProcedureTerms): StructureScore {
  const c = compareProcedureTerms(a, b, terms);
  const parts: Array<[string, Factors, boolean, boolean]> = [
    [c.modality, MODALITY, a.modality !== undefined, b.modality !== undefined],
    [c.bodyRegion, REGION, a.bodyRegions.length > 0, b.bodyRegions.length > 0],
    [c.contrast, CONTRAST, a.contrast !== undefined, b.contrast !== undefined],
    [c.laterality, LATERALITY, a.laterality !== undefined, b.laterality !== undefined],
    [c.views, VIEWS, a.views !== undefined, b.views !== undefined],
  ];
  let factor = 1;
  let contradiction = 1;
  for (const [level, f, inInput, inStandard] of parts) {
    if (level === 'agree') continue;
    if (level === 'unknown') {
      if (inStandard && !inInput) factor *= f.missingInput;
      else if (inInput && !inStandard) factor *= f.missingStandard;
      continue;
    }
    const x = level === 'disagree' ? f.disagree : f.partial;
    factor *= x;
    contradiction *= x;
  }
  return { factor, contradiction };
}

/**
 * Leftover-word agreement: mostly recall of the standard's words (a value lacking COMPLETE may be
 * LIMITED), partly precision (extra words such as PORTABLE cost a little). 1 when neither has any.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function residualSimilarity(input: readonly string[], standard: readonly string[]): number {
  if (input.length === 0 && standard.length === 0) return 1;
  const recall = standard.length === 0 ? 1 : standard.filter((w) => input.some((x) => sameWord(x, w, true))).length / standard.length;
  const precision = input.length === 0 ? 1 : input.filter((w) => standard.some((x) => sameWord(x, w, true))).length / input.length;
  return 0.7 * recall + 0.3 * precision;
}

/**
 * Dice coefficient of two word lists, order-free, with sameWord as equality.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function wordSimilarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const used = new Array<boolean>(b.length).fill(false);
  let shared = 0;
  for (const w of a) {
    const j = b.findIndex((x, k) => !used[k] && sameWord(w, x));
    if (j >= 0) {
      used[j] = true;
      shared++;
    }
  }
  return (2 * shared) / (a.length + b.length);
}

/**
 * Equal; or one typo apart (5+ letters); or, with `prefixes`, one abbreviates the other as a prefix of
 * 3+ letters (DIAG, SCREEN). Prefixes are for leftover words only: among all words WITH would equal WITHOUT.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function sameWord(a: string, b: string, prefixes = false): boolean {
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (prefixes && short.length >= 3 && long.startsWith(short) && /^[A-Z]+$/.test(short)) return true;
  return short.length >= 5 && long.length - short.length <= 1 && osaDistance(a, b, 1) <= 1;
}

/**
 * 1 − OSA distance / longer length, on the word keys; 0 below 0.5 (computed with an early stop).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function charSimilarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 0;
  const max = Math.floor(longer / 2);
  const d = osaDistance(a, b, max);
  return d > max ? 0 : 1 - d / longer;
}

/**
 * A standard entry with its score for one value; `via` is the entry or synonym text that scored best.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface ScoredEntry {
  entry: string;
  score: number;
  via: string;
}

/**
 * A value's standard entries, best first. `exact`: the value is an entry (`entry`), an entry written
 * otherwise (`key`: case, spacing, punctuation) or a recorded synonym (`synonym`).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface MatchResult {
  ranked: ScoredEntry[];
  best?: ScoredEntry;
  runnerUp?: ScoredEntry;
  exact?: 'entry' | 'key' | 'synonym';
  /** An entry the value is a typo away from, other than `best`: the reading is doubtful (review, not change). */
  nearMiss?: string;
}

/** An entry that breaks a requirement given the other known values scores at most this far below accept. */
const CONFLICT_GAP = 0.01;
const CACHE_LIMIT = 50_000;
/** Character similarity from which a value counts as a typo of an entry. */
const NEAR_MISS = 0.9;

/**
 * Ranks a field's standard entries for a value. `known` holds other fields' values taken as right: they
 * decide which conditional synonyms apply, fill in the modality and region a description leaves out
 * ("Thorax^01_Routine (Adult)" on a CT), and keep entries whose requirements they break below the accept
 * threshold: such a value goes to review, with the conflict among the violations, rather than being changed.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function matchStandard(standards: CompiledStandards, field: FieldName, value: string, known: KnownValues = {}): MatchResult {
  const cf = standards.fields.get(field);
  if (cf === undefined || cf.entries.length === 0) return { ranked: [] };
  // Only the fields that can matter: the cache then serves every header with the same value and context.
  const context: KnownValues = {};
  for (const f of cf.contextFields) if (known[f] !== undefined) context[f] = known[f];
  const cacheKey = `${field}\u0000${value}\u0000${JSON.stringify(context)}`;
  const cached = standards.cache.get(cacheKey) as MatchResult | undefined;
  if (cached !== undefined) return cached;
  const result = rank(standards, cf, value, context);
  if (standards.cache.size >= CACHE_LIMIT) standards.cache.clear();
  standards.cache.set(cacheKey, result);
  return result;
}

function rank(standards: CompiledStandards, cf: CompiledField, value: string, known: KnownValues): MatchResult {
  const trimmed = value.trim();
  const key = phraseKey(trimmed);
  const byKey = cf.byKey.get(key);
  if (byKey !== undefined) {
    const best = { entry: byKey.entry.entry, score: 1, via: byKey.entry.entry };
    return { ranked: [best], best, exact: byKey.entry.entry === trimmed ? 'entry' : 'key' };
  }
  const applicable = (when: Conditions | undefined): boolean => when === undefined || allHold(when, known) === true;
  const bySynonym = (cf.bySynonymKey.get(key) ?? []).filter((s) => applicable(s.when));
  if (bySynonym.length > 0) {
    // An exact synonym still has to fit the other fields: "Chest CT" on an MR study is for a person.
    const ranked = bySynonym.map((s) => ({
      entry: s.entry.entry.entry, via: trimmed,
      score: conflicts(standards, cf, s.entry.entry, known) ? cf.accept - CONFLICT_GAP : 1,
    }));
    return finish(ranked, 'synonym');
  }
  const input = withContext(analyze(trimmed, cf.analyzer), cf, known, standards.terms);
  const ranked: ScoredEntry[] = [];
  let nearest = { entry: '', chars: 0 };
  const bestTexts = new Map<string, Analysis>();
  for (const e of cf.entries) {
    let best: ScoredEntry = { entry: e.entry.entry, score: 0, via: e.entry.entry };
    // A synonym silent on contrast or side still means its entry: what contradicts the entry contradicts it.
    const entryTerms = e.texts[0]?.analysis.terms;
    const inherited = entryTerms === undefined ? 1 : structure(input.terms, entryTerms, standards.terms).contradiction;
    for (const t of e.texts) {
      if (!applicable(t.when)) continue;
      const detail = scoreDetailed(input, t.analysis, cf.rules.match, standards.terms);
      const score = detail.score * (t.synonym ? inherited : 1);
      if (detail.chars > nearest.chars) nearest = { entry: e.entry.entry, chars: detail.chars };
      if (score > best.score) {
        best = { entry: e.entry.entry, score, via: t.text };
        bestTexts.set(e.entry.entry, t.analysis);
      }
    }
    if (conflicts(standards, cf, e.entry, known)) best.score = Math.min(best.score, cf.accept - CONFLICT_GAP);
    ranked.push(best);
  }
  ranked.sort((a, b) => b.score - a.score);
  const out = finish(ranked, undefined);
  // One typo from one entry, read as another, with words left unexplained ("CT HEAD WITH AD WITHOUT
  // CONTRAST"): the reading is doubtful, not for automatic change.
  const best = out.best;
  const chosen = best === undefined ? undefined : bestTexts.get(best.entry);
  const unexplained = input.residual.some((w) => !(chosen?.residual ?? []).some((x) => sameWord(w, x, true)));
  if (cf.rules.match !== 'text' && best !== undefined && unexplained && nearest.chars >= NEAR_MISS && nearest.entry !== best.entry) {
    out.nearMiss = nearest.entry;
  }
  return out;
}

function finish(ranked: ScoredEntry[], exact: MatchResult['exact']): MatchResult {
  const out: MatchResult = { ranked };
  if (ranked[0] !== undefined) out.best = ranked[0];
  if (ranked[1] !== undefined) out.runnerUp = ranked[1];
  if (exact !== undefined) out.exact = exact;
  return out;
}

/** A description silent on modality or region takes them from the header's Modality and Body Part Examined. */
function withContext(a: Analysis, cf: CompiledField, known: KnownValues, terms: ProcedureTerms): Analysis {
  if (cf.rules.match !== 'procedure') return a;
  const t = { ...a.terms };
  const modality = normalizeModality(known.modality, terms);
  if (t.modality === undefined && modality !== undefined) t.modality = modality;
  if (t.bodyRegions.length === 0 && known.bodyPartExamined !== undefined) t.bodyRegions = extractProcedureTerms(known.bodyPartExamined, terms).bodyRegions;
  return { ...a, terms: t };
}

/** Whether an entry, as the field's value, breaks its own requirements or a dependency rule given `known`. */
function conflicts(standards: CompiledStandards, cf: CompiledField, entry: StandardEntry, known: KnownValues): boolean {
  const values: KnownValues = { ...known, [cf.name]: entry.entry };
  if (entry.dependsOn !== undefined && allHold(entry.dependsOn, values) === false) return true;
  return standards.profile.dependencies.some((rule) => mentions(rule, cf.name) && ruleBreaks(rule, values).some((b) => !b.missing));
}

/**
 * Scores a value against any text as if it were one of `field`'s standard texts (same reading, same
 * scoring): for comparing two records' descriptions with each other.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function scoreTexts(standards: CompiledStandards, field: FieldName, value: string, other: string): number {
  const cf = standards.fields.get(field);
  if (cf === undefined) return value.trim() === other.trim() ? 1 : 0;
  return scoreAnalyses(analyze(value, cf.analyzer), analyze(other, cf.analyzer), cf.rules.match, standards.terms);
}
