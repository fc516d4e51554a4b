/**
 * Health checks of the engine's dependencies (Redis, the store, MLLP peers, FHIR server, Orthanc),
 * run together, each bounded by a timeout, for `GET /health`.
 *
 * A failing check is reported by its error's stable code (and the errno code of its cause, e.g.
 * `ECONNREFUSED`), never by message text, which could carry data; the endpoint is unauthenticated.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { Store } from '../../model/store.ts';

/** One dependency check: resolves when the dependency is usable, rejects (throws) when it is down. */
export interface HealthCheck {
  /** Short name, shown in the report, e.g. `redis`, `store`, `mllp:ris`. */
  name: string;
  /** `signal` aborts when the check's time is up: release sockets then. */
  check(signal?: AbortSignal): Promise<void>;
}

export interface CheckResult {
  status: 'up' | 'down';
  latencyMs: number;
  /** Stable code of the failure: an {@link ErrorCode} or a Node.js errno code. */
  error?: string;
  /** Errno-like code of the failure's cause, when it has one. */
  cause?: string;
}

export interface HealthReport {
  status: 'ok' | 'down';
  checks: Record<string, CheckResult>;
}

export interface Health {
  /** Runs every check concurrently; `down` when any check failed or timed out. */
  run(): Promise<HealthReport>;
}

/** The code of a check that failed with an error that has no code of its own. */
export const CHECK_FAILED = 'HEALTH_CHECK_FAILED';

/** `ECONNREFUSED`, `HEALTH_TIMEOUT`, `23505`: what a code looks like (messages never do). */
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CODE.test(code) ? code : undefined;
}

/** The first errno-like code down the cause chain (fetch nests it: TypeError → Error{code}). */
function causeCode(e: unknown): string | undefined {
  let c = (e as { cause?: unknown } | undefined)?.cause;
  for (let depth = 0; c !== undefined && depth < 4; depth++) {
    const code = codeOf(c);
    if (code !== undefined) return code;
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs one check with a deadline; never rejects. */
async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new AcclinkError(ErrorCode.HealthTimeout, `${check.name}: no answer within ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
  });
  const latency = (): number => Math.round((performance.now() - started) * 10) / 10;
  try {
    await Promise.race([check.check(controller.signal), deadline]);
    return { status: 'up', latencyMs: latency() };
  } catch (e) {
    const result: CheckResult = { status: 'down', latencyMs: latency(), error: codeOf(e) ?? CHECK_FAILED };
    const cause = causeCode(e);
    if (cause !== undefined) result.cause = cause;
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the health runner.
 * @throws AcclinkError CONFIG_INVALID when two checks share a name.
 */
export function createHealth(checks: readonly HealthCheck[], opts: { timeoutMs?: number } = {}): Health {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const names = new Set<string>();
  for (const c of checks) {
    if (names.has(c.name)) throw new AcclinkError(ErrorCode.ConfigInvalid, `two health checks are named ${c.name}`);
    names.add(c.name);
  }
  return {
    async run() {
      const results = await Promise.all(checks.map((c) => runCheck(c, timeoutMs)));
      const report: HealthReport = { status: 'ok', checks: {} };
      checks.forEach((c, i) => {
        const r = results[i] as CheckResult;
        report.checks[c.name] = r;
        if (r.status === 'down') report.status = 'down';
      });
      return report;
    },
  };
}

/** Redis answers PING (the BullMQ connection, or any ioredis client). */
export function redisCheck(client: Pick<Redis, 'ping'>, name = 'redis'): HealthCheck {
  return {
    name,
    async check() {
      const pong = await client.ping();
      if (pong !== 'PONG') throw new AcclinkError(ErrorCode.HealthBadStatus, `${name}: PING answered otherwise`);
    },
  };
}

/** The store answers a query that matches nothing (a round trip to the database, no data read). */
export function storeCheck(store: Pick<Store, 'listReviewItems'>, name = 'store'): HealthCheck {
  return {
    name,
    async check() {
      await store.listReviewItems({ reportId: 'acclink:health-check', studyInstanceUid: 'acclink:health-check' });
    },
  };
}

/** A TCP listener accepts a connection (an MLLP peer): connect, then close without sending. */
export function tcpCheck(name: string, host: string, port: number): HealthCheck {
  return {
    name,
    check(signal) {
      return new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host, port });
        const onAbort = (): void => { socket.destroy(); };
        signal?.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => {
          signal?.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve();
        });
        socket.once('error', (cause) => {
          signal?.removeEventListener('abort', onAbort);
          reject(new AcclinkError(ErrorCode.HealthUnreachable, `${name}: connection failed`, { cause }));
        });
      });
    },
  };
}

/**
 * An HTTP server answers (a FHIR server, Orthanc): a GET whose status is 2xx, or 401 (it is up and
 * wants credentials the check does not send).
 */
export function httpCheck(name: string, url: string): HealthCheck {
  return {
    name,
    async check(signal) {
      let res: Response;
      try {
        res = await fetch(url, { method: 'GET', redirect: 'manual', ...(signal === undefined ? {} : { signal }) });
      } catch (cause) {
        if (signal?.aborted === true) throw cause;
        throw new AcclinkError(ErrorCode.HealthUnreachable, `${name}: request failed`, { cause });
      }
      await res.body?.cancel();
      if (!(res.status >= 200 && res.status < 300) && res.status !== 401) {
        throw new AcclinkError(ErrorCode.HealthBadStatus, `${name}: HTTP ${res.status}`, { cause: { code: `HTTP_${res.status}` } });
      }
    },
  };
}
