/**
 * The header correction function (figures 12A–12E): every ruled field checked against its rules; values
 * standardized to their entries, reformatted, filled, sent to review or marked; dependency rules checked
 * across fields. Already-standard values are never changed; fields without rules are left alone.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html (General Study)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html (Body Part Examined)
 */
import type { StandardizationReason } from '../../../model/link.ts';
import { matchStandard } from './compare.ts';
import type { MatchResult } from './compare.ts';
import type { CompiledField, CompiledStandards } from './compile.ts';
import type { KnownValues } from './conditions.ts';
import { FIELD_NAMES, reasonOfStatus } from './fields.ts';
import type { FieldName, HeaderValues } from './fields.ts';
import { applyFormat } from './format.ts';
import { findViolations } from './violations.ts';
import type { Violation } from './violations.ts';

export type { Violation } from './violations.ts';

/**
 * What happened to one field. Only `standardized`, `reformatted` and `filled` change the value.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html
 */
export type FieldStatus = 'unchanged' | 'standardized' | 'reformatted' | 'inconclusive' | 'review' | 'filled' | 'invalid';

/**
 * One field's outcome. `value` is what the field should hold (the original unless changed or marked).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html
 */
export interface FieldResult {
  field: FieldName;
  original: string | undefined;
  value: string | undefined;
  status: FieldStatus;
  /** Match score of the chosen entry (fills: confidence × match score). */
  score?: number;
  /** The best standard entries with their scores, best first (up to three). */
  alternatives?: Array<{ entry: string; score: number }>;
  /** The rule that acted: `standards`, `synonym`, `format`, `format.pattern`, `mandatory`, `belowThreshold`, `fill`. */
  rule?: string;
  /** For changed values: the model's StandardizationReason. */
  reason?: StandardizationReason;
  /** For fills: where the value came from. */
  source?: string;
}

/**
 * A value offered for an empty mandatory field, with the caller's confidence in it.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html
 */
export interface FillValue {
  value: string;
  confidence: number;
  /** E.g. `report:R123 procedure`, `study:1.2.3 same patient`. */
  source?: string;
}

/**
 * What the caller knows beyond the header.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html
 */
export interface HeaderContext {
  /** Today as `YYYYMMDD` or `YYYY-MM-DD`, for `notInFuture` (unchecked without it). */
  today?: string;
  /** Values for empty mandatory fields: the linked report's procedure, other studies of the patient. */
  fill?: Partial<Record<FieldName, FillValue | readonly FillValue[]>>;
}

/**
 * The corrected header: one result per ruled or present field, in the profile's order, and the violations.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html
 */
export interface HeaderResult {
  fields: FieldResult[];
  violations: Violation[];
}

/** A field outcome with whether its value can be relied on by other fields' rules. */
interface Outcome {
  result: FieldResult;
  certain: boolean;
}

/**
 * Standardizes one record's header.
 * Fields are processed in the profile's order; each standardized, certain value is context for the next
 * (a CT modality picks the CT reading of "Thorax^01_Routine (Adult)"). Then dependency rules and entry
 * requirements are checked on the final values; where one side is certain and the other empty or
 * uncertain, a violation carries the proposed fix.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function standardizeHeader(header: HeaderValues, standards: CompiledStandards, context: HeaderContext = {}): HeaderResult {
  const known = initialKnown(header, standards);
  const outcomes = new Map<FieldName, Outcome>();
  const violations: Violation[] = [];
  for (const field of standards.order) {
    const cf = standards.fields.get(field);
    if (cf === undefined) continue;
    const outcome = correctField(field, header[field], cf, standards, context, known, violations);
    outcomes.set(field, outcome);
    if (outcome.certain && outcome.result.value !== undefined) known[field] = outcome.result.value.trim();
    else delete known[field];
  }
  for (const field of FIELD_NAMES) {
    if (outcomes.has(field) || header[field] === undefined) continue;
    outcomes.set(field, { result: { field, original: header[field], value: header[field], status: 'unchanged' }, certain: true });
  }
  violations.push(...findViolations(standards, outcomes));
  return { fields: [...outcomes.values()].map((o) => o.result), violations };
}

/** Values taken as right before processing: exact standard entries, and values of fields without entries. */
function initialKnown(header: HeaderValues, standards: CompiledStandards): KnownValues {
  const known: KnownValues = {};
  for (const [field, cf] of standards.fields) {
    const v = header[field]?.trim();
    if (v === undefined || v === '') continue;
    if (cf.entries.length === 0 || cf.entries.some((e) => e.entry.entry === v)) known[field] = v;
  }
  return known;
}

function correctField(
  field: FieldName,
  original: string | undefined,
  cf: CompiledField,
  standards: CompiledStandards,
  context: HeaderContext,
  known: KnownValues,
  violations: Violation[],
): Outcome {
  if (original === undefined || original.trim() === '') {
    if (!cf.rules.mandatory) return { result: { field, original, value: original, status: 'unchanged' }, certain: false };
    return fill(field, original, cf, standards, context, known, violations);
  }
  const outcome = correctValue(field, original, cf, standards, context, known);
  if (outcome.result.status === 'invalid') {
    const rule = outcome.result.rule ?? 'format';
    violations.push({ kind: 'format', rule: `fields.${field}.${rule}`, fields: [field], message: `${field} "${original}": ${outcome.message ?? rule}` });
  }
  return outcome;
}

