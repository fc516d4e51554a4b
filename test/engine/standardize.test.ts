/**
 * The engine's standardize stage (issues 3 and 4): with a standards profile, arrivals are standardized
 * before they are linked; header fixes are audited and delivered to the archive (a real Orthanc in the
 * last test), report-side consensus fixes to the RIS as ADT^A08. Without a profile nothing changes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLedger } from '../../src/channels/sinks/ledger.ts';
import { createMemorySink, type MemorySink } from '../../src/channels/sinks/memory.ts';
import { createOrthancSink } from '../../src/channels/sinks/orthanc.ts';
import { createOrthancClient, type OrthancClient } from '../../src/channels/pacs/orthanc-client.ts';
import { createOrthancPoller } from '../../src/channels/pacs/orthanc-poller.ts';
import { loadConfig, type LoadedConfig } from '../../src/config/load.ts';
import { startEngine, sweepPending, type Engine } from '../../src/engine/engine.ts';
import { HEADER_REVIEW_ITEM } from '../../src/engine/standardize-worker.ts';
import type { JobQueue, SubjectJob } from '../../src/model/queue.ts';
import type { Sink } from '../../src/model/sink.ts';
import type { Store } from '../../src/model/store.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { startOrthanc, storeFiles, writeTestStudy, type RunningOrthanc } from '../support/orthanc.ts';
import { until } from '../support/until.ts';

const clock = (): Date => new Date(Date.UTC(2026, 2, 1, 12));

const study = (over: Partial<Scan> = {}): Scan => ({
  studyInstanceUid: '1.2.826.0.1.3680043.99.7.1',
  accession: 'ACC1000001',
  patient: { id: 'MRN4711', name: { family: 'ZZTEST', given: 'ALICE' }, birthDate: '1980-02-14', sex: 'F' },
  studyDateTime: '2026-03-01T10:05:00',
  modalities: ['CT'],
  bodyParts: ['CHEST'],
  studyDescription: 'CT THORAX W/O',
  seriesDescriptions: [],
  seriesCount: 1,
  instanceCount: 100,
  sources: [{ kind: 'dicom', path: 'orthanc/instances/x' }],
  ...over,
});

const report = (over: Partial<Report> = {}): Report => ({
  reportId: 'FL1',
  kind: 'report',
  accession: 'ACC1000001',
  patient: { id: 'MRN4711', name: { family: 'ZZTEST', given: 'ALICE' }, birthDate: '1980-02-14', sex: 'F' },
  examDateTime: '2026-03-01T10:00:00',
  procedureText: 'CT CHEST',
  modality: 'CT',
  sources: [{ kind: 'hl7', path: 'mllp:MSG1' }],
  hl7Version: '2.5.1',
  ...over,
});


let globalProfile: LoadedConfig;
let plain: LoadedConfig;
beforeAll(async () => {
  globalProfile = await loadConfig(undefined, { standardize: 'global' });
  plain = await loadConfig();
});

describe('standardize stage', () => {
  let engine: Engine | undefined;
  let queue: JobQueue | undefined;
  let store: Store | undefined;

  afterEach(async () => {
    await engine?.stop();
    await queue?.close();
    await store?.close();
    engine = undefined; queue = undefined; store = undefined;
  });

  /** What each link job saw of its study when it started (by job id), and the order jobs ran in. */
  interface Trace { order: string[]; descriptionAtLink: Map<string, string | undefined> }

  async function start(config: LoadedConfig, sinks: Record<string, Sink>): Promise<{ engine: Engine; store: Store; queue: JobQueue; trace: Trace }> {
    const s = createMemoryStore();
    await s.migrate();
    const q = createMemoryQueue({ backoffMs: 5 });
    const trace: Trace = { order: [], descriptionAtLink: new Map() };
    // The real queue, with each job's start recorded.
    const traced: JobQueue = {
      enqueue: (name, data, opts) => q.enqueue(name, data, opts),
      work: (name, handler, opts) => q.work(name, async (job) => {
        trace.order.push(job.id);
        const uid = name === 'link' ? (job.data as SubjectJob).studyInstanceUid : undefined;
        if (uid !== undefined) trace.descriptionAtLink.set(job.id, (await s.getScan(uid))?.studyDescription);
        await handler(job);
      }, opts),
      deadLetters: (name) => q.deadLetters(name),
      counts: (name) => q.counts(name),
      close: () => q.close(),
    };
    store = s; queue = traced;
    engine = await startEngine({ store: s, queue: traced, clock, config, sinks, sweepIntervalMs: 0 });
    return { engine, store: s, queue: traced, trace };
  }

  /** Every job done: the pending outbox empties only when standardize, link and deliver jobs have all finished. */
  const idle = (s: Store): Promise<void> => until(async () => (await s.listPending()).length === 0, 'an empty pending outbox');

  it('fills an empty study description from the confidently linked report, as the batch command does', async () => {
    const archive: MemorySink = createMemorySink();
    const { engine: e, store: s } = await start(globalProfile, { archive });
    const uid = study().studyInstanceUid;
    await e.ingestScan(study({ studyDescription: undefined }));
    await e.ingest({ scans: [], reports: [report({ procedureText: 'CT CHEST WITHOUT CONTRAST' })] });
    await idle(s);
    const filled = (await s.listCorrections({ studyInstanceUid: uid })).filter((c) => c.reason === 'filled-from-linked-record');
    expect(filled).toEqual([expect.objectContaining({ field: 'StudyDescription', from: null, to: 'CT CHEST WITHOUT CONTRAST', linkedTo: 'FL1' })]);
    expect(archive.messages.map((m) => JSON.parse(m.body) as { attribute: string; to: string })).toContainEqual(expect.objectContaining({ attribute: 'StudyDescription', to: 'CT CHEST WITHOUT CONTRAST' }));
  });

  it('standardizes a study before linking: StudyDescription corrected, audited, delivered to the archive; the link job sees the standard value', async () => {
    const archive: MemorySink = createMemorySink();
    const { engine: e, store: s, queue: q, trace } = await start(globalProfile, { archive });
    const uid = study().studyInstanceUid;
    await e.ingestScan(study());
    await e.ingest({ scans: [], reports: [report()] });
    await idle(s);

    const corrections = await s.listCorrections({ studyInstanceUid: uid });
    expect(corrections).toEqual([expect.objectContaining({
      target: 'scan', field: 'StudyDescription', from: 'CT THORAX W/O', to: 'CT CHEST WITHOUT CONTRAST', linkedTo: 'standards:global', reason: 'standard-entry',
    })]);
    const id = corrections[0]?.id ?? '';
    const audit = await s.listAudit({ correctionId: id });
    expect(audit.map((a) => a.action)).toEqual(['decided', 'planned', 'delivered']);
    expect(audit[0]).toMatchObject({
      actor: 'acclink', studyInstanceUid: uid,
      before: { field: 'StudyDescription', value: 'CT THORAX W/O' }, after: { field: 'StudyDescription', value: 'CT CHEST WITHOUT CONTRAST' },
      result: { stage: 'standardize', profile: 'global' },
    });
    expect(audit[1]?.result).toEqual({ destination: 'archive', messageType: 'DICOM modify' });
    expect(archive.messages.map((m) => [m.correctionId, m.target, JSON.parse(m.body) as unknown])).toEqual([
      [id, uid, { studyInstanceUid: uid, attribute: 'StudyDescription', from: 'CT THORAX W/O', to: 'CT CHEST WITHOUT CONTRAST' }],
    ]);

    // Stored in place; the link job ran after the standardize job and read the standard value; then it linked.
    expect((await s.getScan(uid))?.studyDescription).toBe('CT CHEST WITHOUT CONTRAST');
    const [stdAt, linkAt] = [trace.order.indexOf(`standardize:study:${uid}`), trace.order.indexOf(`link:study:${uid}`)];
    expect(stdAt).toBeGreaterThanOrEqual(0);
    expect(linkAt).toBeGreaterThan(stdAt);
    expect(trace.descriptionAtLink.get(`link:study:${uid}`)).toBe('CT CHEST WITHOUT CONTRAST');
    expect(await s.listLinks({ studyInstanceUid: uid })).toEqual([expect.objectContaining({ reportId: 'FL1', status: 'verified' })]);
    expect((await q.counts('standardize')).completed).toBe(2);
    expect((await q.counts('link')).completed).toBeGreaterThanOrEqual(2);
    expect(e.stats.corrections).toBe(1);

    // The archive re-sends the study as it was received (fix not yet applied there): same correction, nothing sent again.
    await e.ingestScan(study());
    await idle(s);
    expect(await s.listCorrections({ studyInstanceUid: uid })).toHaveLength(1);
    expect(archive.messages).toHaveLength(1);
    expect((await s.getScan(uid))?.studyDescription).toBe('CT CHEST WITHOUT CONTRAST');
    expect(await s.listAudit({ actions: ['decided'] })).toHaveLength(1);
  });

  it('a clean study gets no correction, and is linked', async () => {
    const archive = createMemorySink();
    const { engine: e, store: s } = await start(globalProfile, { archive });
    const clean = study({ studyDescription: 'CT CHEST WITHOUT CONTRAST' });
    await e.ingestScan(clean);
    await e.ingest({ scans: [], reports: [report()] });
    await idle(s);
    expect(await s.listCorrections()).toEqual([]);
    expect(archive.messages).toEqual([]);
    expect(await s.listAudit({ actions: [HEADER_REVIEW_ITEM] })).toEqual([]);
    expect(await s.getScan(clean.studyInstanceUid)).toEqual(clean);
    expect(await s.listLinks({ studyInstanceUid: clean.studyInstanceUid })).toEqual([expect.objectContaining({ reportId: 'FL1', status: 'verified' })]);
  });

  it('without a profile nothing changes: no standardize job, no correction, the record as received', async () => {
    const archive = createMemorySink();
    const { engine: e, store: s, queue: q, trace } = await start(plain, { archive });
    await e.ingestScan(study());
    await e.ingest({ scans: [], reports: [report()] });
    await idle(s);
    expect(trace.order.filter((j) => j.startsWith('standardize'))).toEqual([]);
    expect(await q.counts('standardize')).toMatchObject({ waiting: 0, active: 0, completed: 0 });
    expect(await s.listCorrections()).toEqual([]);
    expect(archive.messages).toEqual([]);
    expect(await s.getScan(study().studyInstanceUid)).toEqual(study());
    expect(trace.descriptionAtLink.get(`link:study:${study().studyInstanceUid}`)).toBe('CT THORAX W/O');
    expect(await s.listLinks({ reportId: 'FL1' })).toEqual([expect.objectContaining({ status: 'verified' })]);
  });

  it('a value for a person is audited once as a header review item, not corrected', async () => {
    const archive = createMemorySink();
    const { engine: e, store: s } = await start(globalProfile, { archive });
    const odd = study({ studyDescription: 'ZZ RESEARCH PROTOCOL SEVEN' });
    await e.ingestScan(odd);
    await idle(s);
    await e.ingestScan(odd);
    await idle(s);
    const rows = await s.listAudit({ actions: [HEADER_REVIEW_ITEM] });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'acclink', studyInstanceUid: odd.studyInstanceUid, result: { field: 'studyDescription', status: 'review' },
      after: { target: 'scan', studyInstanceUid: odd.studyInstanceUid, field: 'studyDescription', value: 'ZZ RESEARCH PROTOCOL SEVEN', status: 'review' },
    });
    expect(await s.listCorrections()).toEqual([]);
    expect((await s.getScan(odd.studyInstanceUid))?.studyDescription).toBe('ZZ RESEARCH PROTOCOL SEVEN');
  });

  it('a report whose patient name is one keying error from the patient\'s consensus gets an ADT^A08 to the RIS', async () => {
    const ris = createMemorySink();
    const archive = createMemorySink();
    const { engine: e, store: s } = await start(globalProfile, { ris, archive });
    const scans = ['2026-02-01', '2026-02-10', '2026-02-20'].map((day, n) => study({
      studyInstanceUid: `1.2.826.0.1.3680043.99.7.${10 + n}`, accession: `ACC100010${n}`, studyDateTime: `${day}T10:05:00`, studyDescription: 'CT CHEST WITHOUT CONTRAST',
    }));
    await e.ingest({ scans, reports: [] });
    await idle(s);
    const outlier = report({ reportId: 'FL9', accession: 'ACC1000100', examDateTime: '2026-02-01T10:00:00', patient: { ...report().patient, name: { family: 'ZZTEST', given: 'ALISE' } } });
    await e.ingest({ scans: [], reports: [outlier] });
    await idle(s);

    const [c] = await s.listCorrections({ reportId: 'FL9' });
    expect(c).toMatchObject({ target: 'report', field: 'PatientName', from: 'ZZTEST^ALISE', to: 'ZZTEST^ALICE', reason: 'patient-consensus' });
    expect(ris.messages).toHaveLength(1);
    expect(ris.messages[0]).toMatchObject({ correctionId: c?.id, destination: 'ris', messageType: 'ADT^A08', target: 'FL9' });
    expect(ris.messages[0]?.body).toMatch(/\rPID\|[^\r]*\|ZZTEST\^ALICE\|/);
    expect((await s.getReport('FL9'))?.patient.name).toEqual({ family: 'ZZTEST', given: 'ALICE' });
    expect(archive.messages).toEqual([]);
    expect(await s.listLinks({ reportId: 'FL9' })).toEqual([expect.objectContaining({ studyInstanceUid: scans[0]?.studyInstanceUid })]);
  });

  it('the sweep turns a pending standardize job into a link job when no profile is loaded, and keeps it when one is', async () => {
    const s = createMemoryStore();
    await s.migrate();
    const q = createMemoryQueue();
    store = s; queue = q;
    const pending = { queue: 'standardize', jobId: 'standardize:study:1.2.3', data: { studyInstanceUid: '1.2.3' } };
    await s.addPending(pending);
    expect(await sweepPending(s, q, { standardize: true })).toBe(1);
    expect(await s.listPending()).toEqual([pending]);
    expect((await q.counts('standardize')).waiting).toBe(1);
    expect(await sweepPending(s, q)).toBe(1);
    expect(await s.listPending()).toEqual([{ queue: 'link', jobId: 'link:study:1.2.3', data: { studyInstanceUid: '1.2.3' } }]);
    expect((await q.counts('link')).waiting).toBe(1);
  });
});

