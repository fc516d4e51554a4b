/**
 * Learning from reviewer decisions: a value a reviewer mapped to a standard entry becomes a synonym of
 * that entry, with the conditions under which it holds (the patent's dependency requirements, e.g.
 * "Thorax^01_Routine (Adult)" means CT CHEST WITHOUT CONTRAST only when the modality is CT). Profiles are
 * immutable: each change returns a new profile; serializeStandards gives YAML-ready data to store it.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import { phraseKey } from '../tokens.ts';
import type { FieldName } from './fields.ts';
import { checkProfile } from './profile-check.ts';
import { standardsInvalid } from './profile.ts';
import type { Conditions, FieldRules, StandardEntry, StandardsProfile, Synonym, ValueTest } from './profile.ts';

/**
 * A condition as a caller writes it: a value, a list of values, or a pattern.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export type ConditionInput = string | readonly string[] | { pattern: string };

/**
 * Records `text` as a synonym of `standard` in `field` (in the field whose entries it shares, for
 * procedureText), valid when `conditions` hold. A reviewer's decision overrides earlier ones: the same
 * text under clashing conditions is removed from other entries.
 * @throws AcclinkError MAPPING_INVALID when the field has no such entry, the text is another entry, or
 *   the result would not be a valid profile.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function addSynonym(
  profile: StandardsProfile,
  field: FieldName,
  text: string,
  standard: string,
  conditions?: Partial<Record<FieldName, ConditionInput>>,
): StandardsProfile {
  const owner = profile.fields[field]?.sameStandardsAs ?? field;
  const rules = profile.fields[owner];
  const at = `fields.${owner}`;
  const key = phraseKey(text);
  if (key === '') throw standardsInvalid([`${at}: synonym "${text}" has no letters or digits`]);
  const index = rules?.standards.findIndex((e) => phraseKey(e.entry) === phraseKey(standard)) ?? -1;
  if (rules === undefined || index < 0) throw standardsInvalid([`${at}: no standard entry "${standard}"`]);
  const clash = rules.standards.findIndex((e) => phraseKey(e.entry) === key);
  if (clash === index) return profile;
  if (clash >= 0) throw standardsInvalid([`${at}.standards[${clash}]: "${text}" is itself a standard entry`]);
  const when = normalizeConditions(conditions);
  const whenKey = JSON.stringify(when ?? {});
  const clashes = (s: Synonym, sameEntry: boolean): boolean => {
    if (phraseKey(s.text) !== key) return false;
    const other = JSON.stringify(s.when ?? {});
    return other === whenKey || (!sameEntry && (other === '{}' || whenKey === '{}'));
  };
  const synonym: Synonym = when === undefined ? { text: text.trim() } : { text: text.trim(), when };
  const standards = rules.standards.map((e, i): StandardEntry => {
    const kept = e.synonyms.filter((s) => !clashes(s, i === index));
    return { ...e, synonyms: i === index ? [...kept, synonym] : kept };
  });
  const next: StandardsProfile = { ...profile, fields: { ...profile.fields, [owner]: { ...rules, standards } satisfies FieldRules } };
  const problems = checkProfile(next, undefined);
  if (problems.length > 0) throw standardsInvalid(problems);
  return next;
}

function normalizeConditions(c: Partial<Record<FieldName, ConditionInput>> | undefined): Conditions | undefined {
  if (c === undefined) return undefined;
  const out: Conditions = {};
  for (const [field, v] of Object.entries(c) as Array<[FieldName, ConditionInput | undefined]>) {
    if (v === undefined) continue;
    out[field] = typeof v === 'string' ? { values: [v] } : 'pattern' in v ? { pattern: v.pattern } : { values: [...v] };
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * The profile as plain data in the YAML file's shape (stringify it with the `yaml` package);
 * parseStandards of the result gives back an equal profile.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function serializeStandards(profile: StandardsProfile): unknown {
  const fields: Record<string, unknown> = {};
  for (const [name, rules] of Object.entries(profile.fields)) {
    if (rules === undefined) continue;
    fields[name] = defined({
      fixedSet: rules.fixedSet,
      mandatory: rules.mandatory,
      match: rules.match,
      sameStandardsAs: rules.sameStandardsAs,
      ignoreWords: rules.ignoreWords,
      thresholds: rules.thresholds,
      belowThreshold: rules.belowThreshold,
      format: rules.format,
      standards: rules.standards.map((e) =>
        defined({
          entry: e.entry,
          synonyms: e.synonyms.map((s) => (s.when === undefined ? s.text : { text: s.text, when: conditionsData(s.when) })),
          dependsOn: e.dependsOn === undefined ? undefined : conditionsData(e.dependsOn),
          global: e.global,
        }),
      ),
    });
  }
  return defined({
    version: profile.version,
    name: profile.name,
    title: profile.title,
    global: profile.global,
    order: profile.order,
    thresholds: profile.thresholds,
    belowThreshold: profile.belowThreshold,
    inconclusiveValue: profile.inconclusiveValue,
    fields,
    dependencies: profile.dependencies.map((d) =>
      defined({ id: d.id, if: conditionsData(d.if), then: conditionsData(d.then), direction: d.direction }),
    ),
  });
}

function conditionsData(c: Conditions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, test] of Object.entries(c) as Array<[FieldName, ValueTest | undefined]>) {
    if (test === undefined) continue;
    out[field] = test.pattern !== undefined ? { pattern: test.pattern } : test.values?.length === 1 ? test.values[0] : test.values;
  }
  return out;
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