/** The value path: standard entries first (exact, synonym, scored), else the format rules. */
function correctValue(
  field: FieldName,
  original: string,
  cf: CompiledField,
  standards: CompiledStandards,
  context: HeaderContext,
  known: KnownValues,
): Outcome & { message?: string } {
  const base = { field, original };
  if (cf.entries.length > 0) {
    const m = matchStandard(standards, field, original, known);
    const decided = decide(m, cf, standards, base);
    if (decided !== undefined) return decided;
  }
  const format = cf.rules.format;
  if (format === undefined) return { result: { ...base, value: original, status: 'unchanged' }, certain: true };
  const r = applyFormat(original, format, context.today);
  if (r.problem !== undefined) {
    return { result: { ...base, value: original, status: 'invalid', rule: r.problem.rule }, certain: false, message: r.problem.message };
  }
  if (r.value === original) return { result: { ...base, value: original, status: 'unchanged' }, certain: true };
  return { result: changed({ ...base, value: r.value, status: 'reformatted', rule: 'format' }), certain: true };
}

/** Turns a match into an outcome; undefined when a free-text field should fall through to its format rules. */
function decide(m: MatchResult, cf: CompiledField, standards: CompiledStandards, base: { field: FieldName; original: string }): Outcome | undefined {
  const alternatives = m.ranked
    .filter((r) => r.score > 0)
    .slice(0, 3)
    .map((r) => ({ entry: r.entry, score: round(r.score) }));
  const best = m.best;
  if (best === undefined) return undefined;
  if (m.exact === 'entry') return { result: { ...base, value: base.original, status: 'unchanged' }, certain: true };
  if (m.exact === 'key') return { result: changed({ ...base, value: best.entry, status: 'reformatted', score: 1, rule: 'standards' }), certain: true };
  const margin = m.runnerUp === undefined ? 1 : best.score - m.runnerUp.score;
  if (best.score >= cf.accept && margin >= standards.profile.thresholds.margin && m.nearMiss === undefined) {
    const rule = m.exact === 'synonym' ? 'synonym' : 'standards';
    return { result: changed({ ...base, value: best.entry, status: 'standardized', score: round(best.score), alternatives, rule }), certain: true };
  }
  if (!cf.rules.fixedSet) return undefined;
  const scored = { ...base, score: round(best.score), alternatives };
  if (best.score >= cf.review) return { result: { ...scored, value: base.original, status: 'review', rule: 'standards' }, certain: false };
  switch (cf.belowThreshold) {
    case 'leave':
      return { result: { ...scored, value: base.original, status: 'unchanged', rule: 'belowThreshold' }, certain: false };
    case 'inconclusive':
      return { result: { ...scored, value: standards.profile.inconclusiveValue, status: 'inconclusive', rule: 'belowThreshold' }, certain: false };
    case 'review':
      return { result: { ...scored, value: base.original, status: 'review', rule: 'belowThreshold' }, certain: false };
  }
}

/**
 * An empty mandatory field: filled when the reliable offered values (confidence at least
 * `thresholds.fill`) standardize to exactly one value; otherwise a mandatory violation.
 */
function fill(
  field: FieldName,
  original: string | undefined,
  cf: CompiledField,
  standards: CompiledStandards,
  context: HeaderContext,
  known: KnownValues,
  violations: Violation[],
): Outcome {
  const offered = context.fill?.[field];
  const list: readonly FillValue[] = offered === undefined ? [] : 'value' in offered ? [offered] : offered;
  const accepted = new Map<string, { offer: FillValue; score: number }>();
  for (const offer of list) {
    if (offer.confidence < standards.profile.thresholds.fill || offer.value.trim() === '') continue;
    const o = correctValue(field, offer.value, cf, standards, context, known);
    if (!o.certain || o.result.value === undefined) continue;
    const score = offer.confidence * (o.result.score ?? 1);
    const earlier = accepted.get(o.result.value);
    if (earlier === undefined || earlier.score < score) accepted.set(o.result.value, { offer, score });
  }
  const rule = `fields.${field}.mandatory`;
  const only = accepted.size === 1 ? [...accepted][0] : undefined;
  if (only !== undefined) {
    const [value, { offer, score }] = only;
    const result = changed({ field, original, value, status: 'filled', score: round(score), rule: 'fill' });
    return { result: offer.source === undefined ? result : { ...result, source: offer.source }, certain: true };
  }
  const message = accepted.size > 1
    ? `${field} is empty; reliable sources disagree: ${[...accepted.keys()].map((v) => `"${v}"`).join(', ')}`
    : `${field} is mandatory and empty`;
  violations.push({ kind: 'mandatory', rule, fields: [field], message });
  return { result: { field, original, value: original, status: 'invalid', rule: 'mandatory' }, certain: false };
}

function changed(r: FieldResult): FieldResult {
  const reason = reasonOfStatus(r.status);
  return reason === undefined ? r : { ...r, reason };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
