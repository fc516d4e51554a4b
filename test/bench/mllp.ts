/**
 * MLLP throughput and ACK latency over loopback: our listener (handle resolves after a simulated durable
 * store: append + fdatasync batched every 5 ms) next to a bare MLLP echo server (ACK = fixed bytes, no
 * parsing, no store), with 1, 4 and 16 concurrent connections each sending one message at a time.
 * Run: `node test/bench/mllp.ts [totalMessages]` (default 20000; each run capped at 60 s).
 * @see HL7 MLLP Release 2; HL7 v2.5.1 Chapter 2, section 2.9.2
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectMllp } from '../../src/channels/mllp/client.ts';
import { encodeFrame, MllpFrameDecoder } from '../../src/channels/mllp/framing.ts';
import { createMllpServer } from '../../src/channels/mllp/server.ts';

const TOTAL = Number(process.argv[2] ?? 20_000);
const CONCURRENCY = [1, 4, 16];
const RUN_CAP_MS = 60_000;

const oru = (id: string): string =>
  `MSH|^~\\&|RIS|HOSP|ACCLINK|RAD|20240305120000||ORU^R01^ORU_R01|${id}|P|2.5.1\r`
  + `PID|1||P${id}^^^H^MR||DOE^JANE||19700101|F\rORC|RE||R${id}\r`
  + `OBR|1||R${id}|CTCHEST^CT chest|||20240305110000|||||||||||ACC${id}||||20240305120000|||F\r`
  + `OBX|1|TX|18782-3^Radiology Study observation^LN||No acute findings. ${'Lungs are clear. '.repeat(20)}||||||F\r`;

/** Appends to a file; callers wait for the next fdatasync, issued at most every 5 ms. */
async function durableStore(path: string): Promise<{ put: (text: string) => Promise<void>; close: () => Promise<void> }> {
  const fh = await open(path, 'a');
  let pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let buf: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = async (): Promise<void> => {
    timer = undefined;
    const waiters = pending;
    const data = buf.join('');
    pending = [];
    buf = [];
    try {
      await fh.appendFile(data);
      await fh.datasync();
      for (const w of waiters) w.resolve();
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
  };
  return {
    put: (text) => new Promise<void>((resolve, reject) => {
      buf.push(text, '\n');
      pending.push({ resolve, reject });
      timer ??= setTimeout(() => void flush(), 5);
    }),
    close: async () => {
      if (timer !== undefined) { clearTimeout(timer); await flush(); }
      await fh.close();
    },
  };
}

/** Bare echo: answers every frame with a constant ACK. */
function echoServer(): net.Server {
  const reply = encodeFrame('MSH|^~\\&|E||||20240305120000||ACK|1|P|2.5.1\rMSA|AA|1\r');
  return net.createServer((s) => {
    s.setNoDelay(true);
    const d = new MllpFrameDecoder();
    s.on('data', (c: Buffer) => { for (const e of d.push(c)) if (e.type === 'frame') s.write(reply); });
    s.on('error', () => undefined);
  });
}

interface Result { rate: number; p50: number; p95: number; p99: number; sent: number; ms: number }

async function drive(port: number, conns: number, total: number, checkIds: boolean): Promise<Result> {
  const lat: number[] = [];
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: conns }, async () => {
    const client = await connectMllp({ host: '127.0.0.1', port, timeoutMs: 10_000 });
    try {
      while (next < total && performance.now() - start < RUN_CAP_MS) {
        const id = `M${next++}`;
        const msg = oru(id);
        const t0 = performance.now();
        const r = checkIds ? await client.send(msg) : await client.send(msg.replace(`|${id}|`, '|1|'));
        lat.push(performance.now() - t0);
        if (r.code !== 'AA') throw new Error(`unexpected ${r.code}`);
      }
    } finally {
      await client.close();
    }
  }));
  const ms = performance.now() - start;
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { rate: (lat.length / ms) * 1000, p50: q(0.5), p95: q(0.95), p99: q(0.99), sent: lat.length, ms };
}

const dir = await mkdtemp(join(tmpdir(), 'acclink-mllp-bench-'));
const store = await durableStore(join(dir, 'store.log'));
let n = 0;
const ours = createMllpServer({
  handle: async (text) => { await store.put(text); return { code: 'AA' }; },
  ackIds: () => `A${++n}`,
  clock: () => new Date(),
});
const oursPort = (await ours.listen(0)).port;
const echo = echoServer();
const echoPort = await new Promise<number>((r) => echo.listen(0, '127.0.0.1', () => r((echo.address() as net.AddressInfo).port)));

const fmt = (x: number): string => x.toFixed(2).padStart(7);
const rows: string[] = [];
console.log(`MLLP loopback bench: ${TOTAL} ORU^R01 (~${Buffer.byteLength(oru('M1'))} B) per run, one in flight per connection`);
console.log('server        conns   msg/s   p50 ms  p95 ms  p99 ms   sent');
let worst = Infinity;
try {
  for (const conns of CONCURRENCY) {
    for (const [name, port, check] of [['acclink+fsync', oursPort, true], ['bare echo', echoPort, false]] as const) {
      const r = await drive(port, conns, TOTAL, check);
      if (name === 'acclink+fsync') worst = Math.min(worst, r.rate);
      const row = `${name.padEnd(13)} ${String(conns).padStart(5)} ${r.rate.toFixed(0).padStart(7)} ${fmt(r.p50)} ${fmt(r.p95)} ${fmt(r.p99)} ${String(r.sent).padStart(6)}`;
      rows.push(row);
      console.log(row);
    }
  }
} finally {
  await ours.close({ timeoutMs: 5000 });
  await new Promise((r) => echo.close(r));
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
console.log(`summary: acclink MLLP with batched fdatasync sustains >= ${worst.toFixed(0)} msg/s across ${CONCURRENCY.join('/')} connections (${rows.length} runs)`);
