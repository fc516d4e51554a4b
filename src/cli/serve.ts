/**
 * `acclink serve` and `acclink worker`: the streaming engine (issue 3).
 * `serve` runs the MLLP listener, the pollers, the HTTP app and the workers; on embedded defaults (no
 * `--config`, no DATABASE_URL/REDIS_URL) that is a PGlite store in `--data` (or memory), the in-process
 * queue, and recording sinks for the RIS and PACS. `worker` runs link and delivery workers alone against a
 * shared PostgreSQL and Redis, so more of them scale out. Both stop gracefully on SIGTERM/SIGINT.
 */
import path from 'node:path';
import { createLogger } from '../channels/log.ts';
import { resolveEngineSettings, type EngineSettings } from '../config/engine.ts';
import { loadConfig } from '../config/load.ts';
import { startServer, type RunningServer } from '../app/server.ts';
import type { EngineStats } from '../engine/engine.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { integer, parse } from './args.ts';

export const SERVE_USAGE = `Usage: acclink serve [--config FILE] [--mllp-port N] [--host ADDR] [--data DIR]
                     [--ris HOST:PORT] [--pacs HOST:PORT] [--http-port N]

Runs the streaming engine: receives HL7 v2 reports, orders and ADT over MLLP (AA once stored and queued),
polls Orthanc and FHIR sources when configured, links each arrival against the stored records, and sends
accession corrections to the RIS, PACS, image archive and FHIR server. Stops gracefully on SIGTERM or
SIGINT and prints a summary. Channels, destinations and credentials come from the engine section of
--config (docs/engine.md); the options below override it for quick starts.

Options:
  --config FILE     configuration (YAML); secrets as \${ENV_VAR}
  --mllp-port N     MLLP listening port (0 picks a free one); required unless engine.mllp is configured
  --host ADDR       MLLP listening address (default 127.0.0.1)
  --data DIR        keep the store in DIR (PGlite); default: engine.database, DATABASE_URL, else memory
  --ris HOST:PORT   send RIS corrections over MLLP to HOST:PORT; default: recorded in memory only
  --pacs HOST:PORT  send PACS procedure updates over MLLP to HOST:PORT; default: recorded in memory only
  --http-port N     serve /health, /metrics, /api (bearer token from ACCLINK_API_TOKEN) on 127.0.0.1:N
  -h, --help        this help`;

export const WORKER_USAGE = `Usage: acclink worker [--config FILE]

Runs link and delivery workers only, against the shared store and queue (PostgreSQL and Redis: set
DATABASE_URL and REDIS_URL, or engine.database.url and engine.redis.url in --config). Start as many as
you need, on as many machines. Stops gracefully on SIGTERM or SIGINT (jobs in flight finish).

Options:
  --config FILE     configuration (YAML); secrets as \${ENV_VAR}
  -h, --help        this help`;

/** Test hooks: what ends the run (default: SIGTERM/SIGINT) and where lines go (default: stdout). */
export interface ServeHooks {
  until?: Promise<void>;
  write?: (line: string) => void;
  /** Called once the listener is bound, with its port (0 without a listener). */
  onListening?: (port: number, server: RunningServer) => void;
  env?: Readonly<Record<string, string | undefined>>;
}

function hostPort(v: unknown, flag: string): { host: string; port: number } | undefined {
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? /^(.+):(\d{1,5})$/.exec(v) : null;
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m?.[1] || port < 1 || port > 65535) throw new AcclinkError(ErrorCode.Usage, `${flag} must be HOST:PORT, got "${typeof v === 'string' ? v : typeof v}"\n\n${SERVE_USAGE}`);
  return { host: m[1], port };
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      resolve();
    };
    process.on('SIGTERM', done);
    process.on('SIGINT', done);
  });
}

/** One summary line: counters only, no content. */
export function formatStats(s: EngineStats): string {
  return `messages in: ${s.messages.accepted} accepted, ${s.messages.duplicate} duplicate, ${s.messages.rejected} rejected; `
    + `corrections: ${s.corrections}; deliveries: ${s.deliveries.delivered} delivered, ${s.deliveries.retry} to retry, ${s.deliveries.dead} dead; `
    + `recovered jobs: ${s.recovered}`;
}

