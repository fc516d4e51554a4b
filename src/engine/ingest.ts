/**
 * Ingest stage of the streaming engine (issue 3): turns one received HL7 v2 message (or one scan, or a
 * batch of FHIR records) into durable records plus `link` jobs (`standardize` jobs when header
 * standardization is on, see `standardize-worker.ts`). The MLLP `handle` resolves only after the
 * store writes and the enqueue, so the listener never sends AA for something that could still be lost.
 *
 * The message is recorded as received *last*: every step before is idempotent (upserts, a pending-job
 * outbox, de-duplicated job ids), so a sender that retries after a crash gets its message processed,
 * and a repeated MSH-10 after success changes nothing and is counted as a duplicate.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
import type { MllpHandleResult, MllpMessageMeta } from '../channels/mllp/server.ts';
import { ErrorCode, isAcclinkError } from '../model/errors.ts';
import type { JobQueue, SubjectJob } from '../model/queue.ts';
import type { Store } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';
import { applyDemographics, isAdt, readAdt, type AdtUpdate } from '../transforms/hl7/adt.ts';
import { DEFAULT_HL7_FIELD_MAPPING, type Hl7FieldMapping } from '../transforms/hl7/mapping.ts';
import { hl7ToReports } from '../transforms/hl7/report.ts';
import { mergeScan } from '../transforms/merge.ts';
import { commitCorrections, enqueueTracked, type CommitDeps } from './commit.ts';
import { canonicalAccession } from '../linker/accession.ts';
import { correctionId } from '../linker/survivor.ts';
import { CorrectionReason, type Correction } from '../model/link.ts';
import { linkJobId } from './link-worker.ts';

/** What ingest needs. */
export interface IngestDeps {
  store: Store;
  queue: JobQueue;
  /** What committing a late FHIR catch-up needs; without it, late ImagingStudies are only stored. */
  outbound?: Omit<CommitDeps, 'store' | 'queue'>;
  /** Header standardization is on (a standards profile is loaded): arrivals queue `standardize`, which queues `link`. */
  standardize?: boolean;
  /** Field mapping for HL7 reading; default: the shipped default mapping. */
  hl7Fields?: Hl7FieldMapping;
  /** Called once per message with its outcome, MSH-9 type and the time since it arrived, for metrics (no content). */
  onMessage?: (outcome: IngestOutcome, messageType: string, latencyMs: number) => void;
}

/** What happened to one inbound message. */
export type IngestOutcome = 'accepted' | 'duplicate' | 'rejected';

/** Queue the `link` job of one subject, through the store's pending outbox. */
export async function queueLink(deps: Pick<IngestDeps, 'store' | 'queue'>, subject: SubjectJob): Promise<void> {
  await enqueueTracked(deps, 'link', subject, { jobId: linkJobId(subject) });
}

/** The `standardize` job id of a subject (also its key in the store's pending outbox). */
export function standardizeJobId(data: SubjectJob): string {
  return data.reportId !== undefined ? `standardize:${data.reportId}` : `standardize:study:${data.studyInstanceUid ?? ''}`;
}

/** Queue the first stage after ingest: `standardize` when standardization is on, else `link`. */
export async function queueArrival(deps: Pick<IngestDeps, 'store' | 'queue' | 'standardize'>, subject: SubjectJob): Promise<void> {
  const job = firstJob(deps, subject);
  await enqueueTracked(deps, job.queue, job.data, { jobId: job.jobId });
}

/**
 * The MLLP `handle` of the ingest stage: ORU^R01, ORM^O01, OMI^O23 and ADT A08/A31/A40. A message that
 * parses but yields nothing usable (unsupported type, no report id) is answered AE with an ERR naming the
 * table 0357 code; the reading rejection's text is not echoed (it may quote field values).
 */
