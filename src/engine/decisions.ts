/**
 * Decisions made by people (the review console, `acclink undo`), carried by the same path as the
 * engine's own: corrections through {@link commitCorrections} (audit with the person as actor, outbound
 * messages, idempotency by correction id), review items closed with who decided what and when.
 * @see HL7 v2.5.1 Chapter 4, section 4.5.1.1 ORC-1 order control `XO` (what a changed accession is sent as)
 */
import { chooseAccessions, correctionId, correctionsFor } from '../linker/survivor.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { CorrectionReason, type Correction, type Link, type ReviewItem, type ReviewResolution } from '../model/link.ts';
import { deliverQueue, type JobQueue } from '../model/queue.ts';
import type { Store } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';
import { commitCorrections, DEAD_LETTER, DECIDED, DELIVER_ATTEMPTS, DELIVER_BACKOFF_MS, deliverJobId, enqueueTracked } from './commit.ts';
import type { LinkConfig } from './link-worker.ts';

/** What a person's decision needs: the same as the link worker's. */
export interface DecisionDeps {
  store: Store;
  queue: JobQueue;
  config: LinkConfig;
  clock: () => Date;
  destinations: ReadonlySet<string>;
}

/** A review subject: a study, a report, or both. */
export interface Subject {
  studyInstanceUid?: string;
  reportId?: string;
}

/** The accession a person marks when no candidate fits. */
export const INCONCLUSIVE = 'INCONCLUSIVE';

/** Audit action of a person's review decision (result: what was decided). */
export const REVIEW_DECISION = 'review-decision';
/** Audit action on a correction that was undone (result: the reverse correction's id). */
export const REVERTED = 'reverted';
/** Audit action of a dead-lettered delivery put back in its queue by a person. */
export const RETRY_REQUESTED = 'retry-requested';

async function scanOf(store: Store, uid: string): Promise<Scan> {
  const s = await store.getScan(uid);
  if (!s) throw new AcclinkError(ErrorCode.NotFound, 'no such study');
  return s;
}

async function reportOf(store: Store, id: string): Promise<Report> {
  const r = await store.getReport(id);
  if (!r) throw new AcclinkError(ErrorCode.NotFound, 'no such report');
  return r;
}

function subjectQuery(s: Subject): Subject {
  return { ...(s.studyInstanceUid !== undefined ? { studyInstanceUid: s.studyInstanceUid } : {}), ...(s.reportId !== undefined ? { reportId: s.reportId } : {}) };
}

/** Open or deferred review items about any of the subjects. */
async function unresolved(store: Store, subjects: Subject[]): Promise<ReviewItem[]> {
  const out = new Map<string, ReviewItem>();
  for (const s of subjects) {
    for (const q of [s.studyInstanceUid !== undefined ? { studyInstanceUid: s.studyInstanceUid } : undefined, s.reportId !== undefined ? { reportId: s.reportId } : undefined]) {
      if (!q) continue;
      for (const item of await store.listReviewItems(q)) {
        if (item.state !== 'resolved') out.set(`${item.studyInstanceUid ?? ''}|${item.reportId ?? ''}`, item);
      }
    }
  }
  return [...out.values()];
}

async function resolve(deps: DecisionDeps, items: ReviewItem[], resolution: ReviewResolution): Promise<void> {
  for (const item of items) await deps.store.putReviewItem({ ...item, state: resolution.action === 'deferred' ? 'deferred' : 'resolved', resolution });
}

async function auditDecision(deps: DecisionDeps, subject: Subject, actor: string, result: Record<string, unknown>): Promise<void> {
  await deps.store.appendAudit({ at: deps.clock().toISOString(), action: REVIEW_DECISION, actor, ...subjectQuery(subject), result });
}

/**
 * A person links a study to a report. The surviving accession follows the same policy as an automatic
 * link (the report's unless another record holds it, then the study's, else minted); review items about
 * either record are resolved.
 */
