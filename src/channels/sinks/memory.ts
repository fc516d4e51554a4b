/**
 * In-memory sink: records what it is given. The embedded default (everything "delivered" stays in the
 * process) and the reference adapter for unit tests; `respond` lets a test play an AE or AR peer.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
import type { DeliveryLedger, DeliveryResult, Sink } from '../../model/sink.ts';
import type { OutboundMessage } from '../../transforms/outbound.ts';
import { createMemoryLedger, idempotent } from './ledger.ts';

export interface MemorySinkOptions {
  /** Default: a fresh in-memory ledger. */
  ledger?: DeliveryLedger;
  /** Decides each outcome; default: always delivered (AA). Only `delivered` messages are recorded. */
  respond?: (message: OutboundMessage) => DeliveryResult | Promise<DeliveryResult>;
}

export interface MemorySink extends Sink {
  /** Accepted messages, in delivery order (copies). */
  readonly messages: readonly OutboundMessage[];
  /** Every send attempt that reached the sink (not answered from the ledger), accepted or not. */
  readonly attempts: number;
}

const ACCEPTED: DeliveryResult = { outcome: 'delivered', detail: 'recorded in memory', ackCode: 'AA' };

export function createMemorySink(opts: MemorySinkOptions = {}): MemorySink {
  const messages: OutboundMessage[] = [];
  let attempts = 0;
  const respond = opts.respond ?? ((): DeliveryResult => ACCEPTED);
  const deliver = idempotent(opts.ledger ?? createMemoryLedger(), async (message) => {
    attempts++;
    const result = { ...(await respond(message)) };
    if (result.outcome === 'delivered') messages.push({ ...message });
    return result;
  });
  return {
    name: 'memory',
    get messages() {
      return messages;
    },
    get attempts() {
      return attempts;
    },
    deliver,
  };
}
