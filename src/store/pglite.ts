/**
 * Store adapter over PGlite (PostgreSQL compiled to WebAssembly): in memory, or in a data folder.
 * One connection, so `search_path` set once applies to every later statement.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import type { Store } from '../model/store.ts';
import { checkSchemaName, createSqlStore } from './sql.ts';
import type { SqlClient } from './sql.ts';

/** Options of the PGlite store. */
export interface PgliteStoreOptions {
  /** Data folder; omitted → in memory (`memory://`). */
  dataDir?: string;
  /** Schema holding the tables; default `public`. */
  schema?: string;
  /** An existing instance to use instead of opening one. `close()` then leaves it open. */
  db?: PGlite;
}

function wrap(q: PGlite | Transaction, close: () => Promise<void>): SqlClient {
  const client: SqlClient = {
    async query<R>(text: string, params: unknown[] = []): Promise<{ rows: R[] }> {
      return { rows: (await q.query<R>(text, params)).rows };
    },
    async exec(script: string): Promise<void> {
      await q.exec(script);
    },
    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      if (!(q instanceof PGlite)) return fn(client);
      return q.transaction((tx) => fn(wrap(tx, close)));
    },
    close,
  };
  return client;
}

/** Open (or adopt) a PGlite database and return a Store over it. Call `migrate()` before use. */
export async function createPgliteStore(options: PgliteStoreOptions = {}): Promise<Store> {
  const owned = options.db === undefined;
  const db = options.db ?? (await PGlite.create(options.dataDir ?? 'memory://'));
  if (options.schema !== undefined) await db.exec(`SET search_path TO "${checkSchemaName(options.schema)}"`);
  const client = wrap(db, async () => { if (owned) await db.close(); });
  return createSqlStore(client, { locks: 'in-process', ...(options.schema === undefined ? {} : { schema: options.schema }) });
}
