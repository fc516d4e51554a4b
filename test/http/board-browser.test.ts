/**
 * The queue board as an operator sees it: headless Chromium (Debian's, as CI installs it) asks for
 * Basic credentials, renders the board, and shows a real job from Redis. Every request outside the
 * app's origin is aborted and recorded (the page must make none: CSP blocks the board's web font).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BullmqJobQueue } from '../../src/queue/bullmq.ts';
import { createBullmqQueue } from '../../src/queue/bullmq.ts';
import type { Listening } from './support.ts';
import { listen, TOKEN_B } from './support.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const prefix = `acclink-board-test-${process.pid}-${randomBytes(4).toString('hex')}`;

let queue: BullmqJobQueue;
let server: Listening;
let browser: Browser;

beforeAll(async () => {
  queue = createBullmqQueue({ url: REDIS_URL, prefix });
  await queue.enqueue('ingest', { inboundId: 'inbound-4242' });
  server = await listen({ bullBoard: { queues: [queue.bullQueue('ingest'), queue.bullQueue('link')] } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await queue?.close();
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
});

describe('the queue board in a browser', () => {
  it('without (or with wrong) credentials the browser is challenged and gets no board', async () => {
    for (const httpCredentials of [undefined, { username: 'ops', password: 'not-the-token-0123456789' }]) {
      const context = await browser.newContext(httpCredentials === undefined ? {} : { httpCredentials });
      try {
        const page = await context.newPage();
        const served: number[] = [];
        page.on('response', (r) => served.push(r.status()));
        // Headless Chromium answers a Basic challenge it cannot meet by failing the navigation.
        const outcome = await page.goto(`${server.base}/admin/queues`).then((r) => r?.status(), (e: Error) => e.message);
        expect(String(outcome)).toMatch(/^401$|ERR_INVALID_AUTH_CREDENTIALS/);
        expect(served.filter((status) => status !== 401)).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });

  it('with the token as Basic password it renders the queues and a job, and its own writes pass', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: TOKEN_B } });
    const external: string[] = [];
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route('**/*', async (route) => {
        if (route.request().url().startsWith(server.base)) return route.continue();
        external.push(route.request().url());
        return route.abort();
      });
      await page.goto(`${server.base}/admin/queues`);
      await page.getByText('link', { exact: true }).first().waitFor();
      await page.getByText('ingest', { exact: true }).first().click();
      await page.getByText('inbound-4242').first().waitFor();
      expect(page.url()).toBe(`${server.base}/admin/queues/queue/ingest`);
      // A write from the board's own page (same origin, ambient Basic credentials) is allowed.
      const status = await page.evaluate(async () => (await fetch('/admin/queues/api/queues/link/pause', { method: 'PUT' })).status);
      expect(status).toBe(200);
      expect(await queue.bullQueue('link').isPaused()).toBe(true);
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
