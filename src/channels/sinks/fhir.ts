/**
 * FHIR sink: carries an accession correction to a FHIR server as a guarded JSON Patch, built from the
 * resource as it is now, never from what it was when the correction was decided:
 * 1. read the resource; already holding the new accession → `delivered`, nothing sent;
 * 2. build the patch from what was read (`buildAccessionPatchRequest`: `test` ops on the identifier and
 *    `If-Match` on the version). A resource that no longer holds the old accession → `dead`
 *    `fhir-resource-changed`: the engine re-decides, the sink never overwrites blindly;
 * 3. PATCH it; 2xx → `delivered`;
 * 4. rejected with 400/409/412/422 (medplum answers a failed `test` op with 400, HAPI with 412/422):
 *    re-read once. Holds the new accession → `delivered`; changed and no longer holds the old one →
 *    `dead` `fhir-resource-changed`; changed but still holds the old one (another field was edited)
 *    → `retry` (the next attempt builds a fresh patch); unchanged → the server refused the patch itself,
 *    `dead` with the status;
 * 5. 404/410/400/401/403 → `dead` with the status; 5xx, 408, 429, no answer, timeouts → `retry`.
 * `detail` holds codes and statuses only, never resource content. The message's `destination` is not
 * checked: the engine routes by it, and the sink reads only `messageType` and the body.
 * @see https://hl7.org/fhir/R4/http.html#patch
 * @see https://hl7.org/fhir/R4/http.html#concurrency
 * @see https://www.rfc-editor.org/rfc/rfc6902#section-4.6 (test)
 */
import type { Client, FhirResource } from 'fhir-kit-client';
import { isAcclinkError, ErrorCode } from '../../model/errors.ts';
import type { DeliveryLedger, DeliveryResult, Sink } from '../../model/sink.ts';
import { findAccessionIdentifier } from '../../transforms/fhir/codes.ts';
import { buildAccessionPatchRequest, PatchableType } from '../../transforms/fhir/patch.ts';
import type { FhirPatchRequest } from '../../transforms/fhir/patch.ts';
import type { FhirAccessionUpdate, OutboundMessage } from '../../transforms/outbound.ts';
import type { FhirEndpoint } from '../fhir/client.ts';
import { createFhirClient, DEFAULT_FHIR_TIMEOUT_MS, describeFhirError, endpointName, fhirCall, FhirError, isResource, isTransient } from '../fhir/client.ts';
import { idempotent } from './ledger.ts';

export interface FhirSinkOptions extends FhirEndpoint {
  ledger: DeliveryLedger;
  /** Bound of each request (read, patch, re-read); default 10 s. */
  timeoutMs?: number;
}

/** `detail` (and SkippedDelivery reason) when the resource no longer holds the correction's old value. */
export const FHIR_RESOURCE_CHANGED = 'fhir-resource-changed';

/** Statuses with which servers refuse a patch whose guards failed (and, for medplum, any bad patch). */
const GUARD_FAILED: ReadonlySet<number> = new Set([400, 409, 412, 422]);

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

interface Update {
  type: PatchableType;
  id: string;
  from: string | null;
  to: string;
}

/** The update a message asks for, or why it is not one (structure only, no values). */
export function parseFhirUpdate(message: Pick<OutboundMessage, 'messageType' | 'body'>): Update | string {
  const type = Object.values(PatchableType).find((t) => message.messageType === `PATCH ${t}`);
  if (type === undefined) return 'not a FHIR accession update: messageType is not PATCH <ImagingStudy|DiagnosticReport|ServiceRequest>';
  let body: Partial<Record<keyof FhirAccessionUpdate, unknown>>;
  try {
    body = JSON.parse(message.body) as typeof body;
  } catch {
    return 'not a FHIR accession update: body is not JSON';
  }
  if (typeof body !== 'object' || body === null) return 'not a FHIR accession update: body is not an object';
  const [targetType, id, ...rest] = typeof body.target === 'string' ? body.target.split('/') : [];
  if (targetType !== type || id === undefined || !ID.test(id) || rest.length > 0) {
    return 'not a FHIR accession update: target is not <messageType resource>/<id>';
  }
  const { from, to } = body;
  if (typeof to !== 'string' || to.trim() === '') return 'not a FHIR accession update: to is empty';
  if (from !== null && typeof from !== 'string') return 'not a FHIR accession update: from is neither a string nor null';
  if (from === to) return 'not a FHIR accession update: from equals to';
  return { type, id, from, to };
}

function holds(resource: FhirResource, accession: string): boolean {
  return findAccessionIdentifier(resource)?.value === accession;
}

