/**
 * Standards profiles (`mappings/standards/*.yaml`): per header field, whether its values form a fixed set,
 * whether it is mandatory, its standard entries with synonyms and dependency requirements, its format
 * rules; plus cross-field dependencies, the standard field order and the decision thresholds.
 * Validated with zod and cross-checked; every error names its path in the data.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html (Body Part Examined)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.3.html#sect_C.7.3.1.1.1 (Modality)
 */
import { z } from 'zod';
import { AcclinkError, ErrorCode } from '../../../model/errors.ts';
import { FIELD_NAMES } from './fields.ts';
import type { FieldName } from './fields.ts';
import type { FormatRules } from './format.ts';
import { checkProfile } from './profile-check.ts';

/**
 * How a field's values are compared with its standard entries.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export type MatchKind = 'procedure' | 'bodyPart' | 'modality' | 'text';
/**
 * What happens to a value whose best match scores below the review threshold.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export type BelowThreshold = 'leave' | 'inconclusive' | 'review';

/**
 * A test on one field's value: one of the listed values (compared case- and punctuation-blind) or a pattern.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface ValueTest {
  values?: string[];
  pattern?: string;
}
/**
 * Tests on other fields' values, all of which must hold.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export type Conditions = Partial<Record<FieldName, ValueTest>>;

/**
 * Another way of writing a standard entry; `when` limits it to headers whose other fields pass.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface Synonym {
  text: string;
  when?: Conditions;
}

/**
 * One standard entry of a field.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface StandardEntry {
  entry: string;
  synonyms: Synonym[];
  /** The entry is only right when these hold (e.g. modality MG, body part BREAST). */
  dependsOn?: Conditions;
  /** Site profiles: the global profile's entry this one stands for. */
  global?: string;
}

/**
 * The rules of one header field.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface FieldRules {
  fixedSet: boolean;
  mandatory: boolean;
  match: MatchKind;
  /** Use another field's standard entries (procedureText shares studyDescription's). */
  sameStandardsAs?: FieldName;
  /** Words that carry no meaning in this field's values (ROUTINE, ADULT, PROTOCOL, ...). */
  ignoreWords: string[];
  thresholds?: { accept?: number; review?: number };
  belowThreshold?: BelowThreshold;
  format?: FormatRules;
  standards: StandardEntry[];
}

/**
 * If every `if` test holds, every `then` test must hold; `both` also requires the converse.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface DependencyRule {
  id?: string;
  if: Conditions;
  then: Conditions;
  direction: 'one-way' | 'both';
}

/**
 * A parsed standards profile: plain, immutable data. Compile it with compileStandards before use.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface StandardsProfile {
  version: 1;
  name: string;
  title?: string;
  /** Site profiles: the name of the global profile their `global` entries refer to. */
  global?: string;
  order: FieldName[];
  thresholds: { accept: number; review: number; margin: number; fill: number };
  belowThreshold: BelowThreshold;
  inconclusiveValue: string;
  fields: Partial<Record<FieldName, FieldRules>>;
  dependencies: DependencyRule[];
}

