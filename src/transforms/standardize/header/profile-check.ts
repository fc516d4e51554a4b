/**
 * Cross-checks of a standards profile that a schema cannot express: unique entries and synonyms,
 * entries that obey their own format rules, references between fields, regular expressions that compile.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (value formats)
 */
import { phraseKey } from '../tokens.ts';
import type { FieldName } from './fields.ts';
import { checkFormat, compiledRegex } from './format.ts';
import type { Conditions, FieldRules, StandardsProfile } from './profile.ts';

/**
 * Problems found, one `path: message` line each; empty when the profile is consistent.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function checkProfile(profile: StandardsProfile, global: StandardsProfile | undefined): string[] {
  const problems: string[] = [];
  const seen = new Set<FieldName>();
  profile.order.forEach((f, i) => {
    if (seen.has(f)) problems.push(`order[${i}]: "${f}" is listed twice`);
    seen.add(f);
  });
  const t = profile.thresholds;
  if (t.review > t.accept) problems.push(`thresholds.review: ${t.review} is above thresholds.accept ${t.accept}`);
  for (const [name, rules] of fieldEntries(profile)) checkField(profile, name, rules, global, problems);
  profile.dependencies.forEach((d, i) => {
    const at = `dependencies[${i}]`;
    if (Object.keys(d.if).length === 0) problems.push(`${at}.if: no condition`);
    if (Object.keys(d.then).length === 0) problems.push(`${at}.then: no condition`);
    checkConditions(profile, d.if, `${at}.if`, problems);
    checkConditions(profile, d.then, `${at}.then`, problems);
  });
  return problems;
}

/**
 * The fields of a profile that have rules, in FIELD_NAMES order.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function fieldEntries(profile: StandardsProfile): Array<[FieldName, FieldRules]> {
  return Object.entries(profile.fields).filter((e): e is [FieldName, FieldRules] => e[1] !== undefined);
}

/**
 * The standard entries a field uses: its own, or those of the field named by sameStandardsAs.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function standardsOf(profile: StandardsProfile, field: FieldName): FieldRules['standards'] {
  const rules = profile.fields[field];
  if (rules?.sameStandardsAs !== undefined) return profile.fields[rules.sameStandardsAs]?.standards ?? [];
  return rules?.standards ?? [];
}

function checkField(profile: StandardsProfile, name: FieldName, rules: FieldRules, global: StandardsProfile | undefined, problems: string[]): void {
  const at = `fields.${name}`;
  const t = rules.thresholds;
  if (t?.review !== undefined && t.accept !== undefined && t.review > t.accept) problems.push(`${at}.thresholds.review: above accept`);
  const before = problems.length;
  checkRegex(rules.format?.pattern, `${at}.format.pattern`, problems);
  if (rules.format?.allowedChars !== undefined) checkRegex(`^[${rules.format.allowedChars}]*$`, `${at}.format.allowedChars`, problems);
  // Entries are checked against the format only when its expressions compile.
  const format = problems.length === before ? rules.format : undefined;
  if (rules.sameStandardsAs !== undefined) {
    const target = profile.fields[rules.sameStandardsAs];
    if (rules.sameStandardsAs === name || target === undefined || target.sameStandardsAs !== undefined || target.standards.length === 0) {
      problems.push(`${at}.sameStandardsAs: "${rules.sameStandardsAs}" is not a field with its own standards`);
    }
    if (rules.standards.length > 0) problems.push(`${at}.standards: a field with sameStandardsAs has no standards of its own`);
  } else if (rules.fixedSet && rules.standards.length === 0) {
    problems.push(`${at}.fixedSet: a fixed set needs standards`);
  }
  const entryAt = new Map<string, string>();
  rules.standards.forEach((e, i) => {
    const key = phraseKey(e.entry);
    const earlier = entryAt.get(key);
    if (earlier !== undefined) problems.push(`${at}.standards[${i}].entry: "${e.entry}" is the same entry as ${earlier}`);
    entryAt.set(key, `${at}.standards[${i}]`);
    const bad = format === undefined ? undefined : checkFormat(e.entry, { ...format, date: undefined });
    if (bad !== undefined) problems.push(`${at}.standards[${i}].entry: "${e.entry}" breaks its own ${bad.rule}: ${bad.message}`);
    if (e.dependsOn !== undefined) checkConditions(profile, e.dependsOn, `${at}.standards[${i}].dependsOn`, problems);
    if (e.global !== undefined && global !== undefined && !standardsOf(global, name).some((g) => g.entry === e.global)) {
      problems.push(`${at}.standards[${i}].global: "${e.global}" is not a ${name} entry of profile ${global.name}`);
    }
  });
  const synonymsAt = new Map<string, Array<{ at: string; entry: string; when: string }>>();
  rules.standards.forEach((e, i) => {
    e.synonyms.forEach((s, j) => {
      const here = `${at}.standards[${i}].synonyms[${j}]`;
      const key = phraseKey(s.text);
      if (key === '') problems.push(`${here}: "${s.text}" has no letters or digits`);
      const owner = entryAt.get(key);
      if (owner !== undefined && owner !== `${at}.standards[${i}]`) problems.push(`${here}: "${s.text}" is the standard entry at ${owner}`);
      const when = JSON.stringify(s.when ?? {});
      const earlier = synonymsAt.get(key) ?? [];
      const clash = earlier.find((o) => o.entry !== e.entry && (o.when === when || o.when === '{}' || when === '{}'));
      if (clash !== undefined) problems.push(`${here}: "${s.text}" is also a synonym of "${clash.entry}" at ${clash.at}`);
      synonymsAt.set(key, [...earlier, { at: here, entry: e.entry, when }]);
      if (s.when !== undefined) checkConditions(profile, s.when, `${here}.when`, problems);
    });
  });
}

function checkConditions(profile: StandardsProfile, c: Conditions, at: string, problems: string[]): void {
  for (const [field, test] of Object.entries(c)) {
    if (test === undefined) continue;
    checkRegex(test.pattern, `${at}.${field}.pattern`, problems);
    const rules = profile.fields[field as FieldName];
    if (test.values === undefined || rules === undefined || !rules.fixedSet) continue;
    const entries = new Set(standardsOf(profile, field as FieldName).map((e) => phraseKey(e.entry)));
    test.values.forEach((v, i) => {
      if (!entries.has(phraseKey(v))) problems.push(`${at}.${field}${test.values?.length === 1 ? '' : `[${i}]`}: "${v}" is not a standard ${field} entry`);
    });
  }
}

function checkRegex(source: string | undefined, at: string, problems: string[]): void {
  if (source === undefined) return;
  try {
    compiledRegex(source);
  } catch (e) {
    problems.push(`${at}: not a regular expression: ${(e as Error).message}`);
  }
}
