/**
 * `acclink serve` as an integration engineer runs it: the real CLI in a child process
 * (`node bin/acclink.js serve --config FILE`), its start-up line read for the bound ports, its whole
 * stdout and stderr kept (for the PHI check), and stopped by PID with SIGTERM (SIGKILL only when it
 * does not exit in time, which fails the test through the exit code).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../../bin/acclink.js');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

export interface ServeProcess {
  pid: number;
  /** `host:port` of the MLLP listener, from the start-up line. */
  mllpPort: number;
  /** Port of the HTTP app (health, metrics, API), from the start-up line. */
  httpPort: number;
  /** The start-up line. */
  startLine: string;
  /** Everything written so far to stdout and stderr, in arrival order per stream. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM by PID; resolves with the exit code and signal once the process has exited. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Spawns `acclink serve --config <config>` with `env` added to (and `unset` removed from) this process's
 * environment, and resolves once the start-up line (`acclink serve: MLLP on …; HTTP on …`) is printed.
 * @throws Error with the output so far when the process exits or stays silent.
 */
export async function startServe(config: string, env: Record<string, string>, unset: readonly string[] = []): Promise<ServeProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of unset) delete childEnv[k];
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const stop = async (): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    const done = exited(child);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const r = await done;
    clearTimeout(timer);
    return r;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  let line: string | undefined;
  while (line === undefined) {
    line = stdout.split('\n').find((l) => l.startsWith('acclink serve:'));
    if (line !== undefined) break;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`acclink serve did not start (exit ${String(child.exitCode ?? child.signalCode)}):\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const mllp = /MLLP on [^:]+:(\d+)/.exec(line);
  const http = /HTTP on [^:]+:(\d+)/.exec(line);
  if (!mllp?.[1] || !http?.[1] || child.pid === undefined) {
    await stop();
    throw new Error(`unexpected start-up line: ${line}`);
  }
  return {
    pid: child.pid, mllpPort: Number(mllp[1]), httpPort: Number(http[1]), startLine: line,
    output: () => ({ stdout, stderr }),
    stop,
  };
}
