/**
 * {@link JobQueue} on Redis with BullMQ: durable, shared by several engine processes.
 *
 * Mapping: one BullMQ queue per {@link QueueName} (`deliver:<name>` becomes `deliver.<encoded name>`,
 * BullMQ forbids `:`); `jobId` is BullMQ's job id (encoded, as BullMQ forbids `:` and integer ids);
 * retries are BullMQ `attempts` with `backoff: { type: 'exponential', delay: backoffMs }`; the dead
 * letters are BullMQ's failed set (a job lands there only after its last attempt); completed jobs are
 * removed (`removeOnComplete`) and counted with BullMQ metrics. Stalled jobs (a worker process died)
 * are recovered by BullMQ's defaults.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type {
  DeadLetter, EnqueueOptions, Job, JobData, JobHandler, JobQueue, QueueCounts, QueueName, WorkerHandle, WorkOptions,
} from '../model/queue.ts';
import { errorMessage, jobSettings } from './memory.ts';

/** Options of {@link createBullmqQueue}. */
export interface BullmqQueueOptions {
  /** Redis URL; default `REDIS_URL` or `redis://127.0.0.1:6379`. */
  url?: string;
  /** Extra ioredis options (`maxRetriesPerRequest` is forced to null, as BullMQ requires). */
  redis?: RedisOptions;
  /** Prefix of every Redis key; default `acclink`. Use a unique one per test run. */
  prefix?: string;
  /** Default `attempts` of a job. Default 5. */
  attempts?: number;
  /** Default `backoffMs` of a job. Default 1000. */
  backoffMs?: number;
  /** Dead letters kept per queue (oldest dropped first); default: all. */
  keepDead?: number;
  /**
   * How long a running job stays locked to its worker without renewal (BullMQ `lockDuration`, also the
   * stalled-job check interval): a killed worker's jobs run again elsewhere after about this long.
   * Default: BullMQ's (30 s).
   */
  lockDurationMs?: number;
  /** Receives connection and worker errors; default: logged to stderr. */
  onError?: (error: Error) => void;
}

/** The BullMQ queue name of a {@link QueueName}: injective, and free of `:`. */
export function bullQueueName(queue: QueueName): string {
  return queue.startsWith('deliver:') ? `deliver.${encodeURIComponent(queue.slice('deliver:'.length))}` : queue;
}

/** Encodes a job id for BullMQ (no `:`, never an integer); {@link decodeJobId} reverses it. */
export function encodeJobId(id: string): string {
  return `j${encodeURIComponent(id)}`;
}

/** Reverses {@link encodeJobId}. */
export function decodeJobId(bullId: string | undefined): string {
  if (bullId === undefined) throw new Error('BullMQ job without an id');
  return bullId.startsWith('j') ? decodeURIComponent(bullId.slice(1)) : bullId;
}

/** The BullMQ adapter: a {@link JobQueue} that also hands out its BullMQ queues, for operations tools (bull-board). */
export interface BullmqJobQueue extends JobQueue {
  /** The BullMQ queue behind `name`, created on first use; `close()` closes it. Do not close it yourself. */
  bullQueue(name: QueueName): Queue;
  /** The BullMQ queues created so far (by enqueue, counts, dead letters or {@link bullQueue}). */
  bullQueues(): Queue[];
  /** The Redis connection the queues share, e.g. for a health check's PING. Do not close it yourself. */
  redis(): Redis;
}

/** Creates a job queue on Redis. Connects lazily; `close()` releases every connection. */
export function createBullmqQueue(options: BullmqQueueOptions = {}): BullmqJobQueue {
  const defaults = { attempts: options.attempts ?? 5, backoffMs: options.backoffMs ?? 1000 };
  const prefix = options.prefix ?? 'acclink';
  const onError = options.onError ?? ((e: Error) => { console.error('[acclink queue]', e); });
  const connection = new Redis(options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    ...options.redis, maxRetriesPerRequest: null,
  });
  connection.on('error', onError);
  const queues = new Map<QueueName, Queue>();
  const workers = new Set<Worker>();
  let closed = false;

  const assertOpen = (): void => {
    if (closed) throw new Error('The job queue is closed');
  };

  const queueOf = (name: QueueName): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(bullQueueName(name), {
        connection, prefix,
        defaultJobOptions: { removeOnComplete: true, removeOnFail: options.keepDead ?? false },
      });
      q.on('error', onError);
      queues.set(name, q);
    }
    return q;
  };

  return {
    bullQueue(name: QueueName): Queue {
      assertOpen();
      return queueOf(name);
    },

    bullQueues(): Queue[] {
      return [...queues.values()];
    },

    redis(): Redis {
      return connection;
    },

    async enqueue<Q extends QueueName>(name: Q, data: JobData<Q>, opts?: EnqueueOptions): Promise<string> {
      assertOpen();
      const { attempts, backoffMs } = jobSettings(opts, defaults);
      const id = opts?.jobId ?? randomUUID();
      await queueOf(name).add(name, data, {
        jobId: encodeJobId(id), attempts, backoff: { type: 'exponential', delay: backoffMs },
      });
      return id;
    },

    work<Q extends QueueName>(name: Q, handler: JobHandler<Q>, opts?: WorkOptions): WorkerHandle {
      assertOpen();
      const concurrency = opts?.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
      const worker = new Worker(bullQueueName(name), async (job: BullJob<JobData<Q>>) => {
        const j: Job<Q> = { id: decodeJobId(job.id), queue: name, data: job.data, attempt: job.attemptsMade + 1 };
        await handler(j);
      }, {
        connection, prefix, concurrency, metrics: { maxDataPoints: 60 },
        // A worker that died (kill -9) holds its jobs until its lock expires; they are then found stalled
        // and run again by another worker.
        ...(options.lockDurationMs !== undefined ? { lockDuration: options.lockDurationMs, stalledInterval: options.lockDurationMs } : {}),
      });
      worker.on('error', onError);
      workers.add(worker);
      let closing: Promise<void> | undefined;
      return {
        close(): Promise<void> {
          closing ??= worker.close().finally(() => { workers.delete(worker); });
          return closing;
        },
      };
    },

    async deadLetters<Q extends QueueName>(name: Q): Promise<DeadLetter<Q>[]> {
      const jobs = await queueOf(name).getJobs(['failed'], 0, -1, true) as BullJob<JobData<Q>>[];
      return jobs.map((job) => ({
        id: decodeJobId(job.id), queue: name, data: job.data, attempts: job.attemptsMade, error: job.failedReason,
      }));
    },

    async counts(name: QueueName): Promise<QueueCounts> {
      const q = queueOf(name);
      const [c, completed] = await Promise.all([
        q.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed'),
        q.getMetrics('completed', 0, 0),
      ]);
      const n = (k: string): number => c[k] ?? 0;
      return {
        waiting: n('wait') + n('prioritized'), active: n('active'), failed: n('delayed'),
        completed: completed.meta.count, dead: n('failed'),
      };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...workers].map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      await connection.quit().catch((e: unknown) => { onError(e instanceof Error ? e : new Error(errorMessage(e))); });
    },
  };
}
