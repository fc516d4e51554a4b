/**
 * MLLP over TLS: the listener (node:tls instead of net), the client and the MLLP sink, with a
 * throwaway CA, server and client certificate made by `openssl` in a temporary folder at test time.
 * @see HL7 MLLP Release 2 (transport-agnostic framing); IHE ITI TF-2, 3.19 "Authenticate Node" (TLS)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import { deliveryKey } from '../../model/sink.ts';
import { contractMessage } from '../sinks/contract.ts';
import { createMemoryLedger } from '../sinks/ledger.ts';
import { createMllpSink } from '../sinks/mllp.ts';
import { connectMllp, sendMllp } from './client.ts';
import type { MllpServerEvent, MllpServerOptions } from './server.ts';
import { createMllpServer } from './server.ts';
import { makeTestPki, type Pki } from '../../../test/support/pki.ts';

let dir: string;
let pki: Pki;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acclink-tls-'));
  pki = await makeTestPki(dir);
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const oru = (id: string): string =>
  `MSH|^~\\&|RIS|HOSP|ACCLINK|RAD|20240305120000||ORU^R01^ORU_R01|${id}|P|2.5.1\rPID|1||123^^^H^MR\rOBR|1||R${id}|||||||||||||||ACC${id}\r`;

let seq = 0;
/** A TLS listener that records what it handled and the events it emitted. */
async function tlsServer(tls: MllpServerOptions['tls']): Promise<{ port: number; handled: string[]; events: MllpServerEvent[] }> {
  const handled: string[] = [];
  const events: MllpServerEvent[] = [];
  const server = createMllpServer({
    tls, ackIds: () => `ACK${++seq}`, clock: () => new Date(Date.UTC(2024, 2, 5, 12)),
    handle: (_text, meta) => { handled.push(meta.message.controlId); return Promise.resolve({ code: 'AA' }); },
    onEvent: (e) => events.push(e),
  });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.close({ timeoutMs: 2000 }));
  return { port, handled, events };
}

const failureCode = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (e: unknown) => (isAcclinkError(e) ? e.code : e));

describe('MLLP over TLS', () => {
  it('exchanges a message with AA when the client trusts the server certificate', async () => {
    const srv = await tlsServer({ key: pki.serverKey, cert: pki.serverCert });
    const client = await connectMllp({ host: '127.0.0.1', port: srv.port, timeoutMs: 3000, tls: { ca: pki.ca } });
    cleanups.push(() => client.close());
    const a = await client.send(oru('T1'));
    const b = await client.send(oru('T2'));
    expect([a.code, a.ack.get('MSA-2'), b.code, b.ack.get('MSA-2')]).toEqual(['AA', 'T1', 'AA', 'T2']);
    expect(srv.handled).toEqual(['T1', 'T2']);
  });

  it('a plain-TCP client cannot talk to the TLS listener: no ACK, nothing handled', async () => {
    const srv = await tlsServer({ key: pki.serverKey, cert: pki.serverCert });
    const code = await failureCode(sendMllp({ host: '127.0.0.1', port: srv.port, timeoutMs: 3000, message: oru('P1') }));
    expect([ErrorCode.MllpClosed, ErrorCode.MllpConnection, ErrorCode.MllpBadAck]).toContain(code);
    expect(srv.handled).toEqual([]);
    expect(srv.events.some((e) => e.type === 'socket-error')).toBe(true);
  });

  it('the client refuses a server whose certificate it cannot verify', async () => {
    const srv = await tlsServer({ key: pki.serverKey, cert: pki.serverCert });
    // No `ca`: the system trust store does not know the throwaway CA.
    const code = await failureCode(sendMllp({ host: '127.0.0.1', port: srv.port, timeoutMs: 3000, tls: {}, message: oru('U1') }));
    expect(code).toBe(ErrorCode.MllpConnection);
    expect(srv.handled).toEqual([]);
  });

  it('mutual TLS: a client certificate from the CA is admitted, a client without one is not', async () => {
    const srv = await tlsServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: true });
    const ack = await sendMllp({
      host: '127.0.0.1', port: srv.port, timeoutMs: 3000, message: oru('M1'),
      tls: { ca: pki.ca, key: pki.clientKey, cert: pki.clientCert },
    });
    expect(ack.code).toBe('AA');
    const code = await failureCode(sendMllp({ host: '127.0.0.1', port: srv.port, timeoutMs: 3000, tls: { ca: pki.ca }, message: oru('M2') }));
    expect([ErrorCode.MllpClosed, ErrorCode.MllpConnection]).toContain(code);
    expect(srv.handled).toEqual(['M1']);
  });

  it('the MLLP sink delivers over TLS', async () => {
    const srv = await tlsServer({ key: pki.serverKey, cert: pki.serverCert });
    const ledger = createMemoryLedger();
    const sink = createMllpSink({ host: '127.0.0.1', port: srv.port, timeoutMs: 3000, ledger, tls: { ca: pki.ca, servername: 'localhost' } });
    const m = contractMessage('c0ffee0000000000000000000t01');
    expect(await sink.deliver(m)).toEqual({ outcome: 'delivered', detail: 'AA from peer', ackCode: 'AA' });
    expect(await ledger.has(deliveryKey(m))).toBe(true);
    expect(srv.handled).toEqual([m.correctionId.slice(0, 20)]);
  });
});
