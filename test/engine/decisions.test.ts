/** People's decisions (console, undo) take the engine's own path: audit, outbound, idempotency. */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemorySink, type MemorySink } from '../../src/channels/sinks/memory.ts';
import { deferReview, linkByPerson, noneOfThese, retryDelivery, undoCorrection } from '../../src/engine/decisions.ts';
import { startEngine, type Engine } from '../../src/engine/engine.ts';
import type { ReviewItem } from '../../src/model/link.ts';
import type { JobQueue } from '../../src/model/queue.ts';
import type { Store } from '../../src/model/store.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { until } from '../support/until.ts';

const clock = (): Date => new Date(Date.UTC(2026, 2, 1, 12));
const study: Scan = {
  studyInstanceUid: '1.2.826.0.1.3680043.99.7', accession: 'ACC7000010', patient: { id: 'MRN7', name: { family: 'ZZTEST', given: 'BOB' } },
  studyDateTime: '2026-03-01T10:05:00', modalities: ['CR'], bodyParts: ['CHEST'], studyDescription: 'XR CHEST', seriesDescriptions: [], seriesCount: 1, instanceCount: 2, sources: [],
};
const report = (id: string, accession: string): Report => ({
  reportId: id, kind: 'report', accession, patient: { id: 'MRN7', name: { family: 'ZZTEST', given: 'BOB' } }, examDateTime: '2026-03-01T10:00:00',
  procedureText: 'XR CHEST', text: 'IMPRESSION: normal.', sources: [{ kind: 'hl7', path: 'mllp:X' }],
});
const item: ReviewItem = {
  studyInstanceUid: study.studyInstanceUid, reason: 'two candidates', status: 'mismatch', state: 'open', openedAt: '2026-03-01T11:00:00Z',
  candidates: [{ id: 'R1', kind: 'report', probability: 0.6, matchWeight: 2, evidence: [] }, { id: 'R2', kind: 'report', probability: 0.55, matchWeight: 1.8, evidence: [] }],
};


