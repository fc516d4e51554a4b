/**
 * Runs the JobQueue contract against every adapter: memory and BullMQ on Redis.
 * Redis is required: when it is not reachable the BullMQ tests fail with the reason (CI provides a server).
 * Each BullMQ test gets its own key prefix; its keys are deleted and its connections closed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createBullmqQueue } from '../../src/queue/bullmq.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import type { Timer } from '../../src/queue/memory.ts';
import { queueContract, waitFor } from './contract.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `acclink-test-${process.pid}-${randomBytes(4).toString('hex')}`;
let seq = 0;

queueContract('memory', () => {
  const queue = createMemoryQueue({ backoffMs: 1 });
  return Promise.resolve({ queue, cleanup: () => queue.close() });
});

describe('memory queue specifics', () => {
  /** A timer that fires only when told to. */
  function manualTimer(): Timer & { pending: { fn: () => void; ms: number }[] } {
    const pending: { fn: () => void; ms: number }[] = [];
    return {
      pending,
      setTimeout: (fn, ms) => { const t = { fn, ms }; pending.push(t); return t; },
      clearTimeout: (h) => { const i = pending.indexOf(h as { fn: () => void; ms: number }); if (i >= 0) pending.splice(i, 1); },
    };
  }

  it('backs off exponentially through the injected timer, and retries only when it fires', async () => {
    const timer = manualTimer();
    const q = createMemoryQueue({ timer, backoffMs: 10 });
    const attempts: number[] = [];
    const w = q.work('ingest', (job) => { attempts.push(job.attempt); return Promise.reject(new Error('no')); });
    await q.enqueue('ingest', { inboundId: 'm1' }, { attempts: 4 });
    const delays: number[] = [];
    for (let i = 1; i <= 3; i++) {
      await waitFor(`retry ${i} scheduled`, () => timer.pending.length === 1);
      expect(attempts).toHaveLength(i);
      expect(await q.counts('ingest')).toMatchObject({ failed: 1, waiting: 0, active: 0 });
      const t = timer.pending.shift();
      delays.push(t?.ms ?? -1);
      t?.fn();
    }
    await waitFor('dead', async () => (await q.counts('ingest')).dead === 1);
    expect(delays).toEqual([10, 20, 40]);
    expect(attempts).toEqual([1, 2, 3, 4]);
    await w.close();
    await q.close();
  });

  it('close() cancels pending retries and finishes jobs in flight; later use is refused', async () => {
    const timer = manualTimer();
    const q = createMemoryQueue({ timer });
    q.work('link', (job) => job.data.reportId === 'fail' ? Promise.reject(new Error('x')) : Promise.resolve());
    await q.enqueue('link', { reportId: 'fail' });
    await waitFor('retry scheduled', () => timer.pending.length === 1);
    await q.close();
    expect(timer.pending).toEqual([]);
    await expect(q.enqueue('link', {})).rejects.toThrow(/closed/);
  });
});

// ---- BullMQ on Redis --------------------------------------------------------------------------------

const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
admin.on('error', () => undefined);

/** Fails with an actionable message when Redis is down, instead of skipping. */
async function requireRedis(): Promise<void> {
  try {
    if (admin.status === 'wait' || admin.status === 'end') await admin.connect();
    await admin.ping();
  } catch (e) {
    throw new Error(`Redis is not reachable at ${REDIS_URL.replace(/:[^:@/]*@/, ':***@')} (${String(e)}). `
      + 'The BullMQ queue tests require a server: start one or set REDIS_URL.', { cause: e });
  }
}

/** Deletes every key under `prefix`. */
async function dropKeys(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

afterAll(async () => {
  if (admin.status === 'ready') {
    await dropKeys(runId);
    await admin.quit();
  } else {
    admin.disconnect();
  }
});

queueContract('bullmq', async () => {
  await requireRedis();
  const prefix = `${runId}-${++seq}`;
  const queue = createBullmqQueue({ url: REDIS_URL, prefix, backoffMs: 1 });
  return {
    queue,
    cleanup: async () => {
      await queue.close();
      await dropKeys(prefix);
    },
  };
});

describe('BullMQ queue specifics', () => {
  it('leaves no keys behind once its prefix is dropped, and all connections close', async () => {
    await requireRedis();
    const prefix = `${runId}-${++seq}`;
    const queue = createBullmqQueue({ url: REDIS_URL, prefix, backoffMs: 1 });
    await queue.enqueue('ingest', { inboundId: 'm1' });
    expect((await admin.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
    await queue.close();
    await dropKeys(prefix);
    expect(await admin.keys(`${prefix}:*`)).toEqual([]);
  });
});
