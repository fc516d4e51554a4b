/**
 * Low-level writing of HL7 v2 segments with the default delimiters `|^~\&`: every value is escaped,
 * trailing empty fields and components are left out, positions are given by their HL7 numbers.
 * @see HL7 v2.5.1 Chapter 2, section 2.5 "Message construction rules" and 2.7 "Use of escape sequences"
 */
import type { PatientIdentity, PersonName } from '../../model/types.ts';
import { DEFAULT_HL7_ENCODING, escapeHl7 } from './escape.ts';

const ENC = DEFAULT_HL7_ENCODING;

/** One escaped primitive value; `''` for undefined or null. */
export function esc(value: string | null | undefined): string {
  return value === undefined || value === null ? '' : escapeHl7(value, ENC);
}

function joinTrimmed(parts: readonly string[], sep: string): string {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  return parts.slice(0, end).join(sep);
}

/** A composite value: each component escaped, trailing empty components dropped. */
export function comp(...components: (string | null | undefined)[]): string {
  return joinTrimmed(components.map(esc), ENC.component);
}

/** A component made of subcomponents (e.g. CNN inside NDL), each escaped. */
export function sub(...subcomponents: (string | null | undefined)[]): string {
  return joinTrimmed(subcomponents.map(esc), ENC.subcomponent);
}

/** Components already encoded (e.g. by {@link sub}) joined as one field. */
export function compRaw(...components: string[]): string {
  return joinTrimmed(components, ENC.component);
}

/** Encoded field values by HL7 field number (1-based, as in `OBR-18`). */
export type Fields = Readonly<Record<number, string | undefined>>;

/**
 * One segment. For MSH, field 1 is the field separator itself and field 2 the encoding characters,
 * so both are written by this function and numbering starts at MSH-3.
 */
export function segment(name: string, fields: Fields): string {
  const numbers = Object.keys(fields).map(Number);
  const last = numbers.length === 0 ? 0 : Math.max(...numbers);
  const isMsh = name === 'MSH';
  const parts: string[] = isMsh ? [`${ENC.component}${ENC.repetition}${ENC.escape}${ENC.subcomponent}`] : [];
  for (let n = isMsh ? 3 : 1; n <= last; n++) parts.push(fields[n] ?? '');
  const body = joinTrimmed(parts, ENC.field);
  return body === '' ? name : `${name}${ENC.field}${body}`;
}

/** Message header fields shared by every message acclink builds. */
export interface MshInput {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  timestamp: string;
  /** MSH-9, already encoded, e.g. `OMI^O23^OMI_O23`. */
  messageType: string;
  controlId: string;
  processingId: string;
  version: string;
  /** MSH-18, e.g. `UNICODE UTF-8` when the message holds non-ASCII text. */
  characterSet?: string;
}

/** MSH. @see HL7 v2.5.1 Chapter 2, section 2.14.9 */
export function msh(m: MshInput): string {
  return segment('MSH', {
    3: esc(m.sendingApplication),
    4: esc(m.sendingFacility),
    5: esc(m.receivingApplication),
    6: esc(m.receivingFacility),
    7: esc(m.timestamp),
    9: m.messageType,
    10: esc(m.controlId),
    11: esc(m.processingId),
    12: esc(m.version),
    18: esc(m.characterSet),
  });
}

/** XPN from a PersonName: family ^ given ^ middle ^ suffix ^ prefix. */
export function xpn(name: PersonName | undefined): string {
  return name === undefined ? '' : comp(name.family, name.given, name.middle, name.suffix, name.prefix);
}

/** CNN inside an NDL's first component: id & family & given & middle & suffix & prefix. */
export function cnn(name: PersonName | undefined): string {
  return name === undefined ? '' : sub('', name.family, name.given, name.middle, name.suffix, name.prefix);
}

/**
 * PID with identifier (CX: id^^^issuer^MR), name, birth date and sex.
 * @see HL7 v2.5.1 Chapter 3, section 3.4.2 "PID"
 */
export function pid(patient: PatientIdentity, birthDateTs: string | undefined): string {
  const cx = patient.id === undefined ? '' : compRaw(esc(patient.id), '', '', sub(patient.issuer), 'MR');
  return segment('PID', { 1: '1', 3: cx, 5: xpn(patient.name), 7: esc(birthDateTs), 8: esc(patient.sex) });
}

/** Segments joined with the segment terminator `\r`, which also ends the last one. */
export function message(segments: readonly string[]): string {
  return segments.join('\r') + '\r';
}

/** True when the text needs MSH-18 to say how it is encoded (the default is 7-bit ASCII). */
export function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) return true;
  return false;
}
