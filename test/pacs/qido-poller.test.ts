/**
 * The DICOMweb (QIDO-RS + WADO-RS) poller against a real Orthanc with its DICOMweb plugin (one per file):
 * new studies become Scans through the batch path's header reader, the checkpoint records a study only
 * after `onScan`, a restarted poller resumes. Every test starts from a checkpoint that already holds the
 * archive's studies, so the tests do not see each other's.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollCheckpoint } from '../../src/channels/pacs/orthanc-poller.ts';
import { createQidoPoller } from '../../src/channels/pacs/qido-poller.ts';
import { buildPollers } from '../../src/app/adapters.ts';
import { resolveEngineSettings } from '../../src/config/engine.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { freePort } from '../../src/channels/sinks/ris-peer.ts';
import { ErrorCode, isAcclinkError } from '../../src/model/errors.ts';
import type { Scan } from '../../src/model/types.ts';
import { writeDicomPart10 } from '../../src/transforms/dicom/write.ts';
import { newUid, startOrthanc, storeFiles, writeTestStudy, type RunningOrthanc, type TestStudy, type TestStudyOptions } from '../support/orthanc.ts';

let orthanc: RunningOrthanc;
let web: string;
let dir: string;

beforeAll(async () => {
  orthanc = await startOrthanc();
  web = `${orthanc.url}/dicom-web`;
  dir = await mkdtemp(join(tmpdir(), 'acclink-qido-poller-'));
});

afterAll(async () => {
  await orthanc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
type Checkpoint = PollCheckpoint & { value: string | undefined; state(): { date?: string; seen: string[] } };

/** A checkpoint in memory that has already seen every study now in the archive (dated 2024-03-05). */
async function checkpointAtNow(): Promise<Checkpoint> {
  const res = await fetch(`${web}/studies?limit=10000`, { headers: { Accept: 'application/dicom+json' } });
  const found = res.status === 204 ? [] : ((await res.json()) as Array<{ '0020000D': { Value: string[] } }>);
  const cp: Checkpoint = {
    value: JSON.stringify({ date: '20240305', seen: found.map((s) => s['0020000D'].Value[0]) }),
    get: () => Promise.resolve(cp.value),
    set: (v: string) => { cp.value = v; return Promise.resolve(); },
    state: () => JSON.parse(cp.value ?? '{}') as { date?: string; seen: string[] },
  };
  return cp;
}

async function upload(opts: TestStudyOptions): Promise<TestStudy> {
  const study = await writeTestStudy(dir, opts);
  await storeFiles(orthanc.url, study.paths);
  return study;
}

/** One single-instance study with the given Study Date. */
async function uploadDated(studyDate: string, accession: string): Promise<string> {
  const studyInstanceUid = newUid();
  const path = join(dir, `${studyInstanceUid}.dcm`);
  await writeFile(path, writeDicomPart10({
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: newUid(), studyInstanceUid, seriesInstanceUid: newUid(),
    patientName: 'ZZTESTFAMILY^ZZGIVEN', patientId: 'MRN7734921', studyDate, studyTime: '080000',
    accessionNumber: accession, modality: 'CR', studyDescription: 'XR', seriesNumber: 1, instanceNumber: 1,
  }));
  await storeFiles(orthanc.url, [path]);
  return studyInstanceUid;
}

function collector(): { scans: Scan[]; onScan: (s: Scan) => Promise<void> } {
  const scans: Scan[] = [];
  return { scans, onScan: (s) => { scans.push(s); return Promise.resolve(); } };
}

