/**
 * Deliver stage of the streaming engine (issue 3): sends one planned message to its destination's sink
 * and audits the outcome. `retry` throws, so the queue retries with backoff; `dead` is audited as
 * `dead-letter` and the job completes (a person has to look at it; retrying cannot help).
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { Job } from '../model/queue.ts';
import type { DeliveryOutcome, Sink } from '../model/sink.ts';
import type { Store } from '../model/store.ts';
import type { OutboundMessage } from '../transforms/outbound.ts';
import { PLANNED } from './link-worker.ts';

export interface DeliverDeps {
  store: Store;
  sink: Sink;
  clock: () => Date;
  /** Called once per attempt outcome, for counters. */
  onOutcome?: (destination: string, outcome: DeliveryOutcome) => void;
}

function isOutbound(v: unknown): v is OutboundMessage {
  return typeof v === 'object' && v !== null && typeof (v as OutboundMessage).body === 'string'
    && typeof (v as OutboundMessage).destination === 'string' && typeof (v as OutboundMessage).correctionId === 'string';
}

/** The planned message of a correction for one destination, from the audit trail (see `link-worker.ts`). */
export async function plannedMessage(store: Store, correctionId: string, destination: string): Promise<OutboundMessage | undefined> {
  const rows = await store.listAudit({ correctionId });
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i];
    if (row?.action === PLANNED && isOutbound(row.after) && row.after.destination === destination) return row.after;
  }
  return undefined;
}

/** Handles one `deliver:<destination>` job. */
export function createDeliverHandler(deps: DeliverDeps): (job: Job<`deliver:${string}`>) => Promise<void> {
  return async (job) => {
    const { correctionId, destination } = job.data;
    const message = await plannedMessage(deps.store, correctionId, destination);
    if (!message) throw new AcclinkError(ErrorCode.Usage, `no planned message for ${destination}:${correctionId}`);
    const result = await deps.sink.deliver(message);
    deps.onOutcome?.(destination, result.outcome);
    const at = deps.clock().toISOString();
    const detail = { destination, sink: deps.sink.name, detail: result.detail, ...(result.ackCode ? { ackCode: result.ackCode } : {}), attempt: job.attempt };
    if (result.outcome === 'delivered') {
      await deps.store.appendAudit({ at, correctionId, action: 'delivered', actor: destination, result: detail });
    } else if (result.outcome === 'dead') {
      await deps.store.appendAudit({ at, correctionId, action: 'dead-letter', actor: destination, result: detail });
    } else {
      // Detail holds codes and short peer text only (sink contract): safe in an error message.
      throw new AcclinkError(ErrorCode.Usage, `delivery to ${destination} to be retried: ${result.detail}`);
    }
  };
}
