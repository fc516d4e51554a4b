/**
 * Stateless console sessions over real HTTP: two console instances on one store and secret stand for
 * two `acclink serve` processes (or one before and after a restart). A session signed in on one is
 * accepted by the other; a tampered, expired or revoked cookie is refused everywhere; the idle timeout
 * slides by re-issuing the cookie.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePlugin, hashPassword, type Role } from '../../src/console/index.ts';
import { revokedKey, sign } from '../../src/console/sessions.ts';
import { ConsoleClient, signedIn } from './client.ts';
import { PASSWORD, SECRET, USERS, buildWorld, type World } from './world.ts';

const IDLE_MS = 10 * 60_000;
const MAX_AGE_MS = 60 * 60_000;
const COOKIE = 'acclink_console';

let w: World;
/** Consoles started by a test, closed after all. */
const others: FastifyInstance[] = [];

/** Another console on the world's store and engine, as a second `serve` process would run it. */
async function anotherConsole(secret = SECRET): Promise<{ app: FastifyInstance; origin: string }> {
  const users = await Promise.all(Object.entries(USERS).map(async ([role, name]) => ({
    name, role: role as Role, passwordHash: await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }),
  })));
  const app = Fastify({ logger: false });
  others.push(app);
  await app.register(consolePlugin({
    decisions: w.deps, auth: { mode: 'local', users }, secret, lexicon: w.config.findingsLexicon, secureCookie: false,
    sessionIdleMs: IDLE_MS, sessionMaxAgeMs: MAX_AGE_MS,
  }), { prefix: '/console' });
  return { app, origin: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

/** A client of `origin` holding `from`'s cookies (the same browser, its request served by another process). */
function sameBrowser(from: ConsoleClient, origin: string): ConsoleClient {
  const c = new ConsoleClient(origin);
  for (const [k, v] of from.cookies) c.cookies.set(k, v);
  return c;
}

/** The JSON a session cookie carries. */
function payloadOf(cookie: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(cookie.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The session cookie a response set, if any. */
function setSession(headers: Headers): string | undefined {
  const c = headers.getSetCookie().find((x) => x.startsWith(`${COOKIE}=`));
  return c?.slice(COOKIE.length + 1).split(';')[0];
}

beforeAll(async () => {
  w = await buildWorld({ sessionIdleMs: IDLE_MS, sessionMaxAgeMs: MAX_AGE_MS });
});

afterAll(async () => {
  for (const app of others) await app.close();
  await w?.close();
});

describe('stateless sessions', () => {
  it('accepts a session signed in on one process on another, and after a restart', async () => {
    const a = await signedIn(w.origin, USERS.reviewer);
    const first = await a.get('/console/queue');
    expect(first.status).toBe(200);
    const b = await anotherConsole();
    const onB = sameBrowser(a, b.origin);
    const page = await onB.get('/console/queue');
    expect(page.status).toBe(200);
    expect(page.body).toContain(USERS.reviewer);
    // The CSRF token travels in the cookie, so a form from one process posts to another.
    expect(onB.csrf).toBe(a.csrf);
    expect(payloadOf(a.cookies.get(COOKIE) ?? '')).toMatchObject({ user: USERS.reviewer, role: 'reviewer', csrf: a.csrf });
    await b.app.close();
    const restarted = await anotherConsole();
    expect((await sameBrowser(a, restarted.origin).get('/console/activity')).status).toBe(200);
    // Another secret (another deployment) knows nothing of it.
    const stranger = await anotherConsole('another-secret-0123456789abcdefghij');
    expect((await sameBrowser(a, stranger.origin).get('/console/queue')).status).toBe(303);
  });

  it('refuses a cookie whose payload or signature was changed', async () => {
    const v = await signedIn(w.origin, USERS.viewer);
    const b = await anotherConsole();
    const cookie = v.cookies.get(COOKIE) ?? '';
    const [payload = '', signature = ''] = cookie.split('.');
    const promoted = Buffer.from(JSON.stringify({ ...payloadOf(cookie), role: 'admin' })).toString('base64url');
    const forged = [
      `${promoted}.${signature}`,
      `${payload}.${signature.slice(0, -2)}xx`,
      `${payload}.${sign('another-secret-0123456789abcdefghij', `session:${payload}`)}`,
      payload,
      `.${signature}`,
    ];
    for (const value of forged) {
      const c = sameBrowser(v, b.origin);
      c.cookies.set(COOKIE, value);
      expect((await c.get('/console/queue')).status, value).toBe(303);
      expect((await c.post('/console/logout', {})).status, value).toBe(401);
    }
    expect((await sameBrowser(v, b.origin).get('/console/queue')).status).toBe(200);
  });

  it('revokes a session everywhere at sign-out on another process, and the old one at re-login', async () => {
    const a = await signedIn(w.origin, USERS.viewer);
    const stale = new Map(a.cookies);
    const b = await anotherConsole();
    const onB = sameBrowser(a, b.origin);
    await onB.get('/console/queue');
    const out = await onB.post('/console/logout', {});
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().filter((x) => x.startsWith(`${COOKIE}=`))).toEqual([expect.stringMatching(/Max-Age=0/)]);
    const sid = String(payloadOf(stale.get(COOKIE) ?? '').sid);
    expect(await w.store.getCheckpoint(revokedKey(sid))).toBe(String(Number(payloadOf(stale.get(COOKIE) ?? '').createdAtMs) + MAX_AGE_MS));
    a.cookies.clear();
    for (const [k, val] of stale) a.cookies.set(k, val);
    expect((await a.get('/console/queue')).status).toBe(303);

    const r = await signedIn(w.origin, USERS.reviewer);
    const before = r.cookies.get(COOKIE) ?? '';
    // Signed in, the sign-in page redirects; fetch its form without the session cookie, post with it.
    r.cookies.delete(COOKIE);
    await r.get('/console/login');
    r.cookies.set(COOKIE, before);
    expect((await r.post('/console/login', { user: USERS.reviewer, password: PASSWORD })).status).toBe(303);
    expect(r.cookies.get(COOKIE)).not.toBe(before);
    expect((await r.get('/console/queue')).status).toBe(200);
    const old = sameBrowser(r, b.origin);
    old.cookies.set(COOKIE, before);
    expect((await old.get('/console/queue')).status).toBe(303);
  });

  it('slides the idle timeout by re-issuing the cookie, at most once a minute, and expires idle sessions', async () => {
    const c = await signedIn(w.origin, USERS.viewer);
    const original = c.cookies.get(COOKIE) ?? '';
    w.now.ms += 30_000;
    const quiet = await c.get('/console/queue');
    expect(quiet.status).toBe(200);
    expect(setSession(quiet.headers)).toBeUndefined();
    w.now.ms += 31_000;
    const renewed = await c.get('/console/queue');
    expect(renewed.status).toBe(200);
    const value = setSession(renewed.headers) ?? '';
    expect(renewed.headers.getSetCookie().find((x) => x.startsWith(`${COOKIE}=`))).toMatch(/HttpOnly; SameSite=Strict/);
    expect(payloadOf(value)).toMatchObject({ lastSeenMs: w.now.ms, sid: payloadOf(original).sid });
    // More than the idle time after sign-in, less after the re-issue: only the re-issued cookie lives.
    w.now.ms += IDLE_MS - 1000;
    const b = await anotherConsole();
    const stale = sameBrowser(c, b.origin);
    stale.cookies.set(COOKIE, original);
    expect((await stale.get('/console/queue')).status).toBe(303);
    expect((await sameBrowser(c, b.origin).get('/console/queue')).status).toBe(200);
    w.now.ms += IDLE_MS + 1;
    expect((await c.get('/console/queue')).status).toBe(303);
  });

  it('ends a session at its maximum age however busy it is', async () => {
    const c = await signedIn(w.origin, USERS.viewer);
    for (let t = 0; t < MAX_AGE_MS; t += IDLE_MS / 2) {
      expect((await c.get('/console/queue')).status).toBe(200);
      w.now.ms += IDLE_MS / 2;
    }
    w.now.ms += 1;
    expect((await c.get('/console/queue')).status).toBe(303);
  });
});
