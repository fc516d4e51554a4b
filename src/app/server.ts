/**
 * `acclink serve` and `acclink worker` put together: adapters from the settings, the engine, the pollers,
 * and the HTTP app (health, metrics, the queue board, the JSON API, FHIR inbound, the console). Stops in
 * reverse order: no new input, in-flight work finishes, then connections close.
 */
import type { FastifyInstance } from 'fastify';
import { fhirInbound } from '../channels/fhir/inbound.ts';
import { createHttpApp } from '../channels/http/app.ts';
import { createHealth, httpCheck, redisCheck, storeCheck, tcpCheck, type HealthCheck } from '../channels/http/health.ts';
import { createMetrics, type Metrics } from '../channels/http/metrics.ts';
import type { Logger } from '../channels/log.ts';
import { hashId } from '../channels/log.ts';
import type { EngineSettings } from '../config/engine.ts';
import type { LoadedConfig } from '../config/load.ts';
import { startEngine, type Engine } from '../engine/engine.ts';
import { deliverQueue, type JobQueue, type QueueCounts, type QueueName } from '../model/queue.ts';
import type { Store } from '../model/store.ts';
import { buildPixelSource, buildPollers, buildSinks, openQueue, openStore, tlsFiles, type DestinationAddress, type StoreKind } from './adapters.ts';
import { registerApiRoutes } from './api-routes.ts';
import { consolePlugin } from '../console/index.ts';
import path from 'node:path';

export interface ServerOptions {
  settings: EngineSettings;
  config: LoadedConfig;
  /** Folder relative paths in the settings resolve against (the config file's). */
  baseDir: string;
  /** `serve`: listener, pollers, HTTP and workers; `worker`: workers (and HTTP for health/metrics if configured). */
  mode: 'serve' | 'worker';
  /** `--data DIR`: PGlite in DIR, over the file's database. */
  dataDirOverride?: string;
  /** Record `pacs`/`ris` messages in memory when those destinations are not configured (the embedded default). */
  memorySinks?: boolean;
  clock: () => Date;
  logger: Logger;
  /** Registers extra routes (e.g. the console) on the HTTP app, behind its hooks. */
  registerHttp?: (app: FastifyInstance, engine: Engine) => Promise<void>;
}

export interface RunningServer {
  engine: Engine;
  store: Store;
  queue: JobQueue;
  storeKind: StoreKind;
  /** Destination names with a sink. */
  destinations: string[];
  http?: { host: string; port: number; scheme: 'http' | 'https' };
  metrics: Metrics;
  stop(): Promise<void>;
}

function checksFor(store: Store, addresses: Record<string, DestinationAddress>, redis: Parameters<typeof redisCheck>[0] | undefined): HealthCheck[] {
  const checks: HealthCheck[] = [storeCheck(store, 'database')];
  if (redis) checks.push(redisCheck(redis, 'redis'));
  for (const [name, a] of Object.entries(addresses)) {
    checks.push(a.kind === 'mllp' ? tcpCheck(`destination:${name}`, a.host, a.port) : httpCheck(`destination:${name}`, a.url));
  }
  return checks;
}

async function queueCounts(queue: JobQueue, names: QueueName[]): Promise<Record<string, QueueCounts>> {
  const out: Record<string, QueueCounts> = {};
  for (const n of names) out[n] = await queue.counts(n);
  return out;
}

