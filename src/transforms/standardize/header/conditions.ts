/**
 * Conditions and dependency rules over header values: whether a test holds, and whether a rule is kept,
 * broken or cannot be judged for a given set of values.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import { phraseKey } from '../tokens.ts';
import type { FieldName } from './fields.ts';
import { compiledRegex } from './format.ts';
import type { Conditions, DependencyRule, ValueTest } from './profile.ts';

/**
 * Values known for a header, by field.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export type KnownValues = Partial<Record<FieldName, string>>;

/**
 * Whether a value passes a test: one of the listed values (same words, any case/punctuation) or the pattern.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function holds(test: ValueTest, value: string): boolean {
  if (test.pattern !== undefined && !compiledRegex(test.pattern).test(value)) return false;
  if (test.values !== undefined) {
    const key = phraseKey(value);
    return test.values.some((v) => phraseKey(v) === key);
  }
  return true;
}

/**
 * `true` all hold, `false` one fails, `undefined` none fails but a field is unknown.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function allHold(c: Conditions, values: KnownValues): boolean | undefined {
  let unknown = false;
  for (const [field, test] of conditionEntries(c)) {
    const v = values[field];
    if (v === undefined) unknown = true;
    else if (!holds(test, v)) return false;
  }
  return unknown ? undefined : true;
}

/**
 * The tests of a condition set, typed.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function conditionEntries(c: Conditions): Array<[FieldName, ValueTest]> {
  return Object.entries(c).filter((e): e is [FieldName, ValueTest] => e[1] !== undefined);
}

/**
 * One way a rule is broken: `failed` is the field whose test fails (or whose value is missing).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface RuleBreak {
  /** `forward`: the `if` side holds and a `then` test fails; `reverse`: the converse of a `both` rule. */
  way: 'forward' | 'reverse';
  /** Fields of the side that holds. */
  holding: FieldName[];
  failed: FieldName;
  test: ValueTest;
  /** The failed field has no value. */
  missing: boolean;
}

/**
 * How a rule fares on `values`: every break found. A side that cannot be judged (a value missing on the
 * side that would have to hold) breaks nothing.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function ruleBreaks(rule: DependencyRule, values: KnownValues): RuleBreak[] {
  const out: RuleBreak[] = [];
  const check = (cause: Conditions, effect: Conditions, way: RuleBreak['way']): void => {
    if (allHold(cause, values) !== true) return;
    const holding = conditionEntries(cause).map(([f]) => f);
    for (const [field, test] of conditionEntries(effect)) {
      const v = values[field];
      if (v === undefined) out.push({ way, holding, failed: field, test, missing: true });
      else if (!holds(test, v)) out.push({ way, holding, failed: field, test, missing: false });
    }
  };
  check(rule.if, rule.then, 'forward');
  if (rule.direction === 'both') check(rule.then, rule.if, 'reverse');
  return out;
}

/**
 * Whether a rule mentions a field on either side.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function mentions(rule: DependencyRule, field: FieldName): boolean {
  return rule.if[field] !== undefined || rule.then[field] !== undefined;
}
