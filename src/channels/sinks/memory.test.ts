import { describe, expect, it } from 'vitest';
import type { DeliveryLedger } from '../../model/sink.ts';
import { deliveryKey } from '../../model/sink.ts';
import { contractMessage } from './contract.ts';
import { createMemoryLedger } from './ledger.ts';
import { createMemorySink } from './memory.ts';

describe('memory sink', () => {
  it('records accepted messages of any kind (the embedded default)', async () => {
    const sink = createMemorySink();
    const hl7 = contractMessage('c0ffee0000000000000000000d01');
    const json = { ...hl7, correctionId: 'c0ffee0000000000000000000d02', destination: 'fhir' as const, messageType: 'PATCH ImagingStudy', fileName: 'x.json', body: '{}' };
    expect(await sink.deliver(hl7)).toEqual({ outcome: 'delivered', detail: 'recorded in memory', ackCode: 'AA' });
    expect((await sink.deliver(json)).outcome).toBe('delivered');
    expect(sink.messages.map((m) => m.correctionId)).toEqual([hl7.correctionId, json.correctionId]);
    expect(sink.attempts).toBe(2);
    expect(sink.name).toBe('memory');
  });

  it('does not record a message the respond hook refuses', async () => {
    const sink = createMemorySink({ respond: () => ({ outcome: 'retry', detail: 'busy' }) });
    expect(await sink.deliver(contractMessage('c0ffee0000000000000000000d03'))).toEqual({ outcome: 'retry', detail: 'busy' });
    expect(sink.messages).toEqual([]);
    expect(sink.attempts).toBe(1);
  });

  it('a failing ledger rejects deliver (a storage error, not a delivery outcome)', async () => {
    const broken: DeliveryLedger = { has: () => Promise.resolve(false), add: () => Promise.reject(new Error('store down')) };
    const sink = createMemorySink({ ledger: broken });
    await expect(sink.deliver(contractMessage('c0ffee0000000000000000000d04'))).rejects.toThrow('store down');
  });

  it('a failed concurrent delivery does not poison later ones', async () => {
    let fail = true;
    const sink = createMemorySink({ respond: () => (fail ? Promise.reject(new Error('bug')) : { outcome: 'delivered', detail: 'ok' }) });
    const m = contractMessage('c0ffee0000000000000000000d05');
    await expect(sink.deliver(m)).rejects.toThrow('bug');
    fail = false;
    expect((await sink.deliver(m)).outcome).toBe('delivered');
  });
});

describe('memory ledger', () => {
  it('keeps copies of results by key', async () => {
    const ledger = createMemoryLedger();
    const key = deliveryKey({ correctionId: 'c1', destination: 'ris' });
    expect(key).toBe('ris:c1');
    const result = { outcome: 'delivered' as const, detail: 'AA from peer' };
    await ledger.add(key, result);
    result.detail = 'mutated';
    expect(await ledger.has(key)).toBe(true);
    expect(await ledger.has('pacs:c1')).toBe(false);
    expect(ledger.entries()).toEqual([[key, { outcome: 'delivered', detail: 'AA from peer' }]]);
  });
});
