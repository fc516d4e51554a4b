/**
 * The app's shared behaviour for routes added through `register`: authentication, security headers,
 * problem bodies that never quote input or error text, and PHI-free error logs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/channels/http/app.ts';
import { createHealth } from '../../src/channels/http/health.ts';
import { createMetrics } from '../../src/channels/http/metrics.ts';
import { AcclinkError, ErrorCode, isAcclinkError } from '../../src/model/errors.ts';
import type { Listening } from './support.ts';
import { bearer, listen, memoryLogger, TOKEN_A } from './support.ts';

let running: Listening | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const PHI = 'DOE^JANE MRN-123456';

async function startWithRoutes(log = memoryLogger()): Promise<{ base: string; log: ReturnType<typeof memoryLogger> }> {
  running = await listen({
    logger: log.logger,
    bodyLimitBytes: 1024,
    register: async (app) => {
      app.get('/api/fails', () => { throw new Error(`lookup failed for ${PHI}`); });
      app.get('/api/bad-request', () => {
        throw Object.assign(new AcclinkError(ErrorCode.Usage, `bad filter ${PHI}`), { statusCode: 400 });
      });
      app.post('/api/echo', (request) => ({ got: typeof request.body }));
      await Promise.resolve();
    },
  });
  return { base: running.base, log };
}

describe('routes added through register', () => {
  it('are behind the same authentication', async () => {
    const { base } = await startWithRoutes();
    expect((await fetch(`${base}/api/echo`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    const ok = await fetch(`${base}/api/echo`, { method: 'POST', body: '{}', headers: { ...bearer(TOKEN_A), 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ got: 'object' });
    expect(ok.headers.get('x-frame-options')).toBe('DENY');
    expect(ok.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('a failing handler gives a 500 problem without its message, and the log has no message text either', async () => {
    const { base, log } = await startWithRoutes();
    const res = await fetch(`${base}/api/fails?patient=MRN-123456`, { headers: bearer(TOKEN_A) });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500 });
    await running?.close();
    running = undefined;
    expect(log.text()).not.toMatch(/DOE|MRN-123456/);
    const failed = log.lines().find((l) => l.msg === 'request failed');
    expect(failed?.err).toMatchObject({ type: 'Error', stack: expect.stringMatching(/^\s+at /) as string });
    expect(log.lines().find((l) => l.msg === 'request')).toMatchObject({ route: '/api/fails', statusCode: 500 });
  });

  it('client errors keep their status and stable code, never the text', async () => {
    const { base } = await startWithRoutes();
    const bad = await fetch(`${base}/api/bad-request`, { headers: bearer(TOKEN_A) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, code: 'USAGE' });
    const json = await fetch(`${base}/api/echo`, { method: 'POST', body: `{"patient":"${PHI}`, headers: { ...bearer(TOKEN_A), 'content-type': 'application/json' } });
    expect(json.status).toBe(400);
    const text = await json.text();
    expect(text).not.toContain('DOE');
    expect(JSON.parse(text)).toMatchObject({ status: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
    const big = await fetch(`${base}/api/echo`, { method: 'POST', body: JSON.stringify({ x: 'y'.repeat(2000) }), headers: { ...bearer(TOKEN_A), 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
  });
});

describe('createHttpApp configuration', () => {
  it('refuses to start without a usable token', async () => {
    const base = { health: createHealth([]), metrics: createMetrics({ defaultMetrics: false }) };
    for (const tokens of [[], ['too-short']]) {
      const error: unknown = await createHttpApp({ ...base, tokens }).then(() => undefined, (e: unknown) => e);
      expect(isAcclinkError(error, ErrorCode.ConfigInvalid)).toBe(true);
    }
  });
});
