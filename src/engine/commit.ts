/**
 * The one path by which a decision becomes durable corrections and queued deliveries, whoever decided
 * (the link worker, a reviewer in the console, `acclink undo`). Crash-safe by construction: every step is
 * idempotent and checked against the store, so a job retried after a crash finishes what the first
 * attempt started: a correction stored but not yet audited, planned or queued is picked up again.
 *
 * Planned messages live in the audit trail (`planned` rows whose `after` is the {@link OutboundMessage}),
 * and a delivery job is written to the store's pending outbox before it is enqueued, so a queue that
 * loses jobs (Redis without persistence, a killed in-memory queue) loses nothing: on start the engine
 * re-enqueues every pending job.
 * @see https://microservices.io/patterns/data/transactional-outbox.html
 */
import type { LoadedConfig } from '../config/load.ts';
import type { Correction, Evidence, Link } from '../model/link.ts';
import { deliverQueue, type EnqueueOptions, type JobData, type JobQueue, type QueueName } from '../model/queue.ts';
import type { Store } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';
import { planOutbound, type OutboundMessage } from '../transforms/outbound.ts';
import { planRecordUpdates } from '../transforms/outbound-updates.ts';
import { planHeaderOutbound } from '../transforms/outbound-headers.ts';

/** Attempts per delivery before it is dead-lettered (first try included). */
export const DELIVER_ATTEMPTS = 8;
/** Base of the exponential delivery backoff: 1 s, 2 s, 4 s … about 2 minutes in all. */
export const DELIVER_BACKOFF_MS = 1000;

/** Audit action of a planned message; its `after` is the {@link OutboundMessage}. */
export const PLANNED = 'planned';
/** Audit action of a decision that produced a correction. */
export const DECIDED = 'decided';
/** Audit action of a message that was not planned or has no sink (result: destination, reason). */
export const SKIPPED = 'skipped';
/** Audit action of a delivery the peer accepted. */
export const DELIVERED = 'delivered';
/** Audit action of a delivery that will not succeed as it is (rejected, or every attempt failed). */
export const DEAD_LETTER = 'dead-letter';

/** The deliver job id of one message. */
export function deliverJobId(destination: string, correctionId: string): string {
  return `${destination}:${correctionId}`;
}

/** What committing corrections needs. */
export interface CommitDeps {
  store: Store;
  queue: JobQueue;
  config: Pick<LoadedConfig, 'outbound'>;
  clock: () => Date;
  /** Destinations with a sink; messages for others are audited as `skipped` and not queued. */
  destinations: ReadonlySet<string>;
  /** Called per correction newly committed, for counters. */
  onCorrection?: (c: Correction) => void;
}

/** Where the corrections come from: the records they change, the links behind them, who decided. */
export interface CommitContext {
  scans: readonly Scan[];
  reports: readonly Report[];
  links: readonly Link[];
  /** `acclink` for the engine, else the user name. */
  actor: string;
  /** Extra audit payload of the decision, e.g. the review item a person resolved. */
  note?: Record<string, unknown>;
  /** Plan messages only for these destinations (e.g. a late FHIR copy of an already corrected study). */
  onlyDestinations?: ReadonlySet<string>;
}

/** Writes a pending job to the store's outbox, then enqueues it (see the module comment). */
export async function enqueueTracked<Q extends QueueName>(
  deps: Pick<CommitDeps, 'store' | 'queue'>, queue: Q, data: JobData<Q>, opts: EnqueueOptions & { jobId: string },
): Promise<void> {
  await deps.store.addPending({ queue, jobId: opts.jobId, data });
  await deps.queue.enqueue(queue, data, opts);
}

function evidenceOf(c: Correction, links: readonly Link[]): Evidence[] {
  return links.find((l) => l.studyInstanceUid === c.studyInstanceUid || l.reportId === c.reportId)?.evidence ?? [];
}

/**
 * Stores the corrections and carries each one to its destinations: a `decided` audit row (before, after,
 * evidence, probability, who), the planned messages, and the queued deliveries. Returns the corrections
 * that were new to the store.
 */
