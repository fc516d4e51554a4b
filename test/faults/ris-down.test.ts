/**
 * Fault: the RIS is down when a correction is ready, and comes up later. The engine keeps the delivery
 * (retries with backoff), sends it once the RIS listens, and audits the outcome; the RIS receives it once.
 */
import { describe, expect, it } from 'vitest';
import { createStoreLedger } from '../../src/channels/sinks/ledger.ts';
import { createMllpSink } from '../../src/channels/sinks/mllp.ts';
import { freePort, startRisPeer, type RisPeer } from '../../src/channels/sinks/ris-peer.ts';
import { startEngine } from '../../src/engine/engine.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { until } from '../support/until.ts';

const clock = (): Date => new Date();
const patient = { id: 'MRN7001', name: { family: 'ZZDOWN', given: 'RIS' }, birthDate: '1975-05-05', sex: 'M' as const };
const scan: Scan = {
  studyInstanceUid: '1.2.826.0.1.3680043.99.701', accession: 'ACC7010001', patient, studyDateTime: '2026-03-03T09:00:00',
  modalities: ['CT'], bodyParts: ['CHEST'], studyDescription: 'CT CHEST', seriesDescriptions: [], seriesCount: 1, instanceCount: 40, sources: [],
};
// The report's accession is missing: the study's survives, and the RIS gets a corrected ORU.
const report: Report = {
  reportId: 'RD1', kind: 'report', patient, examDateTime: '2026-03-03T09:00:00', procedureText: 'CT CHEST', modality: 'CT',
  text: 'IMPRESSION: normal.', sources: [{ kind: 'hl7', path: 'mllp:x' }],
};


describe('RIS down, then up', () => {
  it('retries the delivery until the RIS listens, then delivers it once', async () => {
    const store = createMemoryStore();
    const queue = createMemoryQueue();
    const port = await freePort();
    const ris = createMllpSink({ host: '127.0.0.1', port, timeoutMs: 2000, ledger: createStoreLedger(store, clock) });
    const engine = await startEngine({ store, queue, clock, sinks: { ris }, sweepIntervalMs: 0 });
    let peer: RisPeer | undefined;
    try {
      await engine.ingest({ scans: [scan], reports: [] });
      await engine.ingest({ scans: [], reports: [report] });
      await until(() => engine.stats.deliveries.retry >= 1, 'a failed attempt while the RIS is down');
      expect(await store.listAudit({ actions: ['delivered'] })).toEqual([]);
      peer = await startRisPeer(port);
      const p = peer;
      await until(() => p.received.length === 1, 'the delivery once the RIS is up');
      await until(async () => (await store.listAudit({ actions: ['delivered'] })).length === 1, 'the delivered row');
      expect(p.received[0]).toContain('ACC7010001');
      expect(p.received[0]?.split('\r').find((l) => l.startsWith('OBR'))?.split('|')[25]).toBe('C');
      expect(await store.listPending()).toEqual([]);
      await new Promise((r) => setTimeout(r, 300));
      expect(p.received).toHaveLength(1);
    } finally {
      await engine.stop();
      await queue.close();
      await peer?.close();
    }
  });
});
