/**
 * The BullMQ board behind the same authentication, on real Redis (127.0.0.1:6379) with a key prefix of
 * this run's own (deleted afterwards), plus `/metrics` and `/health` fed by the same real queues.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealth, redisCheck } from '../../src/channels/http/health.ts';
import { createMetrics } from '../../src/channels/http/metrics.ts';
import { deliverQueue } from '../../src/model/queue.ts';
import type { QueueName } from '../../src/model/queue.ts';
import type { BullmqJobQueue } from '../../src/queue/bullmq.ts';
import { createBullmqQueue } from '../../src/queue/bullmq.ts';
import type { Listening } from './support.ts';
import { bearer, listen, TOKEN_A, TOKEN_B } from './support.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `acclink-http-test-${process.pid}-${randomBytes(4).toString('hex')}`;
const QUEUES: QueueName[] = ['ingest', 'link', deliverQueue('pacs')];

let queue: BullmqJobQueue;
let server: Listening;

const basic = (token: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`ops:${token}`).toString('base64')}` });

beforeAll(async () => {
  queue = createBullmqQueue({ url: REDIS_URL, prefix });
  await queue.enqueue('ingest', { inboundId: 'in-1' });
  await queue.enqueue('ingest', { inboundId: 'in-2' });
  await queue.enqueue(deliverQueue('pacs'), { correctionId: 'c-1', destination: 'pacs' });
  server = await listen({
    health: createHealth([redisCheck(queue.redis())]),
    metrics: createMetrics({
      defaultMetrics: false,
      queueCounts: async () => Object.fromEntries(await Promise.all(QUEUES.map(async (q) => [q, await queue.counts(q)] as const))),
    }),
    bullBoard: { queues: QUEUES.map((q) => queue.bullQueue(q)) },
  });
});

afterAll(async () => {
  await server?.close();
  await queue?.close();
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
});

describe('bull-board at /admin/queues', () => {
  it('refuses the page, its API and its static assets without a token, offering Basic to browsers', async () => {
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues', '/admin/queues/static/favicon-32x32.png']) {
      const res = await fetch(`${server.base}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="acclink", Basic realm="acclink", charset="UTF-8"');
    }
    expect((await fetch(`${server.base}/admin/queues/api/queues`, { headers: basic('not-the-token-at-all') })).status).toBe(401);
  });

  it('serves the page (HTML) and every asset it references to a token holder', async () => {
    const page = await fetch(`${server.base}/admin/queues`, { headers: bearer(TOKEN_A) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('acclink queues');
    // The page names its assets relative to <base href>: resolve them as a browser would.
    const baseHref = /<base href="([^"]+)"/.exec(html)?.[1];
    expect(baseHref).toBe('/admin/queues/');
    const assets = [...html.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => `${baseHref}${m[1] as string}`);
    expect(assets.length).toBeGreaterThan(1);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      expect((await fetch(`${server.base}${asset}`)).status, asset).toBe(401);
      const res = await fetch(`${server.base}${asset}`, { headers: basic(TOKEN_B) });
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      await res.arrayBuffer();
    }
  });

  it('its API lists the real queues and their jobs', async () => {
    const res = await fetch(`${server.base}/admin/queues/api/queues?activeQueue=ingest&status=waiting&page=1`, { headers: bearer(TOKEN_A) });
    expect(res.status).toBe(200);
    const body = await res.json() as { queues: { name: string; counts: Record<string, number>; jobs: { data: unknown }[] }[] };
    const byName = new Map(body.queues.map((q) => [q.name, q]));
    expect([...byName.keys()].sort()).toEqual(['deliver.pacs', 'ingest', 'link']);
    expect(byName.get('ingest')?.counts.waiting).toBe(2);
    expect(byName.get('deliver.pacs')?.counts.waiting).toBe(1);
    expect(byName.get('ingest')?.jobs.map((j) => j.data)).toEqual(expect.arrayContaining([{ inboundId: 'in-1' }, { inboundId: 'in-2' }]));
  });

  it('refuses cross-site writes made with browser (Basic) credentials, not bearer ones', async () => {
    const url = `${server.base}/admin/queues/api/queues/link/pause`;
    const forged = await fetch(url, { method: 'PUT', headers: { ...basic(TOKEN_A), origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(forged.status).toBe(403);
    const host = new URL(server.base).host;
    const own = await fetch(url, { method: 'PUT', headers: { ...basic(TOKEN_A), origin: `http://${host}`, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(200);
    expect(await queue.bullQueue('link').isPaused()).toBe(true);
    const resume = await fetch(`${server.base}/admin/queues/api/queues/link/resume`, { method: 'PUT', headers: { ...bearer(TOKEN_A), origin: 'https://elsewhere.example' } });
    expect(resume.status).toBe(200);
    expect(await queue.bullQueue('link').isPaused()).toBe(false);
  });
});

describe('metrics and health from the same queues', () => {
  it('acclink_queue_jobs shows the real BullMQ counts', async () => {
    const res = await fetch(`${server.base}/metrics`, { headers: bearer(TOKEN_A) });
    const text = await res.text();
    expect(text).toContain('acclink_queue_jobs{queue="ingest",state="waiting"} 2');
    expect(text).toContain('acclink_queue_jobs{queue="deliver:pacs",state="waiting"} 1');
    expect(text).toContain('acclink_queue_jobs{queue="link",state="dead"} 0');
    expect(text).toContain('acclink_queue_counts_up 1');
  });

  it('/health pings Redis through the queue connection', async () => {
    const res = await fetch(`${server.base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', checks: { redis: { status: 'up' } } });
  });
});
