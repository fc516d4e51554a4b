/**
 * The engine's HTTP operations surface: `GET /health` (public), `GET /metrics` (Prometheus text) and
 * the BullMQ board at `/admin/queues`, all but `/health` behind bearer tokens; later issues add their
 * routes through `register` and inherit the same authentication and headers.
 *
 * Every response carries `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 * `X-Frame-Options: DENY` (and CSP `frame-ancestors 'none'`) and `Cache-Control: no-store` (the
 * surface is authenticated and its answers are live state). Requests are logged by route template,
 * status and time: never the query string, the body or the token (only its short id, `tokenId` in `auth.ts`).
 * Under the board's path, HTTP Basic with a token as password is accepted too (a browser can send
 * nothing else by itself), and cross-site writes with such credentials are refused (see `auth.ts`).
 * @see RFC 6750 (bearer tokens); RFC 9457 (problem details)
 * @see https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html
 */
import { STATUS_CODES } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import { fastify, LogController } from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../log.ts';
import { bearerAuth, tokenIdOf } from './auth.ts';
import type { Health } from './health.ts';
import type { Metrics } from './metrics.ts';

/** Where the queue board is mounted unless told otherwise. */
export const DEFAULT_BOARD_PATH = '/admin/queues';

export interface BullBoardOptions {
  /** The BullMQ queues to show (see `BullmqJobQueue.bullQueues()`). */
  queues: readonly Queue[];
  /** Mount path; default {@link DEFAULT_BOARD_PATH}. */
  basePath?: string;
  /** Hide the board's retry / clean / remove / add-job actions; default false. */
  readOnly?: boolean;
}

export interface HttpAppOptions {
  /** Accepted bearer tokens (several during a rotation), at least 16 characters each. */
  tokens: readonly string[];
  health: Health;
  metrics: Metrics;
  bullBoard?: BullBoardOptions;
  /** Request and error logs (use `createLogger` from `src/channels/log.ts`); none when absent. */
  logger?: Logger;
  /** Path prefixes that do their own authentication (the console, at `/console`); default none. */
  ownAuthPrefixes?: readonly string[];
  /** Adds further routes (behind the same authentication) before the app is ready. */
  register?: (app: FastifyInstance) => Promise<void>;
  /** Largest request body accepted; default 1 MiB. */
  bodyLimitBytes?: number;
  /** Serve HTTPS with this key and certificate (PEM); plain HTTP when absent. */
  https?: { key: Buffer; cert: Buffer };
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Same-origin everything (the board bundles its scripts; its inline styles need 'unsafe-inline'):
  // no framing, no plugins, no external fonts or beacons from an authenticated page.
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

/** Paths that are polled often (probes, scrapes): logged at debug level, not info. */
const QUIET_ROUTES = new Set(['/health', '/metrics']);

/** An RFC 9457 problem body; `code` is a stable error code, never a message that could quote input. */
function sendProblem(reply: FastifyReply, status: number, code?: string): FastifyReply {
  return reply.code(status).type('application/problem+json').send(JSON.stringify({
    type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, ...(code === undefined ? {} : { code }),
  }));
}

/** Headers, request logs, error and not-found handlers: the parts every route shares. */
function addCommonHooks(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) void reply.header(name, value);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(no route)';
    const line = {
      method: request.method, route, statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10, tokenId: tokenIdOf(request),
    };
    if (QUIET_ROUTES.has(route) && reply.statusCode < 400) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
    return Promise.resolve();
  });
  app.setErrorHandler(async (error: { statusCode?: number; code?: string }, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const code = typeof error.code === 'string' && /^[A-Z0-9_]{1,64}$/.test(error.code) ? error.code : undefined;
    return sendProblem(reply, status, code);
  });
  app.setNotFoundHandler(async (_request, reply) => sendProblem(reply, 404));
}

/** Mounts bull-board (its page, static assets and JSON API) under `basePath`. */
async function mountBoard(app: FastifyInstance, opts: BullBoardOptions, basePath: string): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: opts.readOnly ?? false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'acclink queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: basePath });
}

/**
 * Builds the HTTP app (not listening: call `app.listen({ host, port })`, and `app.close()` to stop).
 * @throws AcclinkError CONFIG_INVALID for missing or weak tokens.
 * @see RFC 6750, section 3; RFC 9457
 */
export async function createHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const boardPath = opts.bullBoard === undefined ? undefined : (opts.bullBoard.basePath ?? DEFAULT_BOARD_PATH).replace(/\/+$/, '');
  const auth = bearerAuth({
    tokens: opts.tokens, publicPaths: ['/health'], basicPathPrefixes: boardPath === undefined ? [] : [boardPath],
    ownAuthPrefixes: opts.ownAuthPrefixes ?? [],
  });
  const app = fastify({
    ...(opts.logger === undefined ? { logger: false } : { loggerInstance: opts.logger }),
    // fastify's own request lines include the query string: ours (onResponse below) do not.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;
  addCommonHooks(app);
  // Before any route plugin: hooks added later would not cover routes registered earlier.
  app.addHook('onRequest', auth);

  app.get('/health', async (_request, reply) => {
    const report = await opts.health.run();
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await opts.metrics.render();
    return reply.type(contentType).send(body);
  });
  if (opts.bullBoard !== undefined && boardPath !== undefined) await mountBoard(app, opts.bullBoard, boardPath);
  if (opts.register !== undefined) await opts.register(app);
  await app.ready();
  return app;
}
