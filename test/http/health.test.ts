/**
 * Health checks against real dependencies (Redis at 127.0.0.1:6379, PostgreSQL, TCP and HTTP listeners on
 * loopback) and `GET /health` over a real socket.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthCheck } from '../../src/channels/http/health.ts';
import { createHealth, httpCheck, redisCheck, storeCheck, tcpCheck } from '../../src/channels/http/health.ts';
import { freePort } from '../../src/channels/sinks/ris-peer.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createPostgresStore } from '../../src/store/postgres.ts';
import { listen } from './support.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An HTTP server answering every request with `status` (or never, for `hang`). */
async function httpServer(status: number | 'hang'): Promise<string> {
  const server = http.createServer((_req, res) => {
    if (status === 'hang') return;
    res.writeHead(status, { 'content-type': 'text/plain' }).end('patient DOE^JANE');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
}

async function runOne(check: HealthCheck, timeoutMs = 1000): Promise<Record<string, unknown>> {
  const report = await createHealth([check], { timeoutMs }).run();
  return report.checks[check.name] as unknown as Record<string, unknown>;
}

describe('check factories', () => {
  it('redis: up against the real server; a lost server times out instead of hanging', async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    cleanups.push(async () => { redis.disconnect(); await Promise.resolve(); });
    expect(await runOne(redisCheck(redis))).toMatchObject({ status: 'up' });
    // BullMQ's own connections queue commands forever while Redis is away: only the timeout ends the check.
    const lost = new Redis({ host: '127.0.0.1', port: await freePort(), maxRetriesPerRequest: null, retryStrategy: () => 50 });
    lost.on('error', () => undefined);
    cleanups.push(async () => { lost.disconnect(); await Promise.resolve(); });
    const down = await runOne(redisCheck(lost), 300);
    expect(down).toMatchObject({ status: 'down', error: 'HEALTH_TIMEOUT' });
    expect(down.latencyMs).toBeGreaterThanOrEqual(290);
  });

  it('store: down (with the database code) before migrate, up after, on the real PostgreSQL server', async () => {
    const schema = `acclink_health_${process.pid}_${randomBytes(4).toString('hex')}`;
    const store = createPostgresStore({ connectionString: DATABASE_URL, schema, max: 2 });
    cleanups.push(async () => {
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
    });
    cleanups.push(() => store.close());
    expect(await runOne(storeCheck(store), 5000)).toMatchObject({ status: 'down', error: '42P01' }); // undefined_table
    await store.migrate();
    expect(await runOne(storeCheck(store), 5000)).toMatchObject({ status: 'up' });
    expect(await runOne(storeCheck(createMemoryStore()))).toMatchObject({ status: 'up' });
  });

  it('tcp: up when a listener accepts (and the connection is closed again), refused when none does', async () => {
    const server = net.createServer((s) => { s.on('error', () => undefined); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    expect(await runOne(tcpCheck('mllp:ris', '127.0.0.1', port))).toMatchObject({ status: 'up' });
    await new Promise<void>((resolve) => {
      const poll = (): void => { server.getConnections((_e, n) => (n === 0 ? resolve() : setTimeout(poll, 10))); };
      poll();
    });
    expect(await runOne(tcpCheck('mllp:pacs', '127.0.0.1', await freePort())))
      .toMatchObject({ status: 'down', error: 'HEALTH_UNREACHABLE', cause: 'ECONNREFUSED' });
  });

  it('http: 2xx and 401 are reachable; 5xx, refused and silent servers are not', async () => {
    expect(await runOne(httpCheck('fhir', await httpServer(200)))).toMatchObject({ status: 'up' });
    expect(await runOne(httpCheck('fhir', await httpServer(401)))).toMatchObject({ status: 'up' });
    expect(await runOne(httpCheck('orthanc', await httpServer(503))))
      .toMatchObject({ status: 'down', error: 'HEALTH_BAD_STATUS', cause: 'HTTP_503' });
    expect(await runOne(httpCheck('orthanc', `http://127.0.0.1:${await freePort()}/`)))
      .toMatchObject({ status: 'down', error: 'HEALTH_UNREACHABLE', cause: 'ECONNREFUSED' });
    expect(await runOne(httpCheck('orthanc', await httpServer('hang')), 300)).toMatchObject({ status: 'down', error: 'HEALTH_TIMEOUT' });
  });

  it('refuses two checks with one name', () => {
    const c: HealthCheck = { name: 'x', check: () => Promise.resolve() };
    expect(() => createHealth([c, c])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('GET /health over a real socket', () => {
  it('200 ok with each check and its latency when all are up', async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    cleanups.push(async () => { redis.disconnect(); await Promise.resolve(); });
    const { base, close } = await listen({ health: createHealth([redisCheck(redis), { name: 'noop', check: () => Promise.resolve() }]) });
    cleanups.push(close);
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json() as { status: string; checks: Record<string, { status: string; latencyMs: number }> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['noop', 'redis']);
    expect(body.checks.redis).toEqual({ status: 'up', latencyMs: expect.any(Number) as number });
  });

  it('503 down naming the failing check by code, never by its message', async () => {
    const leaky: HealthCheck = { name: 'leaky', check: () => Promise.reject(new Error('lookup of patient DOE^JANE failed')) };
    const slow: HealthCheck = { name: 'slow', check: () => new Promise(() => undefined) };
    const ok: HealthCheck = { name: 'ok', check: () => Promise.resolve() };
    const { base, close } = await listen({ health: createHealth([leaky, slow, ok], { timeoutMs: 200 }) });
    cleanups.push(close);
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toContain('DOE');
    expect(JSON.parse(text)).toEqual({
      status: 'down',
      checks: {
        leaky: { status: 'down', latencyMs: expect.any(Number) as number, error: 'HEALTH_CHECK_FAILED' },
        slow: { status: 'down', latencyMs: expect.any(Number) as number, error: 'HEALTH_TIMEOUT' },
        ok: { status: 'up', latencyMs: expect.any(Number) as number },
      },
    });
  });
});
