/**
 * A standards profile made ready for matching: each field's analyzer, and each standard entry and
 * synonym read once. Build once per profile and procedure-terms pair; reuse for every header.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import { extractProcedureTerms, normalizeModality } from '../procedure.ts';
import type { ProcedureTerms } from '../procedure.ts';
import { phraseKey } from '../tokens.ts';
import { analyze, createAnalyzer } from './analyze.ts';
import type { Analysis, Analyzer } from './analyze.ts';
import { FIELD_NAMES } from './fields.ts';
import type { FieldName } from './fields.ts';
import { standardsOf } from './profile-check.ts';
import type { BelowThreshold, Conditions, FieldRules, StandardEntry, StandardsProfile } from './profile.ts';

/**
 * One text a standard entry may be written as: the entry itself or a synonym.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface CompiledText {
  text: string;
  analysis: Analysis;
  when?: Conditions;
  synonym: boolean;
}

/**
 * A standard entry with its texts read.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface CompiledEntry {
  entry: StandardEntry;
  index: number;
  texts: CompiledText[];
}

/**
 * A field ready for matching, with its effective thresholds.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface CompiledField {
  name: FieldName;
  rules: FieldRules;
  analyzer: Analyzer;
  entries: CompiledEntry[];
  /** Entry by phraseKey of the entry. */
  byKey: ReadonlyMap<string, CompiledEntry>;
  /** Entries having a synonym with this phraseKey, with the synonym's conditions. */
  bySynonymKey: ReadonlyMap<string, ReadonlyArray<{ entry: CompiledEntry; when?: Conditions }>>;
  accept: number;
  review: number;
  belowThreshold: BelowThreshold;
  /** The other fields whose values can change a match of this field (conditions, requirements, rules, hints). */
  contextFields: readonly FieldName[];
}

/**
 * A compiled profile. Its `cache` memoizes matches (same text and context, same answer).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface CompiledStandards {
  profile: StandardsProfile;
  terms: ProcedureTerms;
  fields: ReadonlyMap<FieldName, CompiledField>;
  /** Fields in processing and output order: the profile's `order`, then the other ruled fields. */
  order: FieldName[];
  cache: Map<string, unknown>;
}

/**
 * Compiles a profile against the procedure terms.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function compileStandards(profile: StandardsProfile, terms: ProcedureTerms): CompiledStandards {
  const fields = new Map<FieldName, CompiledField>();
  for (const name of FIELD_NAMES) {
    const rules = profile.fields[name];
    if (rules !== undefined) fields.set(name, compileField(profile, name, rules, terms));
  }
  const order = [...profile.order.filter((f) => fields.has(f)), ...FIELD_NAMES.filter((f) => fields.has(f) && !profile.order.includes(f))];
  return { profile, terms, fields, order, cache: new Map() };
}

function compileField(profile: StandardsProfile, name: FieldName, rules: FieldRules, terms: ProcedureTerms): CompiledField {
  const standards = standardsOf(profile, name);
  const texts = standards.flatMap((e) => [e.entry, ...e.synonyms.map((s) => s.text)]);
  const analyzer = createAnalyzer(rules.match, terms, texts, rules.ignoreWords);
  const read = (text: string, entry: StandardEntry): Analysis =>
    rules.match === 'procedure' ? implied(analyze(text, analyzer), entry, terms) : analyze(text, analyzer);
  const entries = standards.map((entry, index): CompiledEntry => ({
    entry,
    index,
    texts: [
      { text: entry.entry, analysis: read(entry.entry, entry), synonym: false },
      ...entry.synonyms.map((s) => ({
        text: s.text,
        analysis: read(s.text, entry),
        synonym: true,
        ...(s.when === undefined ? {} : { when: s.when }),
      })),
    ],
  }));
  const byKey = new Map(entries.map((e) => [phraseKey(e.entry.entry), e]));
  const bySynonymKey = new Map<string, Array<{ entry: CompiledEntry; when?: Conditions }>>();
  for (const e of entries) {
    for (const s of e.entry.synonyms) {
      const key = phraseKey(s.text);
      bySynonymKey.set(key, [...(bySynonymKey.get(key) ?? []), { entry: e, ...(s.when === undefined ? {} : { when: s.when }) }]);
    }
  }
  return {
    name,
    rules,
    analyzer,
    entries,
    byKey,
    bySynonymKey,
    accept: rules.thresholds?.accept ?? profile.thresholds.accept,
    review: rules.thresholds?.review ?? profile.thresholds.review,
    belowThreshold: rules.belowThreshold ?? profile.belowThreshold,
    contextFields: contextFields(profile, name, rules, standards),
  };
}

function contextFields(profile: StandardsProfile, name: FieldName, rules: FieldRules, standards: readonly StandardEntry[]): FieldName[] {
  const out = new Set<FieldName>(rules.match === 'procedure' ? ['modality', 'bodyPartExamined'] : []);
  const add = (c: Conditions | undefined): void => Object.keys(c ?? {}).forEach((f) => out.add(f as FieldName));
  for (const e of standards) {
    add(e.dependsOn);
    e.synonyms.forEach((s) => add(s.when));
  }
  for (const rule of profile.dependencies) {
    if (rule.if[name] === undefined && rule.then[name] === undefined) continue;
    add(rule.if);
    add(rule.then);
  }
  out.delete(name);
  return FIELD_NAMES.filter((f) => out.has(f));
}

/**
 * What an entry's requirements imply about the exam, where its text is silent: "MG SCREENING BILATERAL"
 * depending on body part BREAST is about the breast; an entry depending on modality CT is a CT.
 */
function implied(a: Analysis, entry: StandardEntry, terms: ProcedureTerms): Analysis {
  const t = { ...a.terms };
  const flags: { modality?: true; regions?: true } = {};
  const modalities = entry.dependsOn?.modality?.values?.map((m) => normalizeModality(m, terms));
  const modality = modalities?.[0];
  if (t.modality === undefined && modality !== undefined && modalities?.every((m) => m === modality) === true) {
    t.modality = modality;
    flags.modality = true;
  }
  const parts = entry.dependsOn?.bodyPartExamined?.values ?? [];
  const regions = [...new Set(parts.flatMap((p) => extractProcedureTerms(p, terms).bodyRegions))];
  if (t.bodyRegions.length === 0 && regions.length > 0) {
    t.bodyRegions = regions;
    flags.regions = true;
  }
  return flags.modality === undefined && flags.regions === undefined ? a : { ...a, terms: t, implied: flags };
}
