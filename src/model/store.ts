/**
 * The store port of the streaming engine (issue 3): durable records, links, corrections, review items,
 * the audit trail and inbound-message de-duplication. Pure types; adapters live in `src/store/`.
 *
 * Every time stamp is passed in by the caller (`at`, `receivedAt`), so that adapters never read a clock.
 */
import type { Correction, Link, LinkStatus, ReviewItem, ReviewState } from './link.ts';
import type { DeliveryResult } from './sink.ts';
import type { Report, Scan, StudyInstanceUid } from './types.ts';

/**
 * Candidate search by the linker's blocking keys.
 *
 * Semantics: a record is a candidate when it shares **any** given key (`patientId` or one of
 * `accessionKeys`), **and** its exam date lies in `[fromDate, toDate]` when a bound is given.
 * With no key at all, the date range alone selects. At least one criterion is required.
 */
export interface CandidateQuery {
  /** Patient id, raw or already normalized (the store applies the linker's `normalizePatientId`). */
  patientId?: string;
  /** Accessions, raw or in canonical form (the store applies the linker's `canonicalAccession`). */
  accessionKeys?: string[];
  /** Inclusive lower bound on the exam date, `YYYY-MM-DD`. */
  fromDate?: string;
  /** Inclusive upper bound on the exam date, `YYYY-MM-DD`. */
  toDate?: string;
  /** When a date bound is given, also return records with no (or an unparseable) exam date. Default false. */
  includeUndated?: boolean;
  /**
   * Also match records whose accession is one keying error away from one of `accessionKeys` (they share
   * one of the linker's accession blocking keys). Default false: exact canonical accessions only.
   */
  nearAccessions?: boolean;
}

/** One audit-trail entry, as appended. Values are JSON-serializable. */
export interface AuditEntry {
  /** ISO 8601 instant, supplied by the caller. */
  at: string;
  correctionId?: string;
  /** Subject of the entry when it is not (only) a correction. */
  studyInstanceUid?: StudyInstanceUid;
  reportId?: string;
  /** What happened, e.g. `proposed`, `applied`, `rejected`, `reverted`. */
  action: string;
  /** Who or what did it: a user name, `engine`, a channel name. */
  actor: string;
  before?: unknown;
  after?: unknown;
  evidence?: unknown;
  result?: unknown;
}

/** An audit entry as listed: with its position in the append order. */
export interface AuditRecord extends AuditEntry {
  /** Strictly increasing with append order within one store. */
  seq: number;
}

/**
 * Audit listing filters, combined with AND. `studyInstanceUid` / `reportId` also match entries whose
 * correction targets that study / report.
 */
export interface AuditQuery {
  correctionId?: string;
  studyInstanceUid?: StudyInstanceUid;
  reportId?: string;
  /** Only entries with one of these actions. */
  actions?: string[];
  /** Only entries after this `seq` (for paging forwards). */
  afterSeq?: number;
  /** Only entries at or after this ISO 8601 instant. */
  since?: string;
  /** `desc`: newest first (with `limit`, the last entries). Default `asc`. */
  order?: 'asc' | 'desc';
  /** At most this many entries (the first ones in the requested order). */
  limit?: number;
}

/** Filters for links and corrections, combined with AND. */
export interface SubjectQuery {
  studyInstanceUid?: StudyInstanceUid;
  reportId?: string;
}

/** Correction filters, combined with AND. */
export interface CorrectionQuery extends SubjectQuery {
  /** Corrections that changed a value from or to this one (case-insensitive), e.g. an accession searched for. */
  value?: string;
}

/** Review-item filters, combined with AND. */
export interface ReviewQuery extends SubjectQuery {
  status?: LinkStatus;
  /** Items in this state (an item without a state is open). */
  state?: ReviewState;
}

/**
 * A unit of work that must happen even if the process dies before its queue job runs (a transactional
 * outbox): written before the job is enqueued, removed by the worker once the job's effect is stored.
 * On start the engine re-enqueues every pending entry (queue de-duplication makes that harmless).
 */
export interface PendingJob {
  /** Queue name, e.g. `link` or `deliver:ris`. */
  queue: string;
  /** The job id used for de-duplication. */
  jobId: string;
  /** The job data (ids only). */
  data: unknown;
}

