/**
 * The Orthanc change poller against a real Orthanc (one per file): stable studies become Scans through
 * the batch path's header reader, the checkpoint moves only after `onScan`, broken files are reported.
 * Every test starts its checkpoint at the archive's newest change, so the tests do not see each other's studies.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrthancClient, type OrthancClient } from '../../src/channels/pacs/orthanc-client.ts';
import { createOrthancPoller, type PollCheckpoint } from '../../src/channels/pacs/orthanc-poller.ts';
import { createOrthancSink } from '../../src/channels/sinks/orthanc.ts';
import { createMemoryLedger } from '../../src/channels/sinks/ledger.ts';
import { ErrorCode, isAcclinkError } from '../../src/model/errors.ts';
import type { InputRejection, Scan } from '../../src/model/types.ts';
import { ARCHIVE_MESSAGE_TYPE } from '../../src/transforms/outbound.ts';
import { startOrthanc, storeFiles, storescuFiles, writeTestStudy, type RunningOrthanc, type TestStudy, type TestStudyOptions } from '../support/orthanc.ts';

let orthanc: RunningOrthanc;
let client: OrthancClient;
let dir: string;

beforeAll(async () => {
  // No storage cache: the broken-file test damages stored files on disk, as bit rot would.
  orthanc = await startOrthanc({ config: { MaximumStorageCacheSize: 0 } });
  client = createOrthancClient({ url: orthanc.url, timeoutMs: 10_000 });
  dir = await mkdtemp(join(tmpdir(), 'acclink-orthanc-poller-'));
});

afterAll(async () => {
  await orthanc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A checkpoint in memory, starting at the archive's newest change. */
async function checkpointAtNow(): Promise<PollCheckpoint & { value: string | undefined }> {
  const res = await fetch(`${orthanc.url}/changes?last`);
  const { Last } = (await res.json()) as { Last: number };
  const cp = {
    value: String(Last) as string | undefined,
    get: () => Promise.resolve(cp.value),
    set: (v: string) => { cp.value = v; return Promise.resolve(); },
  };
  return cp;
}

async function upload(opts: TestStudyOptions, via: 'rest' | 'storescu' = 'rest'): Promise<TestStudy> {
  const study = await writeTestStudy(dir, opts);
  if (via === 'rest') await storeFiles(orthanc.url, study.paths);
  else await storescuFiles(orthanc.aet, orthanc.dicomPort, study.paths);
  return study;
}

/** Waits until Orthanc has logged StableStudy for every study (stable age is 1 s). */
async function waitStable(...studies: TestStudy[]): Promise<void> {
  const ids = await Promise.all(studies.map(async (s) => (await client.lookupStudy(s.studyInstanceUid)) ?? ''));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { Changes } = await client.changes(0, 10_000);
    const stable = new Set(Changes.filter((c) => c.ChangeType === 'StableStudy').map((c) => c.ID));
    if (ids.every((id) => stable.has(id))) return;
    if (Date.now() > deadline) throw new Error('studies did not become stable within 15 s');
    await sleep(100);
  }
}

function collector(): { scans: Scan[]; onScan: (s: Scan) => Promise<void> } {
  const scans: Scan[] = [];
  return { scans, onScan: (s) => { scans.push(s); return Promise.resolve(); } };
}

