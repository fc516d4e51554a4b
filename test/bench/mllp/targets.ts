/**
 * The servers `npm run bench:mllp` measures, all listening on loopback in the same process:
 * - `echo`: a bare MLLP echo server (constant ACK bytes, no parsing, no store): the ceiling;
 * - `listener`: our MLLP listener (parse, build the ACK) with a handler that answers AA at once: what
 *   the listener costs before any store;
 * - `fsync`: our listener whose handler appends to a file and waits for an fdatasync batched every 5 ms
 *   (a simulated durable store, no engine);
 * - `pglite`: the engine's listener and ingest stage (`startEngine` without workers) on PGlite in a
 *   temporary folder and the in-process queue: the embedded default of `acclink serve`;
 * - `postgres`: the same on PostgreSQL (a schema of its own, dropped at the end) and BullMQ on Redis (a
 *   key prefix of its own, deleted at the end): the production setup.
 * No link or deliver worker runs: `link` jobs pile up in the queue and the pending outbox.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { encodeFrame, MllpFrameDecoder } from '../../../src/channels/mllp/framing.ts';
import { createMllpServer } from '../../../src/channels/mllp/server.ts';
import { startEngine, type Engine } from '../../../src/engine/engine.ts';
import type { JobQueue } from '../../../src/model/queue.ts';
import type { Store } from '../../../src/model/store.ts';
import { createBullmqQueue } from '../../../src/queue/bullmq.ts';
import { createMemoryQueue } from '../../../src/queue/memory.ts';
import { createPgliteStore } from '../../../src/store/pglite.ts';
import { createPostgresStore } from '../../../src/store/postgres.ts';

export type TargetKey = 'echo' | 'listener' | 'fsync' | 'pglite' | 'postgres';

/** A server under test, listening. */
export interface Target {
  key: TargetKey;
  label: string;
  port: number;
  /** Whether its ACK names the message's MSH-10 (the echo's does not). */
  expectId: boolean;
  /** Settings that decide what "durable" means for it, for the notes. */
  facts: string[];
  /** What the store and queue hold after the run: proof the real path ran. */
  verify(): Promise<string>;
  /** Stops it and removes everything it created. Safe to call twice. */
  close(): Promise<void>;
}

/** A target that could not be started, and why. */
export interface Skipped {
  key: TargetKey;
  label: string;
  reason: string;
}

export const LABELS: Record<TargetKey, string> = {
  echo: 'bare echo',
  listener: 'listener, no store',
  fsync: 'listener+fsync sim',
  pglite: 'engine PGlite+memq',
  postgres: 'engine PG+BullMQ',
};

const once = (fn: () => Promise<void>): (() => Promise<void>) => {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
};

/** Bare echo: answers every frame with a constant ACK. */
export async function startEcho(): Promise<Target> {
  const reply = encodeFrame('MSH|^~\\&|E||||20240305120000||ACK|1|P|2.5.1\rMSA|AA|1\r');
  let frames = 0;
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    const d = new MllpFrameDecoder();
    s.on('data', (c: Buffer) => {
      for (const e of d.push(c)) if (e.type === 'frame') { frames++; s.write(reply); }
    });
    s.on('error', () => undefined);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    key: 'echo', label: LABELS.echo, port, expectId: false,
    facts: ['constant ACK bytes, no HL7 parsing, no store'],
    verify: () => Promise.resolve(`${frames} frames answered`),
    close: once(() => new Promise<void>((resolve) => { server.close(() => resolve()); })),
  };
}