export async function linkByPerson(deps: DecisionDeps, d: { studyInstanceUid: string; reportId: string; actor: string }): Promise<{ corrections: Correction[] }> {
  const [scan, report] = [await scanOf(deps.store, d.studyInstanceUid), await reportOf(deps.store, d.reportId)];
  const items = await unresolved(deps.store, [{ studyInstanceUid: scan.studyInstanceUid }, { reportId: report.reportId }]);
  const candidate = items.flatMap((i) => i.candidates).find((c) => c.id === report.reportId || c.id === scan.studyInstanceUid);
  const keys = [scan.accession, report.accession].filter((a): a is string => a !== undefined);
  const q = { ...(report.patient.id !== undefined ? { patientId: report.patient.id } : {}), accessionKeys: keys };
  const others = keys.length > 0 || q.patientId !== undefined
    ? (await deps.store.findReportCandidates(q)).filter((r) => r.reportId !== report.reportId) : [];
  const [final] = chooseAccessions([{ scan: 0, report: 0, probability: 1, verifiedByAccession: false }], [scan], [report, ...others], new Set([0]), deps.config.linker);
  if (final === undefined) throw new AcclinkError(ErrorCode.DecisionConflict, 'no accession could be chosen');
  const probability = candidate?.probability ?? 1;
  const corrections = correctionsFor(scan, report, final, probability);
  const link: Link = {
    studyInstanceUid: scan.studyInstanceUid, reportId: report.reportId, accession: final,
    status: corrections.length > 0 ? 'corrected' : 'verified', probability, matchWeight: candidate?.matchWeight ?? 0, evidence: candidate?.evidence ?? [],
  };
  await deps.store.putLink(link);
  await commitCorrections(deps, corrections, { scans: [scan], reports: [report], links: [link], actor: d.actor, note: { decision: 'linked-by-person' } });
  const at = deps.clock().toISOString();
  await resolve(deps, items, { action: 'linked', by: d.actor, at, chosen: report.reportId });
  await auditDecision(deps, { studyInstanceUid: scan.studyInstanceUid, reportId: report.reportId }, d.actor, { decision: 'linked', accession: final, corrections: corrections.map((c) => c.id) });
  return { corrections };
}

/** None of the candidates fits: mark the subject's accession INCONCLUSIVE (a correction sent out), or leave it. */
export async function noneOfThese(deps: DecisionDeps, d: Subject & { mark: 'inconclusive' | 'leave'; actor: string }): Promise<{ corrections: Correction[] }> {
  if (d.studyInstanceUid === undefined && d.reportId === undefined) throw new AcclinkError(ErrorCode.Usage, 'a decision needs a study or a report');
  const scan = d.studyInstanceUid !== undefined ? await scanOf(deps.store, d.studyInstanceUid) : undefined;
  const report = scan === undefined && d.reportId !== undefined ? await reportOf(deps.store, d.reportId) : undefined;
  const items = await unresolved(deps.store, [d]);
  const corrections: Correction[] = [];
  const record = scan ?? report;
  if (d.mark === 'inconclusive' && record && record.accession !== INCONCLUSIVE) {
    const target = scan ? 'scan' : 'report';
    const id = scan ? scan.studyInstanceUid : (report as Report).reportId;
    const from = record.accession ?? null;
    corrections.push({
      id: correctionId(target, id, from, INCONCLUSIVE), target, ...(scan ? { studyInstanceUid: id } : { reportId: id }),
      field: 'AccessionNumber', from, to: INCONCLUSIVE, linkedTo: '', probability: 1, reason: CorrectionReason.MarkedInconclusive,
    });
    await commitCorrections(deps, corrections, { scans: scan ? [scan] : [], reports: report ? [report] : [], links: [], actor: d.actor, note: { decision: 'none-of-these' } });
  }
  await resolve(deps, items, { action: 'none', by: d.actor, at: deps.clock().toISOString(), mark: d.mark });
  await auditDecision(deps, d, d.actor, { decision: 'none', mark: d.mark, corrections: corrections.map((c) => c.id) });
  return { corrections };
}

