/**
 * Bearer authentication of the HTTP surface, over real sockets (`app.listen` on port 0, `fetch`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tokenId, tokenMatcher } from '../../src/channels/http/auth.ts';
import { ErrorCode, isAcclinkError } from '../../src/model/errors.ts';
import type { Listening } from './support.ts';
import { bearer, listen, memoryLogger, TOKEN_A, TOKEN_B } from './support.ts';

let running: Listening | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(...args: Parameters<typeof listen>): Promise<Listening> {
  running = await listen(...args);
  return running;
}

const SECURITY = {
  'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'cache-control': 'no-store',
};
function expectSecurityHeaders(res: Response): void {
  for (const [k, v] of Object.entries(SECURITY)) expect(res.headers.get(k), k).toBe(v);
}

describe('bearer authentication over HTTP', () => {
  it('401 with a Bearer challenge and a problem body when the token is missing', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="acclink"');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'A bearer token is required' });
    expectSecurityHeaders(res);
  });

  it('401 invalid_token for a wrong token, without echoing it anywhere', async () => {
    const { base } = await start();
    const wrong = 'wrong-token-with-PATIENT-DOE-123';
    for (const header of [`Bearer ${wrong}`, `Bearer ${TOKEN_A}x`, `Bearer ${TOKEN_A.slice(0, -1)}`, `Token ${TOKEN_A}`, 'Bearer', TOKEN_A]) {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
      const text = await res.text();
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(TOKEN_A.slice(0, 10));
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="acclink"/);
    }
    const bad = await fetch(`${base}/metrics`, { headers: bearer(wrong) });
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="acclink", error="invalid_token"');
  });

  it('accepts every configured token (rotation), with any case of the scheme', async () => {
    const { base } = await start();
    for (const headers of [bearer(TOKEN_A), bearer(TOKEN_B), { authorization: `bearer ${TOKEN_A}` }]) {
      const res = await fetch(`${base}/metrics`, { headers });
      expect(res.status).toBe(200);
      expectSecurityHeaders(res);
    }
  });

  it('/health is public (with or without a query string); everything else is not, even unknown paths', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/health?verbose=1`)).status).toBe(200);
    // An unauthenticated caller cannot tell which routes exist.
    for (const path of ['/nope', '/health/', '/health/../metrics', '/admin/queues']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    }
    const notFound = await fetch(`${base}/nope`, { headers: bearer(TOKEN_A) });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ type: 'about:blank', title: 'Not Found', status: 404 });
    expectSecurityHeaders(notFound);
  });

  it('Basic credentials are refused outside the board', async () => {
    const { base } = await start();
    const basic = `Basic ${Buffer.from(`ops:${TOKEN_A}`).toString('base64')}`;
    const res = await fetch(`${base}/metrics`, { headers: { authorization: basic } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).not.toMatch(/Basic/);
  });

  it('logs requests by route and token id: no query string, no token', async () => {
    const log = memoryLogger('debug');
    const { base } = await start({ logger: log.logger });
    await fetch(`${base}/metrics?patient=MRN-445566`, { headers: bearer(TOKEN_B) });
    await fetch(`${base}/metrics?accession=ACC-778899`, { headers: bearer('not-a-token-ACC-778899') });
    await running?.close();
    running = undefined;
    const text = log.text();
    for (const secret of ['MRN-445566', 'ACC-778899', TOKEN_B, TOKEN_A, 'patient=', 'not-a-token']) expect(text).not.toContain(secret);
    const requests = log.lines().filter((l) => l.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ method: 'GET', route: '/metrics', statusCode: 200, tokenId: tokenId(TOKEN_B) }),
      expect.objectContaining({ method: 'GET', route: '/metrics', statusCode: 401 }),
    ]);
    expect(requests[1]?.tokenId).toBeUndefined();
  });
});

describe('token configuration', () => {
  it('refuses no token, short tokens and non-b64token characters, without quoting them', () => {
    const cases: string[][] = [[], ['short-PATIENT'], [TOKEN_A, 'has space in it-PATIENT-x']];
    for (const tokens of cases) {
      let error: unknown;
      try { tokenMatcher(tokens); } catch (e) { error = e; }
      expect(isAcclinkError(error, ErrorCode.ConfigInvalid), JSON.stringify(tokens)).toBe(true);
      expect(String((error as Error).message)).not.toContain('PATIENT');
    }
  });

  it('matches each token to its own id and nothing else', () => {
    const match = tokenMatcher([TOKEN_A, TOKEN_B]);
    expect(match(TOKEN_A)).toBe(tokenId(TOKEN_A));
    expect(match(TOKEN_B)).toBe(tokenId(TOKEN_B));
    expect(tokenId(TOKEN_A)).not.toBe(tokenId(TOKEN_B));
    expect(match('')).toBeUndefined();
    expect(match(`${TOKEN_A} `)).toBeUndefined();
    expect(tokenId(TOKEN_A)).toMatch(/^[0-9a-f]{8}$/);
  });
});