/** Our MLLP listener with a handler that answers AA at once (no store). */
export async function startListenerOnly(): Promise<Target> {
  let handled = 0;
  let n = 0;
  const server = createMllpServer({
    handle: () => { handled++; return Promise.resolve({ code: 'AA' }); },
    ackIds: () => `A${++n}`,
    clock: () => new Date(),
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    key: 'listener', label: LABELS.listener, port, expectId: true,
    facts: ['HL7 parse and ACK build per message, nothing stored (not durable)'],
    verify: () => Promise.resolve(`${handled} messages handled`),
    close: once(() => server.close({ timeoutMs: 5000 })),
  };
}

/** Appends to a file; callers wait for the next fdatasync, issued at most every 5 ms. */
async function batchedFsyncLog(path: string): Promise<{ put: (text: string) => Promise<void>; close: () => Promise<void> }> {
  const fh = await open(path, 'a');
  let pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let buf: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = async (): Promise<void> => {
    timer = undefined;
    const waiters = pending;
    const data = buf.join('');
    pending = [];
    buf = [];
    try {
      await fh.appendFile(data);
      await fh.datasync();
      for (const w of waiters) w.resolve();
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
  };
  return {
    put: (text) => new Promise<void>((resolve, reject) => {
      buf.push(text, '\n');
      pending.push({ resolve, reject });
      timer ??= setTimeout(() => void flush(), 5);
    }),
    close: async () => {
      if (timer !== undefined) { clearTimeout(timer); await flush(); }
      await fh.close();
    },
  };
}

/** Our MLLP listener with a handler that resolves after a batched fdatasync (no engine). */
export async function startFsyncSim(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'acclink-mllp-bench-'));
  const log = await batchedFsyncLog(join(dir, 'store.log'));
  let stored = 0;
  let n = 0;
  const server = createMllpServer({
    handle: async (text) => { await log.put(text); stored++; return { code: 'AA' }; },
    ackIds: () => `A${++n}`,
    clock: () => new Date(),
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    key: 'fsync', label: LABELS.fsync, port, expectId: true,
    facts: [`append + fdatasync batched every 5 ms, in ${tmpdir()} (ext4 on this machine)`],
    verify: () => Promise.resolve(`${stored} messages appended and synced`),
    close: once(async () => {
      await server.close({ timeoutMs: 5000 });
      await log.close();
      await rm(dir, { recursive: true, force: true });
    }),
  };
}

/** The engine's listener and ingest stage, without workers, on the given adapters. */
function startIngestOnly(store: Store, queue: JobQueue): Promise<Engine> {
  return startEngine({
    store, queue, sinks: {}, workers: false, sweepIntervalMs: 0, clock: () => new Date(),
    mllp: { port: 0, host: '127.0.0.1' },
  });
}

function outcomes(engine: Engine): string {
  const m = engine.stats.messages;
  return `ingest outcomes: ${m.accepted} accepted, ${m.duplicate} duplicate, ${m.rejected} rejected`;
}

/** Engine on PGlite in a temporary folder plus the in-process queue. */
export async function startPglite(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'acclink-mllp-bench-pglite-'));
  const db = await PGlite.create(dir);
  const store = await createPgliteStore({ db });
  await store.migrate();
  const queue = createMemoryQueue();
  const setting = async (name: string): Promise<string> =>
    (await db.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]?.v ?? '?';
  const facts = [`PGlite data folder in ${tmpdir()}: fsync=${await setting('fsync')}, synchronous_commit=${await setting('synchronous_commit')}`,
    'in-process queue (nothing kept across a restart; the pending outbox in PGlite is)'];
  const engine = await startIngestOnly(store, queue);
  const count = async (table: string): Promise<number> => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
  return {
    key: 'pglite', label: LABELS.pglite, port: engine.address?.port ?? 0, expectId: true, facts,
    verify: async () => `${outcomes(engine)}; stored ${await count('inbound_messages')} inbound messages, ${await count('reports')} reports, `
      + `${await count('pending_jobs')} pending jobs; ${(await queue.counts('link')).waiting} link jobs waiting in the queue`,
    close: once(async () => {
      await engine.stop();
      await queue.close();
      await store.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }),
  };
}

/** Where the production row connects: the tests' defaults, overridable the same way. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redact = (url: string): string => url.replace(/:[^:@/]*@/, ':***@');

async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) deleted += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}

/** Engine on PostgreSQL and BullMQ; a {@link Skipped} when either server does not answer. */
export async function startPostgres(): Promise<Target | Skipped> {
  const tag = randomUUID().replace(/-/g, '').slice(0, 10);
  const schema = `acclink_bench_${tag}`;
  const prefix = `acclink-bench-${tag}`;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1, connectionTimeoutMillis: 3000 });
  admin.on('error', () => undefined);
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  const skip = async (reason: string): Promise<Skipped> => {
    await admin.end().catch(() => undefined);
    redis.disconnect();
    return { key: 'postgres', label: LABELS.postgres, reason };
  };
  try {
    await admin.query('SELECT 1');
  } catch (e) {
    return skip(`PostgreSQL not reachable at ${redact(DATABASE_URL)} (${String(e)})`);
  }
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    return skip(`Redis not reachable at ${redact(REDIS_URL)} (${String(e)})`);
  }
  const queueErrors: string[] = [];
  const store = createPostgresStore({ connectionString: DATABASE_URL, schema });
  const queue = createBullmqQueue({ url: REDIS_URL, prefix, onError: (e) => { queueErrors.push(e.message); } });
  const pgSetting = async (name: string): Promise<string> =>
    (await admin.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]?.v ?? '?';
  const redisConfig = async (name: string): Promise<string> => {
    try {
      return (await redis.config('GET', name))[1] ?? '?';
    } catch {
      return 'unknown';
    }
  };
  let engine: Engine | undefined;
  const close = once(async () => {
    await engine?.stop();
    await queue.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await deleteKeys(redis, prefix).catch(() => undefined);
    await admin.end().catch(() => undefined);
    redis.disconnect();
  });
  try {
    await store.migrate();
    engine = await startIngestOnly(store, queue);
  } catch (e) {
    await close();
    return { key: 'postgres', label: LABELS.postgres, reason: `could not start the engine on PostgreSQL/BullMQ (${String(e)})` };
  }
  const started = engine;
  const facts = [
    `PostgreSQL ${await pgSetting('server_version')} at ${redact(DATABASE_URL)}, schema ${schema}: fsync=${await pgSetting('fsync')}, `
    + `synchronous_commit=${await pgSetting('synchronous_commit')}, wal_sync_method=${await pgSetting('wal_sync_method')}; store pool of 10 connections`,
    `Redis at ${redact(REDIS_URL)}, prefix ${prefix}: appendonly=${await redisConfig('appendonly')}, save="${await redisConfig('save')}" `
    + '(the durable copy of each link job is the pending outbox row in PostgreSQL)',
  ];
  const count = async (table: string): Promise<number> =>
    Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`)).rows[0]?.n ?? 0);
  return {
    key: 'postgres', label: LABELS.postgres, port: started.address?.port ?? 0, expectId: true, facts,
    verify: async () => `${outcomes(started)}; stored ${await count('inbound_messages')} inbound messages, ${await count('reports')} reports, `
      + `${await count('pending_jobs')} pending jobs; ${(await queue.counts('link')).waiting} link jobs waiting in BullMQ`
      + (queueErrors.length > 0 ? `; ${queueErrors.length} queue errors, first: ${queueErrors[0]}` : ''),
    close,
  };
}
