/**
 * Deliver stage of the streaming engine (issue 3): sends one planned message to its destination's sink
 * and audits the outcome. `retry` throws, so the queue retries with backoff; `dead` (and a `retry` on the
 * last attempt) is audited as `dead-letter` with the reason, so a person sees it in the console and can
 * re-queue it. When the destination changed the record meanwhile (FHIR `test` failed, the archive holds
 * another value), the subject goes back to review: the engine never overwrites blindly.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { Job } from '../model/queue.ts';
import type { DeliveryOutcome, DeliveryResult, Sink } from '../model/sink.ts';
import type { Store } from '../model/store.ts';
import type { OutboundMessage } from '../transforms/outbound.ts';
import { DEAD_LETTER, DECIDED, DELIVER_ATTEMPTS, DELIVERED, PLANNED } from './commit.ts';

export interface DeliverDeps {
  store: Store;
  sink: Sink;
  clock: () => Date;
  /** Attempts the queue makes (for the last-attempt dead letter); default {@link DELIVER_ATTEMPTS}. */
  attempts?: number;
  /** Called once per attempt outcome, for counters. */
  onOutcome?: (destination: string, outcome: DeliveryOutcome, messageType: string) => void;
}

/** Sink details that mean "the record changed at the destination": re-decide, do not overwrite. */
const CHANGED_AT_DESTINATION = ['fhir-resource-changed', 'changed-in-archive'];

function isOutbound(v: unknown): v is OutboundMessage {
  return typeof v === 'object' && v !== null && typeof (v as OutboundMessage).body === 'string'
    && typeof (v as OutboundMessage).destination === 'string' && typeof (v as OutboundMessage).correctionId === 'string';
}

/** The planned message of a correction for one destination, from the audit trail (see `commit.ts`). */
export async function plannedMessage(store: Store, correctionId: string, destination: string): Promise<OutboundMessage | undefined> {
  const rows = await store.listAudit({ correctionId, actions: [PLANNED] });
  for (let i = rows.length - 1; i >= 0; i--) {
    const after = rows[i]?.after;
    if (isOutbound(after) && after.destination === destination) return after;
  }
  return undefined;
}

/** Handles one `deliver:<destination>` job. */
export function createDeliverHandler(deps: DeliverDeps): (job: Job<`deliver:${string}`>) => Promise<void> {
  const attempts = deps.attempts ?? DELIVER_ATTEMPTS;
  return async (job) => {
    const { correctionId, destination } = job.data;
    const message = await plannedMessage(deps.store, correctionId, destination);
    // Planned rows are written before the job is queued; a missing one means a crashed planner whose retry will add it.
    if (!message) throw new AcclinkError(ErrorCode.Usage, `no planned message for ${destination}:${correctionId}`);
    const result = await deps.sink.deliver(message);
    deps.onOutcome?.(destination, result.outcome, message.messageType);
    const lastTry = result.outcome === 'retry' && job.attempt >= attempts;
    if (result.outcome === 'retry' && !lastTry) {
      // Detail holds codes and short peer text only (sink contract): safe in an error message.
      throw new AcclinkError(ErrorCode.Usage, `delivery to ${destination} to be retried: ${result.detail}`);
    }
    await finish(deps, job, result, lastTry);
  };
}

async function finish(deps: DeliverDeps, job: Job<`deliver:${string}`>, result: DeliveryResult, exhausted: boolean): Promise<void> {
  const { correctionId, destination } = job.data;
  const at = deps.clock().toISOString();
  const detail = {
    destination, sink: deps.sink.name, detail: result.detail, attempt: job.attempt,
    ...(result.ackCode ? { ackCode: result.ackCode } : {}), ...(exhausted ? { reason: 'retries-exhausted' } : {}),
  };
  await deps.store.appendAudit({ at, correctionId, action: result.outcome === 'delivered' ? DELIVERED : DEAD_LETTER, actor: destination, result: detail });
  if (result.outcome === 'dead' && CHANGED_AT_DESTINATION.some((d) => result.detail.startsWith(d))) await reopen(deps.store, correctionId, result.detail, at);
  await deps.store.removePending(job.queue, job.id);
}

/** Puts the corrected subject back in review: its record changed at the destination after we decided. */
async function reopen(store: Store, correctionId: string, why: string, at: string): Promise<void> {
  const [c] = await store.listAudit({ correctionId, actions: [DECIDED], limit: 1 });
  if (!c || (c.studyInstanceUid === undefined && c.reportId === undefined)) return;
  await store.putReviewItem({
    ...(c.studyInstanceUid !== undefined ? { studyInstanceUid: c.studyInstanceUid } : {}),
    ...(c.reportId !== undefined ? { reportId: c.reportId } : {}),
    reason: `record changed at destination (${why.split(/[ :]/)[0] ?? why}); correction ${correctionId} not applied`,
    status: 'mismatch', candidates: [], state: 'open', openedAt: at,
  });
}