/** A received message, e.g. one HL7 v2 message read from MLLP. */
export interface InboundMessage {
  /** HL7 MSH-10 message control id (or another sender-unique id). */
  controlId: string;
  /** Sender identity, e.g. `MSH-3^MSH-4` or a channel name. */
  source: string;
  /** ISO 8601 instant, supplied by the caller. */
  receivedAt: string;
  /** The message as received. */
  payload: string;
}

/**
 * Durable state of the streaming engine. All methods are async; implementations: memory, PGlite,
 * PostgreSQL (see `src/store/`). Records are stored as given (a JSON round trip: `undefined` fields drop).
 */
export interface Store {
  /** Create or upgrade the schema. Idempotent; safe to call on every start. */
  migrate(): Promise<void>;

  /** Insert or replace a scan by Study Instance UID. True when it was new or its content changed. */
  putScan(scan: Scan): Promise<boolean>;
  /** Insert or replace a report by report id. True when it was new or its content changed. */
  putReport(report: Report): Promise<boolean>;
  getScan(studyInstanceUid: StudyInstanceUid): Promise<Scan | undefined>;
  getReport(reportId: string): Promise<Report | undefined>;
  /** Scans sharing a blocking key with the query, ordered by Study Instance UID. */
  findScanCandidates(query: CandidateQuery): Promise<Scan[]>;
  /** Reports sharing a blocking key with the query, ordered by report id. */
  findReportCandidates(query: CandidateQuery): Promise<Report[]>;

  /** Insert or replace a link by (study, report). True when it was new or changed. */
  putLink(link: Link): Promise<boolean>;
  /** Links matching the filters, ordered by (study, report). */
  listLinks(query?: SubjectQuery): Promise<Link[]>;

  /** Store a correction once: a second put with the same id is a no-op returning false. */
  putCorrection(correction: Correction): Promise<boolean>;
  /** Corrections matching the filters, ordered by id. */
  listCorrections(query?: CorrectionQuery): Promise<Correction[]>;

  /** Append to the audit trail; returns the entry's `seq`. */
  appendAudit(entry: AuditEntry): Promise<number>;
  /** Audit entries matching the filters, in append order. */
  listAudit(query?: AuditQuery): Promise<AuditRecord[]>;

  /**
   * Insert or replace the review item about one subject (its study and/or report).
   * True when it was new or changed.
   */
  putReviewItem(item: ReviewItem): Promise<boolean>;
  /** Review items matching the filters, ordered by subject. */
  listReviewItems(query?: ReviewQuery): Promise<ReviewItem[]>;

  /** Record a received message unless (source, controlId) was already recorded. */
  recordInbound(message: InboundMessage): Promise<{ duplicate: boolean }>;

  /**
   * Store what one received message carries in one transaction: its reports (upserts), the pending jobs
   * that will process them, and the message's receipt (as {@link recordInbound}). One commit per message
   * keeps the acknowledgement fast, and a crash leaves either all of it or none.
   */
  storeMessage(message: { reports: readonly Report[]; pending: readonly PendingJob[]; inbound: InboundMessage }): Promise<{ duplicate: boolean }>;

  /** Remember a job that must run (see {@link PendingJob}). Idempotent per (queue, jobId). */
  addPending(job: PendingJob): Promise<void>;
  /** Forget a pending job once its effect is stored. No-op when absent. */
  removePending(queue: string, jobId: string): Promise<void>;
  /** Every pending job, oldest first. */
  listPending(): Promise<PendingJob[]>;

  /** Record that a delivery key (see `deliveryKey`) was accepted by its peer. First result wins. */
  recordDelivery(key: string, result: DeliveryResult, at: string): Promise<void>;
  /** The result that delivered a key, if any. */
  getDelivery(key: string): Promise<DeliveryResult | undefined>;

  /** A named position of a poller (FHIR `_lastUpdated`, Orthanc `/changes` seq). */
  getCheckpoint(name: string): Promise<string | undefined>;
  putCheckpoint(name: string, value: string): Promise<void>;

  /**
   * Runs `fn` while holding an exclusive lock on `key`, across every process sharing this store
   * (PostgreSQL advisory locks; memory and PGlite stores, owned by one process, lock in process). The link
   * stage locks the patient it decides about, so workers on several machines never decide one patient's
   * records at the same time.
   */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;

  /** Release connections. The store must not be used afterwards. */
  close(): Promise<void>;
}
