/**
 * The report labeller: a rule-based, negation-aware reader of radiology report text. See label.ts for
 * section weighting and combination, scope.ts for triggers and scope, `mappings/findings.yaml` for the
 * lexicon.
 */
export { parseFindingsLexicon } from './lexicon.ts';
export type { FindingsLexicon } from './lexicon.ts';
export { combineStates, describeExam, examSectionText, labelPassage, labelReport } from './label.ts';
export type { FindingMention, ReportLabels, ReportTextInput } from './label.ts';
export type { FindingState, MentionSide } from './scope.ts';
export { SECTION_NAMES, sectionOfHeader, splitSections, splitSentences } from './sections.ts';
export type { Section, SectionName, SentenceSpan } from './sections.ts';
export { evaluateSentences, parseLabelledSentences, scores } from './evaluate.ts';
export type { Counts, Evaluation, LabelError, LabelledSentence, Scores } from './evaluate.ts';
