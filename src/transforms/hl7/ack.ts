/**
 * Pure builder for original-mode HL7 v2 acknowledgements (ACK with MSH, MSA and, for AE/AR, ERR).
 * Nothing here touches the network: the MLLP listener decides the code, this module writes the text.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules" and 2.14.1 "ACK"
 * @see HL7 v2.5.1 Chapter 2, section 2.14.8 "MSA - message acknowledgment segment"
 * @see HL7 v2.5.1 Chapter 2, section 2.14.5 "ERR - error segment"; Table 0357 "Message error condition codes"
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import { comp, esc, message, msh, segment } from './encode.ts';
import type { Hl7Message, Hl7Segment } from './message.ts';
import { tryParseHl7Path } from './path.ts';
import { isHl7Ts } from './values.ts';

/** Original-mode acknowledgement codes (table 0008): accept, error, reject. */
export type AckCode = 'AA' | 'AE' | 'AR';

/**
 * Table 0357 codes acclink uses: 100 segment sequence error, 101 required field missing,
 * 102 data type error, 200 unsupported message type, 207 application internal error.
 */
export type AckErrorCode = 100 | 101 | 102 | 103 | 200 | 201 | 202 | 203 | 204 | 205 | 206 | 207;

/** ERR content. `text` goes on the wire: it must never hold patient data. */
export interface AckError {
  code: AckErrorCode;
  /** Where the error is, e.g. `PID-3` or `MSH-10` (ERR-2, ERL). */
  location?: string;
  /** Human text for ERR-3.2 (and MSA-3 for pre-2.5 receivers). No PHI. */
  text: string;
}

/** Injected values of the ACK itself. */
export interface AckOptions {
  /** The ACK's own MSH-10, unique per ACK (never the original's control id). */
  controlId: string;
  /** MSH-7, an HL7 TS. */
  timestamp: string;
  /** ERR content; ignored for AA. */
  error?: AckError;
  /** MSH-3/MSH-4 when there is no original to swap from (unparseable input); default `ACCLINK`. */
  sendingApplication?: string;
  sendingFacility?: string;
  /** MSH-12 when the original has none; default `2.5.1`. */
  version?: string;
}

/** Standard text for each table 0357 code, used when a caller gives none. */
export const ACK_ERROR_TEXT: Readonly<Record<AckErrorCode, string>> = {
  100: 'Segment sequence error', 101: 'Required field missing', 102: 'Data type error',
  103: 'Table value not found', 200: 'Unsupported message type', 201: 'Unsupported event code',
  202: 'Unsupported processing id', 203: 'Unsupported version id', 204: 'Unknown key identifier',
  205: 'Duplicate key identifier', 206: 'Application record locked', 207: 'Application internal error',
};

/** HD (namespace^universal id^type) re-encoded with the default delimiters, whatever the original used. */
function hd(seg: Hl7Segment | undefined, field: number): string {
  if (seg === undefined) return '';
  return comp(seg.value(field, 1, 1), seg.value(field, 1, 2), seg.value(field, 1, 3));
}

/** `PID-3.1` → ERL `PID^1^3^1^1`; unknown text → just the segment id when it looks like one, else empty. */
function erl(location: string | undefined): string {
  if (location === undefined || location === '') return '';
  const p = tryParseHl7Path(location);
  if (p === undefined) return /^[A-Z][A-Z0-9]{2}$/.test(location) ? location : '';
  const parts = [p.segment, String(p.occurrence), String(p.field)];
  if (p.component !== undefined || p.repetition !== 1) parts.push(String(p.repetition));
  if (p.component !== undefined) parts.push(String(p.component));
  if (p.subcomponent !== undefined) parts.push(String(p.subcomponent));
  return comp(...parts);
}

/**
 * Builds the ACK for `original` (undefined when it could not be parsed at all: then the code is forced
 * to AR and MSA-2 is empty). MSH-3..6 are the original's MSH-5, MSH-6, MSH-3, MSH-4; MSH-9 is
 * `ACK^<trigger>^ACK`; MSH-11 and MSH-12 echo the original. AE/AR carry an ERR (default 207 for AE,
 * 100 for AR) with ERR-2 location, ERR-3 `code^text^HL70357` and ERR-4 severity `E`.
 * @throws AcclinkError USAGE when `controlId` is empty or `timestamp` is not an HL7 TS.
 * @see HL7 v2.5.1 Chapter 2, sections 2.9.2, 2.14.1, 2.14.5, 2.14.8
 */
export function buildAck(original: Hl7Message | undefined, code: AckCode, opts: AckOptions): string {
  if (opts.controlId.trim() === '') throw new AcclinkError(ErrorCode.Usage, 'ACK controlId must not be empty');
  if (!isHl7Ts(opts.timestamp)) throw new AcclinkError(ErrorCode.Usage, 'ACK timestamp must be an HL7 TS');
  const effective: AckCode = original === undefined ? 'AR' : code;
  const head = original?.segment('MSH');
  const trigger = original?.type.trigger ?? '';
  const header = msh({
    sendingApplication: '',
    sendingFacility: '',
    receivingApplication: '',
    receivingFacility: '',
    timestamp: opts.timestamp,
    messageType: comp('ACK', trigger, 'ACK'),
    controlId: opts.controlId.trim(),
    processingId: head?.value(11).trim() || 'P',
    version: original?.version || opts.version || '2.5.1',
  });
  // msh() escapes plain strings; HD fields may be composite, so splice them in already encoded.
  const sending = head === undefined ? comp(opts.sendingApplication ?? 'ACCLINK') : hd(head, 5);
  const sendingFac = head === undefined ? comp(opts.sendingFacility) : hd(head, 6);
  const fields = header.split('|');
  fields[2] = sending;
  fields[3] = sendingFac;
  fields[4] = hd(head, 3);
  fields[5] = hd(head, 4);
  const segments = [fields.join('|')];
  const err = effective === 'AA' ? undefined : (opts.error ?? { code: effective === 'AR' ? 100 : 207, text: '' });
  const text = err === undefined ? undefined : err.text || ACK_ERROR_TEXT[err.code];
  segments.push(segment('MSA', { 1: effective, 2: esc(original?.controlId ?? ''), 3: esc(text) }));
  if (err !== undefined) {
    segments.push(segment('ERR', { 2: erl(err.location), 3: comp(String(err.code), text, 'HL70357'), 4: 'E' }));
  }
  return message(segments);
}
