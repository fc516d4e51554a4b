import { afterEach, describe, expect, it } from 'vitest';
import { deliveryKey } from '../../model/sink.ts';
import type { OutboundMessage } from '../../transforms/outbound.ts';
import { CONTRACT_PHI, contractMessage } from './contract.ts';
import { createMemoryLedger } from './ledger.ts';
import { createMllpSink, isHl7Outbound } from './mllp.ts';
import type { RawBehaviour } from './ris-peer.ts';
import { freePort, startRawPeer, startRisPeer } from './ris-peer.ts';

/** Small, so that timeout tests are quick; generous enough that a loaded CI host still connects locally. */
const TIMEOUT_MS = 2000;
/** Only the timeout test waits this long, on purpose (the assertion holds whatever the host's speed). */
const SHORT_TIMEOUT_MS = 300;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function ris(port = 0): Promise<Awaited<ReturnType<typeof startRisPeer>>> {
  const peer = await startRisPeer(port);
  cleanups.push(() => peer.close());
  return peer;
}

const fhirPatch: OutboundMessage = {
  correctionId: 'c0ffee00000000000000000000f1', destination: 'fhir', messageType: 'PATCH ImagingStudy',
  fileName: 'c0ffee00000000000000000000f1.json', body: '{"op":"replace"}\n', target: 'ImagingStudy/1',
};

describe('MLLP sink against a RIS peer', () => {
  it('sends the body unchanged and reports AA', async () => {
    const peer = await ris();
    const sink = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS, ledger: createMemoryLedger() });
    const m = contractMessage('c0ffee0000000000000000000a01');
    expect(await sink.deliver(m)).toEqual({ outcome: 'delivered', detail: 'AA from peer', ackCode: 'AA' });
    expect(peer.received).toEqual([m.body]);
    expect(sink.name).toBe(`mllp:127.0.0.1:${peer.port}`);
  });

  it('AR → dead with the ERR code and text, never the message content', async () => {
    const peer = await ris();
    peer.answer('AR', { code: 204, location: 'OBR-18', text: 'Unknown accession number' });
    const ledger = createMemoryLedger();
    const sink = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS, ledger });
    const r = await sink.deliver(contractMessage('c0ffee0000000000000000000a02'));
    expect(r).toEqual({ outcome: 'dead', ackCode: 'AR', detail: 'AR from peer: ERR 204: Unknown accession number' });
    expect(ledger.entries()).toEqual([]);
  });

  it('AE → retry with the default table 0357 text when the peer gives none', async () => {
    const peer = await ris();
    peer.answer('AE');
    const sink = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS, ledger: createMemoryLedger() });
    const r = await sink.deliver(contractMessage('c0ffee0000000000000000000a03'));
    expect(r).toEqual({ outcome: 'retry', ackCode: 'AE', detail: 'AE from peer: ERR 207: Application internal error' });
  });

  it('keeps peer text short and printable', async () => {
    const peer = await ris();
    peer.answer('AR', { code: 207, text: `bad\u0007 ${'x'.repeat(200)}` });
    const sink = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS, ledger: createMemoryLedger() });
    const r = await sink.deliver(contractMessage('c0ffee0000000000000000000a04'));
    expect(r.outcome).toBe('dead');
    expect(r.detail).toMatch(/^AR from peer: ERR 207: bad x+\.\.\.$/);
    expect(r.detail.length).toBeLessThanOrEqual('AR from peer: ERR 207: '.length + 80);
  });

  it('peer down → retry (MLLP_CONNECTION); once the peer is up → delivered, sent once', async () => {
    const port = await freePort();
    const ledger = createMemoryLedger();
    const sink = createMllpSink({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS, ledger });
    const m = contractMessage('c0ffee0000000000000000000a05');
    const down = await sink.deliver(m);
    expect(down.outcome).toBe('retry');
    expect(down.ackCode).toBeUndefined();
    expect(down.detail).toBe('MLLP_CONNECTION: connection failed (ECONNREFUSED)');
    expect(await ledger.has(deliveryKey(m))).toBe(false);

    const peer = await ris(port);
    expect(await sink.deliver(m)).toMatchObject({ outcome: 'delivered', ackCode: 'AA' });
    expect(await sink.deliver(m)).toMatchObject({ outcome: 'delivered' });
    expect(peer.received).toEqual([m.body]);
  });

  it('idempotency survives a new sink on the same ledger (a restart): the peer gets one message', async () => {
    const peer = await ris();
    const ledger = createMemoryLedger();
    const m = contractMessage('c0ffee0000000000000000000a06');
    const first = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS, ledger });
    expect((await first.deliver(m)).outcome).toBe('delivered');
    const second = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS, ledger });
    expect(await second.deliver({ ...m })).toEqual({ outcome: 'delivered', detail: 'already delivered; not sent again' });
    expect(peer.received).toHaveLength(1);
  });

  it('a JSON message → dead "not an HL7 message", nothing sent, nothing recorded', async () => {
    const peer = await ris();
    const ledger = createMemoryLedger();
    const sink = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS, ledger });
    expect(await sink.deliver(fhirPatch)).toEqual({ outcome: 'dead', detail: 'not an HL7 message' });
    expect(peer.received).toEqual([]);
    expect(ledger.entries()).toEqual([]);
  });

  it('an .hl7 message whose body does not parse, or has no MSH-10 → dead, nothing sent', async () => {
    const peer = await ris();
    const sink = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs: TIMEOUT_MS, ledger: createMemoryLedger() });
    const base = contractMessage('c0ffee0000000000000000000a07');
    const garbled = await sink.deliver({ ...base, body: `PID|1||${CONTRACT_PHI.mrn}\r` });
    expect(garbled).toEqual({ outcome: 'dead', detail: 'not an HL7 message: body does not parse' });
    const noId = await sink.deliver({ ...base, correctionId: 'c0ffee0000000000000000000a08', body: base.body.replace(/\|c0ffee0{14}\|/, '||') });
    expect(noId).toEqual({ outcome: 'dead', detail: 'not an HL7 message: MSH-10 is empty' });
    expect(peer.received).toEqual([]);
  });
});

