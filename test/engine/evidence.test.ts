/**
 * Image and report-text evidence in the engine's link worker: the batch command's image scenario (one
 * patient, two same-day chest radiographs from the PneumoniaMNIST test split written by acclink's DICOM
 * writer, two reports that differ only in their text) fed through the engine. Headers alone leave every
 * study in review; with the files pixel source (or a real Orthanc) and the shipped model, studies get
 * linked, judged against the scenario's truth.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilePixelSource } from '../../src/channels/files/pixel-source.ts';
import { hashId } from '../../src/channels/log.ts';
import { createOrthancClient } from '../../src/channels/pacs/orthanc-client.ts';
import { createOrthancPixelSource } from '../../src/channels/pacs/orthanc-pixel-source.ts';
import { createOrthancPoller } from '../../src/channels/pacs/orthanc-poller.ts';
import { composePixelSources } from '../../src/channels/pixel-source.ts';
import { loadConfig, type LoadedConfig } from '../../src/config/load.ts';
import { startEngine } from '../../src/engine/engine.ts';
import { createEngineEvidence, type EvidenceIssue } from '../../src/engine/evidence.ts';
import { reconcile } from '../../src/linker/reconcile.ts';
import { seededRng } from '../../src/model/ports.ts';
import { createProcedureDescriber } from '../../src/transforms/standardize/describe.ts';
import { ErrorCode, isAcclinkError } from '../../src/model/errors.ts';
import type { PixelSource } from '../../src/model/pixels.ts';
import type { Store } from '../../src/model/store.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { buildImageScenario, type ImageScenario } from '../bench/image-scenario.ts';
import { startOrthanc, storeFiles, type RunningOrthanc } from '../support/orthanc.ts';
import { until } from '../support/until.ts';

const clock = (): Date => new Date(Date.UTC(2026, 3, 11, 8));


interface Outcome {
  right: number;
  wrong: number;
  /** Scenario studies with an open review item about them (as subject or as a candidate). */
  inReview: number;
  issues: EvidenceIssue[];
}

/** Judges the stored links of the scenario studies against the truth (not against the engine's own output). */
async function judge(store: Store, truth: ReadonlyMap<string, string>, issues: EvidenceIssue[]): Promise<Outcome> {
  let right = 0;
  let wrong = 0;
  for (const [uid, reportId] of truth) {
    for (const l of await store.listLinks({ studyInstanceUid: uid })) {
      if (l.reportId === reportId) right++;
      else wrong++;
    }
  }
  const open = await store.listReviewItems({ state: 'open' });
  const inReview = [...truth.keys()].filter((uid) => open.some((i) => i.studyInstanceUid === uid || i.candidates.some((c) => c.id === uid))).length;
  return { right, wrong, inReview, issues };
}

/** Runs records through an engine on a memory store and queue until no job is pending. */
async function runEngine(config: LoadedConfig, records: { scans?: Scan[]; reports: Report[] }, truth: ReadonlyMap<string, string>, pixels?: PixelSource, feed?: (ingestScan: (s: Scan) => Promise<void>) => Promise<void>): Promise<Outcome> {
  const store = createMemoryStore();
  await store.migrate();
  const queue = createMemoryQueue({ backoffMs: 10 });
  const issues: EvidenceIssue[] = [];
  const engine = await startEngine({
    store, queue, clock, config, sinks: {}, sweepIntervalMs: 0, ...(pixels ? { pixels } : {}),
    observer: { evidenceIssue: (i) => { issues.push(i); } },
  });
  try {
    if (feed) await feed((s) => engine.ingestScan(s));
    // Normal films first: a falsely positive one would meet the pneumonia report before its true study does.
    await engine.ingest({ scans: [...(records.scans ?? [])].reverse(), reports: records.reports });
    await until(async () => {
      const c = await queue.counts('link');
      return (await store.listPending()).length === 0 && c.waiting === 0 && c.active === 0;
    }, 'every link job');
    expect((await queue.deadLetters('link')).map((d) => d.error)).toEqual([]);
    return await judge(store, truth, issues);
  } finally {
    await engine.stop();
    await queue.close();
    await store.close();
  }
}

