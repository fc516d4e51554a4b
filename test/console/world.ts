/**
 * A small synthetic hospital behind a running console, for the console's API and browser tests:
 * synth → DICOM/HL7 files in a temp folder → read → reconcile → store (scans, reports, links, review
 * items, the automatic corrections committed through the engine's path) → deliver workers on memory
 * sinks → a fastify server with the console at /console on a free port.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { readInputs } from '../../src/app/read-inputs.ts';
import { writeSynthHospital } from '../../src/channels/files/write-synth.ts';
import { createMemorySink, type MemorySink } from '../../src/channels/sinks/memory.ts';
import type { Progress } from '../../src/cli/progress.ts';
import { loadConfig, SHIPPED_MAPPINGS_DIR, type LoadedConfig } from '../../src/config/load.ts';
import { consolePlugin, hashPassword, type ConsoleOptions } from '../../src/console/index.ts';
import { commitCorrections } from '../../src/engine/commit.ts';
import type { DecisionDeps } from '../../src/engine/decisions.ts';
import { createDeliverHandler } from '../../src/engine/deliver-worker.ts';
import { reconcile, type ReconcileResult } from '../../src/linker/reconcile.ts';
import type { ReviewItem } from '../../src/model/link.ts';
import { seededRng } from '../../src/model/ports.ts';
import { deliverQueue, type JobQueue } from '../../src/model/queue.ts';
import type { DeliveryResult } from '../../src/model/sink.ts';
import type { Store } from '../../src/model/store.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { generateHospital } from '../../src/synth/index.ts';
import { createProcedureDescriber } from '../../src/transforms/standardize/describe.ts';
import { compileStandards, parseStandards } from '../../src/transforms/standardize/header/index.ts';
import { standardizeRecords } from '../../src/transforms/standardize/records.ts';
import { parse as parseYaml } from 'yaml';

export const PASSWORD = 'correct horse battery staple';
/** Users: one per role. */
export const USERS = { admin: 'ada', reviewer: 'rita', viewer: 'vic' } as const;
export const SECRET = 'console-test-secret-0123456789abcdef';

const quiet: Progress = { update: () => undefined, done: () => undefined };

export interface World {
  dir: string;
  /** The console's mappings folder (a copy of mappings/standards) and its header review file. */
  mappingsDir: string;
  headerReviewFile: string;
  store: Store;
  queue: JobQueue;
  config: LoadedConfig;
  deps: DecisionDeps;
  pacs: MemorySink;
  ris: MemorySink;
  /** Set a destination to make its peer reject (AR) what it is sent. */
  rejects: { pacs: boolean; ris: boolean };
  scans: Scan[];
  reports: Report[];
  result: ReconcileResult;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The world's clock (a fixed day; tests may move it). */
  now: { ms: number };
  close(): Promise<void>;
}

export const BASE_TIME = Date.UTC(2026, 2, 20, 12, 0, 0);

/** Builds the world; `options` overrides console options (e.g. proxy auth). */
export async function buildWorld(options: Partial<ConsoleOptions> = {}): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'acclink-console-'));
  const config = await loadConfig();
  const hospital = generateHospital({ seed: 3, patients: 40, baseDate: '2026-03-01' });
  await writeSynthHospital(dir, hospital);
  const inputs = await readInputs({ dicom: [path.join(dir, 'dicom')], hl7: [path.join(dir, 'hl7')], fhir: [] }, config.hl7Fields, quiet);
  const result = reconcile(inputs.scans, inputs.reports, {
    config: config.linker, weights: config.weights, describer: createProcedureDescriber(config.procedureTerms), rng: seededRng(config.seed),
  });
  // Header review: the global profile's uncertain values on this hospital, as `reconcile --standardize global` writes them.
  const mappingsDir = path.join(dir, 'standards');
  await mkdir(mappingsDir);
  for (const f of ['global.yaml', 'site-example.yaml']) await copyFile(path.join(SHIPPED_MAPPINGS_DIR, 'standards', f), path.join(mappingsDir, f));
  const global = parseStandards(parseYaml(await readFile(path.join(mappingsDir, 'global.yaml'), 'utf8')) as unknown);
  const standardized = standardizeRecords(inputs.scans, result.reports, compileStandards(global, config.procedureTerms), { profileName: 'global', today: '20260320' });
  const headerReviewFile = path.join(dir, 'header-review.jsonl');
  await writeFile(headerReviewFile, standardized.review.map((r) => `${JSON.stringify(r)}\n`).join(''));

  const store = createMemoryStore();
  await store.migrate();
  const queue = createMemoryQueue({ backoffMs: 5 });
  const now = { ms: BASE_TIME };
  const clock = (): Date => new Date(now.ms);
  const rejects = { pacs: false, ris: false };
  const peer = (d: 'pacs' | 'ris') => (): DeliveryResult =>
    (rejects[d] ? { outcome: 'dead', detail: 'AR 207 application internal error', ackCode: 'AR' } : { outcome: 'delivered', detail: 'AA', ackCode: 'AA' });
  const pacs = createMemorySink({ respond: peer('pacs') });
  const ris = createMemorySink({ respond: peer('ris') });
  const deps: DecisionDeps = { store, queue, config, clock, destinations: new Set(['pacs', 'ris']) };
  queue.work(deliverQueue('pacs'), createDeliverHandler({ store, sink: pacs, clock }));
  queue.work(deliverQueue('ris'), createDeliverHandler({ store, sink: ris, clock }));

  for (const s of inputs.scans) await store.putScan(s);
  for (const r of result.reports) await store.putReport(r);
  for (const l of result.links) await store.putLink(l);
  // History: automatic corrections spread over the last days, so that the charts have something to show.
  const fixes = result.corrections;
  for (let i = 0; i < fixes.length; i++) {
    now.ms = BASE_TIME - (i % 7) * 86_400_000 - 3_600_000;
    await commitCorrections(deps, [fixes[i]!], { scans: inputs.scans, reports: result.reports, links: result.links, actor: 'acclink' });
  }
  now.ms = BASE_TIME;
  const items: ReviewItem[] = result.review.map((item, i) => ({ ...item, openedAt: new Date(BASE_TIME - (i + 1) * 7 * 3_600_000).toISOString() }));
  for (const item of items) await store.putReviewItem(item);
  await waitFor(async () => (await queue.counts('deliver:pacs')).waiting + (await queue.counts('deliver:ris')).waiting === 0, 'initial deliveries');

  const users = await Promise.all(Object.entries(USERS).map(async ([role, name]) => ({
    name, role: role as 'admin' | 'reviewer' | 'viewer', passwordHash: await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }),
  })));
  const app = Fastify({ logger: false });
  await app.register(consolePlugin({
    decisions: deps, auth: { mode: 'local', users }, secret: SECRET, lexicon: config.findingsLexicon, secureCookie: false,
    mappings: { dir: mappingsDir, profile: 'global.yaml' }, headerReview: { file: headerReviewFile },
    ...options,
  }), { prefix: '/console' });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    dir, mappingsDir, headerReviewFile, store, queue, config, deps, pacs, ris, rejects, scans: inputs.scans, reports: result.reports, result, app, origin, now,
    async close() {
      await app.close();
      await queue.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `cond` every 10 ms for up to 5 s. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
