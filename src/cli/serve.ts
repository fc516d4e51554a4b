/**
 * `acclink serve`: the streaming engine on embedded defaults (issue 3): an MLLP listener, a PGlite store
 * in a data folder (or in memory), the in-process queue, and MLLP sinks to the RIS and PACS (or memory
 * sinks that only record). No Redis or PostgreSQL needed. Runs until SIGTERM/SIGINT, then stops gracefully.
 */
import { createMemoryLedger } from '../channels/sinks/ledger.ts';
import { createMemorySink } from '../channels/sinks/memory.ts';
import { createMllpSink } from '../channels/sinks/mllp.ts';
import { startEngine, type EngineStats } from '../engine/engine.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { Sink } from '../model/sink.ts';
import type { Store } from '../model/store.ts';
import { createMemoryQueue } from '../queue/memory.ts';
import { createMemoryStore } from '../store/memory.ts';
import { createPgliteStore } from '../store/pglite.ts';
import { integer, parse } from './args.ts';

export const SERVE_USAGE = `Usage: acclink serve --mllp-port N [--host ADDR] [--data DIR] [--ris HOST:PORT] [--pacs HOST:PORT]

Runs the streaming engine: receives HL7 v2 reports and orders over MLLP (AA once stored and queued),
links each against the stored studies and reports, and sends accession corrections to the RIS and PACS.
Stops gracefully on SIGTERM or SIGINT and prints a summary.

Options:
  --mllp-port N     MLLP listening port (required; 0 picks a free one)
  --host ADDR       listening address (default 127.0.0.1)
  --data DIR        keep the store in DIR (PGlite); default: in memory, lost at exit
  --ris HOST:PORT   send RIS corrections over MLLP to HOST:PORT; default: recorded in memory only
  --pacs HOST:PORT  send PACS procedure updates over MLLP to HOST:PORT; default: recorded in memory only
  -h, --help        this help`;

/** Test hooks: what ends the run (default: SIGTERM/SIGINT) and where lines go (default: stdout). */
export interface ServeHooks {
  until?: Promise<void>;
  write?: (line: string) => void;
  /** Called once the listener is bound, with its port. */
  onListening?: (port: number) => void;
}

function hostPort(v: unknown, flag: string): { host: string; port: number } | undefined {
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? /^(.+):(\d{1,5})$/.exec(v) : null;
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m?.[1] || port < 1 || port > 65535) throw new AcclinkError(ErrorCode.Usage, `${flag} must be HOST:PORT, got "${typeof v === 'string' ? v : typeof v}"\n\n${SERVE_USAGE}`);
  return { host: m[1], port };
}

function mllpOrMemory(target: { host: string; port: number } | undefined): Sink {
  return target ? createMllpSink({ ...target, timeoutMs: 10_000, ledger: createMemoryLedger() }) : createMemorySink();
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      resolve();
    };
    process.on('SIGTERM', done);
    process.on('SIGINT', done);
  });
}

/** One summary line: counters only, no content. */
export function formatStats(s: EngineStats): string {
  return `messages in: ${s.messages.accepted} accepted, ${s.messages.duplicate} duplicate, ${s.messages.rejected} rejected; `
    + `corrections: ${s.corrections}; deliveries: ${s.deliveries.delivered} delivered, ${s.deliveries.retry} to retry, ${s.deliveries.dead} dead`;
}

/** Runs `acclink serve`; resolves with the exit code once stopped. */
export async function serveCommand(argv: string[], hooks: ServeHooks = {}): Promise<number> {
  const { values } = parse(argv, {
    'mllp-port': { type: 'string' }, host: { type: 'string' }, data: { type: 'string' },
    ris: { type: 'string' }, pacs: { type: 'string' },
  }, SERVE_USAGE);
  const write = hooks.write ?? ((line: string): void => { process.stdout.write(`${line}\n`); });
  if (values.help) {
    write(SERVE_USAGE);
    return 0;
  }
  if (values['mllp-port'] === undefined) throw new AcclinkError(ErrorCode.Usage, `--mllp-port is required\n\n${SERVE_USAGE}`);
  const port = integer(values['mllp-port'], 'mllp-port', 0, 0);
  if (port > 65535) throw new AcclinkError(ErrorCode.Usage, '--mllp-port must be at most 65535');
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  const sinks = { ris: mllpOrMemory(hostPort(values.ris, '--ris')), pacs: mllpOrMemory(hostPort(values.pacs, '--pacs')) };
  const until = hooks.until ?? waitForSignal();
  const data = typeof values.data === 'string' ? values.data : undefined;
  const store: Store = data ? await createPgliteStore({ dataDir: data }) : createMemoryStore();
  const queue = createMemoryQueue();
  try {
    await store.migrate();
    const engine = await startEngine({ store, queue, sinks, mllp: { port, host }, clock: () => new Date() });
    try {
      write(`acclink serve: MLLP on ${engine.address?.address ?? ""}:${engine.address?.port ?? 0}; store ${data ? `PGlite in ${data}` : 'in memory'}; `
        + `RIS ${sinks.ris.name}, PACS ${sinks.pacs.name}`);
      hooks.onListening?.(engine.address?.port ?? 0);
      await until;
    } finally {
      await engine.stop();
      write(`acclink serve stopped: ${formatStats(engine.stats)}`);
    }
  } finally {
    await queue.close();
    await store.close();
  }
  return 0;
}
