/** The streaming engine end to end: scan + ORU over MLLP → correction → OMI^O23 to the PACS, audited once. */
import { afterEach, describe, expect, it } from 'vitest';
import { sendMllp } from '../../src/channels/mllp/client.ts';
import { createMemoryLedger } from '../../src/channels/sinks/ledger.ts';
import { createMemorySink, type MemorySink } from '../../src/channels/sinks/memory.ts';
import { createMllpSink } from '../../src/channels/sinks/mllp.ts';
import { startRisPeer, type RisPeer } from '../../src/channels/sinks/ris-peer.ts';
import { startEngine, type Engine } from '../../src/engine/engine.ts';
import type { JobQueue } from '../../src/model/queue.ts';
import type { Store } from '../../src/model/store.ts';
import type { Scan } from '../../src/model/types.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { until } from '../support/until.ts';

const clock = (): Date => new Date(Date.UTC(2026, 2, 1, 12));

const study: Scan = {
  studyInstanceUid: '1.2.826.0.1.3680043.99.1',
  accession: 'ACC1000010',
  patient: { id: 'MRN4711', name: { family: 'ZZTEST', given: 'ALICE' }, birthDate: '1980-02-14', sex: 'F' },
  studyDateTime: '2026-03-01T10:05:00',
  modalities: ['CT'],
  bodyParts: ['CHEST'],
  studyDescription: 'CT CHEST',
  seriesDescriptions: [],
  seriesCount: 1,
  instanceCount: 100,
  sources: [],
};

