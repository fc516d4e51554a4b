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
import type { EvidenceProvider } from '../linker/compare/index.ts';
import { reconcile } from '../linker/reconcile.ts';
import type { Correction, Link, LinkStatus, ReviewItem } from '../model/link.ts';
import { AccessionLevel, canonicalAccession, compareAccessions, isPlaceholderAccession } from '../linker/accession.ts';
import { normalizePatientId, patientIdDigits } from '../linker/features.ts';
import { seededRng } from '../model/ports.ts';
import type { Job, JobQueue } from '../model/queue.ts';
import type { CandidateQuery, Store } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';
import { examDateOf, reviewKey } from '../store/keys.ts';
import { createProcedureDescriber } from '../transforms/standardize/describe.ts';
import { fillFromLinkedReports } from '../transforms/standardize/records.ts';
import { commitCorrections, enqueueTracked } from './commit.ts';
import type { EngineEvidence } from './evidence.ts';
import type { IdDomainEstimate } from './id-domain.ts';

/** Days either side of the subject's exam date searched for candidates. */
export const CANDIDATE_WINDOW_DAYS = 30;

/** The parts of the loaded configuration the link stage uses. */
export type LinkConfig = Pick<LoadedConfig, 'linker' | 'weights' | 'procedureTerms' | 'seed' | 'outbound'> & Partial<Pick<LoadedConfig, 'standards'>>;