/** Starts everything the settings ask for; the caller awaits a signal, then `stop()`. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { settings, logger } = opts;
  const { store, kind } = await openStore(settings, opts.baseDir, opts.dataDirOverride);
  await store.migrate();
  const { queue, bull } = openQueue(settings, (e) => { logger.error({ err: e }, 'queue error'); });
  const { sinks, addresses } = buildSinks(settings, store, opts.clock, opts.baseDir, { memory: opts.memorySinks ?? false });
  const queueNames: QueueName[] = ['link', ...Object.keys(sinks).map((d) => deliverQueue(d))];
  const metrics = createMetrics({ queueCounts: () => queueCounts(queue, queueNames) });
  const listen = opts.mode === 'serve' && settings.mllp;
  const tls = listen ? tlsFiles(settings.mllp?.tls, opts.baseDir) : undefined;
  const engine = await startEngine({
    store, queue, sinks, clock: opts.clock, config: opts.config, sweepIntervalMs: settings.sweepIntervalMs,
    pixels: buildPixelSource(settings, opts.baseDir),
    ...(listen && settings.mllp ? { mllp: { host: settings.mllp.host, port: settings.mllp.port, ...(settings.mllp.allowedPeers?.length ? { allowedPeers: settings.mllp.allowedPeers } : {}), ...(tls ? { tls } : {}) } } : {}),
    observer: {
      messageIn: (channel, type, outcome, latencyMs) => {
        metrics.messageIn(channel, type, outcome);
        metrics.ackLatencyMs(channel, latencyMs);
        logger.debug({ channel, type, outcome, latencyMs }, 'message in');
      },
      linkDecision: (status) => { metrics.linkDecision(status); logger.debug({ status }, 'link decision'); },
      evidenceIssue: (issue) => { logger.warn(issue, 'image evidence unavailable'); },
      delivery: (destination, type, outcome) => {
        metrics.messageOut(destination, type, outcome);
        if (outcome !== 'delivered') metrics.deliveryFailure(destination, outcome);
        // Counts and codes only: the audit trail holds which correction and what the peer said.
        if (outcome === 'dead') logger.warn({ destination, type, outcome }, 'delivery dead-lettered');
        else logger.info({ destination, type, outcome }, 'delivery attempt');
      },
    },
    onEvent: (e) => { logger.info({ event: e.type, peer: hashId(e.peer) }, 'mllp event'); },
  });
  const pollers = opts.mode === 'serve'
    ? buildPollers(settings, store, { scan: (scan) => engine.ingestScan(scan), records: (batch) => engine.ingest(batch) }, {
      rejected: (r) => { logger.warn({ code: r.code, source: r.source.kind }, 'input rejected'); },
      error: (e) => { logger.error({ err: e }, 'poll failed'); },
    })
    : {};
  pollers.orthanc?.start(settings.sources.orthanc?.intervalMs ?? 5000);
  pollers.fhir?.start(settings.sources.fhir?.intervalMs ?? 10_000);
  pollers.dicomweb?.start(settings.sources.dicomweb?.intervalMs ?? 10_000);
  let app: FastifyInstance | undefined;
  let http: RunningServer['http'];
  if (settings.http) {
    for (const n of queueNames) bull?.bullQueue(n);
    const h = settings.http;
    const https = h.tls ? tlsFiles(h.tls, opts.baseDir) : undefined;
    app = await createHttpApp({
      tokens: h.tokens, logger,
      ...(https?.key && https.cert ? { https: { key: https.key as Buffer, cert: https.cert as Buffer } } : {}),
      health: createHealth(checksFor(store, addresses, bull?.redis())),
      metrics,
      ...(bull ? { bullBoard: { queues: bull.bullQueues() } } : {}),
      ...(settings.console ? { ownAuthPrefixes: ['/console'] } : {}),
      register: async (a) => {
        registerApiRoutes(a, engine.decisions);
        if (opts.mode === 'serve' && h.fhirInbound) await a.register(fhirInbound({ ingest: (batch) => engine.ingest(batch) }), { prefix: '/fhir' });
        const c = settings.console;
        if (c) {
          const dir = (p: string): string => path.resolve(opts.baseDir, p);
          await a.register(consolePlugin({
            decisions: engine.decisions, auth: c.auth, secret: c.secret, secureCookie: c.secureCookie,
            lexicon: opts.config.findingsLexicon, queueBoard: bull ? '/admin/queues' : false,
            ...(c.dicomRoot ? { dicomRoot: dir(c.dicomRoot) } : {}),
            ...(c.mappings ? { mappings: { dir: dir(c.mappings.dir), profile: c.mappings.profile, ...(c.mappings.globalFile ? { globalFile: dir(c.mappings.globalFile) } : {}) } } : {}),
            ...(c.headerReview ? { headerReview: { file: dir(c.headerReview.file) } } : {}),
          }), { prefix: '/console' });
        }
        if (opts.registerHttp) await opts.registerHttp(a, engine);
      },
    });
    await app.listen({ host: h.host, port: h.port });
    const addr = app.server.address();
    http = { host: h.host, port: typeof addr === 'object' && addr ? addr.port : h.port, scheme: h.tls ? 'https' : 'http' };
  }
  let stopping: Promise<void> | undefined;
  return {
    engine, store, queue, storeKind: kind, destinations: Object.keys(sinks), metrics, ...(http ? { http } : {}),
    stop() {
      stopping ??= (async () => {
        await pollers.orthanc?.stop();
        await pollers.fhir?.stop();
        await pollers.dicomweb?.stop();
        await engine.stop();
        await app?.close();
        await queue.close();
        await store.close();
      })();
      return stopping;
    },
  };
}
