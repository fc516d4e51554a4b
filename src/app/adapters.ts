/**
 * Builds the engine's adapters from the `engine` settings: the store (PostgreSQL, PGlite or memory),
 * the queue (BullMQ or in-process), one sink per configured destination with the Store-backed delivery
 * ledger, and the pollers of the configured sources. The composition root of `acclink serve` and
 * `acclink worker`; everything below it is injected.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type tls from 'node:tls';
import { createFhirPoller, type FhirPoller } from '../channels/fhir/poller.ts';
import { createFilePixelSource } from '../channels/files/pixel-source.ts';
import { createOrthancPixelSource } from '../channels/pacs/orthanc-pixel-source.ts';
import { composePixelSources } from '../channels/pixel-source.ts';
import { createOrthancClient } from '../channels/pacs/orthanc-client.ts';
import { createOrthancPoller, type OrthancPoller } from '../channels/pacs/orthanc-poller.ts';
import { createQidoPoller, type QidoPoller } from '../channels/pacs/qido-poller.ts';
import { createFhirSink } from '../channels/sinks/fhir.ts';
import { createStoreLedger } from '../channels/sinks/ledger.ts';
import { createMemorySink } from '../channels/sinks/memory.ts';
import { createMllpSink } from '../channels/sinks/mllp.ts';
import { createOrthancSink } from '../channels/sinks/orthanc.ts';
import type { EngineSettings } from '../config/engine.ts';
import type { PixelSource } from '../model/pixels.ts';
import type { JobQueue } from '../model/queue.ts';
import type { InputRejection } from '../model/types.ts';
import type { Sink } from '../model/sink.ts';
import type { Store } from '../model/store.ts';
import { createBullmqQueue, type BullmqJobQueue } from '../queue/bullmq.ts';
import { createMemoryQueue } from '../queue/memory.ts';
import { createMemoryStore } from '../store/memory.ts';
import { createPgliteStore } from '../store/pglite.ts';
import { createPostgresStore } from '../store/postgres.ts';

/** How the store is kept, for the start-up line (no credentials). */
export type StoreKind = 'postgres' | 'pglite' | 'memory';

/** Opens the configured store; `dataDirOverride` (`--data`) wins over the file. Paths resolve against `baseDir`. */
export async function openStore(settings: EngineSettings, baseDir: string, dataDirOverride?: string): Promise<{ store: Store; kind: StoreKind }> {
  const db = settings.database;
  if (dataDirOverride === undefined && db?.url) {
    return { store: createPostgresStore({ connectionString: db.url, ...(db.schema ? { schema: db.schema } : {}) }), kind: 'postgres' };
  }
  const dir = dataDirOverride ?? (db?.dataDir ? path.resolve(baseDir, db.dataDir) : undefined);
  return dir ? { store: await createPgliteStore({ dataDir: dir }), kind: 'pglite' } : { store: createMemoryStore(), kind: 'memory' };
}

/** Opens the configured queue: BullMQ when Redis is configured, else in-process. */
export function openQueue(settings: EngineSettings, onError?: (e: Error) => void): { queue: JobQueue; bull?: BullmqJobQueue } {
  if (!settings.redis) return { queue: createMemoryQueue() };
  const r = settings.redis;
  const bull = createBullmqQueue({ url: r.url, ...(r.prefix ? { prefix: r.prefix } : {}), ...(r.lockDurationMs ? { lockDurationMs: r.lockDurationMs } : {}), ...(onError ? { onError } : {}) });
  return { queue: bull, bull };
}