describe('standardize stage with a real Orthanc', () => {
  let orthanc: RunningOrthanc;
  let dir: string;
  let client: OrthancClient;

  beforeAll(async () => {
    orthanc = await startOrthanc();
    dir = await mkdtemp(join(tmpdir(), 'acclink-standardize-'));
    client = createOrthancClient({ url: orthanc.url, timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await orthanc?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a polled study\'s StudyDescription is standardized in the archive itself, and the re-polled study needs nothing more', async () => {
    const s = createMemoryStore();
    await s.migrate();
    const q = createMemoryQueue({ backoffMs: 5 });
    const sink = createOrthancSink({ client, ledger: createMemoryLedger(), clock: { now: clock } });
    const engine = await startEngine({ store: s, queue: q, clock, config: globalProfile, sinks: { archive: sink }, sweepIntervalMs: 0 });
    try {
      let checkpoint = String((await client.changes(0, 0)).Last);
      const poller = createOrthancPoller({
        client, checkpoint: { get: () => Promise.resolve(checkpoint), set: (v) => { checkpoint = v; return Promise.resolve(); } },
        onScan: (scan) => engine.ingestScan(scan),
      });
      // writeTestStudy writes Study Description "CT CHEST" (the global profile: CT CHEST WITHOUT CONTRAST).
      const written = await writeTestStudy(dir, { accession: 'ZZSTD0001', series: 2, instancesPerSeries: 1 });
      await storeFiles(orthanc.url, written.paths);
      const uid = written.studyInstanceUid;
      await until(async () => (await poller.pollOnce()).studies > 0, 'the stable study');
      await until(async () => (await s.listPending()).length === 0, 'standardize, link and delivery');

      const [c] = await s.listCorrections({ studyInstanceUid: uid });
      expect(c).toMatchObject({ field: 'StudyDescription', from: 'CT CHEST', to: 'CT CHEST WITHOUT CONTRAST' });
      expect((await s.listAudit({ correctionId: c?.id ?? '' })).map((a) => a.action)).toEqual(['decided', 'planned', 'delivered']);
      const id = (await client.lookupStudy(uid)) ?? '';
      expect(await client.studyMainTags(id)).toMatchObject({ StudyDescription: 'CT CHEST WITHOUT CONTRAST', AccessionNumber: 'ZZSTD0001' });
      for (const i of await client.studyInstances(id)) {
        const tags = await client.instanceTags(i.ID);
        expect(tags.StudyDescription).toBe('CT CHEST WITHOUT CONTRAST');
        expect(tags.OriginalAttributesSequence).toEqual([expect.objectContaining({ ModifiedAttributesSequence: [{ StudyDescription: 'CT CHEST' }] })]);
      }

      // The modified study becomes stable again and is polled again: its header is standard now.
      await until(async () => (await poller.pollOnce()).studies > 0, 'the modified study, stable again');
      await until(async () => (await s.listPending()).length === 0, 'the second round');
      expect(await s.listCorrections()).toHaveLength(1);
      expect((await s.getScan(uid))?.studyDescription).toBe('CT CHEST WITHOUT CONTRAST');
      expect(await s.listAudit({ actions: ['planned'] })).toHaveLength(1);
    } finally {
      await engine.stop();
      await q.close();
      await s.close();
    }
  });
});
