/**
 * Test peers for the MLLP sink: a RIS listener built on the acclink MLLP server that records what it
 * receives and answers AA / AE / AR as told, and raw TCP peers that misbehave (never answer, hang up,
 * answer garbage). Bound to 127.0.0.1; every peer closes all its sockets on `close()`.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
import net from 'node:net';
import type { DeliveryAckCode } from '../../model/sink.ts';
import type { AckError } from '../../transforms/hl7/ack.ts';
import { encodeFrame, MllpFrameDecoder } from '../mllp/framing.ts';
import { createMllpServer } from '../mllp/server.ts';

export interface RisPeer {
  port: number;
  /** Message texts received, in order (recorded before the ACK is written). */
  readonly received: readonly string[];
  /** How to answer from now on; AE/AR carry `error` (default table 0357 text otherwise). */
  answer(code: DeliveryAckCode, error?: AckError): void;
  close(): Promise<void>;
}

/** Starts a RIS listener on `port` (0: ephemeral). */
export async function startRisPeer(port = 0, opts: { delayMs?: number } = {}): Promise<RisPeer> {
  const received: string[] = [];
  let reply: { code: DeliveryAckCode; error?: AckError } = { code: 'AA' };
  let seq = 0;
  const server = createMllpServer({
    handle: async (text) => {
      received.push(text);
      // A slow peer keeps a delivery in flight, e.g. for the kill -9 fault test.
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      return reply;
    },
    ackIds: () => `RISACK${++seq}`,
    clock: () => new Date(Date.UTC(2024, 2, 5, 12)),
    sendingApplication: 'RIS',
  });
  const addr = await server.listen(port, '127.0.0.1');
  return {
    port: addr.port,
    received,
    answer(code, error) {
      reply = error === undefined ? { code } : { code, error };
    },
    close: () => server.close({ timeoutMs: 2000 }),
  };
}

/** What a raw peer does with each connection. */
export type RawBehaviour = 'silent' | 'hang-up' | 'garbage';

export interface RawPeer {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** A TCP peer that never acknowledges properly: `silent` reads and never answers, `hang-up` closes on the first frame, `garbage` answers a non-HL7 frame. */
export async function startRawPeer(behaviour: RawBehaviour): Promise<RawPeer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new MllpFrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.type !== 'frame') continue;
        if (behaviour === 'hang-up') socket.end(); // a clean FIN, not a reset: the sender sees MLLP_CLOSED
        else if (behaviour === 'garbage') socket.write(encodeFrame('this is not an ACK'));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    get accepted() {
      return accepted;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (just released by the OS). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
