/**
 * What the Activity page summarizes, computed from the audit trail, links and review items: corrections
 * per day by kind (automatic or by a person, and reason), deliveries per destination, outstanding dead
 * letters, recent corrections (with whether they were undone), match probabilities and review rates.
 */
import { DEAD_LETTER, DECIDED, DELIVERED, PLANNED, SKIPPED } from '../engine/commit.ts';
import { RETRY_REQUESTED, REVERTED } from '../engine/decisions.ts';
import type { AuditRecord, Store } from '../model/store.ts';

/** Audit actions the page reads. */
export const ACTIVITY_ACTIONS = [DECIDED, PLANNED, SKIPPED, DELIVERED, DEAD_LETTER, REVERTED, RETRY_REQUESTED];

export interface DayCount {
  day: string;
  automatic: number;
  person: number;
}

export interface DestinationCount {
  destination: string;
  planned: number;
  delivered: number;
  dead: number;
  skipped: number;
}

export interface DeadLetterRow {
  correctionId: string;
  destination: string;
  at: string;
  detail: string;
}

export interface RecentCorrection {
  correctionId: string;
  at: string;
  actor: string;
  field: string;
  from: string | null;
  to: string;
  reason: string;
  reverted: boolean;
  /** Whether an undo makes sense: it is not itself an undo and there is a value to restore. */
  undoable: boolean;
}

export interface Activity {
  byDay: DayCount[];
  byReason: Array<{ reason: string; count: number }>;
  byDestination: DestinationCount[];
  deadLetters: DeadLetterRow[];
  recent: RecentCorrection[];
  linkProbabilities: number[];
  reviewProbabilities: number[];
  reviewByDay: Array<{ day: string; opened: number; decided: number }>;
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? v as Record<string, unknown> : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function destinationOf(r: AuditRecord): string | undefined {
  return str(obj(r.result).destination);
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return m;
}

/** The last `days` days up to `today` (YYYY-MM-DD), oldest first. */
export function lastDays(today: Date, days: number): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--) out.push(new Date(today.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

function deliveries(rows: readonly AuditRecord[]): { byDestination: DestinationCount[]; deadLetters: DeadLetterRow[] } {
  const dest = new Map<string, DestinationCount>();
  const last = new Map<string, AuditRecord>();
  for (const r of rows) {
    const d = destinationOf(r) ?? (r.action === DELIVERED || r.action === DEAD_LETTER ? r.actor : undefined);
    if (d === undefined || r.correctionId === undefined) continue;
    const c = dest.get(d) ?? { destination: d, planned: 0, delivered: 0, dead: 0, skipped: 0 };
    if (r.action === PLANNED) c.planned++;
    else if (r.action === DELIVERED) c.delivered++;
    else if (r.action === DEAD_LETTER) c.dead++;
    else if (r.action === SKIPPED) c.skipped++;
    dest.set(d, c);
    if (r.action === DELIVERED || r.action === DEAD_LETTER || r.action === RETRY_REQUESTED) last.set(`${d}\u0000${r.correctionId}`, r);
  }
  const deadLetters = [...last.entries()]
    .filter(([, r]) => r.action === DEAD_LETTER)
    .map(([k, r]) => ({ correctionId: r.correctionId ?? '', destination: k.split('\u0000')[0] ?? '', at: r.at, detail: str(obj(r.result).detail) ?? '' }));
  return { byDestination: [...dest.values()].sort((a, b) => a.destination.localeCompare(b.destination)), deadLetters };
}

/** Delivery rows of corrections dead-lettered before the window, so their latest state is known. */
async function outstandingDeadLetterRows(store: Store, since: string): Promise<AuditRecord[]> {
  const old = (await store.listAudit({ actions: [DEAD_LETTER] })).filter((r) => Date.parse(r.at) < Date.parse(since));
  const ids = [...new Set(old.map((r) => r.correctionId).filter((id): id is string => id !== undefined))];
  const out: AuditRecord[] = [];
  for (const id of ids) {
    for (const r of await store.listAudit({ correctionId: id, actions: [DELIVERED, DEAD_LETTER, RETRY_REQUESTED] })) {
      if (Date.parse(r.at) < Date.parse(since)) out.push(r);
    }
  }
  return out;
}

/** Computes the page's numbers. `days` bounds the per-day series; `recentLimit` the corrections list. */
export async function loadActivity(store: Store, now: Date, o: { days: number; recentLimit: number }): Promise<Activity> {
  // The window the page shows, not the whole trail (which grows without bound); dead letters are read
  // separately because one stays outstanding until someone acts on it, however old.
  const since = `${lastDays(now, o.days)[0] ?? now.toISOString().slice(0, 10)}T00:00:00.000Z`;
  const windowed = await store.listAudit({ actions: ACTIVITY_ACTIONS, since });
  const rows = [...await outstandingDeadLetterRows(store, since), ...windowed];
  const decided = windowed.filter((r) => r.action === DECIDED);
  const reverted = new Set(rows.filter((r) => r.action === REVERTED).map((r) => r.correctionId));
  const days = lastDays(now, o.days);
  const auto = countBy(decided.filter((r) => r.actor === 'acclink'), (r) => r.at.slice(0, 10));
  const person = countBy(decided.filter((r) => r.actor !== 'acclink'), (r) => r.at.slice(0, 10));
  const byReason = [...countBy(decided, (r) => str(obj(r.result).reason) ?? 'unknown')].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  const recent = decided.slice(-o.recentLimit).reverse().map((r): RecentCorrection => {
    const reason = str(obj(r.result).reason) ?? '';
    const from = obj(r.before).value;
    return {
      correctionId: r.correctionId ?? '', at: r.at, actor: r.actor, field: str(obj(r.after).field) ?? '',
      from: typeof from === 'string' ? from : null, to: str(obj(r.after).value) ?? '', reason,
      reverted: reverted.has(r.correctionId), undoable: reason !== REVERTED && typeof from === 'string' && !reverted.has(r.correctionId),
    };
  });
  const [links, items] = await Promise.all([store.listLinks(), store.listReviewItems()]);
  const opened = countBy(items.filter((i) => i.openedAt), (i) => (i.openedAt ?? '').slice(0, 10));
  const closed = countBy(items.filter((i) => i.state === 'resolved' && i.resolution && i.resolution.action !== 'superseded'), (i) => (i.resolution?.at ?? '').slice(0, 10));
  return {
    byDay: days.map((day) => ({ day, automatic: auto.get(day) ?? 0, person: person.get(day) ?? 0 })),
    byReason,
    ...deliveries(rows),
    recent,
    linkProbabilities: links.map((l) => l.probability),
    reviewProbabilities: items.filter((i) => i.state !== 'resolved').map((i) => i.candidates[0]?.probability ?? 0),
    reviewByDay: days.map((day) => ({ day, opened: opened.get(day) ?? 0, decided: closed.get(day) ?? 0 })),
  };
}
