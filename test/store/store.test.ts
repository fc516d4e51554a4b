/**
 * Runs the Store contract against every adapter: memory, PGlite (in memory) and PostgreSQL.
 * PostgreSQL is required: when it is not reachable these tests fail with the reason (CI provides a server).
 * Each PostgreSQL test gets its own schema, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createPgliteStore } from '../../src/store/pglite.ts';
import { createPostgresStore } from '../../src/store/postgres.ts';
import { storeContract } from './contract.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runId = `acclink_test_${process.pid}_${randomBytes(4).toString('hex')}`;
let seq = 0;

storeContract('memory', () => {
  const store = createMemoryStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});

// One in-memory PGlite for the file (opening one costs about a second); a schema per test isolates them.
let pglite: PGlite | undefined;
afterAll(async () => { await pglite?.close(); });

storeContract('pglite (in memory)', async () => {
  pglite ??= await PGlite.create('memory://');
  const db = pglite;
  const schema = `t_${++seq}`;
  const store = await createPgliteStore({ db, schema });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await db.exec(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`);
    },
  };
});

it('pglite: an owned in-memory instance migrates, stores and closes', async () => {
  const store = await createPgliteStore();
  try {
    await store.migrate();
    await store.migrate();
    expect(await store.putCorrection({ id: 'c1', target: 'scan', studyInstanceUid: '1.2', field: 'AccessionNumber', from: null, to: 'A1', linkedTo: 'R1', probability: 0.9, reason: 'minted-accession' })).toBe(true);
    expect((await store.listCorrections()).map((c) => c.id)).toEqual(['c1']);
  } finally {
    await store.close();
  }
});

const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2, connectionTimeoutMillis: 5000 });
admin.on('error', () => undefined);
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${runId}_shared CASCADE`).catch(() => undefined);
  await admin.end();
});

/** Fails with an actionable message when the server is down, instead of skipping. */
async function requirePostgres(): Promise<void> {
  try {
    await admin.query('SELECT 1');
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (${String(e)}). `
      + 'The PostgreSQL store tests require a server: start one or set DATABASE_URL.', { cause: e });
  }
}

storeContract('postgres', async () => {
  await requirePostgres();
  const schema = `${runId}_${++seq}`;
  const store = createPostgresStore({ connectionString: DATABASE_URL, schema, max: 4 });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
});

describe('PostgreSQL store specifics', () => {
  it('concurrent migrate() calls on a fresh schema apply each migration once', async () => {
    await requirePostgres();
    const schema = `${runId}_shared`;
    const stores = [1, 2, 3].map(() => createPostgresStore({ connectionString: DATABASE_URL, schema, max: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const { rows } = await admin.query<{ version: string }>(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(['001', '002', '003', '004', '005']);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('candidate search uses the indexes', async () => {
    await requirePostgres();
    const schema = `${runId}_${++seq}`;
    const store = createPostgresStore({ connectionString: DATABASE_URL, schema, max: 1 });
    try {
      await store.migrate();
      const c = await admin.connect();
      try {
        await c.query(`SET search_path TO ${schema}`);
        await c.query('SET enable_seqscan = off');
        const { rows } = await c.query<{ 'QUERY PLAN': string }>(
          "EXPLAIN SELECT payload FROM studies WHERE (patient_key = 'P1' OR accession_key = ANY('{A1,A2}'::text[])) AND exam_date >= '2026-01-01'");
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan).toMatch(/studies_patient_key_idx/);
        expect(plan).toMatch(/studies_accession_key_idx/);
      } finally {
        c.release();
      }
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });
});