describe('decisions by people', () => {
  let engine: Engine | undefined;
  let store: Store;
  let queue: JobQueue;
  let pacs: MemorySink;
  let ris: MemorySink;

  const start = async (respond?: Parameters<typeof createMemorySink>[0]): Promise<Engine> => {
    store = createMemoryStore();
    queue = createMemoryQueue({ backoffMs: 5 });
    pacs = createMemorySink(respond);
    ris = createMemorySink();
    await store.putScan(study);
    await store.putReport(report('R1', 'ACC7000001'));
    await store.putReport(report('R2', 'ACC7000002'));
    await store.putReviewItem(item);
    engine = await startEngine({ store, queue, clock, sinks: { pacs, ris }, sweepIntervalMs: 0 });
    return engine;
  };
  afterEach(async () => {
    await engine?.stop();
    await queue.close();
    engine = undefined;
  });

  it('a person links the study to a candidate: the study takes its accession, sent once and audited with the person', async () => {
    const e = await start();
    const { corrections } = await linkByPerson(e.decisions, { studyInstanceUid: study.studyInstanceUid, reportId: 'R2', actor: 'ana' });
    expect(corrections).toEqual([expect.objectContaining({ target: 'scan', from: 'ACC7000010', to: 'ACC7000002' })]);
    await until(() => pacs.messages.length === 1, 'the PACS update');
    expect(pacs.messages[0]?.body).toContain('ACC7000002');
    const id = corrections[0]?.id ?? '';
    expect((await store.listAudit({ correctionId: id, actions: ['decided'] }))[0]).toMatchObject({ actor: 'ana' });
    expect(await store.listReviewItems({ state: 'resolved' })).toEqual([expect.objectContaining({ resolution: expect.objectContaining({ action: 'linked', by: 'ana', chosen: 'R2' }) as unknown })]);
    expect(await store.listLinks({ studyInstanceUid: study.studyInstanceUid })).toEqual([expect.objectContaining({ reportId: 'R2', accession: 'ACC7000002' })]);
    // The same decision again changes nothing and sends nothing.
    await linkByPerson(e.decisions, { studyInstanceUid: study.studyInstanceUid, reportId: 'R2', actor: 'ana' });
    await new Promise((r) => setTimeout(r, 50));
    expect(pacs.attempts).toBe(1);
  });

  it('none of these marks the study INCONCLUSIVE at the PACS; "leave" sends nothing', async () => {
    const e = await start();
    const marked = await noneOfThese(e.decisions, { studyInstanceUid: study.studyInstanceUid, mark: 'inconclusive', actor: 'ana' });
    expect(marked.corrections).toEqual([expect.objectContaining({ to: 'INCONCLUSIVE', reason: 'marked-inconclusive' })]);
    await until(() => pacs.messages.length === 1, 'the PACS update');
    expect(pacs.messages[0]?.body).toContain('INCONCLUSIVE');
    await store.putReviewItem({ ...item, studyInstanceUid: undefined, reportId: 'R1', state: 'open' });
    expect((await noneOfThese(e.decisions, { reportId: 'R1', mark: 'leave', actor: 'ana' })).corrections).toEqual([]);
    expect(await store.listReviewItems({ state: 'open' })).toEqual([]);
  });

  it('defer takes the item out of the open queue; deferring twice is refused by code', async () => {
    const e = await start();
    await deferReview(e.decisions, { studyInstanceUid: study.studyInstanceUid, actor: 'ana' });
    expect((await store.listReviewItems({ state: 'deferred' })).map((i) => i.resolution?.by)).toEqual(['ana']);
    await expect(deferReview(e.decisions, { studyInstanceUid: study.studyInstanceUid, actor: 'ana' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('undo sends the reverse once, audited as reverted by the person', async () => {
    const e = await start();
    const { corrections } = await linkByPerson(e.decisions, { studyInstanceUid: study.studyInstanceUid, reportId: 'R1', actor: 'ana' });
    const id = corrections[0]?.id ?? '';
    await until(() => pacs.messages.length === 1, 'the correction');
    const { reverse } = await undoCorrection(e.decisions, { correctionId: id, actor: 'ben' });
    const again = await undoCorrection(e.decisions, { correctionId: id, actor: 'ben' });
    expect(again.reverse.id).toBe(reverse.id);
    expect(reverse).toMatchObject({ from: 'ACC7000001', to: 'ACC7000010', reason: 'reverted' });
    await until(() => pacs.messages.length === 2, 'the reverse');
    expect(pacs.messages[1]?.body).toContain('ACC7000010');
    expect((await store.listAudit({ correctionId: id, actions: ['reverted'] })).map((a) => a.actor)).toEqual(['ben']);
    await expect(undoCorrection(e.decisions, { correctionId: 'nope', actor: 'ben' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(undoCorrection(e.decisions, { correctionId: reverse.id, actor: 'ben' })).rejects.toMatchObject({ code: 'DECISION_CONFLICT' });
  });

  it('a dead-lettered delivery can be re-queued by a person and then succeeds', async () => {
    let reject = true;
    const e = await start({ respond: () => (reject ? { outcome: 'dead', detail: 'AR 204', ackCode: 'AR' } : { outcome: 'delivered', detail: 'AA', ackCode: 'AA' }) });
    const { corrections } = await linkByPerson(e.decisions, { studyInstanceUid: study.studyInstanceUid, reportId: 'R1', actor: 'ana' });
    const id = corrections[0]?.id ?? '';
    await until(async () => (await store.listAudit({ correctionId: id, actions: ['dead-letter'] })).length === 1, 'the dead letter');
    await expect(retryDelivery(e.decisions, { correctionId: id, destination: 'ris', actor: 'ana' })).rejects.toMatchObject({ code: 'DECISION_CONFLICT' });
    reject = false;
    await retryDelivery(e.decisions, { correctionId: id, destination: 'pacs', actor: 'ana' });
    await until(() => pacs.messages.length === 1, 'the retried delivery');
    expect((await store.listAudit({ correctionId: id })).map((a) => a.action)).toEqual(['decided', 'planned', 'skipped', 'dead-letter', 'retry-requested', 'delivered']);
    expect(await store.listPending()).toEqual([]);
  });
});

describe('recovery from the store when the queue lost its jobs', () => {
  it('a restarted engine re-enqueues pending deliveries: delivered once, nothing lost', async () => {
    const store = createMemoryStore();
    await store.putScan(study);
    await store.putReport(report('R1', 'ACC7000001'));
    await store.putReviewItem(item);
    // First process: decides and plans, but has no PACS worker running (as if killed before delivering).
    const q1 = createMemoryQueue();
    const first = await startEngine({ store, queue: q1, clock, sinks: { pacs: createMemorySink() }, workers: false, sweepIntervalMs: 0 });
    await linkByPerson(first.decisions, { studyInstanceUid: study.studyInstanceUid, reportId: 'R1', actor: 'ana' });
    await first.stop();
    await q1.close(); // the queue and its jobs are gone (Redis without persistence, or a killed in-memory queue)
    expect((await store.listPending()).map((p) => p.queue)).toEqual(['deliver:pacs']);
    const q2 = createMemoryQueue();
    const pacs = createMemorySink();
    const second = await startEngine({ store, queue: q2, clock, sinks: { pacs }, sweepIntervalMs: 0 });
    expect(second.stats.recovered).toBe(1);
    await until(() => pacs.messages.length === 1, 'the recovered delivery');
    await until(async () => (await store.listPending()).length === 0, 'the outbox to drain');
    await second.sweep();
    await new Promise((r) => setTimeout(r, 50));
    expect(pacs.attempts).toBe(1);
    await second.stop();
    await q2.close();
  });
});

describe('one study from the archive and from FHIR', () => {
  it('combines both descriptions; a new description of one kind replaces the stored one of that kind', async () => {
    const { combineScan } = await import('../../src/engine/ingest.ts');
    const dicom: Scan = { ...study, accession: 'ACC1', sources: [{ kind: 'dicom', path: 'orthanc:1' }] };
    const fhir: Scan = { ...study, accession: 'ACC2', studyDescription: undefined, fhirId: 'is-9', sources: [{ kind: 'fhir', path: 'fhir-poll' }] };
    const both = combineScan(combineScan(undefined, dicom), fhir);
    expect(both).toMatchObject({ accession: 'ACC1', fhirId: 'is-9', studyDescription: 'XR CHEST' });
    expect(both.sources.map((x) => x.kind)).toEqual(['dicom', 'fhir']);
    const repolled = combineScan(both, { ...dicom, accession: 'ACC9' });
    expect(repolled).toMatchObject({ accession: 'ACC9', fhirId: 'is-9' });
    expect(repolled.sources.map((x) => x.kind)).toEqual(['dicom', 'fhir']);
    expect(combineScan(repolled, { ...fhir, accession: 'ACC9' }).sources.map((x) => x.kind)).toEqual(['dicom', 'fhir']);
  });
});