describe('DICOMweb QIDO-RS poller', () => {
  it('yields each new study once as a Scan, page by page, then resumes from its checkpoint', async () => {
    const cp = await checkpointAtNow();
    const [a, b] = [await upload({ accession: 'ZZQIDOA1', series: 2, instancesPerSeries: 2 }), await upload({ accession: 'ZZQIDOB1', series: 1, instancesPerSeries: 3, modality: 'MR' })];
    const { scans, onScan } = collector();
    // pageSize 1: the search needs several limit/offset pages.
    const poller = createQidoPoller({ baseUrl: `${web}/`, checkpoint: cp, onScan, pageSize: 1 });
    expect(await poller.pollOnce()).toEqual({ studies: 2, rejected: 0, date: '20240305' });

    const byUid = new Map(scans.map((s) => [s.studyInstanceUid, s]));
    expect([...byUid.keys()].sort()).toEqual([a.studyInstanceUid, b.studyInstanceUid].sort());
    expect(byUid.get(a.studyInstanceUid)).toMatchObject({
      accession: 'ZZQIDOA1', seriesCount: 2, instanceCount: 4, modalities: ['CT'], seriesDescriptions: ['SERIES 1', 'SERIES 2'],
      studyDateTime: '2024-03-05T10:15:00', patient: { id: 'MRN7734921', sex: 'F' },
    });
    expect(byUid.get(b.studyInstanceUid)).toMatchObject({ accession: 'ZZQIDOB1', seriesCount: 1, instanceCount: 3, modalities: ['MR'] });
    for (const s of scans) {
      expect(s.sources.length).toBeGreaterThan(0);
      for (const src of s.sources) {
        expect(src.path.startsWith(`dicomweb/studies/${s.studyInstanceUid}/series/`)).toBe(true);
        expect(src.path.endsWith(`/instances/${src.id ?? 'none'}`)).toBe(true);
        expect([...a.sopInstanceUids, ...b.sopInstanceUids]).toContain(src.id);
      }
    }
    expect(cp.state().seen).toEqual(expect.arrayContaining([a.studyInstanceUid, b.studyInstanceUid]));

    // Nothing new: nothing yielded, the checkpoint stays as it was.
    const before = cp.value;
    expect(await poller.pollOnce()).toEqual({ studies: 0, rejected: 0, date: '20240305' });
    expect(cp.value).toBe(before);
    expect(scans).toHaveLength(2);

    // A new poller (a restart) on the same checkpoint yields only what came after it.
    const c = await upload({ accession: 'ZZQIDOC1' });
    const later = collector();
    const restarted = createQidoPoller({ baseUrl: web, checkpoint: cp, onScan: later.onScan });
    expect((await restarted.pollOnce()).studies).toBe(1);
    expect(later.scans.map((s) => [s.studyInstanceUid, s.accession])).toEqual([[c.studyInstanceUid, 'ZZQIDOC1']]);
  });

  it('a failing onScan keeps that study out of the checkpoint, and the error reaches the caller', async () => {
    const cp = await checkpointAtNow();
    const [d1, d2] = [await upload({ accession: 'ZZQIDOD1' }), await upload({ accession: 'ZZQIDOD2' })];
    const seen: string[] = [];
    const failing = createQidoPoller({
      baseUrl: web, checkpoint: cp,
      onScan: (s) => {
        seen.push(s.studyInstanceUid);
        return seen.length === 2 ? Promise.reject(new Error('store down')) : Promise.resolve();
      },
    });
    await expect(failing.pollOnce()).rejects.toThrow('store down');
    expect(seen.sort()).toEqual([d1.studyInstanceUid, d2.studyInstanceUid].sort());
    const [handled, failed] = seen;
    expect(cp.state().seen).toContain(handled);
    expect(cp.state().seen).not.toContain(failed);

    // The next poll reads the failed study again, and only it.
    const retry = collector();
    expect((await createQidoPoller({ baseUrl: web, checkpoint: cp, onScan: retry.onScan }).pollOnce()).studies).toBe(1);
    expect(retry.scans.map((s) => s.studyInstanceUid)).toEqual([failed]);
  });

  it('moves the checkpoint date to the newest study handled, never past today, and searches from it', async () => {
    const cp = await checkpointAtNow();
    const later = await uploadDated('20240310', 'ZZQIDOE1');
    const future = await uploadDated('20990101', 'ZZQIDOF1');
    const { scans, onScan } = collector();
    const poller = createQidoPoller({ baseUrl: web, checkpoint: cp, onScan, now: () => new Date(2025, 0, 15) });
    expect(await poller.pollOnce()).toMatchObject({ studies: 2, date: '20250115' });
    expect(scans.map((s) => s.studyInstanceUid)).toEqual([later, future]);
    // The 2024-03 studies dropped out of `seen`; the future-dated one stays, so it is not read again.
    expect(cp.state()).toEqual({ date: '20250115', seen: [future] });
    expect((await poller.pollOnce()).studies).toBe(0);
    // A study dated before the checkpoint date is not searched for (documented limit).
    await uploadDated('20240311', 'ZZQIDOG1');
    expect((await poller.pollOnce()).studies).toBe(0);
  });

  it('start/stop: the loop yields new studies; after stop it polls no more', async () => {
    const cp = await checkpointAtNow();
    const h = await upload({ accession: 'ZZQIDOH1' });
    const { scans, onScan } = collector();
    const errors: unknown[] = [];
    const poller = createQidoPoller({ baseUrl: web, checkpoint: cp, onScan, onError: (e) => errors.push(e) });
    poller.start(20);
    poller.start(20);
    const deadline = Date.now() + 10_000;
    while (scans.length === 0 && Date.now() < deadline) await sleep(10);
    await poller.stop();
    expect(scans.map((s) => s.studyInstanceUid)).toEqual([h.studyInstanceUid]);
    const i = await upload({ accession: 'ZZQIDOI1' });
    await sleep(150);
    expect(scans.map((s) => s.studyInstanceUid)).not.toContain(i.studyInstanceUid);
    expect(errors).toEqual([]);
  });

  it('fails with typed errors: no archive answering, a broken checkpoint', async () => {
    const cp = await checkpointAtNow();
    const nobody = createQidoPoller({ baseUrl: `http://127.0.0.1:${await freePort()}/dicom-web`, checkpoint: cp, onScan: () => Promise.resolve(), timeoutMs: 2000 });
    const e1: unknown = await nobody.pollOnce().catch((e: unknown) => e);
    expect(isAcclinkError(e1, ErrorCode.PacsUnavailable)).toBe(true);
    const notFound = createQidoPoller({ baseUrl: `${orthanc.url}/no-such-root`, checkpoint: cp, onScan: () => Promise.resolve() });
    const e2: unknown = await notFound.pollOnce().catch((e: unknown) => e);
    expect(isAcclinkError(e2, ErrorCode.PacsRequestFailed)).toBe(true);
    const broken = { get: () => Promise.resolve('{"date":"yesterday"}'), set: () => Promise.resolve() };
    const e3: unknown = await createQidoPoller({ baseUrl: web, checkpoint: broken, onScan: () => Promise.resolve() }).pollOnce().catch((e: unknown) => e);
    expect(isAcclinkError(e3, ErrorCode.ConfigInvalid)).toBe(true);
    expect(() => createQidoPoller({ baseUrl: 'http://u:p@127.0.0.1/dicom-web', checkpoint: cp, onScan: () => Promise.resolve() })).toThrow(/credentials/);
  });

  it('is built from engine.sources.dicomweb, keeping its checkpoint in the store as dicomweb:<url>', async () => {
    const store = createMemoryStore();
    const cp = await checkpointAtNow();
    await store.putCheckpoint(`dicomweb:${web}`, cp.value ?? '');
    const j = await upload({ accession: 'ZZQIDOJ1' });
    const settings = resolveEngineSettings({ sources: { dicomweb: { url: web } } }, {});
    expect(settings.sources.dicomweb?.intervalMs).toBe(10_000);
    const { scans, onScan } = collector();
    const errors: unknown[] = [];
    const pollers = buildPollers(settings, store, { scan: onScan, records: () => Promise.resolve() }, { rejected: () => undefined, error: (e) => errors.push(e) });
    expect((await pollers.dicomweb?.pollOnce())?.studies).toBe(1);
    expect(scans.map((s) => s.studyInstanceUid)).toEqual([j.studyInstanceUid]);
    expect(await store.getCheckpoint(`dicomweb:${web}`)).toContain(j.studyInstanceUid);
    expect(errors).toEqual([]);
    await store.close();
  });
});
