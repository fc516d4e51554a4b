/**
 * The {@link Sink} contract, as a vitest suite any adapter runs against a harness that plays the far end
 * (memory: a `respond` callback; MLLP: a RIS listener). See `Sink` in src/model/sink.ts for the rules.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryAckCode, Sink } from '../../model/sink.ts';
import { deliveryKey } from '../../model/sink.ts';
import type { Destination, OutboundMessage } from '../../transforms/outbound.ts';
import type { MemoryLedger } from './ledger.ts';
import { createMemoryLedger } from './ledger.ts';

/** Patient data in every contract message: it must never show up in a `detail`. */
export const CONTRACT_PHI = { family: 'ZZTESTFAMILY', given: 'ZZGIVEN', mrn: 'MRN7734921' } as const;

/** A corrected ORU^R01 whose MSH-10 is the correction id's first 20 characters, as outbound.ts plans it. */
export function contractMessage(correctionId: string, destination: Destination = 'ris'): OutboundMessage {
  const body = [
    `MSH|^~\\&|ACCLINK|RAD|RIS|HOSP|20240305120000+0000||ORU^R01^ORU_R01|${correctionId.slice(0, 20)}|P|2.5.1`,
    `PID|1||${CONTRACT_PHI.mrn}^^^HOSP^MR||${CONTRACT_PHI.family}^${CONTRACT_PHI.given}`,
    'OBR|1||R1|||||||||||||||ACC2|||||||||C',
    '',
  ].join('\r');
  return { correctionId, destination, messageType: 'ORU^R01', fileName: `${correctionId}.hl7`, body, target: 'R1' };
}

/** The far end of a sink under test. */
export interface SinkHarness {
  sink: Sink;
  /** Bodies that reached the far end (sent, not answered from the ledger), in order, accepted or not. */
  received(): readonly string[];
  /**
   * How the far end answers from now on (default AA). Non-HL7 sinks map the codes onto their protocol:
   * AA = accepted, AE = a transient failure (e.g. HTTP 503), AR = a permanent rejection (e.g. HTTP 400).
   */
  answer(code: DeliveryAckCode): void;
  /**
   * The message this sink delivers for a correction id, independent of every other id's (default: the
   * HL7 {@link contractMessage}). Non-HL7 sinks (FHIR, DICOM archive) give their own shape here.
   */
  message?: (correctionId: string, destination: Destination) => Promise<OutboundMessage> | OutboundMessage;
  /** False for sinks whose peer does not answer with HL7 acknowledgement codes (no `ackCode` checks). */
  hl7Acks?: boolean;
  close(): Promise<void>;
}

export type SinkHarnessFactory = (ledger: MemoryLedger) => Promise<SinkHarness>;

function expectNoPhi(detail: string): void {
  for (const v of Object.values(CONTRACT_PHI)) expect(detail).not.toContain(v);
}

/** Registers the contract suite for one adapter. */
export function sinkContract(name: string, factory: SinkHarnessFactory): void {
  describe(`Sink contract: ${name}`, () => {
    const open: SinkHarness[] = [];
    afterEach(async () => {
      for (const h of open.splice(0)) await h.close();
    });
    const setup = async (ledger: MemoryLedger = createMemoryLedger()): Promise<{ h: SinkHarness; ledger: MemoryLedger }> => {
      const h = await factory(ledger);
      open.push(h);
      return { h, ledger };
    };

    const msg = (h: SinkHarness, correctionId: string, destination: Destination = 'ris'): Promise<OutboundMessage> =>
      Promise.resolve(h.message ? h.message(correctionId, destination) : contractMessage(correctionId, destination));

    it('delivers an accepted message once and records its key in the ledger', async () => {
      const { h, ledger } = await setup();
      const m = await msg(h, 'c0ffee0000000000000000000001');
      const r = await h.sink.deliver(m);
      expect(r.outcome).toBe('delivered');
      if (h.hl7Acks !== false) expect(r.ackCode).toBe('AA');
      expectNoPhi(r.detail);
      if (h.hl7Acks !== false) expect(h.received()).toEqual([m.body]);
      else expect(h.received()).toHaveLength(1);
      expect(await ledger.has(deliveryKey(m))).toBe(true);
      expect(typeof h.sink.name).toBe('string');
    });

    it('answers a second delivery of the same correction id from the ledger, without sending', async () => {
      const { h } = await setup();
      const m = await msg(h, 'c0ffee0000000000000000000002');
      expect((await h.sink.deliver(m)).outcome).toBe('delivered');
      const again = await h.sink.deliver({ ...m });
      expect(again.outcome).toBe('delivered');
      expect(h.received()).toHaveLength(1);
    });

    it('does not send a message whose key is already in the (persistent) ledger', async () => {
      const ledger = createMemoryLedger();
      const { h } = await setup(ledger);
      const m = await msg(h, 'c0ffee0000000000000000000003');
      await ledger.add(deliveryKey(m), { outcome: 'delivered', detail: 'accepted by peer' });
      expect((await h.sink.deliver(m)).outcome).toBe('delivered');
      expect(h.received()).toHaveLength(0);
    });

    it('sends once when the same correction id is delivered concurrently', async () => {
      const { h } = await setup();
      const m = await msg(h, 'c0ffee0000000000000000000004');
      const results = await Promise.all([h.sink.deliver(m), h.sink.deliver({ ...m }), h.sink.deliver({ ...m })]);
      expect(results.map((r) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
      expect(h.received()).toHaveLength(1);
    });

    it('keeps one correction id for two destinations apart', async () => {
      const { h, ledger } = await setup();
      await h.sink.deliver(await msg(h, 'c0ffee0000000000000000000005', 'ris'));
      await h.sink.deliver(await msg(h, 'c0ffee0000000000000000000005', 'pacs'));
      expect(h.received()).toHaveLength(2);
      expect(ledger.entries().map(([k]) => k)).toEqual(['ris:c0ffee0000000000000000000005', 'pacs:c0ffee0000000000000000000005']);
    });

    it('AE → retry, not recorded; the next attempt is sent again and delivered', async () => {
      const { h, ledger } = await setup();
      const m = await msg(h, 'c0ffee0000000000000000000006');
      h.answer('AE');
      const first = await h.sink.deliver(m);
      expect(first).toMatchObject(h.hl7Acks === false ? { outcome: 'retry' } : { outcome: 'retry', ackCode: 'AE' });
      expect(first.detail).not.toBe('');
      expectNoPhi(first.detail);
      expect(await ledger.has(deliveryKey(m))).toBe(false);
      h.answer('AA');
      expect((await h.sink.deliver(m)).outcome).toBe('delivered');
      expect(h.received()).toHaveLength(2);
    });

    it('AR → dead, not recorded', async () => {
      const { h, ledger } = await setup();
      const m = await msg(h, 'c0ffee0000000000000000000007');
      h.answer('AR');
      const r = await h.sink.deliver(m);
      expect(r).toMatchObject(h.hl7Acks === false ? { outcome: 'dead' } : { outcome: 'dead', ackCode: 'AR' });
      expect(r.detail).not.toBe('');
      expectNoPhi(r.detail);
      expect(await ledger.has(deliveryKey(m))).toBe(false);
      expect(ledger.entries()).toEqual([]);
    });
  });
}
