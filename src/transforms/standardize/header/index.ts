/**
 * Header standardization (figures 12A–12E): standards profiles, entry comparison, the header correction
 * function, and learning from reviewer decisions.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export { FIELD_NAMES, correctableFieldOf, isFieldName, reasonOfStatus } from './fields.ts';
export type { FieldName, HeaderValues } from './fields.ts';
export { parseStandards } from './profile.ts';
export type {
  BelowThreshold,
  Conditions,
  DependencyRule,
  FieldRules,
  MatchKind,
  ParseStandardsOptions,
  StandardEntry,
  StandardsProfile,
  Synonym,
  ValueTest,
} from './profile.ts';
export type { FormatRules } from './format.ts';
export { applyFormat, parseDate } from './format.ts';
export { compileStandards } from './compile.ts';
export type { CompiledStandards } from './compile.ts';
export { matchStandard, scoreAnalyses, scoreTexts } from './compare.ts';
export type { MatchResult, ScoredEntry } from './compare.ts';
export type { KnownValues } from './conditions.ts';
export { standardizeHeader } from './correct.ts';
export type { FieldResult, FieldStatus, FillValue, HeaderContext, HeaderResult, Violation } from './correct.ts';
export { addSynonym, serializeStandards } from './learn.ts';
export type { ConditionInput } from './learn.ts';
export { toGlobalHeader, toGlobalValue } from './site.ts';
export { headerOfReport, headerOfScan } from './record.ts';
