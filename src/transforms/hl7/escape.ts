/**
 * HL7 v2 encoding characters and escape sequences.
 * @see HL7 v2.5.1 Chapter 2, section 2.5.4 "Message delimiters" and 2.7 "Use of escape sequences in text fields"
 * @see HL7 v2.7 Chapter 2, section 2.5.4 (truncation character, MSH-2 fifth position)
 */

/** The delimiters a message declares in MSH-1 and MSH-2. */
export interface Hl7Encoding {
  /** MSH-1, normally `|`. */
  readonly field: string;
  /** MSH-2 position 1, normally `^`. */
  readonly component: string;
  /** MSH-2 position 2, normally `~`. */
  readonly repetition: string;
  /** MSH-2 position 3, normally `\`. */
  readonly escape: string;
  /** MSH-2 position 4, normally `&`. */
  readonly subcomponent: string;
  /** MSH-2 position 5 (HL7 2.7+), normally `#`; absent in earlier versions. */
  readonly truncation?: string;
}

/** The recommended delimiters `|^~\&`, used by every message acclink builds. */
export const DEFAULT_HL7_ENCODING: Hl7Encoding = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

/** `\.br\` is the FT line break; it is also what receivers most commonly understand in ST/TX. */
const LINE_BREAK = '.br';

/**
 * Escapes text so that it can stand as one primitive value (a field, component or subcomponent).
 * Delimiters become `\F\ \S\ \T\ \R\ \E\` (and `\P\` when a truncation character is declared);
 * line breaks (`\r\n`, `\r`, `\n`) become `\.br\` so that a value can never end a segment.
 * @see HL7 v2.5.1 Chapter 2, section 2.7.1 "Formatting codes"
 */
export function escapeHl7(text: string, enc: Hl7Encoding = DEFAULT_HL7_ENCODING): string {
  if (!needsEscape(text, enc)) return text;
  const e = enc.escape;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === e) out += `${e}E${e}`;
    else if (ch === enc.field) out += `${e}F${e}`;
    else if (ch === enc.component) out += `${e}S${e}`;
    else if (ch === enc.subcomponent) out += `${e}T${e}`;
    else if (ch === enc.repetition) out += `${e}R${e}`;
    else if (ch === enc.truncation) out += `${e}P${e}`;
    else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      out += `${e}${LINE_BREAK}${e}`;
    } else out += ch;
  }
  return out;
}

function needsEscape(text: string, enc: Hl7Encoding): boolean {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (
      ch === enc.escape || ch === enc.field || ch === enc.component || ch === enc.subcomponent ||
      ch === enc.repetition || ch === enc.truncation || ch === '\r' || ch === '\n'
    ) return true;
  }
  return false;
}

/**
 * Decodes the escape sequences of one primitive value.
 * Delimiter escapes are restored, `\Xhh..\` hex data is decoded (UTF-8 when valid, else ISO 8859-1),
 * `\.br\` becomes a newline and the highlighting marks `\H\`/`\N\` are dropped.
 * Any other sequence (`\Zxx\`, `\Cxxyy\`, `\.sp\`, ...) and an unterminated escape are left as written,
 * because guessing would corrupt text that merely contains a stray escape character.
 * @see HL7 v2.5.1 Chapter 2, section 2.7 "Use of escape sequences in text fields"
 */
export function unescapeHl7(text: string, enc: Hl7Encoding = DEFAULT_HL7_ENCODING): string {
  const e = enc.escape;
  let start = text.indexOf(e);
  if (start < 0) return text;
  let out = '';
  let copied = 0;
  while (start >= 0) {
    const end = text.indexOf(e, start + 1);
    if (end < 0) break;
    const decoded = decodeSequence(text.slice(start + 1, end), enc);
    if (decoded === undefined) {
      // Unknown: keep the opening character and let the closing one open the next sequence.
      start = end;
      continue;
    }
    out += text.slice(copied, start) + decoded;
    copied = end + 1;
    start = text.indexOf(e, copied);
  }
  return out + text.slice(copied);
}

function decodeSequence(seq: string, enc: Hl7Encoding): string | undefined {
  switch (seq) {
    case 'F': return enc.field;
    case 'S': return enc.component;
    case 'T': return enc.subcomponent;
    case 'R': return enc.repetition;
    case 'E': return enc.escape;
    case 'P': return enc.truncation;
    case 'H':
    case 'N': return '';
    case LINE_BREAK: return '\n';
    default: return seq.charCodeAt(0) === 0x58 /* X */ ? decodeHex(seq.slice(1)) : undefined;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeHex(hex: string): string | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  try {
    return utf8.decode(bytes);
  } catch {
    // Not UTF-8: the most common single-byte character set in HL7 feeds is ISO 8859-1.
    return String.fromCharCode(...bytes);
  }
}
