/**
 * The streaming engine (issue 3), wired: an MLLP listener feeding the ingest stage, a `link` worker and
 * one `deliver:<destination>` worker per sink. Adapters are injected; {@link startEngine} owns only the
 * listener and the workers it starts (the caller closes the store and queue it passed in).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createMllpServer, type MllpServerEvent } from '../channels/mllp/server.ts';
import type { LoadedConfig } from '../config/load.ts';
import { loadConfig } from '../config/load.ts';
import { deliverQueue, type JobQueue, type WorkerHandle } from '../model/queue.ts';
import type { DeliveryOutcome, Sink } from '../model/sink.ts';
import type { Store } from '../model/store.ts';
import type { Scan } from '../model/types.ts';
import { createDeliverHandler } from './deliver-worker.ts';
import { createIngestHandler, ingestScan, type IngestOutcome } from './ingest.ts';
import { createLinkHandler } from './link-worker.ts';

export interface EngineOptions {
  store: Store;
  queue: JobQueue;
  /** Sinks by destination name (`pacs`, `ris`, `fhir`). Messages for other destinations are not sent. */
  sinks: Record<string, Sink>;
  mllp: { port: number; host: string };
  clock: () => Date;
  /** Loaded configuration; default: `loadConfig()` (shipped mappings). */
  config?: LoadedConfig;
  /** Listener events (never message content), e.g. for logs. */
  onEvent?: (event: MllpServerEvent) => void;
}

/** Counters since start: no content, safe to print. */
export interface EngineStats {
  messages: Record<IngestOutcome, number>;
  corrections: number;
  deliveries: Record<DeliveryOutcome, number>;
}

export interface Engine {
  /** Where the MLLP listener is bound. */
  readonly address: AddressInfo;
  readonly stats: EngineStats;
  /** Store a scan and queue its link job (PACS polling will call this). */
  ingestScan(scan: Scan): Promise<void>;
  /** Stop the listener (in-flight messages are answered), then the workers (in-flight jobs finish). Idempotent. */
  stop(): Promise<void>;
}

/** Start the listener and the workers. */
export async function startEngine(opts: EngineOptions): Promise<Engine> {
  const config = opts.config ?? await loadConfig();
  const stats: EngineStats = {
    messages: { accepted: 0, duplicate: 0, rejected: 0 },
    corrections: 0,
    deliveries: { delivered: 0, retry: 0, dead: 0 },
  };
  const workers: WorkerHandle[] = [];
  // One link job at a time: candidate sets overlap, and serial linking keeps decisions deterministic.
  workers.push(opts.queue.work('link', createLinkHandler({
    store: opts.store, queue: opts.queue, config, clock: opts.clock,
    destinations: new Set(Object.keys(opts.sinks)),
    onCorrection: () => { stats.corrections++; },
  })));
  for (const [destination, sink] of Object.entries(opts.sinks)) {
    workers.push(opts.queue.work(deliverQueue(destination), createDeliverHandler({
      store: opts.store, sink, clock: opts.clock,
      onOutcome: (_d, outcome) => { stats.deliveries[outcome]++; },
    })));
  }
  const server = createMllpServer({
    handle: createIngestHandler({
      store: opts.store, queue: opts.queue, hl7Fields: config.hl7Fields,
      onMessage: (o) => { stats.messages[o]++; },
    }),
    ackIds: () => randomUUID().replace(/-/g, '').slice(0, 20),
    clock: opts.clock,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
  let address: AddressInfo;
  try {
    address = await server.listen(opts.mllp.port, opts.mllp.host);
  } catch (e) {
    await Promise.all(workers.map((w) => w.close()));
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    address,
    stats,
    ingestScan: (scan) => ingestScan({ store: opts.store, queue: opts.queue }, scan),
    stop() {
      stopping ??= (async () => {
        await server.close({ timeoutMs: 5000 });
        await Promise.all(workers.map((w) => w.close()));
      })();
      return stopping;
    },
  };
}
