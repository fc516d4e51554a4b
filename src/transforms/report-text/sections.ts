/**
 * Report sections and sentences. Headers come in many styles — "IMPRESSION:", "Impression", "IMPRESSION -",
 * "Findings/Impression:", a header alone on its line in capitals, or inline after a sentence
 * ("... clear. IMPRESSION: Normal.") — and are read into six canonical sections. Text before any header
 * is FINDINGS. Organ sub-headings of templated reports ("Lungs: Clear.") are not sections: they stay in
 * the section they are written in.
 */

/** Canonical sections. INDICATION also holds history, clinical information and the reason for the exam. */
export const SECTION_NAMES = ['EXAM', 'INDICATION', 'TECHNIQUE', 'COMPARISON', 'FINDINGS', 'IMPRESSION'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

const HEADERS: Readonly<Record<SectionName, readonly string[]>> = {
  EXAM: ['exam', 'examination', 'exam type', 'type of exam', 'type of examination', 'study', 'study type', 'type of study',
    'procedure', 'procedures', 'exam performed', 'examination performed', 'procedure performed', 'examination type'],
  INDICATION: ['indication', 'indications', 'history', 'clinical history', 'clinical information', 'clinical info',
    'clinical indication', 'clinical indications', 'clinical details', 'clinical data', 'clinical notes', 'clinical question',
    'clinical', 'reason', 'reason for exam', 'reason for examination', 'reason for study', 'reason for request',
    'reason for referral', 'relevant history', 'patient history', 'presenting complaint'],
  TECHNIQUE: ['technique', 'techniques', 'protocol', 'technical factors', 'procedure details', 'method'],
  COMPARISON: ['comparison', 'comparisons', 'comparison study', 'comparison studies', 'comparison exam', 'prior',
    'priors', 'prior study', 'prior studies', 'prior exam', 'prior exams', 'previous', 'previous study', 'previous studies'],
  FINDINGS: ['findings', 'finding', 'report', 'description', 'observations', 'results', 'result'],
  IMPRESSION: ['impression', 'impressions', 'conclusion', 'conclusions', 'summary', 'opinion', 'interpretation',
    'diagnosis', 'assessment', 'comment', 'comments'],
};

const HEADER_MAP: ReadonlyMap<string, SectionName> = new Map(
  SECTION_NAMES.flatMap((name) => HEADERS[name].map((h) => [h, name] as const)),
);

/** The section a header names: "Impression", "CLINICAL HISTORY", "Findings/Impression" (the first part wins). */
export function sectionOfHeader(header: string): SectionName | undefined {
  const key = header.toLowerCase().replace(/[\s_]+/g, ' ').replace(/[.:\-–—]+$/, '').trim();
  const whole = HEADER_MAP.get(key);
  if (whole !== undefined) return whole;
  const parts = key.split(/\s*(?:\/|&|\band\b|\+)\s*/).filter((p) => p !== '');
  if (parts.length < 2) return undefined;
  const names = parts.map((p) => HEADER_MAP.get(p));
  return names.every((n) => n !== undefined) ? names[0] : undefined;
}

/** One section: its canonical name, the header as written, and where its content lies in the text. */
export interface Section {
  readonly name: SectionName;
  readonly header?: string;
  readonly start: number;
  readonly end: number;
}

/** A header at the start of a line: "Impression:", "IMPRESSION -", "FINDINGS/IMPRESSION:". */
const LEADING_HEADER = /^([ \t]*)([A-Za-z][A-Za-z _/&+]{1,45}?)[ \t]*(?::|[ \t][-–—]+(?=[ \t]|$)|[-–—]+$)[ \t]*/;
/** A header after a sentence end or a wide gap: "... are clear. IMPRESSION: No acute disease." */
const INLINE_HEADER = /(?<=[.!?][ \t]+|[ \t]{2,})([A-Z][A-Za-z _/&]{1,45}?)[ \t]*:[ \t]*/g;

interface Cut {
  readonly at: number;
  readonly contentStart: number;
  readonly name: SectionName;
  readonly header: string;
}

/**
 * Splits a report into sections. `isTitle` decides whether an unheaded first line in capitals or title
 * case is the exam title ("CT CHEST WITHOUT CONTRAST", "Chest X-ray"); such a line becomes an EXAM section.
 */
export function splitSections(text: string, isTitle: (line: string) => boolean = () => false): Section[] {
  const cuts: Cut[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const body = line.replace(/\r$/, '');
    if (body.trim() === '') continue;
    const cut = leadingCut(body, lineStart);
    if (cut !== undefined) cuts.push(cut);
    const from = cut === undefined ? 0 : cut.contentStart - lineStart;
    for (const m of body.slice(from).matchAll(INLINE_HEADER)) {
      const name = sectionOfHeader(m[1] ?? '');
      if (name === undefined) continue;
      const at = lineStart + from + (m.index ?? 0);
      cuts.push({ at, contentStart: at + m[0].length, name, header: (m[1] ?? '').trim() });
    }
  }
  return sectionsFromCuts(text, [...titleCuts(text, cuts[0]?.at ?? text.length, isTitle), ...cuts]);
}

/**
 * The exam title: the first line of the text before any header, up to the first header, when it is
 * written in capitals or title case ("CT CHEST WITHOUT CONTRAST", "Chest X-ray") and `isTitle` accepts it.
 */
function titleCuts(text: string, firstHeader: number, isTitle: (line: string) => boolean): Cut[] {
  const start = text.length - text.trimStart().length;
  if (start >= firstHeader) return [];
  const newline = text.indexOf('\n', start);
  const end = Math.min(firstHeader, newline === -1 ? text.length : newline);
  const line = text.slice(start, end).trim();
  if (line === '' || !(isCapitals(line) || isTitleCase(line)) || !isTitle(line)) return [];
  return [{ at: start, contentStart: start, name: 'EXAM', header: '' }, { at: start + line.length, contentStart: start + line.length, name: 'FINDINGS', header: '' }];
}

function isTitleCase(line: string): boolean {
  return line.split(/[\s/]+/).every((w) => !/^\p{Ll}/u.test(w) || /^(and|or|with|without|w|wo|of|the|to|for|views?)$/.test(w));
}

function leadingCut(line: string, lineStart: number): Cut | undefined {
  const whole = line.trim().replace(/[:\-–—]+$/, '').trim();
  const wholeName = /^[A-Za-z][A-Za-z _/&+]*$/.test(whole) ? sectionOfHeader(whole) : undefined;
  if (wholeName !== undefined) return { at: lineStart, contentStart: lineStart + line.length, name: wholeName, header: whole };
  const m = LEADING_HEADER.exec(line);
  const name = m === null ? undefined : sectionOfHeader(m[2] ?? '');
  if (m === null || name === undefined) return undefined;
  return { at: lineStart + (m[1] ?? '').length, contentStart: lineStart + m[0].length, name, header: (m[2] ?? '').trim() };
}

function isCapitals(line: string): boolean {
  return /\p{Lu}/u.test(line) && !/\p{Ll}/u.test(line);
}

function sectionsFromCuts(text: string, cuts: readonly Cut[]): Section[] {
  const out: Section[] = [];
  const push = (name: SectionName, header: string | undefined, start: number, end: number): void => {
    if (text.slice(start, end).trim() === '') return;
    out.push({ name, ...(header === undefined || header === '' ? {} : { header }), start, end });
  };
  push('FINDINGS', undefined, 0, cuts[0]?.at ?? text.length);
  cuts.forEach((c, i) => push(c.name, c.header, c.contentStart, Math.max(c.contentStart, cuts[i + 1]?.at ?? text.length)));
  return out;
}

/** A sentence: character offsets [start, end) into the report text. */
export interface SentenceSpan {
  readonly start: number;
  readonly end: number;
}

/** Words after which a period does not end a sentence. */
const ABBREVIATIONS = new Set(['vs', 'v', 'dr', 'mr', 'mrs', 'ms', 'e.g', 'i.e', 'eg', 'ie', 'approx', 'incl', 'fig', 'cf', 'st', 'resp']);

/**
 * Splits text[start, end) into sentences. A line break ends a sentence unless the line does not end in
 * punctuation and the next starts in lower case (a wrapped line); `. ? !` end one when what follows
 * starts a new sentence (capital, digit, bracket), except after abbreviations ("vs.") and list numbers ("1.").
 */
export function splitSentences(text: string, start: number, end: number): SentenceSpan[] {
  const out: SentenceSpan[] = [];
  let sentenceStart = start;
  const emit = (to: number): void => {
    const raw = text.slice(sentenceStart, to);
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed !== '' && /[\p{L}\p{N}?]/u.test(trimmed)) out.push({ start: sentenceStart + lead, end: sentenceStart + lead + trimmed.length });
    sentenceStart = to;
  };
  for (let i = start; i < end; i++) {
    const c = text[i];
    if (c === '\n') {
      if (lineBreakEnds(text, i, start, end)) emit(i);
      continue;
    }
    if ((c === '.' || c === '?' || c === '!') && endsSentence(text, i, sentenceStart, end)) emit(i + 1);
  }
  emit(end);
  return out;
}