const Field = z.enum(FIELD_NAMES);
const Text = z.string().trim().min(1);
/** Regular expressions and character classes keep their spaces. */
const Raw = z.string().min(1);
const Score = z.number().min(0).max(1);
const ValueTestSchema = z.union([
  Text.transform((v) => ({ values: [v] })),
  z.array(Text).min(1).transform((values) => ({ values })),
  z.strictObject({ pattern: Raw }),
]);
const ConditionsSchema = z.partialRecord(Field, ValueTestSchema);
const SynonymSchema = z.union([Text.transform((text) => ({ text })), z.strictObject({ text: Text, when: ConditionsSchema.optional() })]);
const EntrySchema = z.strictObject({
  entry: Text,
  synonyms: z.array(SynonymSchema).default([]),
  dependsOn: ConditionsSchema.optional(),
  global: Text.optional(),
});
const FormatSchema = z.strictObject({
  case: z.enum(['upper', 'title', 'asis']).optional(),
  pattern: Raw.optional(),
  date: z.literal('YYYYMMDD').optional(),
  dateOrder: z.enum(['DMY', 'MDY']).optional(),
  notInFuture: z.boolean().optional(),
  allowedChars: Raw.optional(),
  maxLength: z.number().int().min(1).optional(),
  personName: z.literal('dicom').optional(),
});
const Below = z.enum(['leave', 'inconclusive', 'review']);
const FieldSchema = z.strictObject({
  fixedSet: z.boolean().default(false),
  mandatory: z.boolean().default(false),
  match: z.enum(['procedure', 'bodyPart', 'modality', 'text']).optional(),
  sameStandardsAs: Field.optional(),
  ignoreWords: z.array(Text).default([]),
  thresholds: z.strictObject({ accept: Score.optional(), review: Score.optional() }).optional(),
  belowThreshold: Below.optional(),
  format: FormatSchema.optional(),
  standards: z.array(EntrySchema).default([]),
});
const DependencySchema = z.strictObject({
  id: Text.optional(),
  if: ConditionsSchema,
  then: ConditionsSchema,
  direction: z.enum(['one-way', 'both']).default('one-way'),
});
const ProfileSchema = z.strictObject({
  version: z.literal(1),
  name: Text,
  title: Text.optional(),
  global: Text.optional(),
  order: z.array(Field).default([...FIELD_NAMES]),
  thresholds: z
    .strictObject({ accept: Score.default(0.85), review: Score.default(0.6), margin: Score.default(0.02), fill: Score.default(0.9) })
    .default({ accept: 0.85, review: 0.6, margin: 0.02, fill: 0.9 }),
  belowThreshold: Below.default('inconclusive'),
  inconclusiveValue: Text.default('INCONCLUSIVE'),
  fields: z.partialRecord(Field, FieldSchema).default({}),
  dependencies: z.array(DependencySchema).default([]),
});

const DEFAULT_MATCH: Readonly<Record<FieldName, MatchKind>> = {
  accessionNumber: 'text',
  patientName: 'text',
  patientSex: 'text',
  birthDate: 'text',
  studyDate: 'text',
  modality: 'modality',
  bodyPartExamined: 'bodyPart',
  studyDescription: 'procedure',
  procedureText: 'procedure',
  institutionName: 'text',
};

/**
 * Options of parseStandards.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface ParseStandardsOptions {
  /** For a site profile: the global profile its `global` entries must exist in. */
  global?: StandardsProfile;
}

/**
 * Validates a parsed standards profile (YAML parsed by the caller) and fills defaults.
 * @throws AcclinkError MAPPING_INVALID naming each offending path, e.g.
 *   `fields.studyDescription.standards[3].synonyms[1]: "CT THORAX" is also a synonym of ...`.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function parseStandards(data: unknown, options: ParseStandardsOptions = {}): StandardsProfile {
  const parsed = ProfileSchema.safeParse(data);
  if (!parsed.success) {
    throw standardsInvalid(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  }
  const file = parsed.data;
  const fields: Partial<Record<FieldName, FieldRules>> = {};
  for (const name of FIELD_NAMES) {
    const f = file.fields[name];
    if (f === undefined) continue;
    fields[name] = compact({ ...f, match: f.match ?? DEFAULT_MATCH[name], standards: f.standards.map((e) => compact(e)) });
  }
  const profile: StandardsProfile = compact({
    ...file,
    fields,
    dependencies: file.dependencies.map((d) => compact(d)),
  });
  const problems = checkProfile(profile, options.global);
  if (problems.length > 0) throw standardsInvalid(problems);
  return profile;
}

/**
 * MAPPING_INVALID for a standards profile, one problem per line.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function standardsInvalid(lines: readonly string[]): AcclinkError {
  return new AcclinkError(ErrorCode.MappingInvalid, `standards profile: ${lines.join('\n')}`);
}

/**
 * `fields.studyDescription.standards[3].entry` from a zod issue path.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(root)' : out;
}

/** Drops keys whose value is undefined, so parsed and re-parsed profiles compare equal. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