export function createIngestHandler(deps: IngestDeps): (text: string, meta: MllpMessageMeta) => Promise<MllpHandleResult> {
  const mapping = deps.hl7Fields ?? DEFAULT_HL7_FIELD_MAPPING;
  return async (text, meta) => {
    const type = `${meta.message.type.code}^${meta.message.type.trigger}`;
    const done = (outcome: IngestOutcome, result: MllpHandleResult): MllpHandleResult => {
      deps.onMessage?.(outcome, type, Date.now() - meta.receivedAt.getTime());
      return result;
    };
    const source = meta.peer.replace(/:\d+$/, '');
    const inbound = { controlId: meta.message.controlId, source, receivedAt: meta.receivedAt.toISOString(), payload: text };
    if (isAdt(meta.message)) {
      let update: AdtUpdate;
      try {
        update = readAdt(meta.message, mapping);
      } catch (e) {
        if (!isAcclinkError(e)) throw e;
        return done('rejected', e.code === ErrorCode.Hl7UnsupportedMessageType
          ? { code: 'AE', error: { code: 200, location: 'MSH-9', text: 'Unsupported ADT event (A08, A31, A40 are read)' } }
          : { code: 'AE', error: { code: 101, location: e.code === ErrorCode.Hl7MissingField ? 'PID-3' : undefined, text: 'Required field missing' } });
      }
      await applyAdt(deps, update, inbound.receivedAt);
      return done((await deps.store.recordInbound(inbound)).duplicate ? 'duplicate' : 'accepted', { code: 'AA' });
    }
    const read = hl7ToReports(text, `mllp:${meta.message.controlId}`, mapping);
    if (read.records.length === 0) {
      const unsupported = read.rejections.some((r) => r.code === ErrorCode.Hl7UnsupportedMessageType);
      return done('rejected', {
        code: 'AE',
        error: unsupported
          ? { code: 200, location: 'MSH-9', text: 'Unsupported message type' }
          : { code: 101, text: 'Message yields no report (missing report id or required field)' },
      });
    }
    // One transaction: the reports, their pending jobs and the receipt; then the queue (the outbox covers a crash in between).
    const jobs = read.records.map((r) => firstJob(deps, { reportId: r.reportId }));
    const { duplicate } = await deps.store.storeMessage({ reports: read.records, pending: jobs, inbound });
    for (const j of jobs) await deps.queue.enqueue(j.queue, j.data, { jobId: j.jobId });
    return done(duplicate ? 'duplicate' : 'accepted', { code: 'AA' });
  };
}

/** The first job after ingest for a subject: `standardize` when standardization is on, else `link`. */
function firstJob(deps: Pick<IngestDeps, 'standardize'>, subject: SubjectJob): { queue: 'standardize' | 'link'; jobId: string; data: SubjectJob } {
  return deps.standardize === true
    ? { queue: 'standardize', jobId: standardizeJobId(subject), data: subject }
    : { queue: 'link', jobId: linkJobId(subject), data: subject };
}

/** Store records (e.g. from FHIR or PACS polling) and queue their first jobs (see {@link queueArrival}). Resolves after both. */
export async function ingestRecords(deps: Pick<IngestDeps, 'store' | 'queue' | 'outbound' | 'standardize'>, batch: { scans: readonly Scan[]; reports: readonly Report[] }): Promise<void> {
  for (const scan of batch.scans) {
    const merged = combineScan(await deps.store.getScan(scan.studyInstanceUid), scan);
    await deps.store.putScan(merged);
    if (deps.outbound && fromFhirOnly(scan)) await catchUpFhir(deps as Required<Pick<IngestDeps, 'outbound'>> & IngestDeps, scan, merged);
  }
  for (const report of batch.reports) await deps.store.putReport(report);
  for (const scan of batch.scans) await queueArrival(deps, { studyInstanceUid: scan.studyInstanceUid });
  for (const report of batch.reports) await queueArrival(deps, { reportId: report.reportId });
}

/**
 * An ImagingStudy that arrives after its study was corrected still holds the old accession: the archive's
 * headers win the merge, so linking would see nothing to do. The decided value is carried to the FHIR
 * server alone (the archive, PACS and RIS have it already).
 */
