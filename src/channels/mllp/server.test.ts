import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Hl7Message } from '../../transforms/hl7/message.ts';
import { connectMllp, MllpError, sendMllp } from './client.ts';
import { encodeFrame, MllpFrameDecoder } from './framing.ts';
import type { MllpHandleResult, MllpMessageMeta, MllpServer, MllpServerOptions } from './server.ts';
import { createMllpServer } from './server.ts';

const oru = (id: string): string =>
  `MSH|^~\\&|RIS|HOSP|ACCLINK|RAD|20240305120000||ORU^R01^ORU_R01|${id}|P|2.5.1\rPID|1||123^^^H^MR\rOBR|1||R${id}|||||||||||||||ACC${id}\r`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let seq = 0;
async function start(handle: MllpServerOptions['handle'], extra: Partial<MllpServerOptions> = {}): Promise<{ server: MllpServer; port: number }> {
  const server = createMllpServer({ handle, ackIds: () => `ACK${++seq}`, clock: () => new Date(Date.UTC(2024, 2, 5, 12)), ...extra });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.close());
  return { server, port };
}

/** A raw socket that collects ACK frames, to send arbitrary bytes. */
async function rawPeer(port: number): Promise<{ socket: net.Socket; acks: (n: number) => Promise<Hl7Message[]> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  cleanups.push(async () => { socket.destroy(); await Promise.resolve(); });
  const decoder = new MllpFrameDecoder();
  const got: Hl7Message[] = [];
  let notify = (): void => undefined;
  socket.on('data', (c: Buffer) => {
    for (const e of decoder.push(c)) if (e.type === 'frame') got.push(Hl7Message.parse(e.data.toString()));
    notify();
  });
  const acks = (n: number): Promise<Hl7Message[]> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} ACKs`)), 5000);
    notify = () => { if (got.length >= n) { clearTimeout(timer); resolve(got.slice(0, n)); } };
    notify();
  });
  return { socket, acks };
}

const accept = (): Promise<MllpHandleResult> => Promise.resolve({ code: 'AA' });

describe('MLLP server ACK rules', () => {
  it('AA echoes MSH-10 in MSA-2 with its own unique MSH-10, after handle resolves', async () => {
    const stored: string[] = [];
    const { port } = await start(async (text, meta: MllpMessageMeta) => {
      await new Promise((r) => setTimeout(r, 20));
      stored.push(meta.message.controlId);
      expect(meta.peer).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(text).toContain('ACC');
      return { code: 'AA' };
    });
    const client = await connectMllp({ host: '127.0.0.1', port, timeoutMs: 2000 });
    cleanups.push(() => client.close());
    const a = await client.send(oru('M1'));
    expect(stored).toEqual(['M1']);
    const b = await client.send(oru('M2'));
    expect(a.code).toBe('AA');
    expect(a.ack.get('MSA-2')).toBe('M1');
    expect(b.ack.get('MSA-2')).toBe('M2');
    expect(a.ack.controlId).not.toBe('M1');
    expect(a.ack.controlId).not.toBe(b.ack.controlId);
    expect(a.ack.getRaw('MSH-9')).toBe('ACK^R01^ACK');
  });

  it('AE with ERR 207 when handle rejects, AR for garbage, connection usable afterwards, in order', async () => {
    const { port } = await start((text) => (text.includes('|BAD|') ? Promise.reject(new Error('disk full: patient 123')) : accept()));
    const { socket, acks } = await rawPeer(port);
    socket.write(Buffer.concat([
      encodeFrame(oru('BAD').replace('|P|', '|BAD|')), encodeFrame('this is not hl7'), encodeFrame('MSH|^~\\&|X|||||||'),
      encodeFrame('MSH|^^^^|bad encoding'), encodeFrame(oru('OK1')),
    ]));
    const [ae, ar, noId, badEnc, ok] = await acks(5);
    expect(ae?.get('MSA-1')).toBe('AE');
    expect(ae?.get('MSA-2')).toBe('BAD');
    expect(ae?.getRaw('ERR-3')).toBe('207^Application internal error^HL70357');
    expect(ae?.get('ERR-4')).toBe('E');
    expect(ae?.all.map((s) => s.raw).join('\r')).not.toContain('patient');
    expect(ar?.get('MSA-1')).toBe('AR');
    expect(ar?.get('MSA-2')).toBe('');
    expect(ar?.get('ERR-3.1')).toBe('100');
    expect(noId?.get('MSA-1')).toBe('AR');
    expect(noId?.get('ERR-3.1')).toBe('101');
    expect(badEnc?.get('ERR-3.1')).toBe('102');
    expect(ok?.get('MSA-1')).toBe('AA');
    expect(ok?.get('MSA-2')).toBe('OK1');
  });

  it('handle returning AE/AR with an error is sent as such; garbage never reaches handle', async () => {
    const seen: string[] = [];
    const { port } = await start((_t, meta) => {
      seen.push(meta.message.controlId);
      return Promise.resolve({ code: 'AR', error: { code: 200, location: 'MSH-9', text: 'Unsupported message type' } });
    });
    const { socket, acks } = await rawPeer(port);
    socket.write(Buffer.concat([encodeFrame('garbage'), encodeFrame(oru('X1'))]));
    const [, ar] = await acks(2);
    expect(seen).toEqual(['X1']);
    expect(ar?.getRaw('ERR-2')).toBe('MSH^1^9');
    expect(ar?.get('ERR-3.1')).toBe('200');
  });

  it('answers an oversized frame with AR and keeps the connection', async () => {
    const { port } = await start(accept, { maxFrameBytes: 500 });
    const { socket, acks } = await rawPeer(port);
    socket.write(Buffer.concat([encodeFrame(oru('BIG') + 'x'.repeat(1000)), Buffer.from('\n'), encodeFrame(oru('SMALL'))]));
    const [big, small] = await acks(2);
    expect(big?.get('MSA-1')).toBe('AR');
    expect(small?.get('MSA-2')).toBe('SMALL');
  });

  it('two connections interleaving byte by byte do not mix buffers', async () => {
    const order: string[] = [];
    const { port } = await start((_t, meta) => { order.push(meta.message.controlId); return accept(); });
    const p1 = await rawPeer(port);
    const p2 = await rawPeer(port);
    const s1 = Buffer.concat([encodeFrame(oru('A1')), encodeFrame(oru('A2'))]);
    const s2 = Buffer.concat([encodeFrame(oru('B1')), encodeFrame(oru('B2'))]);
    const step = 37;
    for (let i = 0; i < Math.max(s1.length, s2.length); i += step) {
      if (i < s1.length) p1.socket.write(s1.subarray(i, i + step));
      if (i < s2.length) p2.socket.write(s2.subarray(i, i + step));
      await new Promise((r) => setImmediate(r));
    }
    expect((await p1.acks(2)).map((m) => m.get('MSA-2'))).toEqual(['A1', 'A2']);
    expect((await p2.acks(2)).map((m) => m.get('MSA-2'))).toEqual(['B1', 'B2']);
    expect(order.sort()).toEqual(['A1', 'A2', 'B1', 'B2']);
  });

  it('closes peers that are not allowed', async () => {
    const { port } = await start(accept, { allowedPeers: ['10.9.9.9'] });
    const err = await sendMllp({ host: '127.0.0.1', port, message: oru('Z'), timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MllpError);
    expect(['MLLP_CLOSED', 'MLLP_CONNECTION']).toContain((err as MllpError).code);
  });

  it('close() waits for in-flight handlers and still sends their ACK', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const server = createMllpServer({ handle: async () => { await gate; return { code: 'AA' }; }, ackIds: () => 'A', clock: () => new Date() });
    const { port } = await server.listen(0);
    const { socket, acks } = await rawPeer(port);
    socket.write(encodeFrame(oru('SLOW')));
    await new Promise((r) => setTimeout(r, 30));
    const closed = server.close();
    setTimeout(release, 30);
    const [ack] = await acks(1);
    await closed;
    expect(ack?.get('MSA-2')).toBe('SLOW');
  });
});

describe('MLLP client', () => {
  it('times out with MLLP_TIMEOUT when no ACK comes', async () => {
    const server = createMllpServer({ handle: () => new Promise(() => undefined), ackIds: () => 'A', clock: () => new Date() });
    const { port } = await server.listen(0);
    cleanups.push(() => server.close({ timeoutMs: 50 }));
    const err = await sendMllp({ host: '127.0.0.1', port, message: oru('T'), timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MllpError);
    expect((err as MllpError).code).toBe('MLLP_TIMEOUT');
  });

  it('fails with MLLP_CONNECTION when nothing listens', async () => {
    const probe = net.createServer();
    const port = await new Promise<number>((r) => probe.listen(0, '127.0.0.1', () => r((probe.address() as net.AddressInfo).port)));
    await new Promise((r) => probe.close(r));
    const err = await sendMllp({ host: '127.0.0.1', port, message: oru('T'), timeoutMs: 1000 }).catch((e: unknown) => e);
    expect((err as MllpError).code).toBe('MLLP_CONNECTION');
  });
});

describe('independent peer (python3-hl7 mllp_send)', () => {
  it('receives a file of messages and answers each with AA', async () => {
    const bin = '/usr/bin/mllp_send';
    if (!existsSync(bin)) throw new Error('mllp_send not found: install python3-hl7 (apt-get install python3-hl7) to run this test');
    const got: string[] = [];
    const { port } = await start((_t, meta) => { got.push(meta.message.controlId); return accept(); });
    const dir = await mkdtemp(join(tmpdir(), 'acclink-mllp-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'msgs.hl7');
    const ids = ['P1', 'P2', 'P3'];
    // Without --loose, mllp_send splits its input at the MLLP end byte, so the file holds framed messages.
    await writeFile(file, ids.map((id) => encodeFrame(oru(id))).join(''));
    const { stdout } = await promisify(execFile)(bin, ['--file', file, '--port', String(port), '127.0.0.1'], { timeout: 20_000 });
    expect(got).toEqual(ids);
    const acks = stdout.split(/[\r\n]+/).filter((l) => l.startsWith('MSA|'));
    expect(acks.map((l) => l.split('|').slice(1, 3).join('|'))).toEqual(ids.map((id) => `AA|${id}`));
  });
});
