/**
 * In-process {@link JobQueue}: for tests, the CLI and single-process deployments. Nothing survives a
 * restart. Deterministic: jobs run in FIFO order, and backoff waits go through an injected {@link Timer},
 * so a test can fire them at will instead of sleeping.
 */
import type {
  DeadLetter, EnqueueOptions, Job, JobData, JobHandler, JobQueue, QueueCounts, QueueName, WorkerHandle, WorkOptions,
} from '../model/queue.ts';

/** Schedules backoff waits. The default uses the global `setTimeout`. */
export interface Timer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link createMemoryQueue}. */
export interface MemoryQueueOptions {
  /** Default `attempts` of a job. Default 5. */
  attempts?: number;
  /** Default `backoffMs` of a job. Default 1000. */
  backoffMs?: number;
  /** Backoff scheduler; default: real timers. */
  timer?: Timer;
}

interface Rec {
  id: string;
  data: unknown;
  attempts: number;
  backoffMs: number;
  made: number;
}

interface Worker {
  handler: (job: Job) => Promise<void>;
  concurrency: number;
  inFlight: Set<Promise<void>>;
  closed: boolean;
}

interface QueueState {
  waiting: Rec[];
  active: number;
  retrying: Map<string, unknown>;
  dead: DeadLetter[];
  completed: number;
  present: Set<string>;
  workers: Worker[];
}

const realTimer: Timer = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => { clearTimeout(h as ReturnType<typeof setTimeout>); },
};

/** Message of a thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Validates and completes enqueue options. */
export function jobSettings(opts: EnqueueOptions | undefined, defaults: { attempts: number; backoffMs: number }): { attempts: number; backoffMs: number } {
  const attempts = opts?.attempts ?? defaults.attempts;
  const backoffMs = opts?.backoffMs ?? defaults.backoffMs;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be an integer >= 1, got ${attempts}`);
  if (!Number.isFinite(backoffMs) || backoffMs < 0) throw new RangeError(`backoffMs must be >= 0, got ${backoffMs}`);
  return { attempts, backoffMs };
}

/** Creates an in-process job queue. */
export function createMemoryQueue(options: MemoryQueueOptions = {}): JobQueue {
  const defaults = { attempts: options.attempts ?? 5, backoffMs: options.backoffMs ?? 1000 };
  const timer = options.timer ?? realTimer;
  const queues = new Map<QueueName, QueueState>();
  let nextId = 0;
  let closed = false;

  const state = (name: QueueName): QueueState => {
    let s = queues.get(name);
    if (!s) {
      s = { waiting: [], active: 0, retrying: new Map(), dead: [], completed: 0, present: new Set(), workers: [] };
      queues.set(name, s);
    }
    return s;
  };

  const assertOpen = (): void => {
    if (closed) throw new Error('The job queue is closed');
  };

  /** Hands waiting jobs to workers with free slots, round robin over the workers. */
  const pump = (name: QueueName): void => {
    const s = state(name);
    let progressed = true;
    while (s.waiting.length > 0 && progressed) {
      progressed = false;
      for (const w of s.workers) {
        if (w.closed || w.inFlight.size >= w.concurrency) continue;
        const rec = s.waiting.shift();
        if (!rec) break;
        run(name, s, w, rec);
        progressed = true;
      }
    }
  };

  const run = (name: QueueName, s: QueueState, w: Worker, rec: Rec): void => {
    s.active++;
    rec.made++;
    const job: Job = { id: rec.id, queue: name, data: structuredClone(rec.data) as JobData<QueueName>, attempt: rec.made };
    const p = Promise.resolve()
      .then(() => w.handler(job))
      .then(
        () => { s.completed++; s.present.delete(rec.id); },
        (e: unknown) => { failed(name, s, rec, e); },
      )
      .finally(() => {
        s.active--;
        w.inFlight.delete(p);
        pump(name);
      });
    w.inFlight.add(p);
  };

  const failed = (name: QueueName, s: QueueState, rec: Rec, e: unknown): void => {
    if (rec.made >= rec.attempts) {
      s.dead.push({ id: rec.id, queue: name, data: rec.data as JobData<QueueName>, attempts: rec.made, error: errorMessage(e) });
      return;
    }
    const delay = rec.backoffMs * 2 ** (rec.made - 1);
    const handle = timer.setTimeout(() => {
      if (!s.retrying.delete(rec.id)) return;
      s.waiting.push(rec);
      pump(name);
    }, delay);
    s.retrying.set(rec.id, handle);
  };

  return {
    enqueue<Q extends QueueName>(name: Q, data: JobData<Q>, opts?: EnqueueOptions): Promise<string> {
      try {
        assertOpen();
        const { attempts, backoffMs } = jobSettings(opts, defaults);
        const s = state(name);
        const id = opts?.jobId ?? `job-${++nextId}`;
        if (s.present.has(id)) return Promise.resolve(id);
        s.present.add(id);
        s.waiting.push({ id, data: structuredClone(data), attempts, backoffMs, made: 0 });
        queueMicrotask(() => { pump(name); });
        return Promise.resolve(id);
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(errorMessage(e)));
      }
    },

    work<Q extends QueueName>(name: Q, handler: JobHandler<Q>, opts?: WorkOptions): WorkerHandle {
      assertOpen();
      const concurrency = opts?.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
      const s = state(name);
      const w: Worker = { handler: handler as (job: Job) => Promise<void>, concurrency, inFlight: new Set(), closed: false };
      s.workers.push(w);
      queueMicrotask(() => { pump(name); });
      return {
        async close(): Promise<void> {
          w.closed = true;
          s.workers = s.workers.filter((x) => x !== w);
          while (w.inFlight.size > 0) await Promise.all([...w.inFlight]);
        },
      };
    },

    deadLetters<Q extends QueueName>(name: Q): Promise<DeadLetter<Q>[]> {
      return Promise.resolve(state(name).dead.map((d) => structuredClone(d) as DeadLetter<Q>));
    },

    counts(name: QueueName): Promise<QueueCounts> {
      const s = state(name);
      return Promise.resolve({ waiting: s.waiting.length, active: s.active, failed: s.retrying.size, completed: s.completed, dead: s.dead.length });
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const all = [...queues.values()];
      for (const s of all) {
        for (const h of s.retrying.values()) timer.clearTimeout(h);
        s.retrying.clear();
      }
      for (const s of all) {
        const workers = s.workers;
        s.workers = [];
        for (const w of workers) w.closed = true;
        while (workers.some((w) => w.inFlight.size > 0)) await Promise.all(workers.flatMap((w) => [...w.inFlight]));
      }
    },
  };
}
