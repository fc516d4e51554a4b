/**
 * Tables, percentiles and target verdicts of `npm run bench:mllp`.
 * Targets (issue 3): ≥ 2,000 msg/s with a durable ACK; ≥ 50% of a bare echo server; p99 ACK latency
 * ≤ 25 ms at an offered 500 msg/s.
 */
import { fmtInt } from '../reconcile-util.ts';
import type { CpuShares } from './cpu.ts';
import type { RunResult } from './load.ts';
import { LABELS, type TargetKey } from './targets.ts';

export const TARGET_RATE = 2000;
export const TARGET_ECHO_SHARE = 0.5;
export const TARGET_P99_MS = 25;

/** Latency summary, ms (nearest-rank percentiles). */
export interface Latency { p50: number; p95: number; p99: number; max: number }

export function latency(samples: Float64Array): Latency {
  const s = Float64Array.from(samples).sort();
  const q = (p: number): number => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN);
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s.length === 0 ? NaN : (s[s.length - 1] ?? NaN) };
}

/** One measured row. */
export interface Row {
  target: TargetKey;
  mode: 'unpaced' | 'paced';
  conns: number;
  /** Paced: offered msg/s. */
  offered?: number;
  result: RunResult;
  /** ACKed messages per second over the row. */
  rate: number;
  latency: Latency;
  /** Paced: send → ACK only. */
  service?: Latency;
  /** Shares of all CPUs of the machine during the row. */
  cpu: CpuShares;
}

