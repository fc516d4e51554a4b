/**
 * The streaming engine (issue 3), wired: an optional MLLP listener feeding the ingest stage, a
 * `standardize` worker when a standards profile is loaded (issue 4), a `link` worker and one
 * `deliver:<destination>` worker per sink. Adapters are injected; {@link startEngine}
 * owns only the listener, the workers and the pending-job sweep it starts (the caller closes the store
 * and queue it passed in). Without `mllp` it runs workers only (`acclink worker`): workers are stateless,
 * so several processes can share one Redis and one PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createMllpServer, type MllpServer, type MllpServerEvent, type MllpServerOptions } from '../channels/mllp/server.ts';
import type { LoadedConfig } from '../config/load.ts';
import { loadConfig } from '../config/load.ts';
import type { LinkStatus } from '../model/link.ts';
import type { PixelSource } from '../model/pixels.ts';
import { deliverQueue, type JobQueue, type QueueName, type SubjectJob, type WorkerHandle } from '../model/queue.ts';
import type { DeliveryOutcome, Sink } from '../model/sink.ts';
import type { Store } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';
import { DELIVER_ATTEMPTS, DELIVER_BACKOFF_MS } from './commit.ts';
import type { DecisionDeps } from './decisions.ts';
import { createDeliverHandler } from './deliver-worker.ts';
import { createIngestHandler, ingestRecords, queueLink, type IngestOutcome } from './ingest.ts';
import { createLinkHandler } from './link-worker.ts';
import { createStandardizeHandler } from './standardize-worker.ts';
import { createEngineEvidence, type EvidenceIssue } from './evidence.ts';
import { createIdDomainEstimate } from './id-domain.ts';

/** Hooks for metrics; never given message content. */
export interface EngineObserver {
  messageIn?(channel: string, type: string, outcome: IngestOutcome, latencyMs: number): void;
  delivery?(destination: string, type: string, outcome: DeliveryOutcome): void;
  linkDecision?(status: LinkStatus): void;
  /** Image evidence could not be had for a study (or at all); the header-only decision stands. */
  evidenceIssue?(issue: EvidenceIssue): void;
}

export interface EngineOptions {
  store: Store;
  queue: JobQueue;
  /** Sinks by destination name (`pacs`, `ris`, `fhir`, `archive`). Messages for others are audited as skipped. */
  sinks: Record<string, Sink>;
  /** The MLLP listener; absent: no listener (workers only). */
  mllp?: { port: number; host: string } & Pick<MllpServerOptions, 'allowedPeers' | 'tls'>;
  /** Run the link and deliver workers in this process (default true; false: channels only). */
  workers?: boolean;
  clock: () => Date;
  /** Loaded configuration; default: `loadConfig()` (shipped mappings). */
  config?: LoadedConfig;
  /** How often pending jobs are re-enqueued (they are also on start). Default 60 s; 0: only on start. */
  sweepIntervalMs?: number;
  /** Listener events (never message content), e.g. for logs. */
  onEvent?: (event: MllpServerEvent) => void;
  observer?: EngineObserver;
  /** Where stored studies' images are read; with `config.modelDirs` non-empty it turns image evidence on. */
  pixels?: PixelSource;
}

/** Counters since start: no content, safe to print. */
export interface EngineStats {
  messages: Record<IngestOutcome, number>;
  corrections: number;
  deliveries: Record<DeliveryOutcome, number>;
  /** Pending jobs re-enqueued on start and by later sweeps. */
  recovered: number;
}

