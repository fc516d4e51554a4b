/**
 * Load generator of `npm run bench:mllp`, run in a worker thread so that the sender does not share an
 * event loop with the listener it measures. Each connection keeps one message in flight, as MLLP
 * requires; the ACK is checked (MSA-1 `AA`, MSA-2 the sent MSH-10) without a full parse, to keep the
 * sender's CPU cost low on a 2-core machine.
 *
 * Two drivers:
 * - `unpaced`: every connection sends its next message as soon as the previous ACK arrives (as fast as
 *   the server answers); latency is send → ACK.
 * - `paced`: message i is scheduled at `t0 + i / rate` on connection `i mod conns`; a connection that is
 *   still waiting for an ACK sends late, and latency is measured from the *scheduled* time, so queueing
 *   behind a slow ACK is counted (no coordinated omission). Timer lateness of the sender (≈ 1 ms) is
 *   included too; the echo server's paced row shows that floor.
 * @see HL7 MLLP Release 2, section 3 "Interaction model"
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';
import { encodeFrame, MllpFrameDecoder } from '../../../src/channels/mllp/framing.ts';
import { benchOru } from './message.ts';

/** The load of one row: as fast as ACKs return, or a fixed offered rate. */
export type Load =
  | { mode: 'unpaced'; conns: number; total: number }
  | { mode: 'paced'; conns: number; ratePerS: number; durationMs: number };

/** What one measured row asks of the sender. */
export type RunSpec = Load & {
  port: number;
  /** Prefix of every MSH-10 of the row; `<prefix><n>` is unique in the run. */
  idPrefix: string;
  /** Require MSA-2 to echo the MSH-10 (off for the bare echo server, whose ACK is constant). */
  expectId: boolean;
  /** The row stops sending after this long. */
  capMs: number;
  /** One ACK slower than this fails the row. */
  ackTimeoutMs: number;
};

/** What one row measured. Latencies in ms, in completion order (unpaced) or schedule order (paced). */
export interface RunResult {
  latencyMs: Float64Array<ArrayBuffer>;
  /** Paced only: send → ACK, without the wait behind earlier messages. */
  serviceMs?: Float64Array<ArrayBuffer>;
  acked: number;
  /** Messages of the plan that were never sent because the cap was reached. */
  unsent: number;
  /** First → last ACK (unpaced: from the start signal), ms. */
  elapsedMs: number;
  /** ACKs that were not AA (or named another control id). */
  notAa: number;
  error?: string;
}

export type ToWorker = { type: 'run'; id: number; spec: RunSpec } | { type: 'exit' };
export type FromWorker =
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'result'; id: number; result: RunResult };

