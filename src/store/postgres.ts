/**
 * Store adapter over PostgreSQL through a node-postgres Pool. The schema is put on every pooled
 * connection's `search_path` through the startup `options`, so the shared SQL stays unqualified.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import type { Store } from '../model/store.ts';
import { checkSchemaName, createSqlStore } from './sql.ts';
import type { SqlClient } from './sql.ts';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** `postgres://…` connection string. */
  connectionString: string;
  /** Schema holding the tables; default `public`. */
  schema?: string;
  /** Pool size; default 10. */
  max?: number;
}

function txClient(c: PoolClient): SqlClient {
  const client: SqlClient = {
    async query<R>(text: string, params: unknown[] = []): Promise<{ rows: R[] }> {
      return { rows: (await c.query(text, params)).rows as R[] };
    },
    async exec(script: string): Promise<void> {
      await c.query(script);
    },
    transaction: (fn) => fn(client),
    close: () => Promise.resolve(),
  };
  return client;
}

/** Build a SqlClient over a node-postgres Pool. */
export function poolClient(pool: pg.Pool): SqlClient {
  return {
    async query<R>(text: string, params: unknown[] = []): Promise<{ rows: R[] }> {
      return { rows: (await pool.query(text, params)).rows as R[] };
    },
    async exec(script: string): Promise<void> {
      await pool.query(script);
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const result = await fn(txClient(c));
        await c.query('COMMIT');
        return result;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Open a pool and return a Store over it. Call `migrate()` before use. */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection dropped by the server emits 'error' on the pool; without a listener that would end the
  // process. The pool discards that connection, and the next query reports any lasting failure.
  pool.on('error', () => undefined);
  return createSqlStore(poolClient(pool), schema === undefined ? {} : { schema });
}
