/**
 * The in-memory {@link DeliveryLedger} and the idempotency wrapper every sink adapter shares: a key
 * already in the ledger is answered `delivered` without sending, concurrent deliveries of one key share
 * one send, and only an accepted delivery is recorded.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules" (only AA means accepted)
 */
import type { DeliveryLedger, DeliveryResult } from '../../model/sink.ts';
import type { Store } from '../../model/store.ts';
import { deliveryKey } from '../../model/sink.ts';
import type { OutboundMessage } from '../../transforms/outbound.ts';

/** A {@link DeliveryLedger} in a Map: tests, the embedded default, and a model for the Store-backed one. */
export interface MemoryLedger extends DeliveryLedger {
  /** Delivered keys and the results that delivered them, in insertion order. */
  entries(): [string, DeliveryResult][];
}

export function createMemoryLedger(initial: Iterable<[string, DeliveryResult]> = []): MemoryLedger {
  const delivered = new Map<string, DeliveryResult>(initial);
  return {
    has: (id) => Promise.resolve(delivered.has(id)),
    add: (id, result) => {
      delivered.set(id, { ...result });
      return Promise.resolve();
    },
    entries: () => [...delivered.entries()].map(([k, v]) => [k, { ...v }]),
  };
}

/**
 * Wraps a raw `send` with ledger idempotency. `send` resolves a result for every transport or peer
 * outcome; it may reject only for programming errors, which propagate (and nothing is recorded).
 */
export function idempotent(
  ledger: DeliveryLedger,
  send: (message: OutboundMessage) => Promise<DeliveryResult>,
): (message: OutboundMessage) => Promise<DeliveryResult> {
  const inFlight = new Map<string, Promise<DeliveryResult>>();
  const once = async (key: string, message: OutboundMessage): Promise<DeliveryResult> => {
    if (await ledger.has(key)) return { outcome: 'delivered', detail: 'already delivered; not sent again' };
    const result = await send(message);
    if (result.outcome === 'delivered') await ledger.add(key, result);
    return result;
  };
  return (message) => {
    const key = deliveryKey(message);
    const running = inFlight.get(key);
    if (running !== undefined) return running;
    const run = once(key, message).finally(() => inFlight.delete(key));
    inFlight.set(key, run);
    return run;
  };
}

/**
 * The {@link DeliveryLedger} the engine uses: backed by the Store, so that a key delivered before a
 * restart (or by another worker process) is never sent again.
 */
export function createStoreLedger(store: Pick<Store, 'getDelivery' | 'recordDelivery'>, clock: () => Date): DeliveryLedger {
  return {
    has: async (id) => (await store.getDelivery(id)) !== undefined,
    add: (id, result) => store.recordDelivery(id, result, clock().toISOString()),
  };
}
