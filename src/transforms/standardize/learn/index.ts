/**
 * Learning standardization data from a site's own archive: histograms, clusters of variants, formats,
 * mandatory fields and dependency rules, written as a YAML proposal and an HTML report. Pure.
 */
export type { ClusterInput, ClusterVariant, EntryCandidate, MatchKind, ValueCluster } from './cluster.ts';
export { clusterValues } from './cluster.ts';
export type { DependencyOptions, DependencyRule, RuleValue, Transaction } from './dependencies.ts';
export { mineDependencies } from './dependencies.ts';
export type { ClusterStrategy, FieldKind, FieldSpec, FormatClassKind, LearnRecord } from './fields.ts';
export { fieldSpec, LEARN_FIELDS } from './fields.ts';
export type { CaseStyle, NameClass, NameScheme, NameStyle } from './formats.ts';
export { caseStyle, dateClass, dateTimeClass, identifierClass, identifierPattern, nameClass, nameClassKey, nameStylePattern, parseNameClassKey, timeClass } from './formats.ts';
export type { FieldHistogram, HistogramEntry } from './histogram.ts';
export { countValues, fieldHistogram } from './histogram.ts';
export type { LearnHtmlOptions } from './html.ts';
export { renderLearnHtml } from './html.ts';
export type { FieldLearning, FormatProposal, LearnOptions, LearnResult } from './learn.ts';
export { clusterNeedsReview, DEFAULT_LEARN_OPTIONS, DEPENDENCY_PAIRS, learnMappings, needsReview, proposalSummary, reviewCount, weakVariants } from './learn.ts';
export type { ExamSignature } from './signature.ts';
export { describeSignature, descriptionStyle, examSignature, signatureKey } from './signature.ts';
export { compactText, textSimilarity } from './similarity.ts';
export { renderEvidenceYaml } from './evidence.ts';
export type { ProposalYamlOptions } from './yaml.ts';
export { renderProposalYaml } from './yaml.ts';
