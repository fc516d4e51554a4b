/**
 * MLLP sink: sends a planned HL7 v2 message (a corrected ORU, an OMI/ORM procedure update, an ADT^A08)
 * to a RIS or PACS over MLLP, one connection per delivery, and maps the original-mode ACK:
 * - AA → `delivered` (and recorded in the ledger); CA (enhanced-mode commit accept) likewise;
 * - AE / CE → `retry`: the peer had a (possibly transient) application error;
 * - AR / CR → `dead`: the peer rejected the message, resending it unchanged cannot help;
 * - no connection, timeout, connection closed before the ACK, an unreadable ACK → `retry`: no AA was
 *   received, so the message is not known to have arrived (at-least-once; the peer de-duplicates by MSH-10);
 * - a message that is not HL7 v2 (a FHIR patch, a DICOM update) → `dead`, never sent.
 * `detail` carries error codes and the peer's short error text, never the message body.
 * @see HL7 MLLP Release 2, section 3 "Interaction model"
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"; 2.14.8 "MSA"; 2.14.5 "ERR"
 */
import type tls from 'node:tls';
import type { DeliveryLedger, DeliveryResult, Sink } from '../../model/sink.ts';
import { Hl7Message } from '../../transforms/hl7/message.ts';
import type { OutboundMessage } from '../../transforms/outbound.ts';
import type { MllpAck } from '../mllp/client.ts';
import { MllpError, sendMllp } from '../mllp/client.ts';
import { idempotent } from './ledger.ts';

export interface MllpSinkOptions {
  host: string;
  port: number;
  /** Bounds connecting and waiting for the ACK, each. */
  timeoutMs: number;
  ledger: DeliveryLedger;
  /** TLS client options; plain TCP when absent. */
  tls?: tls.ConnectionOptions;
  maxFrameBytes?: number;
}

/** Longest piece of peer text kept in `detail`. */
const MAX_PEER_TEXT = 80;

/** `ORU^R01`, `OMI^O23`, `ADT^A08`...: an HL7 v2 message type, as opposed to `PATCH ImagingStudy`. */
const HL7_TYPE = /^[A-Z][A-Z0-9]{2}\^[A-Z0-9]{3}(\^|$)/;

/** True when the planned message is meant to travel as HL7 v2 (by file name or message type). */
export function isHl7Outbound(message: Pick<OutboundMessage, 'fileName' | 'messageType'>): boolean {
  return message.fileName.toLowerCase().endsWith('.hl7') || HL7_TYPE.test(message.messageType);
}

/** Printable ASCII only, whitespace collapsed, capped: peer text goes to logs, keep it short and plain. */
function clean(text: string): string {
  const t = text.replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > MAX_PEER_TEXT ? `${t.slice(0, MAX_PEER_TEXT - 3)}...` : t;
}

/** `AR: ERR 204 Unknown key identifier` from ERR-3 (code^text) or MSA-3, whichever the peer filled. */
function describeAck(code: string, ack: Hl7Message): string {
  const errCode = clean(ack.get('ERR-3.1'));
  const text = clean(ack.get('ERR-3.2')) || clean(ack.get('MSA-3'));
  const parts = [`${code} from peer`];
  if (errCode !== '') parts.push(`ERR ${errCode}`);
  if (text !== '') parts.push(text);
  return parts.join(': ');
}

function fromAck({ ack, code }: MllpAck): DeliveryResult {
  switch (code) {
    case 'AA': return { outcome: 'delivered', detail: 'AA from peer', ackCode: 'AA' };
    case 'CA': return { outcome: 'delivered', detail: 'CA (commit accept) from peer' };
    case 'AE': return { outcome: 'retry', detail: describeAck(code, ack), ackCode: 'AE' };
    case 'CE': return { outcome: 'retry', detail: describeAck(code, ack) };
    case 'AR': return { outcome: 'dead', detail: describeAck(code, ack), ackCode: 'AR' };
    case 'CR': return { outcome: 'dead', detail: describeAck(code, ack) };
  }
}

/** `MLLP_CONNECTION: connection failed (ECONNREFUSED)`: the stable code, the client's text, the errno. */
function fromError(e: MllpError): DeliveryResult {
  const cause = e.cause as { code?: unknown } | undefined;
  const errno = typeof cause?.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(cause.code) ? ` (${cause.code})` : '';
  return { outcome: 'retry', detail: `${e.code}: ${e.message}${errno}` };
}

/**
 * Creates an MLLP sink for one peer. Deliveries are idempotent by {@link deliveryKey} through `ledger`.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
export function createMllpSink(opts: MllpSinkOptions): Sink {
  const send = async (message: OutboundMessage): Promise<DeliveryResult> => {
    if (!isHl7Outbound(message)) return { outcome: 'dead', detail: 'not an HL7 message' };
    try {
      const parsed = Hl7Message.parse(message.body);
      if (parsed.controlId === '') return { outcome: 'dead', detail: 'not an HL7 message: MSH-10 is empty' };
    } catch {
      return { outcome: 'dead', detail: 'not an HL7 message: body does not parse' };
    }
    try {
      const ack = await sendMllp({
        host: opts.host, port: opts.port, timeoutMs: opts.timeoutMs, message: message.body,
        ...(opts.tls === undefined ? {} : { tls: opts.tls }),
        ...(opts.maxFrameBytes === undefined ? {} : { maxFrameBytes: opts.maxFrameBytes }),
      });
      return fromAck(ack);
    } catch (e) {
      if (e instanceof MllpError) return fromError(e);
      throw e;
    }
  };
  return { name: `mllp:${opts.host}:${opts.port}`, deliver: idempotent(opts.ledger, send) };
}