export interface Engine {
  /** Where the MLLP listener is bound (undefined without one). */
  readonly address: AddressInfo | undefined;
  readonly stats: EngineStats;
  /** What people's decisions (console, undo) need, sharing this engine's store, queue and config. */
  readonly decisions: DecisionDeps;
  /** Store a scan and queue its link job (PACS polling). */
  ingestScan(scan: Scan): Promise<void>;
  /** Store FHIR or polled records and queue their link jobs; resolves once durable. */
  ingest(batch: { scans: readonly Scan[]; reports: readonly Report[] }): Promise<void>;
  /** Re-enqueue every pending job now; resolves with how many there were. */
  sweep(): Promise<number>;
  /** Stop the listener (in-flight messages are answered), then the workers (in-flight jobs finish). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Re-enqueue every job in the store's pending outbox. Jobs still queued are not doubled (job ids
 * de-duplicate), so this is safe at any time, from any process. With standardization off (no profile
 * loaded any more), a pending `standardize` job becomes its subject's `link` job: no worker would take it.
 */
export async function sweepPending(store: Store, queue: JobQueue, stages: { standardize?: boolean } = {}): Promise<number> {
  const pending = await store.listPending();
  for (const p of pending) {
    const name = p.queue as QueueName;
    if (name === 'standardize' && stages.standardize !== true) {
      await queueLink({ store, queue }, p.data as SubjectJob);
      await store.removePending(p.queue, p.jobId);
      continue;
    }
    const opts = name.startsWith('deliver:') ? { jobId: p.jobId, attempts: DELIVER_ATTEMPTS, backoffMs: DELIVER_BACKOFF_MS } : { jobId: p.jobId };
    await queue.enqueue(name, p.data as never, opts);
  }
  return pending.length;
}

function startWorkers(opts: EngineOptions, config: LoadedConfig, stats: EngineStats, deps: DecisionDeps): WorkerHandle[] {
  const workers: WorkerHandle[] = [];
  // One link job at a time per process: candidate sets overlap, and serial linking keeps decisions deterministic.
  workers.push(opts.queue.work('link', createLinkHandler({
    ...deps, config,
    onCorrection: () => { stats.corrections++; },
    idDomain: createIdDomainEstimate(opts.store),
    onDecision: (status) => { opts.observer?.linkDecision?.(status); },
    // Once per engine: the model sessions and the verdict cache live as long as the worker.
    ...(opts.pixels && config.modelDirs.length > 0
      ? { evidence: createEngineEvidence({ config, pixels: opts.pixels, onIssue: (i) => { opts.observer?.evidenceIssue?.(i); } }) }
      : {}),
  })));
  // With a standards profile, arrivals are standardized first (one job at a time, as linking: consensus reads the patient's records).
  if (config.standards) {
    workers.push(opts.queue.work('standardize', createStandardizeHandler({ ...deps, standards: config.standards, onCorrection: () => { stats.corrections++; } })));
  }
  for (const [destination, sink] of Object.entries(opts.sinks)) {
    workers.push(opts.queue.work(deliverQueue(destination), createDeliverHandler({
      store: opts.store, sink, clock: opts.clock,
      onOutcome: (d, outcome, type) => { stats.deliveries[outcome]++; opts.observer?.delivery?.(d, type, outcome); },
    })));
  }
  return workers;
}

/** Start the listener, the workers and the pending-job sweep. */
export async function startEngine(opts: EngineOptions): Promise<Engine> {
  const config = opts.config ?? await loadConfig();
  const stats: EngineStats = { messages: { accepted: 0, duplicate: 0, rejected: 0 }, corrections: 0, deliveries: { delivered: 0, retry: 0, dead: 0 }, recovered: 0 };
  const decisions: DecisionDeps = { store: opts.store, queue: opts.queue, config, clock: opts.clock, destinations: new Set(Object.keys(opts.sinks)) };
  const sweep = async (): Promise<number> => {
    const n = await sweepPending(opts.store, opts.queue, { standardize: config.standards !== undefined });
    stats.recovered += n;
    return n;
  };
  await sweep();
  const workers = opts.workers === false ? [] : startWorkers(opts, config, stats, decisions);
  let server: MllpServer | undefined;
  let address: AddressInfo | undefined;
  if (opts.mllp) {
    server = createMllpServer({
      handle: createIngestHandler({
        store: opts.store, queue: opts.queue, hl7Fields: config.hl7Fields, standardize: config.standards !== undefined,
        onMessage: (o, type, latencyMs) => { stats.messages[o]++; opts.observer?.messageIn?.('mllp', type, o, latencyMs); },
      }),
      ackIds: () => randomUUID().replace(/-/g, '').slice(0, 20),
      clock: opts.clock,
      ...(opts.mllp.allowedPeers ? { allowedPeers: opts.mllp.allowedPeers } : {}),
      ...(opts.mllp.tls ? { tls: opts.mllp.tls } : {}),
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    });
    try {
      address = await server.listen(opts.mllp.port, opts.mllp.host);
    } catch (e) {
      await Promise.all(workers.map((w) => w.close()));
      throw e;
    }
  }
  const ingestDeps = { store: opts.store, queue: opts.queue, standardize: config.standards !== undefined, outbound: { config, clock: opts.clock, destinations: decisions.destinations } };
  const interval = opts.sweepIntervalMs ?? 60_000;
  // A failed sweep is retried at the next tick; the error is not lost silently but counted as no recovery.
  const timer = interval > 0 ? setInterval(() => { sweep().catch(() => undefined); }, interval) : undefined;
  timer?.unref();
  let stopping: Promise<void> | undefined;
  return {
    address, stats, decisions,
    ingestScan: (scan) => ingestRecords(ingestDeps, { scans: [scan], reports: [] }),
    ingest: (batch) => ingestRecords(ingestDeps, batch),
    sweep,
    stop() {
      stopping ??= (async () => {
        if (timer) clearInterval(timer);
        await server?.close({ timeoutMs: 5000 });
        await Promise.all(workers.map((w) => w.close()));
      })();
      return stopping;
    },
  };
}