const oru = (controlId: string): string => [
  `MSH|^~\\&|RIS|HOSP|ACCLINK|HOSP|20260301113000||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
  'PID|1||MRN4711^^^HOSP^MR||ZZTEST^ALICE||19800214|F',
  'OBR|1|PL1|FL1|CTCHEST^CT CHEST^L|||20260301100000|||||||||||ACC1000001||||20260301113000||CT|F',
  'OBX|1|TX|&GDT|1|IMPRESSION: No acute disease.||||||F',
  '',
].join('\r');


describe('engine', () => {
  let engine: Engine | undefined;
  let queue: JobQueue | undefined;
  let store: Store | undefined;
  let ris: RisPeer | undefined;

  afterEach(async () => {
    await engine?.stop();
    await queue?.close();
    await store?.close();
    await ris?.close();
    engine = undefined; queue = undefined; store = undefined; ris = undefined;
  });

  it('links an ORU to a study, corrects the study at the PACS once, and audits it', async () => {
    store = createMemoryStore();
    await store.migrate();
    queue = createMemoryQueue({ backoffMs: 10 });
    ris = await startRisPeer();
    const pacs: MemorySink = createMemorySink();
    engine = await startEngine({
      store, queue, clock, mllp: { port: 0, host: '127.0.0.1' },
      sinks: { pacs, ris: createMllpSink({ host: '127.0.0.1', port: ris.port, timeoutMs: 5000, ledger: createMemoryLedger() }) },
    });
    const s = store;
    const target = { host: '127.0.0.1', port: engine.address?.port ?? 0, timeoutMs: 5000 };

    await engine.ingestScan(study);
    await until(async () => (await queue?.counts('link'))?.completed === 1, 'the study link job');

    const first = await sendMllp({ ...target, message: oru('MSG0001') });
    expect(first.code).toBe('AA');
    expect(await s.getReport('FL1')).toMatchObject({ accession: 'ACC1000001' });

    await until(() => pacs.messages.length === 1, 'the PACS update');
    const [msg] = pacs.messages;
    expect(msg).toMatchObject({ destination: 'pacs', messageType: 'OMI^O23', target: study.studyInstanceUid });
    expect(msg?.body).toContain('ACC1000001');
    const corrections = await s.listCorrections({ studyInstanceUid: study.studyInstanceUid });
    expect(corrections).toEqual([expect.objectContaining({ target: 'scan', from: 'ACC1000010', to: 'ACC1000001' })]);
    const id = corrections[0]?.id ?? '';
    expect(msg?.correctionId).toBe(id);
    await until(async () => (await s.listAudit({ correctionId: id })).some((a) => a.action === 'delivered'), 'the delivered audit row');
    const actions = (await s.listAudit({ correctionId: id })).map((a) => a.action);
    // The archive has no sink here: audited as skipped, not silently dropped.
    expect(actions).toEqual(['decided', 'planned', 'skipped', 'delivered']);
    expect(await s.listLinks({ reportId: 'FL1' })).toEqual([expect.objectContaining({ studyInstanceUid: study.studyInstanceUid, status: 'corrected' })]);

    // The same message again (sender retry): acknowledged, not processed again.
    const again = await sendMllp({ ...target, message: oru('MSG0001') });
    expect(again.code).toBe('AA');
    await until(async () => {
      const c = await queue?.counts('link');
      return c !== undefined && c.waiting === 0 && c.active === 0;
    }, 'an idle link queue');
    expect(await s.listCorrections()).toHaveLength(1);
    expect(pacs.messages).toHaveLength(1);
    expect(pacs.attempts).toBe(1);
    expect((await s.listAudit({ correctionId: id })).map((a) => a.action)).toEqual(['decided', 'planned', 'skipped', 'delivered']);
    expect(ris.received).toEqual([]);
    expect(engine.stats).toMatchObject({ messages: { accepted: 1, duplicate: 1, rejected: 0 }, corrections: 1, deliveries: { delivered: 1, retry: 0, dead: 0 } });
  });

  it('retries a delivery the peer answered AE, and dead-letters one it answered AR', async () => {
    store = createMemoryStore();
    await store.migrate();
    queue = createMemoryQueue({ backoffMs: 5 });
    let calls = 0;
    const pacs = createMemorySink({
      respond: () => (++calls === 1 ? { outcome: 'retry', detail: 'AE 207', ackCode: 'AE' } : { outcome: 'delivered', detail: 'AA', ackCode: 'AA' }),
    });
    engine = await startEngine({ store, queue, clock, mllp: { port: 0, host: '127.0.0.1' }, sinks: { pacs } });
    const s = store;
    await engine.ingestScan(study);
    expect((await sendMllp({ host: '127.0.0.1', port: engine.address?.port ?? 0, timeoutMs: 5000, message: oru('MSG0002') })).code).toBe('AA');
    await until(() => pacs.messages.length === 1, 'the PACS update after a retry');
    expect(pacs.attempts).toBe(2);
    const [c] = await s.listCorrections();
    await until(async () => (await s.listAudit({ correctionId: c?.id ?? '' })).some((a) => a.action === 'delivered'), 'the delivered row');
    expect(engine.stats.deliveries).toEqual({ delivered: 1, retry: 1, dead: 0 });
  });

  it('audits a dead letter when the peer rejects the update', async () => {
    store = createMemoryStore();
    await store.migrate();
    queue = createMemoryQueue({ backoffMs: 5 });
    const pacs = createMemorySink({ respond: () => ({ outcome: 'dead', detail: 'AR 204', ackCode: 'AR' }) });
    engine = await startEngine({ store, queue, clock, mllp: { port: 0, host: '127.0.0.1' }, sinks: { pacs } });
    const s = store;
    await engine.ingestScan(study);
    expect((await sendMllp({ host: '127.0.0.1', port: engine.address?.port ?? 0, timeoutMs: 5000, message: oru('MSG0003') })).code).toBe('AA');
    await until(async () => (await s.listAudit()).some((a) => a.action === 'dead-letter'), 'the dead-letter row');
    expect(pacs.messages).toEqual([]);
    expect(engine.stats.deliveries).toEqual({ delivered: 0, retry: 0, dead: 1 });
  });

  it('answers AE to a message that yields no report', async () => {
    store = createMemoryStore();
    await store.migrate();
    queue = createMemoryQueue();
    engine = await startEngine({ store, queue, clock, mllp: { port: 0, host: '127.0.0.1' }, sinks: { pacs: createMemorySink() } });
    const adt = 'MSH|^~\\&|RIS|HOSP|ACCLINK|HOSP|20260301113000||ADT^A01^ADT_A01|MSG0009|P|2.5.1\rPID|1||MRN4711^^^HOSP^MR\r';
    const ack = await sendMllp({ host: '127.0.0.1', port: engine.address?.port ?? 0, timeoutMs: 5000, message: adt });
    expect(ack.code).toBe('AE');
    expect(ack.ack.get('ERR-3.1')).toBe('200');
    const siu = 'MSH|^~\\&|RIS|HOSP|ACCLINK|HOSP|20260301113000||SIU^S12^SIU_S12|MSG0010|P|2.5.1\rPID|1||MRN4711^^^HOSP^MR\r';
    expect((await sendMllp({ host: '127.0.0.1', port: engine.address?.port ?? 0, timeoutMs: 5000, message: siu })).code).toBe('AE');
    expect(engine.stats.messages.rejected).toBe(2);
  });

  it('applies an ADT^A08 to the stored reports of that patient and records an A40 merge', async () => {
    store = createMemoryStore();
    queue = createMemoryQueue();
    engine = await startEngine({ store, queue, clock, mllp: { port: 0, host: '127.0.0.1' }, sinks: { pacs: createMemorySink() } });
    const s = store;
    const port = engine.address?.port ?? 0;
    expect((await sendMllp({ host: '127.0.0.1', port, timeoutMs: 5000, message: oru('MSG0020') })).code).toBe('AA');
    const a08 = 'MSH|^~\\&|ADT|HOSP|ACCLINK|HOSP|20260301120000||ADT^A08^ADT_A01|MSG0021|P|2.5.1\rEVN|A08|20260301120000\rPID|1||MRN4711^^^HOSP^MR||ZZTEST^ALICIA||19800215|F\r';
    expect((await sendMllp({ host: '127.0.0.1', port, timeoutMs: 5000, message: a08 })).code).toBe('AA');
    expect((await s.getReport('FL1'))?.patient).toMatchObject({ id: 'MRN4711', name: { family: 'ZZTEST', given: 'ALICIA' }, birthDate: '1980-02-15' });
    const a40 = 'MSH|^~\\&|ADT|HOSP|ACCLINK|HOSP|20260301120500||ADT^A40^ADT_A39|MSG0022|P|2.5.1\rEVN|A40|20260301120500\rPID|1||MRN4711^^^HOSP^MR\rMRG|MRN0815^^^HOSP^MR\r';
    expect((await sendMllp({ host: '127.0.0.1', port, timeoutMs: 5000, message: a40 })).code).toBe('AA');
    const merges = (await s.listAudit({ actions: ['patient-merge'] })).map((a) => [a.before, a.after]);
    expect(merges).toEqual([[{ patientId: 'MRN0815' }, { patientId: 'MRN4711' }]]);
    expect(engine.stats.messages).toEqual({ accepted: 3, duplicate: 0, rejected: 0 });
  });
});

describe('candidate search in the engine', () => {
  it('finds a study whose accession has a keying error when the PACS uses another patient id domain', async () => {
    const store = createMemoryStore();
    const queue = createMemoryQueue();
    const pacs = createMemorySink();
    const engine = await startEngine({ store, queue, clock, sinks: { pacs }, sweepIntervalMs: 0 });
    try {
      await engine.ingestScan({ ...study, patient: { ...study.patient, id: 'PACS-000931' }, accession: 'ACC1000010' });
      await engine.ingest({ scans: [], reports: [{
        reportId: 'FL9', kind: 'report', accession: 'ACC1000001', patient: { id: 'MRN4711', name: { family: 'ZZTEST', given: 'ALICE' }, birthDate: '1980-02-14', sex: 'F' },
        examDateTime: '2026-03-01T10:00:00', procedureText: 'CT CHEST', modality: 'CT', text: 'IMPRESSION: No acute disease.', sources: [{ kind: 'hl7', path: 'mllp:x' }],
      }] });
      const decided = async (): Promise<boolean> => (await store.listLinks({ reportId: 'FL9' })).length > 0
        || (await store.listReviewItems()).some((r) => r.reportId === 'FL9' || r.candidates.some((c) => c.id === 'FL9'));
      await until(decided, 'a decision about FL9');
      const links = await store.listLinks({ reportId: 'FL9' });
      const review = (await store.listReviewItems()).filter((r) => r.reportId === 'FL9' || r.candidates.some((c) => c.id === 'FL9'));
      // Found as a candidate either way; linked when the names and birth date carry it, else in review.
      expect([...links.map((l) => l.studyInstanceUid), ...review.flatMap((r) => [r.studyInstanceUid, ...r.candidates.map((c) => c.id)])]).toContain(study.studyInstanceUid);
    } finally {
      await engine.stop();
      await queue.close();
    }
  });
});

describe('a FHIR ImagingStudy that arrives after its study was corrected', () => {
  it('gets the decided accession through the FHIR destination alone; the stored study holds the decided value', async () => {
    const store = createMemoryStore();
    const queue = createMemoryQueue();
    const pacs = createMemorySink();
    const fhir = createMemorySink();
    const engine = await startEngine({ store, queue, clock, sinks: { pacs, fhir }, sweepIntervalMs: 0 });
    try {
      await engine.ingestScan({ ...study, sources: [{ kind: 'dicom', path: 'orthanc/instances/x' }] });
      await engine.ingest({ scans: [], reports: [{
        reportId: 'FL7', kind: 'report', accession: 'ACC1000001', patient: study.patient, examDateTime: '2026-03-01T10:00:00',
        procedureText: 'CT CHEST', modality: 'CT', text: 'IMPRESSION: No acute disease.', sources: [{ kind: 'hl7', path: 'mllp:x' }],
      }] });
      await until(() => pacs.messages.length === 1, 'the PACS correction');
      expect((await store.getScan(study.studyInstanceUid))?.accession).toBe('ACC1000001');
      await engine.ingest({ scans: [{ ...study, fhirId: 'is-7', sources: [{ kind: 'fhir', path: 'fhir-poll' }] }], reports: [] });
      await until(() => fhir.messages.length === 1, 'the FHIR catch-up');
      expect(JSON.parse(fhir.messages[0]?.body ?? '{}')).toEqual({ target: 'ImagingStudy/is-7', from: 'ACC1000010', to: 'ACC1000001' });
      expect(pacs.attempts).toBe(1);
      expect((await store.getScan(study.studyInstanceUid))?.fhirId).toBe('is-7');
    } finally {
      await engine.stop();
      await queue.close();
    }
  });
});
