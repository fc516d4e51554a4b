/**
 * Link stage of the streaming engine (issue 3): re-links one subject (a study or a report) against its
 * blocking candidates from the store, persists what the linker decided about it, and queues one
 * `deliver:<destination>` job per planned outbound message.
 *
 * Where planned messages live: each one is appended to the audit trail as a `planned` entry whose `after`
 * is the {@link OutboundMessage} (body included). That keeps them durable with the store (PGlite or
 * PostgreSQL survive a restart) without a new table; the deliver worker reads them back by correction id
 * and destination. The audit trail already holds record content (before/after), so no new exposure.
 */
import type { LoadedConfig } from '../config/load.ts';
import { reconcile } from '../linker/reconcile.ts';
import type { Correction } from '../model/link.ts';
import { seededRng } from '../model/ports.ts';
import { deliverQueue, type Job, type JobQueue } from '../model/queue.ts';
import type { CandidateQuery, Store } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';
import { examDateOf } from '../store/keys.ts';
import { planOutbound, type OutboundMessage } from '../transforms/outbound.ts';
import { createProcedureDescriber } from '../transforms/standardize/describe.ts';

/** Days either side of the subject's exam date searched for candidates. */
export const CANDIDATE_WINDOW_DAYS = 30;

/** The parts of the loaded configuration the link stage uses. */
export type LinkConfig = Pick<LoadedConfig, 'linker' | 'weights' | 'procedureTerms' | 'seed' | 'outbound'>;

export interface LinkDeps {
  store: Store;
  queue: JobQueue;
  config: LinkConfig;
  clock: () => Date;
  /** Destinations with a sink; planned messages for others are audited as `skipped` and not queued. */
  destinations: ReadonlySet<string>;
  /** Called per new correction and per queued delivery, for counters. */
  onCorrection?: (c: Correction) => void;
}

/** Audit action of a planned message; its `after` is the {@link OutboundMessage}. */
export const PLANNED = 'planned';

/** The deliver job id of one message. */
export function deliverJobId(destination: string, correctionId: string): string {
  return `${destination}:${correctionId}`;
}

