/**
 * `acclink undo <correction-id>`: asks a running engine (its HTTP API) to send the reverse of a
 * correction. Through the engine, not around it: the reverse is audited, planned and delivered like any
 * correction, and undoing twice sends one reverse.
 */
import { parseArgs } from 'node:util';
import { AcclinkError, ErrorCode } from '../model/errors.ts';

export const UNDO_USAGE = `Usage: acclink undo <correction-id> [--url URL]

Sends the reverse of a correction (the record gets its old accession back at every destination), through
the running engine's API. The bearer token is read from ACCLINK_API_TOKEN.

Options:
  --url URL     the engine's HTTP address (default http://127.0.0.1:8080, or ACCLINK_URL)
  -h, --help    this help`;

export interface UndoHooks {
  write?: (line: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Runs `acclink undo`; 0 when the reverse was queued, 1 when the engine refused it (reason printed). */
export async function undoCommand(argv: string[], hooks: UndoHooks = {}): Promise<number> {
  const write = hooks.write ?? ((l: string): void => { process.stdout.write(`${l}\n`); });
  const env = hooks.env ?? process.env;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { url: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new AcclinkError(ErrorCode.Usage, `${(e as Error).message}\n\n${UNDO_USAGE}`);
  }
  if (parsed.values.help) {
    write(UNDO_USAGE);
    return 0;
  }
  const [id, ...extra] = parsed.positionals;
  if (id === undefined || extra.length > 0 || !/^[0-9a-f]{8,64}$/i.test(id)) throw new AcclinkError(ErrorCode.Usage, `give one correction id (hex, as in corrections.jsonl or the audit trail)\n\n${UNDO_USAGE}`);
  const token = env.ACCLINK_API_TOKEN;
  if (!token) throw new AcclinkError(ErrorCode.Usage, 'set ACCLINK_API_TOKEN to a bearer token of the engine');
  const base = (parsed.values.url ?? env.ACCLINK_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/api/corrections/${encodeURIComponent(id)}/undo`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new AcclinkError(ErrorCode.Usage, `cannot reach the engine at ${base}: ${(e as Error).message}`);
  }
  const body = await res.json().catch(() => ({})) as { reverse?: string; from?: string; to?: string; code?: string; detail?: string };
  if (res.status === 202) {
    write(`acclink undo: reverse ${body.reverse ?? '?'} of correction ${id} queued (${body.from ?? ''} → ${body.to ?? ''}); follow it in the audit trail`);
    return 0;
  }
  write(`acclink undo: refused (${res.status}${body.code ? ` ${body.code}` : ''}): ${body.detail ?? 'no detail'}`);
  return 1;
}