export async function commitCorrections(deps: CommitDeps, corrections: readonly Correction[], ctx: CommitContext): Promise<Correction[]> {
  const fresh: Correction[] = [];
  const now = deps.clock();
  const at = now.toISOString();
  const outboundCtx = { scans: ctx.scans, reports: ctx.reports, fhirResources: new Map(), outbound: deps.config.outbound, now };
  const plan = planOutbound(corrections, outboundCtx);
  // A report's header fix (patient consensus) goes to the RIS as ADT^A08, as in the batch command; a study's goes to the archive (planRecordUpdates).
  planHeaderOutbound(corrections.filter((c) => c.target === 'report'), outboundCtx, plan);
  const messages = [...plan.messages, ...planRecordUpdates(corrections, ctx)].filter((m) => !ctx.onlyDestinations || ctx.onlyDestinations.has(m.destination));
  for (const c of corrections) {
    if (await deps.store.putCorrection(c)) {
      fresh.push(c);
      await applyToRecord(deps.store, c);
    }
    const done = await deps.store.listAudit({ correctionId: c.id, actions: [DECIDED, PLANNED, SKIPPED, DELIVERED, DEAD_LETTER] });
    if (!done.some((r) => r.action === DECIDED)) {
      await deps.store.appendAudit({
        at, correctionId: c.id, action: DECIDED, actor: ctx.actor,
        ...(c.studyInstanceUid !== undefined ? { studyInstanceUid: c.studyInstanceUid } : {}),
        ...(c.reportId !== undefined ? { reportId: c.reportId } : {}),
        before: { field: c.field, value: c.from }, after: { field: c.field, value: c.to },
        evidence: evidenceOf(c, ctx.links),
        result: { probability: c.probability, reason: c.reason, ...(ctx.note ?? {}) },
      });
      deps.onCorrection?.(c);
    }
    const rows = (action: string): Set<string | undefined> =>
      new Set(done.filter((r) => r.action === action).map((r) => destinationOf(r.result)));
    const [planned, skipped, finished] = [rows(PLANNED), rows(SKIPPED), new Set([...rows(DELIVERED), ...rows(DEAD_LETTER)])];
    for (const s of plan.skipped.filter((x) => x.correctionId === c.id && !skipped.has(x.destination))) {
      await deps.store.appendAudit({ at, correctionId: c.id, action: SKIPPED, actor: 'acclink', result: { destination: s.destination, reason: s.reason } });
    }
    for (const m of messages.filter((x) => x.correctionId === c.id && !skipped.has(x.destination) && !finished.has(x.destination))) {
      await queueMessage(deps, m, at, planned.has(m.destination));
    }
  }
  return fresh;
}

/**
 * The stored record takes the decided value at once, so that later arrivals are linked against what
 * acclink has decided rather than a value already on its way out (the poller's re-read of the archive
 * confirms it later; the original is in the correction and its audit row).
 */
async function applyToRecord(store: Store, c: Correction): Promise<void> {
  if (c.field !== 'AccessionNumber') return;
  if (c.target === 'scan' && c.studyInstanceUid !== undefined) {
    const scan = await store.getScan(c.studyInstanceUid);
    if (scan && scan.accession === (c.from ?? undefined)) await store.putScan({ ...scan, accession: c.to });
  } else if (c.target === 'report' && c.reportId !== undefined) {
    const report = await store.getReport(c.reportId);
    if (report && report.accession === (c.from ?? undefined)) await store.putReport({ ...report, accession: c.to });
  }
}

function destinationOf(result: unknown): string | undefined {
  return typeof result === 'object' && result !== null && typeof (result as { destination?: unknown }).destination === 'string'
    ? (result as { destination: string }).destination : undefined;
}

/**
 * Outbox first, then the `planned` row, then the queue: whichever step a crash interrupts, a retry of the
 * job (or the start-up sweep of pending jobs) completes it, and the job id keeps the queue from doubling it.
 */
async function queueMessage(deps: CommitDeps, m: OutboundMessage, at: string, alreadyPlanned: boolean): Promise<void> {
  if (!deps.destinations.has(m.destination)) {
    if (!alreadyPlanned) await deps.store.appendAudit({ at, correctionId: m.correctionId, action: SKIPPED, actor: 'acclink', result: { destination: m.destination, reason: 'no-sink' } });
    return;
  }
  const queue = deliverQueue(m.destination);
  const data = { correctionId: m.correctionId, destination: m.destination };
  const jobId = deliverJobId(m.destination, m.correctionId);
  await deps.store.addPending({ queue, jobId, data });
  if (!alreadyPlanned) {
    await deps.store.appendAudit({ at, correctionId: m.correctionId, action: PLANNED, actor: 'acclink', after: m, result: { destination: m.destination, messageType: m.messageType } });
  }
  await deps.queue.enqueue(queue, data, { jobId, attempts: DELIVER_ATTEMPTS, backoffMs: DELIVER_BACKOFF_MS });
}
