/**
 * Console authentication: local users (scrypt hashes, signed cookie sessions) or a trusted reverse proxy
 * (user and role headers from allowed peer addresses), and CSRF checks on every form post. Sessions need
 * no server state except revocations in the engine's store, so several `serve` processes share them.
 * Sign-in has its own CSRF token (a short-lived cookie matched against the form), since no session
 * exists yet.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleHttpError, formField, getPrincipal, setPrincipal, type ConsoleContext, type Principal } from './context.ts';
import { html } from './html.ts';
import { DUMMY_HASH, verifyPassword } from './passwords.ts';
import { createLoginThrottle, isRole, parseCookies, randomToken, safeEqual, setCookie } from './sessions.ts';

export const SESSION_COOKIE = 'acclink_console';
const LOGIN_COOKIE = 'acclink_console_login';
const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

function cookiePath(ctx: ConsoleContext): string {
  return ctx.base === '' ? '/' : ctx.base;
}

function headerValue(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function setSessionCookie(ctx: ConsoleContext, reply: FastifyReply, value: string): void {
  reply.header('set-cookie', setCookie(SESSION_COOKIE, value, { path: cookiePath(ctx), secure: ctx.opts.secureCookie }));
}

/** The principal of the request's session cookie; re-issues the cookie when its idle time slides on. */
async function sessionPrincipal(ctx: ConsoleContext, req: FastifyRequest, reply?: FastifyReply): Promise<Principal | undefined> {
  const found = await ctx.sessions.get(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
  if (!found) return undefined;
  if (found.renewed !== undefined && reply) setSessionCookie(ctx, reply, found.renewed);
  return { user: found.session.user, role: found.session.role, session: found.session };
}

/** The principal named by a trusted proxy, reusing its session while user and role stay the same. */
async function proxyPrincipal(ctx: ConsoleContext, req: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined> {
  const auth = ctx.opts.auth;
  if (auth.mode !== 'proxy') return undefined;
  const trusted = auth.trustedAddresses ?? LOOPBACK;
  if (!trusted.includes(req.socket.remoteAddress ?? '')) return undefined;
  const user = headerValue(req, auth.userHeader ?? 'x-remote-user');
  const roleText = headerValue(req, auth.roleHeader ?? 'x-remote-role') ?? auth.defaultRole;
  if (user === undefined || !isRole(roleText)) return undefined;
  const found = await ctx.sessions.get(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
  if (found && found.session.user === user && found.session.role === roleText) {
    if (found.renewed !== undefined) setSessionCookie(ctx, reply, found.renewed);
    return { user, role: roleText, session: found.session };
  }
  if (found) await ctx.sessions.destroy(found.session);
  const session = ctx.sessions.create(user, roleText);
  setSessionCookie(ctx, reply, ctx.sessions.cookieValue(session));
  return { user, role: roleText, session };
}

/** Paths (below the mount point) served without a principal. */
function isPublic(ctx: ConsoleContext, req: FastifyRequest): boolean {
  const url = req.routeOptions.url ?? '';
  return url === `${ctx.base}/login` || url.startsWith(`${ctx.base}/static/`);
}

/**
 * Installs the authentication and CSRF hooks on the console's scope: every non-public route needs a
 * principal (a GET without one is sent to sign in, anything else gets 401), and every POST needs the
 * session's CSRF token in its `_csrf` field.
 */
export function installAuth(app: FastifyInstance, ctx: ConsoleContext): void {
  app.addHook('preHandler', async (req, reply) => {
    if (isPublic(ctx, req)) return;
    const p = ctx.opts.auth.mode === 'proxy' ? await proxyPrincipal(ctx, req, reply) : await sessionPrincipal(ctx, req, reply);
    if (!p) {
      if (req.method === 'GET' && ctx.opts.auth.mode === 'local') {
        await reply.code(303).header('location', `${ctx.base}/login`).send();
        return;
      }
      throw new ConsoleHttpError(401, 'Sign in first.');
    }
    setPrincipal(req, p);
    if (req.method === 'POST' && !safeEqual(formField(req.body, '_csrf') ?? '', p.session.csrf)) {
      throw new ConsoleHttpError(403, 'The form was stale or did not come from this console. Reload the page and try again.');
    }
  });
}

function loginPage(ctx: ConsoleContext, req: FastifyRequest, reply: FastifyReply, status: number, error?: string): FastifyReply {
  const token = randomToken();
  reply.header('set-cookie', setCookie(LOGIN_COOKIE, token, { path: cookiePath(ctx), secure: ctx.opts.secureCookie, maxAgeS: 1800 }));
  return ctx.page(req, reply, {
    title: 'Sign in', status,
    body: html`<h1>Sign in</h1>
${error ? html`<p class="flash flash-error" role="alert" id="login-error">${error}</p>` : ''}
<form method="post" action="${ctx.base}/login" class="login"${error ? html` aria-describedby="login-error"` : ''}>
<input type="hidden" name="_csrf" value="${token}">
<p><label for="user">User name</label><input id="user" name="user" autocomplete="username" required autofocus></p>
<p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>`,
  });
}

/** Sign-in and sign-out routes. */
export function registerAuthRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const throttle = createLoginThrottle({ max: 5, windowMs: 15 * 60_000, now: () => ctx.opts.decisions.clock().getTime() });
  const auth = ctx.opts.auth;

  app.get('/login', async (req, reply) => {
    if (auth.mode === 'proxy') return ctx.redirect(req, reply, '/queue');
    if (await sessionPrincipal(ctx, req, reply)) return ctx.redirect(req, reply, '/queue');
    return loginPage(ctx, req, reply, 200);
  });

  app.post('/login', async (req, reply) => {
    if (auth.mode !== 'local') throw new ConsoleHttpError(404, 'Sign-in happens at the proxy.');
    const expected = parseCookies(req.headers.cookie).get(LOGIN_COOKIE) ?? '';
    if (expected === '' || !safeEqual(formField(req.body, '_csrf') ?? '', expected)) {
      return loginPage(ctx, req, reply, 403, 'The sign-in form expired. Please try again.');
    }
    const name = formField(req.body, 'user') ?? '';
    const password = (req.body as Record<string, unknown> | undefined)?.password;
    if (throttle.blocked(name)) return loginPage(ctx, req, reply, 429, 'Too many failed attempts. Wait a few minutes and try again.');
    const user = auth.users.find((u) => u.name === name);
    // Verify against a dummy hash for unknown users, so that the answer takes as long either way.
    const ok = await verifyPassword(typeof password === 'string' ? password : '', user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      throttle.fail(name);
      req.log.info({ event: 'console-login-failed' }, 'console sign-in failed');
      return loginPage(ctx, req, reply, 401, 'Unknown user name or wrong password.');
    }
    throttle.reset(name);
    const old = await sessionPrincipal(ctx, req);
    if (old) await ctx.sessions.destroy(old.session);
    // A fresh session id at sign-in (no fixation).
    const session = ctx.sessions.create(user.name, user.role);
    reply.header('set-cookie', [
      setCookie(SESSION_COOKIE, ctx.sessions.cookieValue(session), { path: cookiePath(ctx), secure: ctx.opts.secureCookie }),
      setCookie(LOGIN_COOKIE, '', { path: cookiePath(ctx), secure: ctx.opts.secureCookie, maxAgeS: 0 }),
    ]);
    return reply.code(303).header('location', `${ctx.base}/queue`).send();
  });

  app.post('/logout', async (req, reply) => {
    const p = getPrincipal(req);
    if (p) await ctx.sessions.destroy(p.session);
    // Not also the re-issued cookie the auth hook may have set: one Set-Cookie per name (RFC 6265 §4.1.1).
    reply.removeHeader('set-cookie');
    reply.header('set-cookie', setCookie(SESSION_COOKIE, '', { path: cookiePath(ctx), secure: ctx.opts.secureCookie, maxAgeS: 0 }));
    return reply.code(303).header('location', auth.mode === 'local' ? `${ctx.base}/login` : `${ctx.base}/queue`).send();
  });
}