/** Put a review item off: it leaves the open queue, and the engine does not reopen it by itself. */
export async function deferReview(deps: DecisionDeps, d: Subject & { actor: string }): Promise<void> {
  const items = (await unresolved(deps.store, [d])).filter((i) => i.state !== 'deferred');
  if (items.length === 0) throw new AcclinkError(ErrorCode.NotFound, 'no open review item for this subject');
  await resolve(deps, items, { action: 'deferred', by: d.actor, at: deps.clock().toISOString() });
  await auditDecision(deps, d, d.actor, { decision: 'deferred' });
}

/** A stored correction by id, found through its `decided` audit row. */
export async function findCorrection(store: Store, id: string): Promise<Correction | undefined> {
  const [row] = await store.listAudit({ correctionId: id, actions: [DECIDED], limit: 1 });
  if (!row) return undefined;
  const q = row.studyInstanceUid !== undefined ? { studyInstanceUid: row.studyInstanceUid } : row.reportId !== undefined ? { reportId: row.reportId } : undefined;
  return q ? (await store.listCorrections(q)).find((c) => c.id === id) : undefined;
}

/**
 * Sends the reverse of a correction: the record gets its old accession back at every destination the
 * original went to. Idempotent: undoing twice sends one reverse (same id).
 */
export async function undoCorrection(deps: DecisionDeps, d: { correctionId: string; actor: string }): Promise<{ reverse: Correction }> {
  const c = await findCorrection(deps.store, d.correctionId);
  if (!c) throw new AcclinkError(ErrorCode.NotFound, `no correction ${d.correctionId}`);
  if (c.from === null) throw new AcclinkError(ErrorCode.DecisionConflict, 'the record had no accession before; there is no value to restore');
  if (c.reason === CorrectionReason.Reverted) throw new AcclinkError(ErrorCode.DecisionConflict, 'this correction is itself an undo; correct the record again instead');
  const recordId = c.target === 'scan' ? c.studyInstanceUid ?? '' : c.reportId ?? '';
  const reverse: Correction = { ...c, id: correctionId(c.target, recordId, c.to, c.from), from: c.to, to: c.from, probability: 1, reason: CorrectionReason.Reverted };
  const scans = c.target === 'scan' ? [await scanOf(deps.store, recordId)] : (await deps.store.getScan(c.linkedTo).then((s) => (s ? [s] : [])));
  const reports = c.target === 'report' ? [await reportOf(deps.store, recordId)] : [];
  await commitCorrections(deps, [reverse], { scans, reports, links: [], actor: d.actor, note: { reverts: c.id } });
  if ((await deps.store.listAudit({ correctionId: c.id, actions: [REVERTED] })).length === 0) {
    await deps.store.appendAudit({ at: deps.clock().toISOString(), correctionId: c.id, action: REVERTED, actor: d.actor, result: { reverse: reverse.id } });
  }
  return { reverse };
}

/** Puts a dead-lettered delivery back in its queue (a new job id: the dead one stays listed in the queue). */
export async function retryDelivery(deps: DecisionDeps, d: { correctionId: string; destination: string; actor: string }): Promise<void> {
  const rows = await deps.store.listAudit({ correctionId: d.correctionId, actions: [DEAD_LETTER, 'delivered', RETRY_REQUESTED] });
  const last = rows.filter((r) => (r.result as { destination?: string } | undefined)?.destination === d.destination || r.actor === d.destination).at(-1);
  if (!last || last.action !== DEAD_LETTER) throw new AcclinkError(ErrorCode.DecisionConflict, 'this delivery is not dead-lettered');
  await deps.store.appendAudit({ at: deps.clock().toISOString(), correctionId: d.correctionId, action: RETRY_REQUESTED, actor: d.actor, result: { destination: d.destination } });
  await enqueueTracked(deps, deliverQueue(d.destination), { correctionId: d.correctionId, destination: d.destination }, {
    jobId: `${deliverJobId(d.destination, d.correctionId)}#${last.seq}`, attempts: DELIVER_ATTEMPTS, backoffMs: DELIVER_BACKOFF_MS,
  });
}