/** One kept-open MLLP connection with one request in flight. */
class Conn {
  readonly socket: net.Socket;
  private readonly decoder = new MllpFrameDecoder();
  private waiter: { resolve: (ack: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const ev of this.decoder.push(chunk)) {
        if (ev.type === 'frame') this.settle(undefined, ev.data.toString('utf8'));
      }
    });
    socket.on('error', (e) => this.settle(e));
    socket.on('close', () => this.settle(new Error('connection closed before the ACK')));
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => { s.off('error', reject); resolve(new Conn(s)); });
      s.once('error', reject);
    });
  }

  request(frame: Buffer, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(new Error(`no ACK within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = { resolve, reject, timer };
      this.socket.write(frame);
    });
  }

  private settle(error: Error | undefined, ack?: string): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    clearTimeout(w.timer);
    if (error) w.reject(error);
    else w.resolve(ack ?? '');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** True when the ACK's MSA says AA (and, when asked, acknowledges `controlId`). */
function isAa(ack: string, controlId: string, expectId: boolean): boolean {
  const at = ack.indexOf('MSA|');
  if (at < 0) return false;
  const end = ack.indexOf('\r', at);
  const f = ack.slice(at, end < 0 ? undefined : end).split('|');
  return f[1] === 'AA' && (!expectId || f[2] === controlId);
}

async function runUnpaced(spec: RunSpec & { mode: 'unpaced' }, conns: Conn[], report: (done: number) => void): Promise<RunResult> {
  const latency = new Float64Array(spec.total);
  let next = 0;
  let acked = 0;
  let notAa = 0;
  const start = performance.now();
  await Promise.all(conns.map(async (c) => {
    while (next < spec.total && performance.now() - start < spec.capMs) {
      const id = `${spec.idPrefix}${next++}`;
      const frame = encodeFrame(benchOru(id));
      const t0 = performance.now();
      const ack = await c.request(frame, spec.ackTimeoutMs);
      latency[acked++] = performance.now() - t0;
      if (!isAa(ack, id, spec.expectId)) notAa++;
      report(acked);
    }
  }));
  return { latencyMs: latency.slice(0, acked), acked, unsent: spec.total - next, elapsedMs: performance.now() - start, notAa };
}

async function runPaced(spec: RunSpec & { mode: 'paced' }, conns: Conn[], report: (done: number) => void): Promise<RunResult> {
  const planned = Math.round((spec.ratePerS * spec.durationMs) / 1000);
  const intervalMs = 1000 / spec.ratePerS;
  const latency = new Float64Array(planned).fill(NaN);
  const service = new Float64Array(planned).fill(NaN);
  let acked = 0;
  let notAa = 0;
  let sent = 0;
  let lastAck = 0;
  const t0 = performance.now() + 20; // every connection starts on the same schedule
  await Promise.all(conns.map(async (c, k) => {
    for (let i = k; i < planned; i += conns.length) {
      const scheduled = t0 + i * intervalMs;
      if (performance.now() - t0 > spec.capMs) break;
      // Timers may fire up to a millisecond early (whole-ms granularity): wait until the schedule is reached.
      for (let wait = scheduled - performance.now(); wait > 0; wait = scheduled - performance.now()) await sleep(Math.ceil(wait));
      const id = `${spec.idPrefix}${i}`;
      const frame = encodeFrame(benchOru(id));
      const sentAt = performance.now();
      sent++;
      const ack = await c.request(frame, spec.ackTimeoutMs);
      const now = performance.now();
      latency[i] = now - scheduled;
      service[i] = now - sentAt;
      lastAck = Math.max(lastAck, now);
      acked++;
      if (!isAa(ack, id, spec.expectId)) notAa++;
      report(acked);
    }
  }));
  const keep = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => a.filter((x) => !Number.isNaN(x));
  return { latencyMs: keep(latency), serviceMs: keep(service), acked, unsent: planned - sent, elapsedMs: lastAck - t0, notAa };
}

async function run(id: number, spec: RunSpec): Promise<RunResult> {
  const total = spec.mode === 'unpaced' ? spec.total : Math.round((spec.ratePerS * spec.durationMs) / 1000);
  let lastReport = 0;
  const report = (done: number): void => {
    const now = performance.now();
    if (now - lastReport < 250 && done < total) return;
    lastReport = now;
    parentPort?.postMessage({ type: 'progress', id, done, total } satisfies FromWorker);
  };
  const conns = await Promise.all(Array.from({ length: spec.conns }, () => Conn.open(spec.port)));
  try {
    return spec.mode === 'unpaced' ? await runUnpaced(spec, conns, report) : await runPaced(spec, conns, report);
  } finally {
    for (const c of conns) c.close();
  }
}

parentPort?.on('message', (msg: ToWorker) => {
  if (msg.type === 'exit') {
    parentPort?.close();
    return;
  }
  run(msg.id, msg.spec).then(
    (result) => {
      const transfer = [result.latencyMs.buffer, ...(result.serviceMs ? [result.serviceMs.buffer] : [])];
      parentPort?.postMessage({ type: 'result', id: msg.id, result } satisfies FromWorker, transfer);
    },
    (e: unknown) => {
      const result: RunResult = { latencyMs: new Float64Array(0), acked: 0, unsent: 0, elapsedMs: 0, notAa: 0, error: e instanceof Error ? e.message : String(e) };
      parentPort?.postMessage({ type: 'result', id: msg.id, result } satisfies FromWorker);
    },
  );
});
