/**
 * Reads FHIR Subscription rest-hook notifications: the R4B/R5 `subscription-notification` Bundle whose
 * first entry is a SubscriptionStatus, and the R4 Subscriptions Backport `history` Bundle whose first
 * entry is a Parameters resource (profile subscription-status-r4). What follows the status entry are
 * the notified resources (`full-resource` payload) or only their URLs (`id-only`); `empty` payloads
 * carry nothing but the event count.
 * @see https://hl7.org/fhir/R5/subscription.html#notifications
 * @see https://hl7.org/fhir/R5/subscriptionstatus.html
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/notifications.html
 */
import type { ReceivedResource } from './records.ts';

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';
const TYPES: ReadonlySet<string> = new Set(['handshake', 'heartbeat', 'event-notification', 'query-status', 'query-event']);

export interface Notification {
  type: NotificationType;
  /** Resources carried in full. */
  resources: ReceivedResource[];
  /** URLs or `Type/id` references of notified resources that were not carried (id-only payloads). */
  references: string[];
  /** Events the status lists (focus or not): with no resources and no references, an `empty` payload. */
  eventCount: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const objs = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** `Type/id` at the end of a reference or URL (history suffix dropped), for matching focus and entries. */
export function referenceKey(ref: string): string | undefined {
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
  return m === null ? undefined : `${m[1]}/${m[2]}`;
}

interface Status {
  type: string | undefined;
  focus: string[];
  eventCount: number;
}

/** R4B/R5 SubscriptionStatus. */
function fromSubscriptionStatus(s: Json): Status {
  const events = objs(s['notificationEvent']);
  const focus = events.map((e) => (isObj(e['focus']) ? str(e['focus']['reference']) : undefined)).filter((r) => r !== undefined);
  return { type: str(s['type']), focus, eventCount: events.length };
}

/** R4 backport: Parameters with `type` and `notification-event` (parts `focus`, ...). */
function fromParameters(p: Json): Status {
  const params = objs(p['parameter']);
  const type = str(params.find((x) => x['name'] === 'type')?.['valueCode']);
  const events = params.filter((x) => x['name'] === 'notification-event');
  const focus = events
    .flatMap((e) => objs(e['part']).filter((x) => x['name'] === 'focus'))
    .map((x) => (isObj(x['valueReference']) ? str(x['valueReference']['reference']) : undefined))
    .filter((r) => r !== undefined);
  return { type, focus, eventCount: events.length };
}

/** The notification a Bundle carries, or why it is not one (structure only). */
export function parseNotification(value: unknown): Notification | string {
  if (!isObj(value) || value['resourceType'] !== 'Bundle') return 'a notification must be a Bundle';
  if (value['type'] !== 'subscription-notification' && value['type'] !== 'history') {
    return 'a notification Bundle has type subscription-notification (R4B/R5) or history (R4 backport)';
  }
  const [first, ...rest] = objs(value['entry']);
  const head = isObj(first?.['resource']) ? first['resource'] : undefined;
  const status = head?.['resourceType'] === 'SubscriptionStatus' ? fromSubscriptionStatus(head)
    : head?.['resourceType'] === 'Parameters' ? fromParameters(head) : undefined;
  if (status === undefined) return 'the first notification entry must be a SubscriptionStatus or a Parameters status';
  if (status.type === undefined || !TYPES.has(status.type)) return 'the notification status has no known type';

  const resources: ReceivedResource[] = [];
  const carried = new Set<string>();
  const references: string[] = [];
  for (const e of rest) {
    const fullUrl = str(e['fullUrl']);
    const method = isObj(e['request']) ? str(e['request']['method']) : undefined;
    if (isObj(e['resource'])) {
      resources.push(fullUrl === undefined ? { resource: e['resource'] } : { resource: e['resource'], fullUrl });
      const key = keyOfResource(e['resource']) ?? (fullUrl === undefined ? undefined : referenceKey(fullUrl));
      if (key !== undefined) carried.add(key);
    } else if (fullUrl !== undefined) {
      // A deleted resource has nothing to ingest; anything else without a body is an id-only entry.
      if (method !== 'DELETE') references.push(fullUrl);
      const key = referenceKey(fullUrl);
      if (key !== undefined) carried.add(key);
    }
  }
  for (const f of status.focus) {
    const key = referenceKey(f);
    if (key === undefined || carried.has(key)) continue;
    carried.add(key);
    references.push(f);
  }
  return { type: status.type as NotificationType, resources, references, eventCount: status.eventCount };
}

function keyOfResource(r: Json): string | undefined {
  const type = str(r['resourceType']);
  const id = str(r['id']);
  return type === undefined || id === undefined ? undefined : `${type}/${id}`;
}