function shiftDate(day: string, days: number): string {
  const t = new Date(`${day}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return t.toISOString().slice(0, 10);
}

/** Blocking query of a subject: its patient id and accession, within the date window when it has a date. */
function candidateQuery(patientId: string | undefined, accession: string | undefined, when: string | undefined): CandidateQuery | undefined {
  const q: CandidateQuery = {};
  if (patientId) q.patientId = patientId;
  if (accession) q.accessionKeys = [accession];
  if (q.patientId === undefined && q.accessionKeys === undefined) return undefined;
  const day = examDateOf(when);
  if (day) {
    q.fromDate = shiftDate(day, -CANDIDATE_WINDOW_DAYS);
    q.toDate = shiftDate(day, CANDIDATE_WINDOW_DAYS);
    q.includeUndated = true;
  }
  return q;
}

async function loadSet(store: Store, job: Job<'link'>): Promise<{ scans: Scan[]; reports: Report[] } | undefined> {
  const { studyInstanceUid, reportId } = job.data;
  let q: CandidateQuery | undefined;
  let own: { scans: Scan[]; reports: Report[] };
  if (studyInstanceUid !== undefined) {
    const scan = await store.getScan(studyInstanceUid);
    if (!scan) return undefined;
    q = candidateQuery(scan.patient.id, scan.accession, scan.studyDateTime);
    own = { scans: [scan], reports: [] };
  } else if (reportId !== undefined) {
    const report = await store.getReport(reportId);
    if (!report) return undefined;
    q = candidateQuery(report.patient.id, report.accession, report.examDateTime);
    own = { scans: [], reports: [report] };
  } else {
    return undefined;
  }
  if (!q) return own;
  const [scans, reports] = await Promise.all([store.findScanCandidates(q), store.findReportCandidates(q)]);
  return { scans, reports };
}

/**
 * Handles one `link` job. Idempotent: links and review items are upserts, a correction already stored is
 * neither audited nor planned again.
 */
export function createLinkHandler(deps: LinkDeps): (job: Job<'link'>) => Promise<void> {
  const describer = createProcedureDescriber(deps.config.procedureTerms);
  // A handful of candidates is no sample of the population: keep the shipped u instead of re-estimating it.
  const linker = { ...deps.config.linker, uFromRandomPairs: { ...deps.config.linker.uFromRandomPairs, enabled: false } };
  return async (job) => {
    const set = await loadSet(deps.store, job);
    if (!set || (set.scans.length === 0 && set.reports.length === 0)) return;
    const result = reconcile(set.scans, set.reports, {
      config: linker, weights: deps.config.weights, describer, rng: seededRng(deps.config.seed),
    });
    const { studyInstanceUid, reportId } = job.data;
    const touches = (s: string | undefined, r: string | undefined): boolean =>
      (studyInstanceUid !== undefined && s === studyInstanceUid) || (reportId !== undefined && r === reportId);
    const links = result.links.filter((l) => touches(l.studyInstanceUid, l.reportId));
    const studies = new Set(links.map((l) => l.studyInstanceUid));
    const reports = new Set(links.map((l) => l.reportId));
    if (studyInstanceUid !== undefined) studies.add(studyInstanceUid);
    if (reportId !== undefined) reports.add(reportId);
    for (const l of links) await deps.store.putLink(l);
    for (const item of result.review.filter((i) => touches(i.studyInstanceUid, i.reportId))) await deps.store.putReviewItem(item);
    const corrections = result.corrections.filter((c) =>
      (c.studyInstanceUid !== undefined && studies.has(c.studyInstanceUid)) || (c.reportId !== undefined && reports.has(c.reportId)));
    const fresh: Correction[] = [];
    for (const c of corrections) if (await deps.store.putCorrection(c)) fresh.push(c);
    if (fresh.length === 0) return;
    const now = deps.clock();
    const plan = planOutbound(fresh, {
      scans: set.scans, reports: result.reports, fhirResources: new Map(), outbound: deps.config.outbound, now,
    });
    for (const c of fresh) {
      await deps.store.appendAudit({
        at: now.toISOString(), correctionId: c.id, action: 'decided', actor: 'acclink',
        ...(c.studyInstanceUid !== undefined ? { studyInstanceUid: c.studyInstanceUid } : {}),
        ...(c.reportId !== undefined ? { reportId: c.reportId } : {}),
        before: { field: c.field, value: c.from }, after: { field: c.field, value: c.to },
        evidence: links.find((l) => l.studyInstanceUid === c.studyInstanceUid || l.reportId === c.reportId)?.evidence ?? [],
        result: { probability: c.probability, reason: c.reason },
      });
      deps.onCorrection?.(c);
    }
    for (const s of plan.skipped) {
      await deps.store.appendAudit({ at: now.toISOString(), correctionId: s.correctionId, action: 'skipped', actor: 'acclink', result: { destination: s.destination, reason: s.reason } });
    }
    for (const m of plan.messages) await queueMessage(deps, m, now);
  };
}

async function queueMessage(deps: LinkDeps, m: OutboundMessage, now: Date): Promise<void> {
  if (!deps.destinations.has(m.destination)) {
    await deps.store.appendAudit({ at: now.toISOString(), correctionId: m.correctionId, action: 'skipped', actor: 'acclink', result: { destination: m.destination, reason: 'no-sink' } });
    return;
  }
  await deps.store.appendAudit({ at: now.toISOString(), correctionId: m.correctionId, action: PLANNED, actor: 'acclink', after: m, result: { destination: m.destination, messageType: m.messageType } });
  await deps.queue.enqueue(deliverQueue(m.destination), { correctionId: m.correctionId, destination: m.destination }, { jobId: deliverJobId(m.destination, m.correctionId) });
}