/** A plain-text table; columns marked `l` are left-aligned (text), the others right-aligned (numbers). */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, left: readonly number[] = [0]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((v, c) => (left.includes(c) ? v.padEnd(widths[c] ?? 0) : v.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const ms = (x: number): string => (Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const pct = (x: number): string => `${Math.round(100 * x)}%`;

function problems(r: RunResult): string {
  const p: string[] = [];
  if (r.error !== undefined) p.push(`error: ${r.error}`);
  if (r.notAa > 0) p.push(`${r.notAa} not AA`);
  if (r.unsent > 0) p.push(`${r.unsent} unsent (cap)`);
  return p.join('; ');
}

const CPU_HEADERS = ['CPU all', 'node', 'PG+Redis', 'other'];
const cpuCells = (c: CpuShares): string[] => [pct(c.all), pct(c.node), pct(c.servers), pct(c.other)];

/** Best unpaced rate of a target, and at how many connections. */
export function peak(rows: readonly Row[], target: TargetKey): { rate: number; conns: number } | undefined {
  const mine = rows.filter((r) => r.target === target && r.mode === 'unpaced' && r.result.error === undefined);
  if (mine.length === 0) return undefined;
  const best = mine.reduce((a, b) => (b.rate > a.rate ? b : a));
  return { rate: best.rate, conns: best.conns };
}

export function throughputTable(rows: readonly Row[]): string {
  const echoAt = (conns: number): Row | undefined => rows.find((r) => r.target === 'echo' && r.mode === 'unpaced' && r.conns === conns);
  const body = rows.filter((r) => r.mode === 'unpaced').map((r) => {
    const echo = echoAt(r.conns);
    return [LABELS[r.target], r.conns, fmtInt(r.result.acked), (r.result.elapsedMs / 1000).toFixed(1), fmtInt(r.rate),
      r.target === 'echo' || echo === undefined ? '' : pct(r.rate / echo.rate),
      ms(r.latency.p50), ms(r.latency.p95), ms(r.latency.p99), ms(r.latency.max), ...cpuCells(r.cpu), problems(r.result)];
  });
  return table(['server', 'conns', 'acked', 's', 'msg/s', 'vs echo', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', ...CPU_HEADERS, 'notes'], body, [0, 14]);
}

export function pacedTable(rows: readonly Row[]): string {
  const body = rows.filter((r) => r.mode === 'paced').map((r) => [LABELS[r.target], r.conns, fmtInt(r.offered ?? 0), fmtInt(r.rate),
    fmtInt(r.result.acked), ms(r.latency.p50), ms(r.latency.p95), ms(r.latency.p99), ms(r.latency.max),
    ms(r.service?.p99 ?? NaN), ...cpuCells(r.cpu), problems(r.result)]);
  return table(['server', 'conns', 'offered/s', 'acked/s', 'acked', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'p99 send→ACK', ...CPU_HEADERS, 'notes'], body, [0, 14]);
}

/** One verdict line of the targets table. */
export interface Verdict { target: string; server: string; measured: string; result: string; pass: boolean | undefined }

const word = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

/** Verdicts of the three targets for every server with a durable store that ran. */
export function verdicts(rows: readonly Row[], servers: readonly TargetKey[], caveats: Partial<Record<TargetKey, string>>): Verdict[] {
  const out: Verdict[] = [];
  const echo = peak(rows, 'echo');
  for (const key of servers.filter((k) => k !== 'echo' && k !== 'listener')) {
    const best = peak(rows, key);
    const caveat = caveats[key] === undefined ? '' : ` (${caveats[key]})`;
    if (best) {
      const pass = best.rate >= TARGET_RATE;
      out.push({ target: `>= ${fmtInt(TARGET_RATE)} msg/s durable`, server: LABELS[key], measured: `${fmtInt(best.rate)} msg/s peak (${best.conns} conns)`, result: word(pass) + caveat, pass });
      if (echo) {
        const share = best.rate / echo.rate;
        out.push({ target: `>= ${pct(TARGET_ECHO_SHARE)} of echo`, server: LABELS[key], measured: `${pct(share)} (peak ${fmtInt(best.rate)} vs echo peak ${fmtInt(echo.rate)})`, result: word(share >= TARGET_ECHO_SHARE), pass: share >= TARGET_ECHO_SHARE });
      }
    }
    const paced = rows.find((r) => r.target === key && r.mode === 'paced');
    if (paced) {
      const keptUp = paced.result.error === undefined && paced.result.unsent === 0 && paced.result.notAa === 0;
      const pass = keptUp && paced.latency.p99 <= TARGET_P99_MS;
      const measured = keptUp ? `p99 ${ms(paced.latency.p99)} ms (max ${ms(paced.latency.max)} ms)` : `did not keep up: ${problems(paced.result)}`;
      out.push({ target: `p99 <= ${TARGET_P99_MS} ms at ${fmtInt(paced.offered ?? 0)} msg/s`, server: LABELS[key], measured, result: word(pass), pass });
    }
  }
  return out;
}

export function verdictTable(v: readonly Verdict[]): string {
  return table(['target', 'server', 'measured', 'result'], v.map((x) => [x.target, x.server, x.measured, x.result]), [0, 1, 2, 3]);
}

/** One line per run: each durable server's peak, share of the echo, paced p99 and how many targets it met. */
export function summaryLine(rows: readonly Row[], v: readonly Verdict[], servers: readonly TargetKey[]): string {
  const echo = peak(rows, 'echo');
  const parts = servers.filter((k) => k !== 'echo' && k !== 'listener').map((key) => {
    const best = peak(rows, key);
    const paced = rows.find((r) => r.target === key && r.mode === 'paced');
    const mine = v.filter((x) => x.server === LABELS[key]);
    const bits = [
      best ? `${fmtInt(best.rate)} msg/s` : 'no throughput',
      best && echo ? `${pct(best.rate / echo.rate)} of echo` : '',
      paced ? `p99 ${ms(paced.latency.p99)} ms at ${fmtInt(paced.offered ?? 0)}/s` : '',
    ].filter((b) => b !== '');
    return `${LABELS[key]} ${bits.join(', ')}: ${mine.filter((x) => x.pass === true).length}/${mine.length} targets`;
  });
  if (echo) parts.push(`bare echo ${fmtInt(echo.rate)} msg/s`);
  return parts.length > 0 ? parts.join('; ') : 'no rows';
}