function applyOverrides(s: EngineSettings, values: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): void {
  if (values['mllp-port'] !== undefined) {
    const port = integer(values['mllp-port'], 'mllp-port', 0, 0);
    if (port > 65535) throw new AcclinkError(ErrorCode.Usage, '--mllp-port must be at most 65535');
    s.mllp = { ...s.mllp, host: typeof values.host === 'string' ? values.host : s.mllp?.host ?? '127.0.0.1', port };
  } else if (typeof values.host === 'string' && s.mllp) {
    s.mllp.host = values.host;
  }
  for (const name of ['ris', 'pacs'] as const) {
    const target = hostPort(values[name], `--${name}`);
    if (target) s.destinations[name] = { mllp: { ...target, timeoutMs: 10_000 } };
  }
  if (values['http-port'] !== undefined) {
    const token = env.ACCLINK_API_TOKEN;
    if (!token && !s.http) throw new AcclinkError(ErrorCode.Usage, '--http-port needs a bearer token: set ACCLINK_API_TOKEN (16+ characters) or engine.http.tokens in --config');
    s.http = { host: '127.0.0.1', fhirInbound: false, ...s.http, tokens: s.http?.tokens ?? [token ?? ''], port: integer(values['http-port'], 'http-port', 0, 0) };
  }
}

async function run(mode: 'serve' | 'worker', values: Record<string, unknown>, hooks: ServeHooks): Promise<number> {
  const write = hooks.write ?? ((line: string): void => { process.stdout.write(`${line}\n`); });
  const env = hooks.env ?? process.env;
  const configPath = typeof values.config === 'string' ? values.config : undefined;
  const config = await loadConfig(configPath);
  const settings = resolveEngineSettings(config.file.engine, env, configPath ?? 'config');
  applyOverrides(settings, values, env);
  if (mode === 'serve' && !settings.mllp && !settings.sources.orthanc && !settings.sources.fhir && !settings.http?.fhirInbound) {
    throw new AcclinkError(ErrorCode.Usage, `--mllp-port is required (or engine.mllp / engine.sources in --config)\n\n${SERVE_USAGE}`);
  }
  if (mode === 'worker' && (!settings.redis || !settings.database?.url)) {
    throw new AcclinkError(ErrorCode.Usage, `acclink worker needs a shared queue and store: set REDIS_URL and DATABASE_URL (or engine.redis.url and engine.database.url in --config)\n\n${WORKER_USAGE}`);
  }
  const until = hooks.until ?? waitForSignal();
  const logger = createLogger({ level: env.ACCLINK_LOG_LEVEL ?? 'warn', destination: process.stderr, base: { service: `acclink-${mode}` } });
  const server = await startServer({
    settings, config, mode, clock: () => new Date(), logger, memorySinks: mode === 'serve',
    baseDir: configPath ? path.dirname(path.resolve(configPath)) : process.cwd(),
    ...(typeof values.data === 'string' ? { dataDirOverride: values.data } : {}),
  });
  try {
    const a = server.engine.address;
    write(`acclink ${mode}: ${a ? `MLLP on ${a.address}:${a.port}; ` : ''}store ${server.storeKind === 'pglite' ? `PGlite in ${typeof values.data === 'string' ? values.data : settings.database?.dataDir ?? ''}` : server.storeKind === 'postgres' ? 'PostgreSQL' : 'in memory'}; `
      + `queue ${settings.redis ? 'Redis' : 'in process'}; destinations ${server.destinations.join(', ') || 'none'}`
      + `${server.http ? `; ${server.http.scheme.toUpperCase()} on ${server.http.host}:${server.http.port}` : ''}`);
    hooks.onListening?.(a?.port ?? 0, server);
    await until;
  } finally {
    await server.stop();
    write(`acclink ${mode} stopped: ${formatStats(server.engine.stats)}`);
  }
  return 0;
}

/** Runs `acclink serve`; resolves with the exit code once stopped. */
export async function serveCommand(argv: string[], hooks: ServeHooks = {}): Promise<number> {
  const { values } = parse(argv, {
    config: { type: 'string' }, 'mllp-port': { type: 'string' }, host: { type: 'string' }, data: { type: 'string' },
    ris: { type: 'string' }, pacs: { type: 'string' }, 'http-port': { type: 'string' },
  }, SERVE_USAGE);
  if (values.help) {
    (hooks.write ?? ((l: string): void => { process.stdout.write(`${l}\n`); }))(SERVE_USAGE);
    return 0;
  }
  return run('serve', values, hooks);
}

/** Runs `acclink worker`; resolves with the exit code once stopped. */
export async function workerCommand(argv: string[], hooks: ServeHooks = {}): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string' } }, WORKER_USAGE);
  if (values.help) {
    (hooks.write ?? ((l: string): void => { process.stdout.write(`${l}\n`); }))(WORKER_USAGE);
    return 0;
  }
  return run('worker', values, hooks);
}
