/**
 * The job-queue port of the streaming engine (issue 3): hands work between the pipeline stages
 * (`ingest` → `standardize` → `link` → `deliver:<destination>`). Pure types; adapters live in `src/queue/`.
 *
 * Jobs carry ids only (the records themselves live in the Store), so a job is small, JSON-serializable
 * and safe to retry: handlers must be idempotent, since delivery is at-least-once.
 */

/** The pipeline stages. `deliver` runs one queue per destination, see {@link QueueName}. */
export type Stage = 'ingest' | 'standardize' | 'link' | 'deliver';

/** A queue: one per stage, except `deliver`, which has one per destination (`deliver:<name>`). */
export type QueueName = 'ingest' | 'standardize' | 'link' | `deliver:${string}`;

/** `ingest`: parse and store one received message (see `Store.recordInbound`). */
export interface IngestJob {
  /** The inbound message's id in the store. */
  inboundId: string;
}

/** `standardize` / `link`: (re)process one subject: a study, a report, or both. */
export interface SubjectJob {
  studyInstanceUid?: string;
  reportId?: string;
}

/** `deliver:<destination>`: send one correction to one destination. */
export interface DeliverJob {
  correctionId: string;
  /** The destination's name; equals the `<name>` of the queue. */
  destination: string;
}

/** The data of a job on queue `Q`. */
export type JobData<Q extends QueueName> =
  Q extends `deliver:${string}` ? DeliverJob
    : Q extends 'ingest' ? IngestJob
      : SubjectJob;

/** The stage a queue belongs to: `deliver:pacs` → `deliver`. */
export function stageOf(queue: QueueName): Stage {
  return queue.startsWith('deliver:') ? 'deliver' : queue as Stage;
}

/** The delivery queue of one destination. */
export function deliverQueue(destination: string): `deliver:${string}` {
  return `deliver:${destination}`;
}

/** Options of {@link JobQueue.enqueue}. */
export interface EnqueueOptions {
  /**
   * De-duplication key, unique per queue: while a job with this id is present (waiting, active,
   * awaiting a retry, or dead), enqueuing it again is a no-op. Completed jobs are removed, so the same
   * id can be queued again afterwards. Without it, a fresh id is generated.
   */
  jobId?: string;
  /** Total attempts (first run included) before the job is dead-lettered. At least 1; adapter default. */
  attempts?: number;
  /** Base of the exponential backoff: the retry after failed attempt `n` waits `backoffMs · 2^(n-1)`. */
  backoffMs?: number;
}

/** A job as given to a handler. */
export interface Job<Q extends QueueName = QueueName> {
  /** The job id: the `jobId` given at enqueue, or a generated one. */
  id: string;
  queue: Q;
  data: JobData<Q>;
  /** 1 on the first run, 2 on the first retry, and so on. */
  attempt: number;
}

/** Processes one job; a rejection (or throw) counts as a failed attempt. */
export type JobHandler<Q extends QueueName = QueueName> = (job: Job<Q>) => Promise<void>;

/** Options of {@link JobQueue.work}. */
export interface WorkOptions {
  /** Jobs this worker runs at the same time. Default 1. */
  concurrency?: number;
}

/** A running worker. */
export interface WorkerHandle {
  /** Stop taking jobs and resolve once the jobs in flight have finished (graceful). Idempotent. */
  close(): Promise<void>;
}

/** A job that failed all its attempts. */
export interface DeadLetter<Q extends QueueName = QueueName> {
  id: string;
  queue: Q;
  data: JobData<Q>;
  /** Attempts made, i.e. the job's `attempts` option. */
  attempts: number;
  /** Message of the last attempt's error. */
  error: string;
}

/**
 * Job counts of one queue, for metrics. A present job is in exactly one of `waiting`, `active`,
 * `failed` and `dead`; `completed` is a running total.
 */
export interface QueueCounts {
  /** Ready to run (including retries whose backoff has elapsed). */
  waiting: number;
  /** Running in a handler now. */
  active: number;
  /** Failed an attempt and waiting out the backoff before the next one. */
  failed: number;
  /** Jobs completed so far (not kept: completed jobs are removed). */
  completed: number;
  /** Failed every attempt; listed by {@link JobQueue.deadLetters}. */
  dead: number;
}

/**
 * Work queues between the engine's stages. Delivery is at-least-once; a failed attempt is retried with
 * exponential backoff, and a job failing all its attempts is kept as a dead letter.
 * Implementations: in-process memory and BullMQ on Redis (see `src/queue/`).
 */
export interface JobQueue {
  /** Add a job; resolves to its id (the existing job's id when `jobId` de-duplicated it). */
  enqueue<Q extends QueueName>(queue: Q, data: JobData<Q>, opts?: EnqueueOptions): Promise<string>;
  /** Start a worker running `handler` on the jobs of `queue`. Several workers may share a queue. */
  work<Q extends QueueName>(queue: Q, handler: JobHandler<Q>, opts?: WorkOptions): WorkerHandle;
  /** The dead letters of `queue`, oldest first. */
  deadLetters<Q extends QueueName>(queue: Q): Promise<DeadLetter<Q>[]>;
  /** Current counts of `queue`. */
  counts(queue: QueueName): Promise<QueueCounts>;
  /** Close every worker (gracefully) and release connections. The queue must not be used afterwards. */
  close(): Promise<void>;
}
