/**
 * The review console (issue 6) as a fastify plugin: server-rendered pages for the review queue, header
 * review, mappings and activity, with their own session authentication. Register it at `/console`:
 *
 *     app.register(consolePlugin(options), { prefix: '/console' });
 *
 * Every page gets security headers (a strict Content Security Policy without inline scripts, no
 * framing, no sniffing, no referrer, no caching), every form post a CSRF check, and no URL carries PHI:
 * review items are addressed by opaque HMAC ids and searches are posted.
 * @see https://www.w3.org/TR/CSP3/
 * @see https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html
 */
import { readFile } from 'node:fs/promises';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { isAcclinkError } from '../model/errors.ts';
import { installAuth, registerAuthRoutes } from './auth.ts';
import { registerActivityRoutes } from './activity-routes.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { ConsoleHttpError, createContext, messageBody, type ConsoleContext } from './context.ts';
import { registerHeaderRoutes } from './headers-routes.ts';
import { registerMappingRoutes } from './mappings-routes.ts';
import { resolveOptions, type ConsoleOptions } from './options.ts';
import { registerReviewRoutes } from './review-routes.ts';
import { createSessionStore } from './sessions.ts';
import { statusOfDecisionError } from './decision-errors.ts';

/** Response headers of every console response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cache-control': 'no-store',
};

const STATIC: Readonly<Record<string, string>> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

async function loadStatic(): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(STATIC)) files.set(name, await readFile(new URL(`./static/${name}`, import.meta.url)));
  return files;
}

function installErrorPages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.setErrorHandler((error: FastifyError | ConsoleHttpError | Error, req, reply) => {
    const decided = statusOfDecisionError(error);
    let status = 500;
    let text = 'Something went wrong. The error was logged.';
    if (error instanceof ConsoleHttpError) {
      status = error.statusCode;
      text = error.message;
    } else if (decided) {
      ({ status, text } = decided);
    } else if (isAcclinkError(error)) {
      status = 422;
      text = error.message;
    } else if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      text = 'The request could not be read.';
    }
    if (status >= 500) req.log.error({ err: error }, 'console request failed');
    const title = status === 401 ? 'Sign-in required' : status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 409 ? 'Already decided' : 'Could not do that';
    return ctx.page(req, reply, { title, status, body: messageBody(title, text) });
  });
  app.setNotFoundHandler((req, reply) => ctx.page(req, reply, { title: 'Not found', status: 404, body: messageBody('Not found', 'There is no such page.') }));
}

/**
 * The console plugin. Options are checked when the plugin is created (a short secret or a duplicate
 * user throws `RangeError` before anything listens).
 */
export function consolePlugin(options: ConsoleOptions): FastifyPluginAsync {
  const opts = resolveOptions(options);
  return async (app) => {
    const base = app.prefix;
    const sessions = createSessionStore({
      secret: opts.secret, idleMs: opts.sessionIdleMs, maxAgeMs: opts.sessionMaxAgeMs,
      now: () => opts.decisions.clock().getTime(), revocations: opts.decisions.store,
    });
    const ctx = createContext(opts, base, sessions);
    const assets = await loadStatic();
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody, { bodyLimit: 1024 * 1024 });
    app.addHook('onSend', async (_req, reply, payload) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
      return payload;
    });
    installErrorPages(app, ctx);
    installAuth(app, ctx);
    app.get('/static/:name', (req, reply) => {
      const { name } = req.params as { name: string };
      const body = assets.get(name);
      const type = STATIC[name];
      if (!body || !type) throw new ConsoleHttpError(404, 'There is no such file.');
      return reply.type(type).header('cache-control', 'no-cache').send(body);
    });
    app.get('/', (req, reply) => ctx.redirect(req, reply, '/queue'));
    registerAuthRoutes(app, ctx);
    registerReviewRoutes(app, ctx);
    registerActivityRoutes(app, ctx);
    registerAuditRoutes(app, ctx);
    registerHeaderRoutes(app, ctx);
    registerMappingRoutes(app, ctx);
  };
}