function lineBreakEnds(text: string, i: number, start: number, end: number): boolean {
  const prev = text.slice(Math.max(start, text.lastIndexOf('\n', i - 1) + 1), i).trim();
  const nextLineEnd = text.indexOf('\n', i + 1);
  const next = text.slice(i + 1, nextLineEnd === -1 || nextLineEnd > end ? end : nextLineEnd).trim();
  if (prev === '' || next === '') return true;
  if (/[.?!:;]$/.test(prev)) return true;
  return !/^[\p{Ll}(]/u.test(next);
}

function endsSentence(text: string, i: number, sentenceStart: number, end: number): boolean {
  const after = text.slice(i + 1, Math.min(end, i + 4));
  if (i + 1 < end && !/^\s/.test(after)) return false;
  const nextChar = text.slice(i + 1, end).trimStart()[0];
  if (nextChar !== undefined && !/[\p{Lu}\p{N}([]/u.test(nextChar)) return false;
  if (text[i] !== '.') return true;
  const word = /([\p{L}\p{N}.]+)$/u.exec(text.slice(sentenceStart, i))?.[1]?.toLowerCase() ?? '';
  if (ABBREVIATIONS.has(word)) return false;
  // "1." at the start of a sentence is a list number.
  return !(/^\d{1,2}$/.test(word) && text.slice(sentenceStart, i).trim() === word);
}