describe('Orthanc poller', () => {
  it('yields each stable study once as a Scan (REST and C-STORE uploads), then resumes from its checkpoint', async () => {
    const cp = await checkpointAtNow();
    const start = Number(cp.value);
    const [a, b] = await Promise.all([
      upload({ accession: 'ZZPOLLA1', series: 2, instancesPerSeries: 2 }),
      upload({ accession: 'ZZPOLLB1', series: 1, instancesPerSeries: 3, modality: 'MR' }, 'storescu'),
    ]);
    await waitStable(a, b);
    const { scans, onScan } = collector();
    const poller = createOrthancPoller({ client, checkpoint: cp, onScan, limit: 5 });
    const first = await poller.pollOnce();
    expect(first).toMatchObject({ studies: 2, rejected: 0 });
    expect(first.last).toBeGreaterThan(start);
    expect(cp.value).toBe(String(first.last));

    const byUid = new Map(scans.map((s) => [s.studyInstanceUid, s]));
    expect([...byUid.keys()].sort()).toEqual([a.studyInstanceUid, b.studyInstanceUid].sort());
    expect(byUid.get(a.studyInstanceUid)).toMatchObject({
      accession: 'ZZPOLLA1', seriesCount: 2, instanceCount: 4, modalities: ['CT'], seriesDescriptions: ['SERIES 1', 'SERIES 2'],
      studyDateTime: '2024-03-05T10:15:00', patient: { id: 'MRN7734921', sex: 'F' },
    });
    expect(byUid.get(b.studyInstanceUid)).toMatchObject({ accession: 'ZZPOLLB1', seriesCount: 1, instanceCount: 3, modalities: ['MR'] });
    for (const s of scans) {
      for (const src of s.sources) {
        expect(src.path).toMatch(/^orthanc\/instances\/[0-9a-f-]+$/);
        expect([...a.sopInstanceUids, ...b.sopInstanceUids]).toContain(src.id);
      }
    }

    // Nothing new: nothing yielded, the checkpoint stays.
    expect(await poller.pollOnce()).toEqual({ studies: 0, rejected: 0, last: first.last });
    expect(scans).toHaveLength(2);

    // A new poller (a restart) on the same checkpoint reads only what came after it.
    const c = await upload({ accession: 'ZZPOLLC1' });
    await waitStable(c);
    const later = collector();
    const restarted = createOrthancPoller({ client, checkpoint: cp, onScan: later.onScan });
    expect((await restarted.pollOnce()).studies).toBe(1);
    expect(later.scans.map((s) => s.studyInstanceUid)).toEqual([c.studyInstanceUid]);
  });

  it('a failing onScan keeps the checkpoint before that study, and the error reaches the caller', async () => {
    const cp = await checkpointAtNow();
    const [d1, d2] = [await upload({ accession: 'ZZPOLLD1' }), await upload({ accession: 'ZZPOLLD2' })];
    await waitStable(d1, d2);
    const seen: string[] = [];
    const failing = createOrthancPoller({
      client, checkpoint: cp,
      onScan: (s) => {
        seen.push(s.studyInstanceUid);
        return seen.length === 2 ? Promise.reject(new Error('store down')) : Promise.resolve();
      },
    });
    await expect(failing.pollOnce()).rejects.toThrow('store down');
    expect(seen).toHaveLength(2);
    const [handled, failed] = seen;

    // The next poll starts after the handled study and reads the failed one again.
    const retry = collector();
    const again = createOrthancPoller({ client, checkpoint: cp, onScan: retry.onScan });
    expect((await again.pollOnce()).studies).toBe(1);
    expect(retry.scans.map((s) => s.studyInstanceUid)).toEqual([failed]);
    expect(handled).not.toBe(failed);
  });

  it('reports files it cannot read, skips them, and still yields what the other series give', async () => {
    const cp = await checkpointAtNow();
    const [e, f] = [await upload({ accession: 'ZZPOLLE1', series: 2, instancesPerSeries: 1 }), await upload({ accession: 'ZZPOLLF1' })];
    await waitStable(e, f);
    // Damage the stored files of E's second series and of F, as bit rot on the archive's disk would.
    const damaged: string[] = [];
    for (const study of [e, f]) {
      const id = (await client.lookupStudy(study.studyInstanceUid)) ?? '';
      const listing = (await (await fetch(`${orthanc.url}/studies/${id}/instances`)).json()) as { ID: string; FileUuid: string; MainDicomTags: { SOPInstanceUID: string } }[];
      for (const i of listing) {
        if (study === e && i.MainDicomTags.SOPInstanceUID === e.sopInstanceUids[0]) continue;
        await writeFile(join(orthanc.storageDir, i.FileUuid.slice(0, 2), i.FileUuid.slice(2, 4), i.FileUuid), 'not a DICOM file any more');
        damaged.push(i.ID);
      }
    }
    const rejections: InputRejection[] = [];
    const { scans, onScan } = collector();
    const poller = createOrthancPoller({ client, checkpoint: cp, onScan, onRejected: (r) => rejections.push(r) });
    const result = await poller.pollOnce();
    expect(result).toMatchObject({ studies: 1, rejected: 2 });
    expect(rejections.map((r) => r.code)).toEqual([ErrorCode.DicomNotDicom, ErrorCode.DicomNotDicom]);
    expect(rejections.map((r) => r.source.path).sort()).toEqual(damaged.map((id) => `orthanc/instances/${id}`).sort());
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ studyInstanceUid: e.studyInstanceUid, accession: 'ZZPOLLE1', seriesCount: 2, instanceCount: 2, seriesDescriptions: ['SERIES 1'] });
    // Skipped, not retried: the checkpoint passed both studies.
    expect((await poller.pollOnce()).studies).toBe(0);
  });

  it('start/stop: the loop yields new studies; stop waits for the running poll, and then it polls no more', async () => {
    const cp = await checkpointAtNow();
    const g = await upload({ accession: 'ZZPOLLG1' });
    await waitStable(g);
    // Counts change-log reads, and how many are in flight, to see what the loop does.
    let calls = 0;
    let inFlight = 0;
    const counting: OrthancClient = {
      ...client,
      changes: async (since, limit) => {
        calls++;
        inFlight++;
        try {
          return await client.changes(since, limit);
        } finally {
          inFlight--;
        }
      },
    };
    const { scans, onScan } = collector();
    const errors: unknown[] = [];
    const poller = createOrthancPoller({ client: counting, checkpoint: cp, onScan, onError: (e) => errors.push(e) });
    poller.start(20);
    poller.start(20); // a second start is a no-op, not a second loop
    const deadline = Date.now() + 10_000;
    while ((scans.length === 0 || calls < 3) && Date.now() < deadline) await sleep(10);
    await poller.stop();
    expect(inFlight).toBe(0);
    expect(scans.map((s) => s.studyInstanceUid)).toEqual([g.studyInstanceUid]);
    const stoppedAt = calls;
    await sleep(200);
    expect(calls).toBe(stoppedAt);
    expect(errors).toEqual([]);
  });

  it('the loop reports a failing poll through onError and goes on', async () => {
    const cp = { get: () => Promise.resolve('not-a-number'), set: () => Promise.resolve() };
    const errors: unknown[] = [];
    const poller = createOrthancPoller({ client, checkpoint: cp, onScan: () => Promise.resolve(), onError: (e) => errors.push(e) });
    poller.start(10);
    const deadline = Date.now() + 5_000;
    while (errors.length < 2 && Date.now() < deadline) await sleep(10);
    await poller.stop();
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.every((e) => isAcclinkError(e, ErrorCode.ConfigInvalid))).toBe(true);
  });

  it('a study corrected by the Orthanc sink comes again with its new accession', async () => {
    const cp = await checkpointAtNow();
    const k = await upload({ accession: 'ZZPOLLK1', series: 2, instancesPerSeries: 1 });
    await waitStable(k);
    const { scans, onScan } = collector();
    const poller = createOrthancPoller({ client, checkpoint: cp, onScan });
    await poller.pollOnce();
    const sink = createOrthancSink({ client, ledger: createMemoryLedger() });
    const body = JSON.stringify({ studyInstanceUid: k.studyInstanceUid, attribute: 'AccessionNumber', from: 'ZZPOLLK1', to: 'ZZPOLLK2' });
    const r = await sink.deliver({ correctionId: 'c0ffee00000000000000000000f0', destination: 'archive', messageType: ARCHIVE_MESSAGE_TYPE, fileName: 'k.json', body });
    expect(r.outcome).toBe('delivered');
    const deadline = Date.now() + 15_000;
    while (scans.length < 2 && Date.now() < deadline) {
      await poller.pollOnce();
      await sleep(100);
    }
    expect(scans.map((s) => [s.studyInstanceUid, s.accession, s.seriesCount, s.instanceCount])).toEqual([
      [k.studyInstanceUid, 'ZZPOLLK1', 2, 2],
      [k.studyInstanceUid, 'ZZPOLLK2', 2, 2],
    ]);
  });
});
