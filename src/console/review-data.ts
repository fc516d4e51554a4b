/**
 * The review queue as the console shows it: review items from the store, addressed by opaque ids and
 * ranked by urgency, then age.
 *
 * Urgency. A `mismatch` or `duplicate` item means a wrong or doubled accession may already be shown
 * beside other images or reports, so it comes first; other items (`missing`, `orphan`: a study without
 * its report, or the reverse) follow. Within a tier the oldest item (`openedAt`) comes first, items
 * without a time last, then by subject for a stable order.
 */
import type { ReviewCandidate, ReviewItem, ReviewState } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import { ConsoleHttpError, type ConsoleContext } from './context.ts';

/** Statuses that make an item urgent. */
export const URGENT_STATUSES: ReadonlySet<string> = new Set(['mismatch', 'duplicate']);

/** Which part of the queue a list shows. */
export type QueueView = 'open' | 'deferred' | 'resolved';
export const QUEUE_VIEWS: readonly QueueView[] = ['open', 'deferred', 'resolved'];

export interface QueueEntry {
  /** Opaque id: an HMAC of the subject key, safe in URLs. */
  id: string;
  item: ReviewItem;
  urgent: boolean;
  view: QueueView;
}

/** The subject key of an item (its study and/or report). */
export function subjectKey(item: Pick<ReviewItem, 'studyInstanceUid' | 'reportId'>): string {
  return `${item.studyInstanceUid ?? ''}|${item.reportId ?? ''}`;
}

export function viewOf(state: ReviewState | undefined): QueueView {
  return state === 'deferred' ? 'deferred' : state === 'resolved' ? 'resolved' : 'open';
}

function compareEntries(a: QueueEntry, b: QueueEntry): number {
  if (a.urgent !== b.urgent) return a.urgent ? -1 : 1;
  const ta = a.item.openedAt ?? '\uffff';
  const tb = b.item.openedAt ?? '\uffff';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = subjectKey(a.item);
  const kb = subjectKey(b.item);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function entryOf(ctx: ConsoleContext, item: ReviewItem): QueueEntry {
  return { id: ctx.opaqueId('review', subjectKey(item)), item, urgent: URGENT_STATUSES.has(item.status), view: viewOf(item.state) };
}

/** Every review item, ranked within its view. */
export async function loadAll(ctx: ConsoleContext): Promise<QueueEntry[]> {
  const items = await ctx.opts.decisions.store.listReviewItems();
  return items.map((i) => entryOf(ctx, i)).sort(compareEntries);
}

/** The ranked entries of one view. */
export async function loadQueue(ctx: ConsoleContext, view: QueueView): Promise<QueueEntry[]> {
  if (view === 'resolved') {
    // Most recently decided first: that is what a reviewer looks for here.
    const all = (await loadAll(ctx)).filter((e) => e.view === 'resolved');
    return all.sort((a, b) => (b.item.resolution?.at ?? '').localeCompare(a.item.resolution?.at ?? ''));
  }
  return (await loadAll(ctx)).filter((e) => e.view === view);
}

/** An entry by opaque id, with its neighbours in its view's ranking; 404 when unknown. */
export async function findEntry(ctx: ConsoleContext, id: string): Promise<{ entry: QueueEntry; prev?: QueueEntry; next?: QueueEntry; position: number; total: number }> {
  const all = await loadAll(ctx);
  const entry = all.find((e) => e.id === id);
  if (!entry) throw new ConsoleHttpError(404, 'There is no such review item (it may have been replaced by a newer one).');
  const list = entry.view === 'resolved' ? await loadQueue(ctx, 'resolved') : all.filter((e) => e.view === entry.view);
  const i = list.findIndex((e) => e.id === id);
  return { entry, position: i + 1, total: list.length, ...(i > 0 ? { prev: list[i - 1] } : {}), ...(i + 1 < list.length ? { next: list[i + 1] } : {}) };
}

/** The records of an item: its own and each candidate's (undefined where the store no longer has one). */
export interface ItemRecords {
  scan?: Scan;
  report?: Report;
  candidates: Array<{ candidate: ReviewCandidate; scan?: Scan; report?: Report }>;
}

export async function loadRecords(ctx: ConsoleContext, item: ReviewItem): Promise<ItemRecords> {
  const store = ctx.opts.decisions.store;
  const scan = item.studyInstanceUid !== undefined ? await store.getScan(item.studyInstanceUid) : undefined;
  const report = item.reportId !== undefined ? await store.getReport(item.reportId) : undefined;
  const candidates: ItemRecords['candidates'] = [];
  for (const c of item.candidates) {
    if (c.kind === 'scan') {
      const s = await store.getScan(c.id);
      candidates.push({ candidate: c, ...(s ? { scan: s } : {}) });
    } else {
      const r = await store.getReport(c.id);
      candidates.push({ candidate: c, ...(r ? { report: r } : {}) });
    }
  }
  return { ...(scan ? { scan } : {}), ...(report ? { report } : {}), candidates };
}

/** The study/report pair of choosing candidate `n` (1-based) of an item. */
export function pairOf(item: ReviewItem, n: number): { studyInstanceUid: string; reportId: string } {
  const c = Number.isInteger(n) && n >= 1 ? item.candidates[n - 1] : undefined;
  if (!c) throw new ConsoleHttpError(422, 'Choose one of the listed candidates.');
  const studyInstanceUid = c.kind === 'scan' ? c.id : item.studyInstanceUid;
  const reportId = c.kind === 'report' ? c.id : item.reportId;
  if (studyInstanceUid === undefined || reportId === undefined) throw new ConsoleHttpError(422, 'This item and candidate do not make a study/report pair.');
  return { studyInstanceUid, reportId };
}

/** The study UID of the image shown at `slot` (0: the item's own study, n: candidate n), if any. */
export function studyAtSlot(item: ReviewItem, slot: number): string | undefined {
  if (slot === 0) return item.studyInstanceUid;
  const c = item.candidates[slot - 1];
  return c?.kind === 'scan' ? c.id : undefined;
}
