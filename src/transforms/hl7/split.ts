/**
 * Splits a file or stream capture into HL7 v2 messages.
 * Tolerates what real exports contain: `\r`, `\n` and `\r\n` segment ends (mixed too), MLLP framing
 * (0x0B before a message, 0x1C 0x0D after), FHS/BHS/BTS/FTS batch envelopes, blank lines and stray
 * whitespace. A message starts at each MSH segment.
 * @see HL7 v2.5.1 Chapter 2, section 2.10.3 "HL7 batch protocol" (FHS, BHS, BTS, FTS)
 * @see HL7 v2.5.1 Appendix C, section C.4 "Minimal lower layer protocol" (MLLP block framing)
 */

/** The messages found in a text, with what was dropped around them. */
export interface Hl7Split {
  /** Messages in file order, each as its segments joined with `\r`. The array index is `SourceRef.index`. */
  messages: string[];
  /** 1-based line number of each message's MSH segment, parallel to `messages`. */
  startLines: number[];
  /** 1-based numbers of non-blank lines that belong to no message (before the first MSH, after a BTS). */
  strayLines: number[];
  /** How many FHS/BHS/BTS/FTS envelope segments were removed. */
  envelopeSegments: number;
}

/** {@link Hl7Split} with each message still as its list of segment lines. */
export interface Hl7SegmentSplit extends Omit<Hl7Split, 'messages'> {
  /** Each message's cleaned, non-empty segment lines, MSH first. */
  messages: string[][];
}

const ENVELOPES: ReadonlySet<string> = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

/**
 * Trims whitespace, control characters (MLLP 0x0B/0x1C included) and a byte order mark from both ends.
 * Values are trimmed by every reader anyway, so nothing meaningful is lost.
 */
export function cleanLine(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isJunk(line.charCodeAt(start))) start++;
  while (end > start && isJunk(line.charCodeAt(end - 1))) end--;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

function isJunk(code: number): boolean {
  return code <= 0x20 || code === 0xfeff;
}

function isUpper(code: number): boolean {
  return code >= 0x41 && code <= 0x5a;
}

function isAlnum(code: number): boolean {
  return isUpper(code) || (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a);
}

/** `ABC`, `ABC|...`: a segment id (upper-case letter, then two upper-case letters or digits) and a separator. */
function isSegmentStart(line: string, separator: string): boolean {
  if (line.length < 3 || !isUpper(line.charCodeAt(0))) return false;
  const c1 = line.charCodeAt(1);
  const c2 = line.charCodeAt(2);
  if (!(isUpper(c1) || (c1 >= 0x30 && c1 <= 0x39)) || !(isUpper(c2) || (c2 >= 0x30 && c2 <= 0x39))) return false;
  return line.length === 3 || line[3] === separator;
}

/** MSH, FHS and BHS declare their own separator in position 4, so any non-alphanumeric character counts. */
function hasSeparatorAt3(line: string): boolean {
  return line.length > 3 && !isAlnum(line.charCodeAt(3));
}

/**
 * Splits `text` into messages.
 * A non-blank line inside a message that does not look like a segment is a line break inside a value
 * (report text exported with raw newlines): it is appended to the previous segment as an escaped `\.br\`,
 * so the text survives instead of becoming a bogus segment.
 */
export function splitHl7Messages(text: string): Hl7Split {
  const split = splitHl7Segments(text);
  return { ...split, messages: split.messages.map((segments) => segments.join('\r')) };
}

/**
 * {@link splitHl7Messages} without joining: each message as its cleaned, non-empty segment lines,
 * ready for `Hl7Message.fromSegments` (saves re-splitting every message of a large file).
 */
export function splitHl7Segments(text: string): Hl7SegmentSplit {
  const result: Hl7SegmentSplit = { messages: [], startLines: [], strayLines: [], envelopeSegments: 0 };
  const lines = text.split(/\r\n|\r|\n/);
  let current: string[] | undefined;
  let separator = '|';
  let lineBreak = '\\.br\\';
  const close = (): void => {
    if (current !== undefined) result.messages.push(current);
    current = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = cleanLine(lines[i] as string);
    if (line === '') continue;
    const id = line.slice(0, 3);
    if (id === 'MSH' && hasSeparatorAt3(line)) {
      close();
      current = [line];
      separator = line[3] as string;
      const escape = line[6] ?? '\\';
      lineBreak = `${escape}.br${escape}`;
      result.startLines.push(i + 1);
    } else if (ENVELOPES.has(id) && (line.length === 3 || hasSeparatorAt3(line))) {
      close();
      result.envelopeSegments++;
    } else if (current === undefined) {
      result.strayLines.push(i + 1);
    } else if (isSegmentStart(line, separator)) {
      current.push(line);
    } else {
      current[current.length - 1] += lineBreak + line;
    }
  }
  close();
  return result;
}