/** A pixel source that counts reads per study, around a real one. */
function counting(inner: PixelSource): PixelSource & { reads: Map<string, number> } {
  const reads = new Map<string, number>();
  return {
    reads,
    instances(scan, limit) {
      reads.set(scan.studyInstanceUid, (reads.get(scan.studyInstanceUid) ?? 0) + 1);
      return inner.instances(scan, limit);
    },
  };
}

let config: LoadedConfig;
let dir = '';
let scenario: ImageScenario;

beforeAll(async () => {
  config = await loadConfig();
  dir = await mkdtemp(path.join(tmpdir(), 'acclink-engine-evidence-'));
  scenario = await buildImageScenario(path.join(dir, 'dicom'), 10);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('image evidence in the link worker (files)', () => {
  it('leaves every same-day pair in review on headers alone', async () => {
    const out = await runEngine(config, scenario, scenario.truth);
    expect(out.right + out.wrong).toBe(0);
    expect(out.inReview).toBe(scenario.truth.size);
  });

  it('links pairs by image and report findings, none wrongly, reading each study once', async () => {
    const pixels = counting(createFilePixelSource());
    const out = await runEngine(config, scenario, scenario.truth, pixels);
    expect(out.wrong).toBe(0);
    // The batch bench links 75% of such pairs; this is a floor with headroom, not a measurement.
    expect(out.right).toBeGreaterThanOrEqual(scenario.truth.size / 2);
    expect(out.issues).toEqual([]);
    // Every study was a candidate of several arrivals; its verdict came from the cache after the first read.
    expect([...pixels.reads.values()].every((n) => n === 1)).toBe(true);
    expect(pixels.reads.size).toBeGreaterThan(0);
  });

  it('keeps the header-only result and reports the study (hashed) when its images cannot be read', async () => {
    // Sources that point nowhere: the header pass is the same, the images are missing.
    const moved = scenario.scans.map((s) => ({ ...s, sources: s.sources.map((x) => ({ ...x, path: path.join(dir, 'gone', path.basename(x.path)) })) }));
    const out = await runEngine(config, { scans: moved, reports: scenario.reports }, scenario.truth, createFilePixelSource());
    expect(out.right + out.wrong).toBe(0);
    expect(out.inReview).toBe(scenario.truth.size);
    expect(out.issues.length).toBeGreaterThan(0);
    expect(new Set(out.issues.map((i) => i.code))).toEqual(new Set(['pixels-unreadable']));
    expect(out.issues.map((i) => i.error?.code)).toContain(ErrorCode.FileUnreadable);
    const hashed = new Set(scenario.scans.map((s) => hashId(s.studyInstanceUid)));
    for (const i of out.issues) expect(hashed.has(i.study ?? '')).toBe(true);
    const logged = JSON.stringify(out.issues);
    for (const s of scenario.scans) {
      expect(logged).not.toContain(s.studyInstanceUid);
      expect(logged).not.toContain(s.patient.id ?? '?');
    }
  });
});

describe('the verdict cache', () => {
  it('keeps study verdicts by SOP Instance UID up to its bound, least recently used dropped', async () => {
    const [a, b] = scenario.scans;
    if (!a || !b) throw new Error('no scenario pair');
    const set = { scans: [a, b], reports: scenario.reports.filter((r) => r.patient.id === a.patient.id) };
    const first = reconcile(set.scans, set.reports, {
      config: { ...config.linker, uFromRandomPairs: { ...config.linker.uFromRandomPairs, enabled: false } },
      weights: config.weights, describer: createProcedureDescriber(config.procedureTerms), rng: seededRng(config.seed),
    });
    expect(first.review.length).toBeGreaterThan(0);
    const readsWith = async (cacheSize: number): Promise<number[]> => {
      const pixels = counting(createFilePixelSource());
      const evidence = createEngineEvidence({ config, pixels, cacheSize });
      for (let i = 0; i < 3; i++) expect(await evidence.providersFor(set, first, { studyInstanceUid: a.studyInstanceUid })).toHaveLength(1);
      expect(evidence.stats.studiesRead + evidence.stats.cacheHits).toBe(6);
      return [pixels.reads.get(a.studyInstanceUid) ?? 0, pixels.reads.get(b.studyInstanceUid) ?? 0];
    };
    expect(await readsWith(10)).toEqual([1, 1]);
    // One entry for two single-instance studies: each evicts the other.
    expect(await readsWith(1)).toEqual([3, 3]);
    // A subject that is not in review needs no evidence and reads nothing.
    const none = counting(createFilePixelSource());
    expect(await createEngineEvidence({ config, pixels: none }).providersFor(set, { ...first, review: [] }, { studyInstanceUid: a.studyInstanceUid })).toEqual([]);
    expect(none.reads.size).toBe(0);
  });
});

describe('image evidence in the link worker (Orthanc)', () => {
  let orthanc: RunningOrthanc | undefined;

  afterAll(async () => {
    await orthanc?.stop();
  });

  it('reads polled studies from the archive and links them as from files', async () => {
    orthanc = await startOrthanc();
    const client = createOrthancClient({ url: orthanc.url, timeoutMs: 10_000 });
    const pairs = scenario.scans.slice(0, 8);
    const truth = new Map(pairs.map((s) => [s.studyInstanceUid, scenario.truth.get(s.studyInstanceUid) ?? '']));
    const ids = await storeFiles(orthanc.url, pairs.map((s) => s.sources[0]?.path ?? ''));

    // The adapter alone: the stored file comes back byte for byte; an unknown instance is a PACS error.
    const archive = createOrthancPixelSource(client);
    const first = pairs[0];
    if (!first) throw new Error('no scenario study');
    const asPolled: Scan = { ...first, sources: [{ kind: 'dicom', path: `orthanc/instances/${ids[0] ?? ''}` }] };
    const [bytes] = await archive.instances(asPolled, 4);
    expect(Buffer.from(bytes ?? new Uint8Array())).toEqual(await readFile(first.sources[0]?.path ?? ''));
    await expect(archive.instances({ ...asPolled, sources: [{ kind: 'dicom', path: 'orthanc/instances/00000000-00000000-00000000-00000000-00000000' }] }, 4))
      .rejects.toSatisfy((e: unknown) => isAcclinkError(e, ErrorCode.PacsRequestFailed));
    expect(await createFilePixelSource().instances(asPolled, 4)).toEqual([]);

    const reports = scenario.reports.filter((r) => [...truth.values()].includes(r.reportId));
    const pixels = counting(composePixelSources([createFilePixelSource(), archive]));
    const out = await runEngine(config, { reports }, truth, pixels, async (ingestScan) => {
      // Studies come in as the PACS poller makes them: headers read from the archive, sources `orthanc/instances/<id>`.
      let seen = 0;
      let mark: string | undefined;
      const poller = createOrthancPoller({
        client, checkpoint: { get: () => Promise.resolve(mark), set: (v) => { mark = v; return Promise.resolve(); } },
        onScan: async (scan) => { seen++; await ingestScan(scan); },
      });
      await until(async () => { await poller.pollOnce(); return seen >= pairs.length; }, 'stable studies in Orthanc');
    });
    expect(out.wrong).toBe(0);
    expect(out.right).toBeGreaterThanOrEqual(truth.size / 2);
    expect(out.issues).toEqual([]);
    expect([...pixels.reads.keys()].sort()).toEqual([...truth.keys()].sort());
    expect([...pixels.reads.values()].every((n) => n === 1)).toBe(true);
  });
});
