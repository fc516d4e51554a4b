/** Small helpers of `npm run bench:reconcile`: options, formatting, stderr phase lines, a scratch folder. */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Progress } from '../../src/cli/progress.ts';

export interface BenchOptions {
  sizes: number[];
  seed: number;
  /** DICOM files parsed in memory by both sides (ours and pydicom). */
  dicomSample: number;
  /** HL7 messages (whole files, at least this many) parsed in memory by both sides. */
  hl7Sample: number;
  /** Timed passes of each in-memory measurement; the best is kept. */
  reps: number;
}

export const BENCH_USAGE = `Usage: npm run bench:reconcile [-- --sizes 10000,100000] [--seed N] [--dicom-sample N] [--hl7-sample N] [--reps N]`;

function positiveInt(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"\n${BENCH_USAGE}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' }, seed: { type: 'string' }, 'dicom-sample': { type: 'string' },
      'hl7-sample': { type: 'string' }, reps: { type: 'string' },
    },
  });
  const sizes = (values.sizes ?? '10000,100000').split(',').map((s) => positiveInt(s.trim(), 'sizes', 0));
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    seed: positiveInt(values.seed, 'seed', 1),
    dicomSample: positiveInt(values['dicom-sample'], 'dicom-sample', 5000),
    hl7Sample: positiveInt(values['hl7-sample'], 'hl7-sample', 20000),
    reps: positiveInt(values.reps, 'reps', 3),
  };
}

/** 10000 → "10k", 2500 → "2.5k", 100 → "100". */
export function sizeLabel(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 100 === 0) return `${n / 1000}k`;
  return String(n);
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const fmtInt = (n: number): string => int.format(Math.round(n));
export const fmtMs = (ms: number): string => int.format(Math.round(ms));
export const fmtSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const fmtRatio = (r: number): string => `${r.toFixed(2)}x`;
/** `count` items in `ms` as a rate per second. */
export const rate = (count: number, ms: number): number => (ms > 0 ? (count * 1000) / ms : Number.POSITIVE_INFINITY);
export const fmtRate = (count: number, ms: number, unit: string): string => `${fmtInt(rate(count, ms))} ${unit}/s`;
export const fmtMiB = (bytes: number): string => `${fmtInt(bytes / (1024 * 1024))} MiB`;

/** Busy CPU time of the whole machine so far (all processes, all CPUs), in ms. */
export function machineBusyMs(): number {
  return os.cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

/** One line on stderr, prefixed with the time since the benchmark started. */
export function createLog(started: number): (line: string) => void {
  return (line) => {
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  };
}

/**
 * A Progress for runReconcile that costs nothing measurable: one string comparison per call, and one
 * stderr line each time a new phase starts (reading DICOM, reading HL7, linking, ...).
 */
export function phaseLines(log: (line: string) => void, prefix: string): Progress {
  let current = '';
  return {
    update(label, _done, total) {
      if (label === current) return;
      current = label;
      log(`${prefix} ${label} (${fmtInt(total)} item(s))`);
    },
    done() {
      current = '';
    },
  };
}

/** A fresh folder under the OS temp folder, removed by `dispose` and also on Ctrl-C / SIGTERM. */
export async function scratchFolder(prefix: string): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`\n${signal}: removed ${dir}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    dir,
    dispose: async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