export interface LinkDeps {
  store: Store;
  queue: JobQueue;
  config: LinkConfig;
  clock: () => Date;
  /** Destinations with a sink; planned messages for others are audited as `skipped` and not queued. */
  destinations: ReadonlySet<string>;
  /** Called per newly decided correction, for counters. */
  onCorrection?: (c: Correction) => void;
  /** Learns across jobs whether RIS and PACS share a patient id domain; default: each job's own guess. */
  idDomain?: IdDomainEstimate;
  /** Called per decision about the job's subject: a link (`verified`, or `mismatch` when corrected) or a review item's status. */
  onDecision?: (status: LinkStatus) => void;
  /** Image and report-text evidence for subjects the header-only pass leaves in review; absent: headers only. */
  evidence?: EngineEvidence;
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
  if (accession) {
    q.accessionKeys = [accession];
    // As the batch linker's blocking: a keying error in the accession must not hide the record.
    q.nearAccessions = true;
  }
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

/** The `link` job id of a subject (also its key in the store's pending outbox). */
export function linkJobId(data: { studyInstanceUid?: string; reportId?: string }): string {
  return data.reportId !== undefined ? `link:${data.reportId}` : `link:study:${data.studyInstanceUid ?? ''}`;
}

/**
 * Keeps what people decided: an item a reviewer deferred or resolved is not reopened by the engine
 * (only new evidence that settles it automatically supersedes it, see {@link createLinkHandler}).
 */
async function putReview(store: Store, item: ReviewItem, at: string): Promise<void> {
  const [prev] = await store.listReviewItems({ ...(item.studyInstanceUid !== undefined ? { studyInstanceUid: item.studyInstanceUid } : {}), ...(item.reportId !== undefined ? { reportId: item.reportId } : {}) });
  if (prev && reviewKey(prev) === reviewKey(item) && (prev.state ?? 'open') !== 'open') return;
  await store.putReviewItem({ ...item, openedAt: prev?.openedAt ?? at });
}

/** Open review items about subjects that are now linked are closed as superseded. */
async function supersede(store: Store, subjects: { studies: Set<string>; reports: Set<string> }, at: string): Promise<void> {
  const items = [
    ...(await Promise.all([...subjects.studies].map((u) => store.listReviewItems({ studyInstanceUid: u, state: 'open' })))).flat(),
    ...(await Promise.all([...subjects.reports].map((r) => store.listReviewItems({ reportId: r, state: 'open' })))).flat(),
  ];
  for (const item of items) {
    await store.putReviewItem({ ...item, state: 'resolved', resolution: { action: 'superseded', by: 'acclink', at } });
  }
}

/**
 * Handles one `link` job. Idempotent: links and review items are upserts, corrections are committed
 * through {@link commitCorrections} (which finishes what a crashed attempt started), and the job's
 * pending entry is removed only at the end.
 */
export function createLinkHandler(deps: LinkDeps): (job: Job<'link'>) => Promise<void> {
  const describer = createProcedureDescriber(deps.config.procedureTerms);
  // A handful of candidates is no sample of the population: keep the shipped u instead of re-estimating it.
  const linker = { ...deps.config.linker, uFromRandomPairs: { ...deps.config.linker.uFromRandomPairs, enabled: false } };
  return async (job) => {
    // Workers on several machines may take jobs of one patient at once: one decides at a time.
    await deps.store.withLock(await lockKey(deps.store, job.data), async () => {
      const set = await loadSet(deps.store, job);
      if (set && (set.scans.length > 0 || set.reports.length > 0)) await linkSet(deps, job.data, set, linker, describer);
    });
    await deps.store.removePending('link', linkJobId(job.data));
  };
}

/** The lock of a subject: its patient (by id digits, else the normalized id), else its accession, else itself. */
async function lockKey(store: Store, subject: { studyInstanceUid?: string; reportId?: string }): Promise<string> {
  const record = subject.reportId !== undefined ? await store.getReport(subject.reportId)
    : subject.studyInstanceUid !== undefined ? await store.getScan(subject.studyInstanceUid) : undefined;
  const patient = patientIdDigits(record?.patient.id) ?? normalizePatientId(record?.patient.id);
  if (patient) return `link:patient:${patient}`;
  const accession = canonicalAccession(record?.accession);
  return accession ? `link:accession:${accession}` : linkJobId(subject);
}

/** Accession levels that look like a keying error of the same number. */
const KEYING_ERROR_LEVELS: ReadonlySet<string> = new Set([AccessionLevel.Exact, AccessionLevel.Normalized, AccessionLevel.OneEdit]);

/** Evidence that the study and the report describe different exams. */
function examsDisagree(l: Link): boolean {
  return l.evidence.some((e) => (e.field === 'bodyRegion' || e.field === 'laterality' || e.field === 'modality') && e.weight < -1);
}

/** Why the engine does not act on a link yet, or undefined when it may. */
type HoldReason = 'accession-not-claimed-yet' | 'exam-disagrees';

/**
 * Links the engine does not act on yet. A batch run sees every record; a stream sees only those that
 * have arrived, and a record's own counterpart often arrives after a rival of the same patient (a
 * report of the day before, an orphan report of another exam). So a link that would change a record is
 * held as a review item when:
 * - the study and report disagree on the exam (body region, laterality or modality): only the linker's
 *   other evidence carries the link, which is what a same-patient rival has too; or
 * - it would replace a usable accession that no other received record holds, unless the two values look
 *   like one keying error on the same exam day: that value may belong to a record not yet received
 *   (same-patient accessions issued in sequence are one edit apart too, hence the same-day condition).
 * When the missing record arrives, its link job sees both and decides with the full picture; held items
 * about its neighbours are then linked again (see {@link relinkNeighbours}).
 */
async function holdReasons(store: Store, links: readonly Link[], corrections: readonly Correction[], set: { scans: Scan[]; reports: Report[] }): Promise<Map<Link, HoldReason>> {
  const held = new Map<Link, HoldReason>();
  for (const l of links) {
    const own = corrections.filter((c) => c.field === 'AccessionNumber'
      && ((c.target === 'scan' && c.studyInstanceUid === l.studyInstanceUid) || (c.target === 'report' && c.reportId === l.reportId)));
    if (own.length === 0) continue;
    if (examsDisagree(l)) {
      held.set(l, 'exam-disagrees');
      continue;
    }
    const scan = set.scans.find((x) => x.studyInstanceUid === l.studyInstanceUid);
    const report = set.reports.find((x) => x.reportId === l.reportId);
    const sameDay = scan !== undefined && report !== undefined && examDateOf(scan.studyDateTime) !== null && examDateOf(scan.studyDateTime) === examDateOf(report.examDateTime);
    for (const c of own) {
      if (isPlaceholderAccession(c.from) || (sameDay && KEYING_ERROR_LEVELS.has(compareAccessions(c.from, c.to)))) continue;
      const from = c.from ?? '';
      const claimed = c.target === 'scan'
        ? (await store.findReportCandidates({ accessionKeys: [from] })).some((r) => r.reportId !== l.reportId)
        : (await store.findScanCandidates({ accessionKeys: [from] })).some((x) => x.studyInstanceUid !== l.studyInstanceUid);
      if (!claimed) {
        held.set(l, 'accession-not-claimed-yet');
        break;
      }
    }
  }
  return held;
}

/**
 * With a standards profile, a linked study whose mandatory description or body part is empty takes it
 * from its report's procedure when the link is confident, as the batch command does after linking.
 */
function fillsFor(deps: LinkDeps, scans: readonly Scan[], links: readonly Link[], reports: readonly Report[]): Correction[] {
  const standards = deps.config.standards;
  if (!standards) return [];
  const today = deps.clock().toISOString().slice(0, 10).replace(/-/g, '');
  return fillFromLinkedReports(scans, links, reports, standards.compiled, { profileName: standards.name, today, minProbability: deps.config.linker.thresholds.auto });
}

/** The review item of a held link: the study, with the report as its one candidate. */
function heldReviewItem(l: Link, reason: HoldReason): ReviewItem {
  return {
    studyInstanceUid: l.studyInstanceUid, status: 'mismatch', reason,
    candidates: [{ id: l.reportId, kind: 'report', probability: l.probability, matchWeight: l.matchWeight, evidence: l.evidence }],
  };
}

/**
 * After an arrival changed a link, the open review items of the records it was compared with are linked
 * again: a record held back for want of its counterpart may be decidable now. Bounded: it runs only when
 * a link changed, and re-linking a neighbour that changes nothing queues nothing further.
 */
async function relinkNeighbours(deps: LinkDeps, subject: { studyInstanceUid?: string; reportId?: string }, set: { scans: Scan[]; reports: Report[] }): Promise<void> {
  const open = await Promise.all([
    ...set.scans.filter((x) => x.studyInstanceUid !== subject.studyInstanceUid).map(async (x) => ((await deps.store.listReviewItems({ studyInstanceUid: x.studyInstanceUid, state: 'open' })).length > 0 ? { studyInstanceUid: x.studyInstanceUid } : undefined)),
    ...set.reports.filter((x) => x.reportId !== subject.reportId).map(async (x) => ((await deps.store.listReviewItems({ reportId: x.reportId, state: 'open' })).length > 0 ? { reportId: x.reportId } : undefined)),
  ]);
  for (const s of open) if (s) await enqueueTracked(deps, 'link', s, { jobId: linkJobId(s) });
}

async function relinkOpenItems(deps: LinkDeps): Promise<void> {
  for (const item of await deps.store.listReviewItems({ state: 'open' })) {
    const s = item.reportId !== undefined ? { reportId: item.reportId } : { studyInstanceUid: item.studyInstanceUid ?? '' };
    await enqueueTracked(deps, 'link', s, { jobId: linkJobId(s) });
  }
}

async function linkSet(
  deps: LinkDeps, subject: { studyInstanceUid?: string; reportId?: string }, set: { scans: Scan[]; reports: Report[] },
  linker: LinkConfig['linker'], describer: ReturnType<typeof createProcedureDescriber>,
): Promise<void> {
  const domain = deps.idDomain ? await deps.idDomain.observe(set) : undefined;
  const shared = domain?.shared;
  // Items decided before the engine knew whether ids are comparable are looked at again once it does.
  if (domain?.changed) await relinkOpenItems(deps);
  const run = (providers: EvidenceProvider[]): ReturnType<typeof reconcile> => reconcile(set.scans, set.reports, {
    config: linker, weights: deps.config.weights, describer, rng: seededRng(deps.config.seed), providers, ...(shared !== undefined ? { sharedIdDomain: shared } : {}),
  });
  let result = run([]);
  // As the batch command: a second pass with findings evidence only where the header pass left the subject in review.
  const providers = deps.evidence ? await deps.evidence.providersFor(set, result, subject) : [];
  if (providers.length > 0) result = run(providers);
  const { studyInstanceUid, reportId } = subject;
  const at = deps.clock().toISOString();
  const touches = (s: string | undefined, r: string | undefined): boolean =>
    (studyInstanceUid !== undefined && s === studyInstanceUid) || (reportId !== undefined && r === reportId);
  const proposed = result.links.filter((l) => touches(l.studyInstanceUid, l.reportId));
  const holds = await holdReasons(deps.store, proposed, result.corrections, set);
  const held = [...holds.keys()];
  const links = proposed.filter((l) => !holds.has(l));
  const studies = new Set(links.map((l) => l.studyInstanceUid));
  const reports = new Set(links.map((l) => l.reportId));
  let changed = false;
  for (const l of links) changed = (await deps.store.putLink(l)) || changed;
  await supersede(deps.store, { studies, reports }, at);
  if (studyInstanceUid !== undefined) studies.add(studyInstanceUid);
  if (reportId !== undefined) reports.add(reportId);
  // An item about the other side that names this subject as a candidate is this arrival's news too.
  const review = [...result.review.filter((i) => touches(i.studyInstanceUid, i.reportId)
    || i.candidates.some((c) => c.id === studyInstanceUid || c.id === reportId)), ...[...holds].map(([l, why]) => heldReviewItem(l, why))];
  for (const item of review) await putReview(deps.store, item, at);
  for (const l of links) deps.onDecision?.(l.status === 'verified' ? 'verified' : 'mismatch');
  for (const item of review) deps.onDecision?.(item.status);
  const isHeld = (c: Correction): boolean => held.some((l) => l.studyInstanceUid === c.studyInstanceUid || l.reportId === c.reportId);
  const corrections = result.corrections.filter((c) => !isHeld(c)
    && ((c.studyInstanceUid !== undefined && studies.has(c.studyInstanceUid)) || (c.reportId !== undefined && reports.has(c.reportId))));
  const filled = fillsFor(deps, set.scans, links, result.reports);
  if (corrections.length + filled.length > 0) {
    await commitCorrections(deps, [...corrections, ...filled], { scans: set.scans, reports: result.reports, links, actor: 'acclink' });
  }
  if (changed) await relinkNeighbours(deps, subject, set);
}