async function catchUpFhir(deps: IngestDeps & Required<Pick<IngestDeps, 'outbound'>>, incoming: Scan, merged: Scan): Promise<void> {
  if (!merged.accession || canonicalAccession(incoming.accession) === canonicalAccession(merged.accession)) return;
  const link = (await deps.store.listLinks({ studyInstanceUid: merged.studyInstanceUid })).find((l) => l.accession === merged.accession);
  if (!link) return;
  const from = incoming.accession ?? null;
  const c: Correction = {
    id: correctionId('scan', merged.studyInstanceUid, from, merged.accession), target: 'scan', studyInstanceUid: merged.studyInstanceUid,
    field: 'AccessionNumber', from, to: merged.accession, linkedTo: link.reportId, probability: link.probability,
    reason: CorrectionReason.StudyTakesReportAccession,
  };
  await commitCorrections({ ...deps.outbound, store: deps.store, queue: deps.queue }, [c], {
    scans: [{ ...merged, accession: from ?? undefined }], reports: [], links: [link], actor: 'acclink',
    note: { catchUp: 'fhir' }, onlyDestinations: new Set(['fhir']),
  });
}

/** Store one scan (e.g. from PACS polling) and queue its first job. Resolves after both. */
export function ingestScan(deps: Pick<IngestDeps, 'store' | 'queue' | 'standardize'>, scan: Scan): Promise<void> {
  return ingestRecords(deps, { scans: [scan], reports: [] });
}

/**
 * A08/A31: the reports of that patient take the new demographics and are linked again (a corrected name or
 * birth date can settle a review item). A40: recorded in the audit trail for people; ids are not rewritten,
 * because studies in the PACS keep the prior id until the PACS merges them itself.
 * @see HL7 v2.5.1 Chapter 3, section 3.3.40 (A40)
 */
async function applyAdt(deps: IngestDeps, update: AdtUpdate, at: string): Promise<void> {
  if (update.event === 'A40') {
    await deps.store.appendAudit({ at, action: 'patient-merge', actor: 'adt', before: { patientId: update.priorPatientId }, after: { patientId: update.patient.id } });
    return;
  }
  if (update.patient.id === undefined) return;
  const reports = await deps.store.findReportCandidates({ patientId: update.patient.id });
  const changed: Report[] = [];
  for (const r of reports) {
    if (r.patient.id !== update.patient.id) continue;
    const next = { ...r, patient: applyDemographics(r.patient, update.patient) };
    if (await deps.store.putReport(next)) changed.push(next);
  }
  // New demographics can change the patient's consensus: with standardization on, they go through it again.
  for (const r of changed) await queueArrival(deps, { reportId: r.reportId });
  await deps.store.appendAudit({ at, action: 'demographics-update', actor: 'adt', result: { event: update.event, reportsUpdated: changed.length } });
}

const fromFhirOnly = (s: Scan): boolean => s.sources.length > 0 && s.sources.every((x) => x.kind === 'fhir');

/**
 * One study arrives from the archive (DICOM headers) and from a FHIR server (ImagingStudy): the stored
 * scan combines both as the batch path does (the archive's headers win, FHIR fills gaps and lends its
 * id). A new description of one kind replaces the stored one of that kind, so a re-polled study after a
 * correction carries its new accession instead of accumulating sources.
 */
export function combineScan(stored: Scan | undefined, incoming: Scan): Scan {
  if (!stored) return incoming;
  const incomingIsFhir = fromFhirOnly(incoming);
  const keep = stored.sources.filter((x) => (incomingIsFhir ? x.kind !== 'fhir' : x.kind === 'fhir'));
  if (keep.length === 0) return incoming;
  const other: Scan = { ...stored, sources: keep };
  return incomingIsFhir ? mergeScan(other, incoming) : mergeScan(incoming, other);
}
