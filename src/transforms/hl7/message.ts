/**
 * A parsed HL7 v2 message that keeps its own delimiters. Parsing is lazy: a segment is split into fields
 * on first access, and components are cut out of a field only when asked for, so reading a few positions
 * of a large batch costs little more than splitting it into segments.
 * @see HL7 v2.5.1 Chapter 2, section 2.5 "Message construction rules"
 * @see HL7 v2.5.1 Chapter 2, section 2.14.9 "MSH - message header segment"
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { Hl7Encoding } from './escape.ts';
import { DEFAULT_HL7_ENCODING, unescapeHl7 } from './escape.ts';
import type { Hl7Path } from './path.ts';
import { parseHl7Path } from './path.ts';
import { cleanLine } from './split.ts';

/** MSH-9 split into its parts, e.g. `ORU`, `R01`, `ORU_R01` (structure is empty before 2.3.1). */
export interface Hl7MessageType {
  readonly code: string;
  readonly trigger: string;
  readonly structure: string;
}

const STANDARD_HEADER = 'MSH|^~\\&|';

/**
 * Reads MSH-1 and MSH-2 from an MSH segment.
 * @throws AcclinkError HL7_BAD_ENCODING_CHARACTERS when they are missing, repeated or alphanumeric.
 */
export function readEncoding(msh: string): Hl7Encoding {
  // Nearly every feed uses the recommended delimiters: skip validation for them.
  if (msh.startsWith(STANDARD_HEADER) || msh === STANDARD_HEADER.slice(0, -1)) return DEFAULT_HL7_ENCODING;
  const field = msh[3];
  if (field === undefined || !isDelimiter(field)) {
    throw badEncoding('MSH-1 field separator is missing or is not a delimiter character');
  }
  const end = msh.indexOf(field, 4);
  const chars = end < 0 ? msh.slice(4) : msh.slice(4, end);
  if (chars.length < 4 || chars.length > 5) {
    throw badEncoding(`MSH-2 must hold 4 encoding characters (5 from HL7 2.7), found ${chars.length}`);
  }
  for (const ch of chars) {
    if (!isDelimiter(ch)) throw badEncoding('MSH-2 holds a letter, digit, space or control character');
  }
  if (new Set(field + chars).size !== chars.length + 1) {
    throw badEncoding('MSH-1 and MSH-2 must be distinct characters');
  }
  const [component, repetition, escape, subcomponent, truncation] = chars as unknown as string[];
  return {
    field,
    component: component as string,
    repetition: repetition as string,
    escape: escape as string,
    subcomponent: subcomponent as string,
    ...(truncation === undefined ? {} : { truncation }),
  };
}

function isDelimiter(ch: string): boolean {
  const c = ch.charCodeAt(0);
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return c > 0x20 && c < 0x7f && !alnum;
}

function badEncoding(reason: string): AcclinkError {
  return new AcclinkError(ErrorCode.Hl7BadEncodingCharacters, reason);
}

/** The `index`-th (1-based) piece of `raw` cut at `sep`, without splitting the whole string. */
function piece(raw: string, sep: string, index: number): string {
  let start = 0;
  for (let i = 1; i < index; i++) {
    const next = raw.indexOf(sep, start);
    if (next < 0) return '';
    start = next + 1;
  }
  const end = raw.indexOf(sep, start);
  return end < 0 ? raw.slice(start) : raw.slice(start, end);
}

/**
 * One segment. Field numbers are 1-based as written in the standard; for MSH, field 1 is the field
 * separator itself and field 2 the encoding characters, so `MSH-9` means what the standard means.
 */
export class Hl7Segment {
  /** Segment id, e.g. `PID`. */
  readonly name: string;
  readonly encoding: Hl7Encoding;
  readonly #raw: string;
  #fields: string[] | undefined;

  constructor(raw: string, encoding: Hl7Encoding) {
    this.#raw = raw;
    this.encoding = encoding;
    this.name = raw.slice(0, 3);
  }

  /** The segment as received (escaped, without separator). */
  get raw(): string {
    return this.#raw;
  }

  #split(): string[] {
    if (this.#fields === undefined) {
      const fields = this.#raw.split(this.encoding.field);
      // Insert MSH-1 so that array index equals field number for MSH as for every other segment.
      if (this.name === 'MSH') fields.splice(1, 0, this.encoding.field);
      this.#fields = fields;
    }
    return this.#fields;
  }

  /** Highest field number present. */
  get fieldCount(): number {
    return this.#split().length - 1;
  }

  /** True for MSH-1 and MSH-2, which hold delimiters and must never be split or unescaped. */
  #isDelimiterField(field: number): boolean {
    return field <= 2 && this.name === 'MSH';
  }

  /** Raw (still escaped) text of a field, all repetitions included; `''` when absent. */
  rawField(field: number): string {
    return this.#split()[field] ?? '';
  }

  /** Raw text of each repetition of a field; `[]` when the field is empty. */
  rawRepetitions(field: number): string[] {
    const raw = this.rawField(field);
    if (raw === '') return [];
    return this.#isDelimiterField(field) ? [raw] : raw.split(this.encoding.repetition);
  }

  /**
   * Raw text at a position. Unlike {@link value}, an omitted component means the whole repetition
   * and an omitted subcomponent the whole component.
   */
  rawAt(field: number, repetition = 1, component?: number, subcomponent?: number): string {
    const raw = this.rawField(field);
    if (raw === '' || this.#isDelimiterField(field)) return repetition === 1 ? raw : '';
    const enc = this.encoding;
    const rep = piece(raw, enc.repetition, repetition);
    if (component === undefined) return rep;
    const comp = piece(rep, enc.component, component);
    return subcomponent === undefined ? comp : piece(comp, enc.subcomponent, subcomponent);
  }

  /**
   * The unescaped primitive value at a position; `''` when absent. An omitted component or subcomponent
   * means the first one (the HAPI "terser" convention), so `PID-5` reads the family name and a value is
   * never a string with delimiters still in it.
   */
  value(field: number, repetition = 1, component = 1, subcomponent = 1): string {
    const raw = this.rawAt(field, repetition, component, subcomponent);
    return this.#isDelimiterField(field) ? raw : unescapeHl7(raw, this.encoding);
  }

  /** {@link value} for every repetition of the field, in order. */
  values(field: number, component = 1, subcomponent = 1): string[] {
    const n = this.rawRepetitions(field).length;
    const out: string[] = [];
    for (let r = 1; r <= n; r++) out.push(this.value(field, r, component, subcomponent));
    return out;
  }

  /** The value at a parsed position (its segment part is ignored). */
  at(path: Hl7Path): string {
    return this.value(path.field, path.repetition, path.component, path.subcomponent);
  }
}

