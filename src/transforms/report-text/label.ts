/**
 * The report labeller: sections, sentences, finding mentions with their states, one state per finding for
 * the report, and what the report says about the exam.
 *
 * Section weight. Only FINDINGS (and text before any header) and IMPRESSION say what the images show.
 * A mention elsewhere (INDICATION "evaluate for pneumonia", COMPARISON "prior CT showed a nodule",
 * TECHNIQUE, EXAM) is never positive — positive readings there become uncertain — and it does not count
 * towards the report's findings at all; it stays in `mentions` for explaining and highlighting.
 *
 * Combination. For each finding the decisive section is IMPRESSION when the impression mentions it, else
 * FINDINGS; within the decisive section positive beats uncertain beats negative ("no acute fracture ...
 * old healed rib fracture" is positive; "no definite fracture ... cannot be excluded" is uncertain).
 */
import type { ExtractedProcedureTerms, ProcedureTerms } from '../standardize/procedure.ts';
import { extractProcedureTerms } from '../standardize/procedure.ts';
import type { FindingsLexicon } from './lexicon.ts';
import { labelSentenceTokens } from './scope.ts';
import type { FindingState, MentionSide } from './scope.ts';
import { splitSections, splitSentences } from './sections.ts';
import type { SectionName } from './sections.ts';
import { tokenizeText } from './tokens.ts';

/** The report fields the labeller reads. A full `Report` fits. */
export interface ReportTextInput {
  reportId: string;
  text?: string;
  procedureText?: string;
}

/** One mention of a finding, for explaining and highlighting. `span` is [start, end) into the report text. */
export interface FindingMention {
  finding: string;
  state: FindingState;
  section: SectionName;
  /** Index of the sentence in the report (0-based, in text order across sections). */
  sentence: number;
  /** The trigger or fixed statement that set the state, as written in the text. */
  trigger?: string;
  span: [number, number];
  laterality?: MentionSide;
}

/** What a report says: the exam it describes, one state per finding mentioned, and every mention. */
export interface ReportLabels {
  reportId: string;
  exam: ExtractedProcedureTerms;
  findings: Record<string, FindingState>;
  mentions: FindingMention[];
}

/** Sections whose mentions describe the images; the others only ask or recall. */
const OBSERVING: ReadonlySet<SectionName> = new Set(['FINDINGS', 'IMPRESSION']);
const RANK: Readonly<Record<FindingState, number>> = { negative: 0, uncertain: 1, positive: 2 };

/** Positive beats uncertain beats negative. Undefined for no states. */
export function combineStates(states: Iterable<FindingState>): FindingState | undefined {
  let best: FindingState | undefined;
  for (const s of states) if (best === undefined || RANK[s] > RANK[best]) best = s;
  return best;
}

/**
 * Labels a report. `lexicon` comes from parseFindingsLexicon, `procedureTerms` from parseProcedureTerms;
 * the exam is read from `procedureText` and the EXAM section (procedureText wins field by field).
 */
function titleTest(procedureTerms: ProcedureTerms): (line: string) => boolean {
  // An exam title names a modality, is short, and reads as a name, not a sentence.
  return (line) =>
    extractProcedureTerms(line, procedureTerms).modality !== undefined && line.split(/\s+/).length <= 12 && !/[.]$/.test(line)
    && !/\b(is|are|was|were|shows?|demonstrates?|reveals?|seen|no|not)\b/i.test(line);
}

/** The text of a report's EXAM section or exam title line ("CT CHEST WITHOUT CONTRAST"), or '' when it has none. */
export function examSectionText(text: string, procedureTerms: ProcedureTerms): string {
  return splitSections(text, titleTest(procedureTerms))
    .filter((s) => s.name === 'EXAM')
    .map((s) => text.slice(s.start, s.end))
    .join('\n');
}

export function labelReport(report: ReportTextInput, lexicon: FindingsLexicon, procedureTerms: ProcedureTerms): ReportLabels {
  const text = report.text ?? '';
  const sections = splitSections(text, titleTest(procedureTerms));
  const mentions: FindingMention[] = [];
  let sentence = 0;
  for (const section of sections) {
    for (const s of splitSentences(text, section.start, section.end)) {
      mentions.push(...labelSpan(text, s.start, s.end, section.name, sentence, lexicon));
      sentence++;
    }
  }
  const examText = sections.filter((s) => s.name === 'EXAM').map((s) => text.slice(s.start, s.end)).join('\n');
  return {
    reportId: report.reportId,
    exam: describeExam(report.procedureText, examText, procedureTerms),
    findings: reportFindings(mentions, lexicon),
    mentions,
  };
}

/**
 * Labels a passage known to belong to one section (a sentence of the test set, a report fragment):
 * no header detection, sentences split as in a report, states combined over the passage.
 */
export function labelPassage(text: string, section: SectionName, lexicon: FindingsLexicon): { findings: Record<string, FindingState>; mentions: FindingMention[] } {
  const mentions: FindingMention[] = [];
  splitSentences(text, 0, text.length).forEach((s, i) => mentions.push(...labelSpan(text, s.start, s.end, section, i, lexicon)));
  const findings: Record<string, FindingState> = {};
  for (const f of lexicon.findings) {
    const state = combineStates(mentions.filter((m) => m.finding === f).map((m) => m.state));
    if (state !== undefined) findings[f] = state;
  }
  return { findings, mentions };
}

function labelSpan(text: string, start: number, end: number, section: SectionName, sentence: number, lexicon: FindingsLexicon): FindingMention[] {
  const tokens = tokenizeText(text.slice(start, end), start);
  return labelSentenceTokens(tokens, lexicon).map((m) => ({
    finding: m.finding,
    state: m.state === 'positive' && !OBSERVING.has(section) ? 'uncertain' : m.state,
    section,
    sentence,
    ...(m.trigger === undefined ? {} : { trigger: m.trigger }),
    span: [m.span[0], m.span[1]],
    ...(m.laterality === undefined ? {} : { laterality: m.laterality }),
  }));
}

/** One state per finding: IMPRESSION when it mentions the finding, else FINDINGS; positive > uncertain > negative. */
function reportFindings(mentions: readonly FindingMention[], lexicon: FindingsLexicon): Record<string, FindingState> {
  const out: Record<string, FindingState> = {};
  for (const f of lexicon.findings) {
    const of = mentions.filter((m) => m.finding === f);
    const impression = of.filter((m) => m.section === 'IMPRESSION');
    const decisive = impression.length > 0 ? impression : of.filter((m) => m.section === 'FINDINGS');
    const state = combineStates(decisive.map((m) => m.state));
    if (state !== undefined) out[f] = state;
  }
  return out;
}

/** Field by field: what the procedure text says, else what the EXAM section says. */
export function describeExam(procedureText: string | undefined, examText: string, terms: ProcedureTerms): ExtractedProcedureTerms {
  const a = extractProcedureTerms(procedureText, terms);
  const b = extractProcedureTerms(examText, terms);
  const modality = a.modality ?? b.modality;
  const contrast = a.contrast ?? b.contrast;
  const laterality = a.laterality ?? b.laterality;
  const views = a.views ?? b.views;
  const out: ExtractedProcedureTerms = {
    ...(modality === undefined ? {} : { modality }),
    bodyRegions: a.bodyRegions.length > 0 ? a.bodyRegions : b.bodyRegions,
    ...(contrast === undefined ? {} : { contrast }),
    ...(laterality === undefined ? {} : { laterality }),
    ...(views === undefined ? {} : { views }),
  };
  return out;
}
