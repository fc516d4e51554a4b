/**
 * The delivery sink port of the streaming engine (issue 3): hands one planned outbound message to its
 * destination and says what happened, in terms the engine's retry loop can act on. Pure types; adapters
 * live in `src/channels/sinks/`.
 *
 * Outcomes follow the original-mode acknowledgement rules: an application accept (AA) is `delivered`,
 * an application error (AE) is worth another try (`retry`), an application reject (AR) will fail the
 * same way again (`dead`, for a person to look at). Transport failures (refused, timed out, closed) are
 * `retry`: no AA was received, so nothing is known to have arrived.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"; 2.14.8 "MSA"; 2.14.5 "ERR"
 */
import type { OutboundMessage } from '../transforms/outbound.ts';

/** `delivered`: accepted by the peer (or already, earlier); `retry`: try again later; `dead`: never will succeed as is. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'dead';

/** Original-mode acknowledgement codes (HL7 table 0008) a peer answered with. */
export type DeliveryAckCode = 'AA' | 'AE' | 'AR';

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  /**
   * Why, for logs and the review queue: error codes, table 0357 codes and short peer text only.
   * Never the message body or any other patient data.
   */
  detail: string;
  /** MSA-1 of the peer's acknowledgement, when one was received. */
  ackCode?: DeliveryAckCode;
}

/**
 * Ids of deliveries already accepted by the peer, so that a re-delivery (restart, replay, duplicate
 * planning) is answered `delivered` without sending again. The engine backs it with the Store.
 * Keys are {@link deliveryKey}s.
 */
export interface DeliveryLedger {
  has(id: string): Promise<boolean>;
  /** Records a delivered id with the result that delivered it. */
  add(id: string, result: DeliveryResult): Promise<void>;
}

/**
 * A delivery destination. Contract (checked by `src/channels/sinks/contract.ts`):
 * - idempotent by `message.correctionId` (per destination, see {@link deliveryKey}): a message whose key
 *   is in the ledger resolves `delivered` without being sent; concurrent calls for one key send once;
 * - only `delivered` results are added to the ledger, and only after the peer accepted;
 * - transport and peer failures resolve (`retry` / `dead`), they do not reject; a rejection means the
 *   ledger itself failed (the engine's storage problem, to be retried as a whole);
 * - `detail` never holds message content.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
export interface Sink {
  /** Short name for logs, e.g. `mllp:127.0.0.1:2575` or `memory`. */
  readonly name: string;
  deliver(message: OutboundMessage): Promise<DeliveryResult>;
}

/**
 * The ledger key of a message: its correction id, scoped by destination, because one correction is
 * planned as several messages (an HL7 update to the PACS and a FHIR patch, say) that share the id and
 * may share one Store-backed ledger.
 */
export function deliveryKey(message: Pick<OutboundMessage, 'correctionId' | 'destination'>): string {
  return `${message.destination}:${message.correctionId}`;
}
