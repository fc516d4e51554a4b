/**
 * `npm run bench:mllp` (issue 3): MLLP throughput and ACK latency over loopback, in one run, for
 * - the engine's real ingest path (`startEngine` without workers: listener → `createIngestHandler` →
 *   store the report, pending outbox row, enqueue `link`, record the inbound message → AA) on
 *   PostgreSQL + BullMQ (production) and on PGlite + the in-process queue (embedded default);
 * - our listener with a simulated durable store (fdatasync batched every 5 ms);
 * - our listener with a handler that answers AA at once (what the listener costs before any store);
 * - a bare MLLP echo server (the ceiling).
 * Unpaced rows: 1/4/16/32 connections, each with one message in flight, as fast as ACKs return. Paced
 * rows: a fixed offered load (500 msg/s over 4 connections) with latency from the scheduled send time.
 * The sender runs in a worker thread (`mllp/load.ts`).
 *
 * Run: `npm run bench:mllp [-- N] [--conns 1,4,16,32] [--cap-s 60] [--paced-s 10] [--rate 500] [--warmup 500] [--servers LIST]`
 * @see HL7 MLLP Release 2; HL7 v2.5.1 Chapter 2, section 2.9.2
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { terminalProgress } from '../../src/cli/progress.ts';
import type { FromWorker, Load, RunResult, RunSpec, ToWorker } from './mllp/load.ts';
import { benchOru } from './mllp/message.ts';
import {
  latency, pacedTable, summaryLine, throughputTable, verdicts, verdictTable, type Row,
} from './mllp/report.ts';
import { cpuMeter } from './mllp/cpu.ts';
import {
  startEcho, startFsyncSim, startListenerOnly, startPglite, startPostgres, type Skipped, type Target, type TargetKey,
} from './mllp/targets.ts';
import { createLog, fmtInt } from './reconcile-util.ts';

const USAGE = 'Usage: npm run bench:mllp [-- N] [--total N] [--conns 1,4,16,32] [--cap-s 60] [--paced-s 10] [--rate 500] [--paced-conns 4] [--warmup 500] [--servers echo,listener,fsync,pglite,postgres]';
/** Above this share of the CPUs used by other processes during a row, the run says its figures are pessimistic. */
const OTHER_LOAD_WARN = 0.1;
const ALL: readonly TargetKey[] = ['echo', 'listener', 'fsync', 'pglite', 'postgres'];

interface Options { total: number; conns: number[]; capMs: number; pacedMs: number; rate: number; pacedConns: number; warmup: number; servers: TargetKey[] }

function options(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      total: { type: 'string' }, conns: { type: 'string' }, 'cap-s': { type: 'string' }, 'paced-s': { type: 'string' },
      rate: { type: 'string' }, 'paced-conns': { type: 'string' }, warmup: { type: 'string' }, servers: { type: 'string' },
    },
  });
  const num = (raw: string | undefined, name: string, fallback: number, min = 1): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw.replaceAll('_', ''));
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"\n${USAGE}`);
    return n;
  };
  return {
    total: Math.round(num(values.total ?? positionals[0], 'total', 20_000)),
    conns: (values.conns ?? '1,4,16,32').split(',').map((s) => Math.round(num(s.trim(), 'conns', 0))),
    capMs: num(values['cap-s'], 'cap-s', 60) * 1000,
    pacedMs: num(values['paced-s'], 'paced-s', 10) * 1000,
    rate: num(values.rate, 'rate', 500),
    pacedConns: Math.round(num(values['paced-conns'], 'paced-conns', 4)),
    warmup: Math.round(num(values.warmup, 'warmup', 500, 0)),
    servers: (values.servers?.split(',') ?? ALL).map((s) => {
      const key = ALL.find((k) => k === s.trim());
      if (key === undefined) throw new Error(`--servers takes ${ALL.join(',')}, got "${s}"\n${USAGE}`);
      return key;
    }),
  };
}

