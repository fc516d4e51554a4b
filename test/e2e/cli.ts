/**
 * Helpers for the end-to-end tests: run the real `acclink` CLI as a child process (the Node 24 that
 * runs vitest, with bin/acclink.js), make and remove temporary folders, read its JSONL outputs.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(PROJECT_ROOT, 'bin', 'acclink.js');

export interface CliRun {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `acclink ...args` with stdout/stderr piped (so never a TTY) and a cwd outside the project, as a
 * user running an installed CLI would. Rejects only when the process cannot start or overruns `timeoutMs`.
 */
export function runCli(args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? os.tmpdir(),
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`acclink ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 45_000} ms`));
    }, opts.timeoutMs ?? 45_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ pid: child.pid, code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Run and require exit 0, showing stderr when it is not. */
export async function runOk(args: readonly string[]): Promise<CliRun> {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`acclink ${args.join(' ')} exited ${String(r.code)}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** A fresh, uniquely named folder under the OS temp folder. */
export function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `acclink-e2e-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Parse a JSON-lines file strictly: every non-empty line must be a JSON object. */
export async function readJsonl(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1} is not JSON: ${(e as Error).message}`, { cause: e });
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${file}:${i + 1} is not a JSON object`);
    return v as Record<string, unknown>;
  });
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** Every regular file under `root`, as `/`-separated paths relative to it, sorted. */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

/** The truth.json written by `acclink synth` (the fields these tests use). */
export interface TruthFile {
  studies: Array<{ studyInstanceUid: string; reportId: string | null; category: string; expectedAccession: string | null; expectReview: boolean }>;
  reports: Array<{ reportId: string; studyInstanceUid: string | null; category: string; expectReview: boolean }>;
}

/** Write a synthetic hospital into `dir` (exit 0 required). */
export async function synth(dir: string, seed: number, patients: number): Promise<TruthFile> {
  await runOk(['synth', '--out', dir, '--seed', String(seed), '--patients', String(patients), '--quiet']);
  return readJson<TruthFile>(path.join(dir, 'truth.json'));
}