/**
 * A parsed HL7 v2 message.
 * @example
 * const msg = Hl7Message.parse(text);
 * msg.get('OBR-18');          // accession number (first component of the first repetition)
 * msg.getRepetitions('PID-3'); // every patient identifier's ID component
 * msg.segments('OBX');         // all OBX segments in order
 */
export class Hl7Message {
  readonly encoding: Hl7Encoding;
  readonly #segments: readonly Hl7Segment[];

  constructor(segments: readonly Hl7Segment[], encoding: Hl7Encoding) {
    this.#segments = segments;
    this.encoding = encoding;
  }

  /**
   * Parses one message. Segments may be separated by `\r`, `\n` or `\r\n`; blank lines and MLLP framing
   * bytes are ignored. Use {@link splitHl7Messages} first for files holding several messages.
   * @throws AcclinkError HL7_EMPTY (nothing but whitespace), HL7_NO_MSH (first segment is not MSH),
   *   HL7_BAD_ENCODING_CHARACTERS (see {@link readEncoding}).
   */
  static parse(text: string): Hl7Message {
    const lines = text.includes('\n') ? text.split(/\r\n|\r|\n/) : text.split('\r');
    const kept: string[] = [];
    for (const line of lines) {
      const clean = cleanLine(line);
      if (clean !== '') kept.push(clean);
    }
    return Hl7Message.fromSegments(kept);
  }

  /**
   * Builds a message from segment lines that are already split and cleaned (no blank lines, no framing),
   * as `splitHl7Segments` returns them.
   * @throws AcclinkError as {@link parse}.
   */
  static fromSegments(lines: readonly string[]): Hl7Message {
    const first = lines[0];
    if (first === undefined) throw new AcclinkError(ErrorCode.Hl7Empty, 'message is empty');
    if (!first.startsWith('MSH')) {
      throw new AcclinkError(ErrorCode.Hl7NoMsh, 'message does not start with an MSH segment');
    }
    const enc = readEncoding(first);
    return new Hl7Message(lines.map((s) => new Hl7Segment(s, enc)), enc);
  }

  /** Every segment in order. */
  get all(): readonly Hl7Segment[] {
    return this.#segments;
  }

  /** The segments with the given id, in order. */
  segments(name: string): Hl7Segment[] {
    return this.#segments.filter((s) => s.name === name);
  }

  /** The n-th (1-based) segment with the given id. */
  segment(name: string, occurrence = 1): Hl7Segment | undefined {
    let seen = 0;
    for (const s of this.#segments) {
      if (s.name === name && ++seen === occurrence) return s;
    }
    return undefined;
  }

  /** The unescaped value at a position such as `PID-5.1`; see {@link Hl7Segment.value}. */
  get(path: string): string {
    const p = parseHl7Path(path);
    return this.segment(p.segment, p.occurrence)?.at(p) ?? '';
  }

  /** The value at a position in each repetition of its field, e.g. every `PID-3.1`. */
  getRepetitions(path: string): string[] {
    const p = parseHl7Path(path);
    return this.segment(p.segment, p.occurrence)?.values(p.field, p.component, p.subcomponent) ?? [];
  }

  /** Raw (escaped) text at a position; see {@link Hl7Segment.rawAt}. */
  getRaw(path: string): string {
    const p = parseHl7Path(path);
    return this.segment(p.segment, p.occurrence)?.rawAt(p.field, p.repetition, p.component, p.subcomponent) ?? '';
  }

  /** MSH-9. */
  get type(): Hl7MessageType {
    const msh = this.#segments[0];
    return {
      code: msh?.value(9, 1, 1).trim() ?? '',
      trigger: msh?.value(9, 1, 2).trim() ?? '',
      structure: msh?.value(9, 1, 3).trim() ?? '',
    };
  }

  /** MSH-12 version id, e.g. `2.5.1`. */
  get version(): string {
    return this.#segments[0]?.value(12).trim() ?? '';
  }

  /** MSH-10 message control id. */
  get controlId(): string {
    return this.#segments[0]?.value(10).trim() ?? '';
  }
}