/** The sender thread: one row at a time. */
function startSender(): { run(spec: RunSpec, onProgress: (done: number, total: number) => void): Promise<RunResult>; close(): Promise<void> } {
  const worker = new Worker(new URL('./mllp/load.ts', import.meta.url));
  let seq = 0;
  let current: { id: number; resolve: (r: RunResult) => void; reject: (e: Error) => void; onProgress: (d: number, t: number) => void } | undefined;
  worker.on('message', (m: FromWorker) => {
    if (!current || m.id !== current.id) return;
    if (m.type === 'progress') current.onProgress(m.done, m.total);
    else { const c = current; current = undefined; c.resolve(m.result); }
  });
  worker.on('error', (e: Error) => { const c = current; current = undefined; c?.reject(e); });
  return {
    run(spec, onProgress) {
      return new Promise((resolve, reject) => {
        current = { id: ++seq, resolve, reject, onProgress };
        worker.postMessage({ type: 'run', id: current.id, spec } satisfies ToWorker);
      });
    },
    async close() { await worker.terminate(); },
  };
}

const opts = options(process.argv.slice(2));
const started = performance.now();
const log = createLog(started);
const bar = terminalProgress();
const runTag = randomBytes(2).toString('hex');
const targets: Target[] = [];
const skipped: Skipped[] = [];
const sender = startSender();
let closing: Promise<void> | undefined;
const shutdown = (): Promise<void> => (closing ??= (async () => {
  bar.done();
  await sender.close();
  for (const t of targets) await t.close().catch((e: unknown) => { log(`closing ${t.label} failed: ${String(e)}`); });
})());
process.once('SIGINT', () => { log('interrupted: cleaning up'); void shutdown().finally(() => process.exit(130)); });

let rowNo = 0;
async function measure(t: Target, spec: Load, label: string): Promise<Row> {
  const n = ++rowNo;
  log(`row ${n} started: ${t.label}, ${label}`);
  const meter = cpuMeter();
  const full: RunSpec = { ...spec, port: t.port, idPrefix: `b${runTag}${n.toString(36)}x`, expectId: t.expectId, ackTimeoutMs: 30_000, capMs: opts.capMs };
  const result = await sender.run(full, (done, total) => bar.update(`${t.label} ${label}`.slice(0, 40), done, total));
  bar.done();
  const row: Row = {
    target: t.key, mode: spec.mode, conns: spec.conns, result,
    rate: result.elapsedMs > 0 ? (result.acked * 1000) / result.elapsedMs : 0,
    latency: latency(result.latencyMs),
    cpu: meter(),
    ...(spec.mode === 'paced' ? { offered: spec.ratePerS } : {}),
    ...(result.serviceMs ? { service: latency(result.serviceMs) } : {}),
  };
  const trouble = result.error ?? (result.notAa > 0 ? `${result.notAa} ACKs not AA` : undefined);
  log(`row ${n} finished: ${fmtInt(result.acked)} ACKs in ${(result.elapsedMs / 1000).toFixed(1)} s, ${fmtInt(row.rate)} msg/s, `
    + `p99 ${row.latency.p99.toFixed(2)} ms${result.unsent > 0 ? `, ${result.unsent} unsent (cap)` : ''}${trouble ? `, ${trouble}` : ''}`);
  return row;
}