describe('MLLP sink against a misbehaving peer', () => {
  // A silent peer times out either connecting or (normally) waiting for the ACK: both are MLLP_TIMEOUT.
  const cases: [RawBehaviour, number, RegExp][] = [
    ['silent', SHORT_TIMEOUT_MS, new RegExp(`^MLLP_TIMEOUT: no (ACK|connection) within ${SHORT_TIMEOUT_MS} ms$`)],
    ['hang-up', TIMEOUT_MS, /^MLLP_CLOSED: connection closed by peer$/],
    ['garbage', TIMEOUT_MS, /^MLLP_BAD_ACK: reply is not an HL7 message \(HL7_NO_MSH\)$/],
  ];
  it.each(cases)('%s → retry, not recorded', async (behaviour, timeoutMs, detail) => {
    const peer = await startRawPeer(behaviour);
    cleanups.push(() => peer.close());
    const ledger = createMemoryLedger();
    const sink = createMllpSink({ host: '127.0.0.1', port: peer.port, timeoutMs, ledger });
    const r = await sink.deliver(contractMessage('c0ffee0000000000000000000b01'));
    expect(r).toEqual({ outcome: 'retry', detail: expect.stringMatching(detail) as unknown });
    expect(peer.accepted).toBeLessThanOrEqual(1);
    expect(ledger.entries()).toEqual([]);
  });
});

describe('isHl7Outbound', () => {
  it('tells HL7 v2 messages from FHIR patches and DICOM updates', () => {
    expect(isHl7Outbound({ fileName: 'a.hl7', messageType: 'ORU^R01' })).toBe(true);
    expect(isHl7Outbound({ fileName: 'a.txt', messageType: 'ADT^A08' })).toBe(true);
    expect(isHl7Outbound({ fileName: 'a.HL7', messageType: '' })).toBe(true);
    expect(isHl7Outbound({ fileName: 'a.json', messageType: 'PATCH ImagingStudy' })).toBe(false);
    expect(isHl7Outbound({ fileName: 'a.json', messageType: 'DICOM attribute update' })).toBe(false);
  });
});