/** What to do with a resource as read: nothing (already done), patch it, or give up (changed). */
function plan(resource: FhirResource, u: Update): 'already' | 'changed' | FhirPatchRequest {
  if (holds(resource, u.to)) return 'already';
  try {
    return buildAccessionPatchRequest(resource, u.from, u.to) ?? 'changed';
  } catch (e) {
    if (isAcclinkError(e, ErrorCode.Usage)) return 'changed';
    throw e;
  }
}

function sameVersion(a: FhirResource, b: FhirResource): boolean {
  const va = (a['meta'] as { versionId?: unknown } | undefined)?.versionId;
  const vb = (b['meta'] as { versionId?: unknown } | undefined)?.versionId;
  if (typeof va === 'string' && typeof vb === 'string') return va === vb;
  return JSON.stringify(a) === JSON.stringify(b);
}

const ALREADY: DeliveryResult = { outcome: 'delivered', detail: 'resource already holds the new accession; nothing sent' };
const CHANGED: DeliveryResult = { outcome: 'dead', detail: FHIR_RESOURCE_CHANGED };

function failed(e: unknown, operation: string): DeliveryResult {
  if (!(e instanceof FhirError)) throw e;
  return { outcome: isTransient(e) ? 'retry' : 'dead', detail: describeFhirError(e, operation) };
}

/**
 * Creates the FHIR sink for one server. Deliveries are idempotent by `deliveryKey` through `ledger`.
 * @see https://hl7.org/fhir/R4/http.html#patch
 */
export function createFhirSink(opts: FhirSinkOptions): Sink {
  const client = createFhirClient(opts);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_FHIR_TIMEOUT_MS;
  const read = async (u: Update): Promise<FhirResource> => {
    const r = await fhirCall('read', timeoutMs, (options) => client.read({ resourceType: u.type, id: u.id, options }));
    if (!isResource(r) || r.resourceType !== u.type) throw new FhirError(ErrorCode.FhirRequestFailed, 'FHIR read answered another resource type', { status: 502 });
    return r;
  };

  const send = async (message: OutboundMessage): Promise<DeliveryResult> => {
    const u = parseFhirUpdate(message);
    if (typeof u === 'string') return { outcome: 'dead', detail: u };
    let before: FhirResource;
    try {
      before = await read(u);
    } catch (e) {
      return failed(e, 'read');
    }
    const request = plan(before, u);
    if (request === 'already') return ALREADY;
    if (request === 'changed') return CHANGED;
    try {
      await patch(client, u, request, timeoutMs);
      return { outcome: 'delivered', detail: 'PATCH accepted' };
    } catch (e) {
      if (!(e instanceof FhirError) || e.status === undefined || !GUARD_FAILED.has(e.status)) return failed(e, 'patch');
      return afterRejectedPatch(e, before, u, read);
    }
  };
  return { name: endpointName(opts.baseUrl), deliver: idempotent(opts.ledger, send) };
}

async function patch(client: Client, u: Update, request: FhirPatchRequest, timeoutMs: number): Promise<void> {
  try {
    await fhirCall('patch', timeoutMs, (options) =>
      client.patch({ resourceType: u.type, id: u.id, jsonPatch: request.body, options: { ...options, headers: request.headers } }),
    );
  } catch (e) {
    // fhir-kit-client also rejects a 2xx whose body is not JSON (a proxy's page, say): the patch was applied.
    if (e instanceof FhirError && e.status !== undefined && e.status >= 200 && e.status < 300) return;
    throw e;
  }
}

/** A refused patch: look again, once, to tell "someone else changed it" from "the server will never take it". */
async function afterRejectedPatch(
  rejection: FhirError,
  before: FhirResource,
  u: Update,
  read: (u: Update) => Promise<FhirResource>,
): Promise<DeliveryResult> {
  let now: FhirResource;
  try {
    now = await read(u);
  } catch (e) {
    return failed(e, 're-read');
  }
  const rejected = describeFhirError(rejection, 'patch');
  if (holds(now, u.to)) return { outcome: 'delivered', detail: `${rejected}; resource holds the new accession` };
  // Unchanged: our guards held, so the server refused the patch itself; sending it again cannot help.
  if (sameVersion(before, now)) return { outcome: 'dead', detail: rejected };
  if (plan(now, u) === 'changed') return CHANGED;
  // Another field (or the identifier order) changed: a patch built from a fresh read should apply.
  return { outcome: 'retry', detail: `${rejected}; resource changed meanwhile, old accession still present` };
}