const rows: Row[] = [];
const notes: string[] = [];
try {
  log(`starting servers (load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} CPUs)`);
  const starters: Record<TargetKey, () => Promise<Target | Skipped>> = { echo: startEcho, listener: startListenerOnly, fsync: startFsyncSim, pglite: startPglite, postgres: startPostgres };
  for (const key of ALL.filter((k) => opts.servers.includes(k))) {
    const t = await starters[key]();
    if ('port' in t) targets.push(t);
    else { skipped.push(t); log(`skipping ${t.label}: ${t.reason}`); }
  }
  for (const t of targets) log(`${t.label} listening on 127.0.0.1:${t.port}`);
  if (opts.warmup > 0) {
    for (const t of targets) {
      await sender.run({ mode: 'unpaced', total: opts.warmup, conns: 4, port: t.port, idPrefix: `w${runTag}${t.key}x`, expectId: t.expectId, ackTimeoutMs: 30_000, capMs: opts.capMs }, () => undefined);
    }
    log(`warmed up: ${opts.warmup} messages over 4 connections per server (not measured)`);
  }
  // Servers interleave per connection count, so that load from other processes hits them alike.
  for (const conns of opts.conns) {
    for (const t of targets) rows.push(await measure(t, { mode: 'unpaced', conns, total: opts.total }, `${conns} conns`));
  }
  for (const t of targets) {
    rows.push(await measure(t, { mode: 'paced', conns: opts.pacedConns, ratePerS: opts.rate, durationMs: opts.pacedMs }, `paced ${opts.rate}/s`));
  }
  for (const t of targets) notes.push(`${t.label}: ${t.facts.join('; ')}; ${await t.verify()}`);
} finally {
  await shutdown();
}

const caveats: Partial<Record<TargetKey, string>> = {
  pglite: 'PGlite runs fsync=off: not durable against power loss',
  fsync: 'simulation, not the engine',
};
const v = verdicts(rows, targets.map((t) => t.key), caveats);
const bytes = Buffer.byteLength(benchOru(`b${runTag}1x0`));
console.log(`\nMLLP loopback bench: ORU^R01 of ~${bytes} B, one message in flight per connection; ${os.cpus().length} CPUs, `
  + `load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`\nUnpaced: each connection sends its next message when the ACK arrives; up to ${fmtInt(opts.total)} messages or ${opts.capMs / 1000} s per row; latency send -> ACK`);
console.log(throughputTable(rows));
console.log(`\nPaced: ${fmtInt(opts.rate)} msg/s offered for ${opts.pacedMs / 1000} s over ${opts.pacedConns} connections; latency from the scheduled send time (queueing included)`);
console.log(pacedTable(rows));
console.log('\nTargets (issue 3)');
console.log(verdictTable(v));
console.log('\nNotes');
console.log('- No link or deliver workers ran: the rows measure ingest only (store, outbox, enqueue, record, ACK); link jobs pile up.');
console.log('- The sender runs in a worker thread of the same process; servers, sender, PostgreSQL and Redis share the same CPUs. CPU columns are shares of all CPUs during the row: '
  + 'all busy time, this Node process (servers + sender), the postgres and redis-server processes (including other clients of them), and the rest ("other": load from other processes).');
console.log('- Paced rows: the sender wakes on whole-millisecond timers, so about 1 ms of each latency is the sender\'s own; the bare echo\'s paced row shows that floor.');
const busiest = rows.reduce<Row | undefined>((a, r) => (a === undefined || r.cpu.other > a.cpu.other ? r : a), undefined);
if (busiest && busiest.cpu.other > OTHER_LOAD_WARN) {
  const loaded = rows.filter((r) => r.cpu.other > OTHER_LOAD_WARN).length;
  console.log(`- WARNING: other processes used more than ${OTHER_LOAD_WARN * 100}% of the CPUs in ${loaded} of ${rows.length} rows (up to ${Math.round(busiest.cpu.other * 100)}%): `
    + 'throughput and latency are pessimistic, paced tails most of all; run on an idle machine for figures to compare.');
}
for (const n of notes) console.log(`- ${n}`);
for (const s of skipped) console.log(`- ${s.label}: SKIPPED, ${s.reason}`);

const elapsed = `${((performance.now() - started) / 1000).toFixed(0)} s`;
console.log(`\nsummary: ${summaryLine(rows, v, targets.map((t) => t.key))}${skipped.map((x) => `; ${x.label} skipped`).join('')}; ${elapsed}`);
