/**
 * The JobQueue contract: every adapter must pass the same suite. Call `queueContract(name, factory)` inside
 * a test file; the factory returns a fresh queue (with a tiny default backoff) and a cleanup that closes it
 * and removes all its data. No test asserts on durations: waits poll for a condition, bounded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job, JobQueue, QueueCounts, QueueName } from '../../src/model/queue.ts';

/** A fresh queue and a function removing it. */
export interface QueueHandle {
  queue: JobQueue;
  cleanup: () => Promise<void>;
}

/** Polls `cond` until true, failing after `timeoutMs` with `what`. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A promise with its resolver exposed. */
export function gate(): { promise: Promise<void>; open: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { promise, open: () => { resolve(); } };
}

const zero: QueueCounts = { waiting: 0, active: 0, failed: 0, completed: 0, dead: 0 };

/** Registers the contract suite for one adapter. */
export function queueContract(name: string, factory: () => Promise<QueueHandle>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let h: QueueHandle;
    let q: JobQueue;
    beforeEach(async () => { h = await factory(); q = h.queue; });
    afterEach(async () => { await h.cleanup(); });

    const countsOf = (queue: QueueName, want: Partial<QueueCounts>) => async (): Promise<boolean> => {
      const c = await q.counts(queue);
      return Object.entries(want).every(([k, v]) => c[k as keyof QueueCounts] === v);
    };

    it('handles each job once, with its id, data and attempt 1', async () => {
      const seen: Job<'link'>[] = [];
      const ids = [
        await q.enqueue('link', { studyInstanceUid: '1.2.3' }, { jobId: 'link:1.2.3' }),
        await q.enqueue('link', { reportId: 'R1' }, { jobId: '42' }),
        await q.enqueue('link', { studyInstanceUid: '1.2.4', reportId: 'R2' }),
      ];
      expect(ids.slice(0, 2)).toEqual(['link:1.2.3', '42']);
      expect(new Set(ids).size).toBe(3);
      const w = q.work('link', async (job) => { seen.push(job); await Promise.resolve(); }, { concurrency: 2 });
      await waitFor('3 completed', countsOf('link', { completed: 3 }));
      await w.close();
      expect(seen.map((j) => j.id).sort()).toEqual([...ids].sort());
      expect(seen.every((j) => j.attempt === 1 && j.queue === 'link')).toBe(true);
      expect(seen.find((j) => j.id === '42')?.data).toEqual({ reportId: 'R1' });
      expect(await q.counts('link')).toEqual({ ...zero, completed: 3 });
    });

    it('keeps queues apart, including one delivery queue per destination', async () => {
      const got: string[] = [];
      const a = q.work('deliver:pacs:main', (job) => { got.push(`${job.queue} ${job.data.correctionId}`); return Promise.resolve(); });
      const b = q.work('deliver:ris.1', (job) => { got.push(`${job.queue} ${job.data.correctionId}`); return Promise.resolve(); });
      await q.enqueue('deliver:pacs:main', { correctionId: 'c1', destination: 'pacs:main' });
      await q.enqueue('deliver:ris.1', { correctionId: 'c2', destination: 'ris.1' });
      await q.enqueue('ingest', { inboundId: 'm1' });
      await waitFor('both delivered', () => got.length === 2);
      await Promise.all([a.close(), b.close()]);
      expect(got.sort()).toEqual(['deliver:pacs:main c1', 'deliver:ris.1 c2']);
      expect(await q.counts('ingest')).toEqual({ ...zero, waiting: 1 });
    });

    it('de-duplicates by jobId while the job is present, not after it completed', async () => {
      expect(await q.enqueue('standardize', { reportId: 'R1' }, { jobId: 'R1' })).toBe('R1');
      expect(await q.enqueue('standardize', { reportId: 'R1-again' }, { jobId: 'R1' })).toBe('R1');
      expect(await q.counts('standardize')).toEqual({ ...zero, waiting: 1 });
      const seen: string[] = [];
      const w = q.work('standardize', (job) => { seen.push(job.data.reportId ?? ''); return Promise.resolve(); });
      await waitFor('1 completed', countsOf('standardize', { completed: 1 }));
      expect(seen).toEqual(['R1']);
      await q.enqueue('standardize', { reportId: 'R1-later' }, { jobId: 'R1' });
      await waitFor('2 completed', countsOf('standardize', { completed: 2 }));
      await w.close();
      expect(seen).toEqual(['R1', 'R1-later']);
    });

    it('retries a failing job with backoff, then dead-letters it with the last error', async () => {
      const attempts: number[] = [];
      const w = q.work('ingest', (job) => {
        attempts.push(job.attempt);
        return Promise.reject(new Error(`boom on attempt ${job.attempt}`));
      });
      await q.enqueue('ingest', { inboundId: 'm1' }, { jobId: 'm1', attempts: 3 });
      await waitFor('1 dead', countsOf('ingest', { dead: 1 }));
      await w.close();
      expect(attempts).toEqual([1, 2, 3]);
      expect(await q.deadLetters('ingest')).toEqual([
        { id: 'm1', queue: 'ingest', data: { inboundId: 'm1' }, attempts: 3, error: 'boom on attempt 3' },
      ]);
      expect(await q.counts('ingest')).toEqual({ ...zero, dead: 1 });
      // A dead job is still present: its jobId stays taken.
      await q.enqueue('ingest', { inboundId: 'm1' }, { jobId: 'm1' });
      expect(await q.counts('ingest')).toEqual({ ...zero, dead: 1 });
      expect(await q.deadLetters('deliver:nowhere')).toEqual([]);
    });

    it('completes on attempt 2 a job that fails once', async () => {
      const attempts: number[] = [];
      const w = q.work('link', (job) => {
        attempts.push(job.attempt);
        return job.attempt === 1 ? Promise.reject(new Error('transient')) : Promise.resolve();
      });
      await q.enqueue('link', { studyInstanceUid: '1.2' }, { attempts: 3 });
      await waitFor('1 completed', countsOf('link', { completed: 1 }));
      await w.close();
      expect(attempts).toEqual([1, 2]);
      expect(await q.deadLetters('link')).toEqual([]);
      expect(await q.counts('link')).toEqual({ ...zero, completed: 1 });
    });

    it('a worker closes gracefully: the job in flight finishes first', async () => {
      const log: string[] = [];
      const g = gate();
      const w = q.work('deliver:pacs', async (job) => {
        log.push(`start ${job.id}`);
        await g.promise;
        log.push(`end ${job.id}`);
      });
      await q.enqueue('deliver:pacs', { correctionId: 'c1', destination: 'pacs' }, { jobId: 'c1' });
      await waitFor('job started', () => log.length === 1);
      const closing = w.close().then(() => { log.push('closed'); });
      await waitFor('job active', countsOf('deliver:pacs', { active: 1 }));
      log.push('release');
      g.open();
      await closing;
      expect(log).toEqual(['start c1', 'release', 'end c1', 'closed']);
      expect(await q.counts('deliver:pacs')).toEqual({ ...zero, completed: 1 });
      // After close, the worker takes no more jobs.
      await q.enqueue('deliver:pacs', { correctionId: 'c2', destination: 'pacs' }, { jobId: 'c2' });
      expect(await q.counts('deliver:pacs')).toEqual({ ...zero, waiting: 1, completed: 1 });
    });

    it('counts reflect waiting, active, failed (awaiting retry), completed and dead', async () => {
      const g = gate();
      await q.enqueue('link', { reportId: 'hold' }, { jobId: 'hold' });
      await q.enqueue('link', { reportId: 'queued' }, { jobId: 'queued' });
      expect(await q.counts('link')).toEqual({ ...zero, waiting: 2 });
      const w = q.work('link', async (job) => {
        if (job.id === 'hold') await g.promise;
        if (job.id === 'retry-later') throw new Error('later');
        if (job.id === 'die') throw new Error('dead');
      });
      await waitFor('1 active, 1 waiting', countsOf('link', { active: 1, waiting: 1 }));
      g.open();
      await waitFor('2 completed', countsOf('link', { completed: 2, active: 0, waiting: 0 }));
      await q.enqueue('link', { reportId: 'retry-later' }, { jobId: 'retry-later', attempts: 2, backoffMs: 3_600_000 });
      await q.enqueue('link', { reportId: 'die' }, { jobId: 'die', attempts: 1 });
      await waitFor('1 failed, 1 dead', countsOf('link', { failed: 1, dead: 1 }));
      await w.close();
      expect(await q.counts('link')).toEqual({ waiting: 0, active: 0, failed: 1, completed: 2, dead: 1 });
    });

    it('rejects invalid options', async () => {
      await expect(q.enqueue('ingest', { inboundId: 'x' }, { attempts: 0 })).rejects.toThrow(/attempts/);
      await expect(q.enqueue('ingest', { inboundId: 'x' }, { backoffMs: -1 })).rejects.toThrow(/backoffMs/);
      expect(() => q.work('ingest', () => Promise.resolve(), { concurrency: 0 })).toThrow(/concurrency/);
    });
  });
}