/** TLS options from key/cert/CA files (read once at start, so a bad path fails the start, not a delivery). */
export function tlsFiles(t: { keyFile?: string; certFile?: string; caFile?: string; requestCert?: boolean } | undefined, baseDir: string): tls.TlsOptions | undefined {
  if (!t) return undefined;
  const read = (f: string | undefined): Buffer | undefined => (f ? readFileSync(path.resolve(baseDir, f)) : undefined);
  const [key, cert, ca] = [read(t.keyFile), read(t.certFile), read(t.caFile)];
  return {
    ...(key ? { key } : {}), ...(cert ? { cert } : {}), ...(ca ? { ca } : {}),
    ...(t.requestCert ? { requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** Where each destination is, for health checks (no credentials). */
export type DestinationAddress = { kind: 'mllp'; host: string; port: number } | { kind: 'http'; url: string };

/**
 * One sink per configured destination, all sharing the Store-backed ledger. `memory: true` adds
 * recording memory sinks for `pacs` and `ris` when they are not configured (the embedded demo).
 */
export function buildSinks(settings: EngineSettings, store: Store, clock: () => Date, baseDir: string, opts: { memory?: boolean } = {}): { sinks: Record<string, Sink>; addresses: Record<string, DestinationAddress> } {
  const ledger = createStoreLedger(store, clock);
  const sinks: Record<string, Sink> = {};
  const addresses: Record<string, DestinationAddress> = {};
  const d = settings.destinations;
  for (const name of ['pacs', 'ris'] as const) {
    const peer = d[name]?.mllp;
    if (peer) {
      const t = tlsFiles(peer.tls, baseDir);
      const tlsOptions: tls.ConnectionOptions | undefined = t ? { ...(t.key ? { key: t.key } : {}), ...(t.cert ? { cert: t.cert } : {}), ...(t.ca ? { ca: t.ca } : {}), servername: peer.host } : undefined;
      sinks[name] = createMllpSink({ host: peer.host, port: peer.port, timeoutMs: peer.timeoutMs ?? 10_000, ledger, ...(tlsOptions ? { tls: tlsOptions } : {}) });
      addresses[name] = { kind: 'mllp', host: peer.host, port: peer.port };
    } else if (opts.memory) {
      sinks[name] = createMemorySink({ ledger });
    }
  }
  if (d.fhir) {
    sinks.fhir = createFhirSink({ baseUrl: d.fhir.baseUrl, ledger, ...(d.fhir.token ? { token: d.fhir.token } : {}), ...(d.fhir.timeoutMs ? { timeoutMs: d.fhir.timeoutMs } : {}) });
    addresses.fhir = { kind: 'http', url: `${d.fhir.baseUrl.replace(/\/$/, '')}/metadata` };
  }
  const o = d.archive?.orthanc;
  if (o) {
    const client = createOrthancClient({ url: o.url, ...(o.username && o.password ? { credentials: { username: o.username, password: o.password } } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
    sinks.archive = createOrthancSink({ client, ledger, keepUids: o.keepUids, clock: { now: clock } });
    addresses.archive = { kind: 'http', url: `${o.url.replace(/\/$/, '')}/system` };
  }
  return { sinks, addresses };
}

/** The configured pollers, feeding `ingest`, with their positions kept in the store. */
export interface Pollers {
  orthanc?: OrthancPoller;
  fhir?: FhirPoller;
  dicomweb?: QidoPoller;
}

export function buildPollers(
  settings: EngineSettings, store: Store,
  ingest: { scan: Parameters<typeof createOrthancPoller>[0]['onScan']; records: Parameters<typeof createFhirPoller>[0]['ingest'] },
  report: { rejected: (r: InputRejection) => void; error: (e: unknown) => void },
): Pollers {
  const out: Pollers = {};
  const checkpoint = (name: string): { get: () => Promise<string | undefined>; set: (v: string) => Promise<void> } => ({
    get: () => store.getCheckpoint(name), set: (v) => store.putCheckpoint(name, v),
  });
  const o = settings.sources.orthanc;
  if (o) {
    const client = createOrthancClient({ url: o.url, ...(o.username && o.password ? { credentials: { username: o.username, password: o.password } } : {}) });
    out.orthanc = createOrthancPoller({ client, checkpoint: checkpoint(`orthanc:${o.url}`), onScan: ingest.scan, onRejected: report.rejected, onError: report.error });
  }
  const f = settings.sources.fhir;
  if (f) {
    out.fhir = createFhirPoller({
      baseUrl: f.baseUrl, ...(f.token ? { token: f.token } : {}), ...(f.types ? { types: f.types } : {}),
      checkpoint: checkpoint(`fhir:${f.baseUrl}`), ingest: ingest.records,
      onRejected: (rs) => { for (const r of rs) report.rejected(r); }, onError: report.error,
    });
  }
  const w = settings.sources.dicomweb;
  if (w) {
    out.dicomweb = createQidoPoller({
      baseUrl: w.url, ...(w.username && w.password ? { credentials: { username: w.username, password: w.password } } : {}),
      checkpoint: checkpoint(`dicomweb:${w.url}`), onScan: ingest.scan, onRejected: report.rejected, onError: report.error,
    });
  }
  return out;
}

/**
 * Where the engine reads stored studies' images for image evidence: DICOM files named in scan sources
 * (relative ones against `console.dicomRoot`, as thumbnails do), then each configured Orthanc (the PACS
 * source, the archive destination) for instances the poller named `orthanc/instances/<id>`.
 */
export function buildPixelSource(settings: EngineSettings, baseDir: string): PixelSource {
  const root = settings.console?.dicomRoot;
  const sources: PixelSource[] = [createFilePixelSource(root ? { root: path.resolve(baseDir, root) } : {})];
  const seen = new Set<string>();
  for (const o of [settings.sources.orthanc, settings.destinations.archive?.orthanc]) {
    if (!o || seen.has(o.url)) continue;
    seen.add(o.url);
    sources.push(createOrthancPixelSource(createOrthancClient({ url: o.url, ...(o.username && o.password ? { credentials: { username: o.username, password: o.password } } : {}) })));
  }
  return composePixelSources(sources);
}
