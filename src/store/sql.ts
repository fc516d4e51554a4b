/**
 * The one SQL implementation of the Store port, over a tiny client interface that both PGlite and
 * node-postgres satisfy. Same SQL for both; migrations are the files in `./migrations/`, applied in name
 * order and recorded in `schema_migrations`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { Correction, Link, ReviewItem } from '../model/link.ts';
import type {
  AuditEntry, AuditQuery, AuditRecord, CandidateQuery, CorrectionQuery, PendingJob, ReviewQuery, Store, SubjectQuery,
} from '../model/store.ts';
import type { DeliveryResult } from '../model/sink.ts';
import type { Report, Scan } from '../model/types.ts';
import { normalizeQuery, reviewKey } from './keys.ts';
import { addPendingRow, putReportRow, putScanRow, recordInboundRow } from './sql-writes.ts';
import { createKeyedMutex } from './mutex.ts';

/** The minimum a PostgreSQL-dialect driver must offer. */
export interface SqlClient {
  /** One statement with `$n` parameters. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** A script of several statements, no parameters. */
  exec(script: string): Promise<void>;
  /** Run `fn` in one transaction on one connection; commit on success, roll back on throw. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Options of the SQL store. */
export interface SqlStoreOptions {
  /**
   * Schema to create in `migrate()`. The client must already resolve unqualified names there
   * (search_path); the adapters in this folder arrange that.
   */
  schema?: string;
  /**
   * How `withLock` locks: `advisory` (PostgreSQL: a transaction on its own connection holds an advisory
   * lock while `fn` runs on the pool) or `in-process` (PGlite: one connection, one process). Default advisory.
   */
  locks?: 'advisory' | 'in-process';
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Advisory-lock key serializing concurrent `migrate()` calls (any value, fixed forever). */
const MIGRATE_LOCK = 0x61636c6b;

/** A migration file: `NNN_name.sql`. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/** The migration files, in order. */
export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(files.map(async (f) => ({
    version: f.slice(0, f.indexOf('_')),
    name: f,
    sql: await readFile(new URL(f, MIGRATIONS_DIR), 'utf8'),
  })));
}

/** Validate a schema name for use as an identifier. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, `invalid schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*`);
  }
  return schema;
}

interface PayloadRow<T> { payload: T }

/** Build a Store over a SqlClient. */
export function createSqlStore(client: SqlClient, options: SqlStoreOptions = {}): Store {
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema);

  const payloads = async <T>(text: string, params: unknown[]): Promise<T[]> =>
    (await client.query<PayloadRow<T>>(text, params)).rows.map((r) => r.payload);

  const candidates = async <T>(table: 'studies' | 'reports', order: string, q: CandidateQuery): Promise<T[]> => {
    const n = normalizeQuery(q);
    const params: unknown[] = [];
    const p = (v: unknown): string => `$${params.push(v)}`;
    const where: string[] = [];
    if (n.keyed) {
      const keys: string[] = [];
      if (n.patientKey !== null) keys.push(`patient_key = ${p(n.patientKey)}`);
      if (n.patientDigits !== null) keys.push(`patient_digits = ${p(n.patientDigits)}`);
      if (n.accessionKeys.length > 0) keys.push(`accession_key = ANY(${p(n.accessionKeys)}::text[])`);
      if (n.accessionBlockKeys.length > 0) keys.push(`accession_block_keys && ${p(n.accessionBlockKeys)}::text[]`);
      if (keys.length === 0) return [];
      where.push(`(${keys.join(' OR ')})`);
    }
    const range: string[] = [];
    if (n.fromDate !== null) range.push(`exam_date >= ${p(n.fromDate)}::date`);
    if (n.toDate !== null) range.push(`exam_date <= ${p(n.toDate)}::date`);
    if (range.length > 0) where.push(n.includeUndated ? `((${range.join(' AND ')}) OR exam_date IS NULL)` : range.join(' AND '));
    return payloads<T>(`SELECT payload FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${order} COLLATE "C"`, params);
  };

  const subjectWhere = (q: SubjectQuery & { status?: string; state?: string }, params: unknown[]): string => {
    const where: string[] = [];
    if (q.state !== undefined) where.push(`state = $${params.push(q.state)}`);
    if (q.studyInstanceUid !== undefined) where.push(`study_instance_uid = $${params.push(q.studyInstanceUid)}`);
    if (q.reportId !== undefined) where.push(`report_id = $${params.push(q.reportId)}`);
    if (q.status !== undefined) where.push(`status = $${params.push(q.status)}`);
    return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  };

  const inProcess = createKeyedMutex();
  const changed = async (text: string, params: unknown[]): Promise<boolean> =>
    (await client.query(text, params)).rows.length > 0;

  return {
    async migrate(): Promise<void> {
      // CREATE SCHEMA IF NOT EXISTS is not safe against itself in PostgreSQL (a concurrent twin fails on
      // pg_namespace's unique index), so it runs under the same advisory lock as the migrations.
      if (schema !== undefined) {
        await client.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
          await tx.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        });
      }
      for (const m of await loadMigrations()) {
        await client.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
          await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, name text NOT NULL)');
          const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
          if (done.rows.length > 0) return;
          await tx.exec(m.sql);
          await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        });
      }
    },

    putScan: (scan) => putScanRow(client, scan),
    putReport: (report) => putReportRow(client, report),

    async getScan(uid: string): Promise<Scan | undefined> {
      return (await payloads<Scan>('SELECT payload FROM studies WHERE study_instance_uid = $1', [uid]))[0];
    },

    async getReport(id: string): Promise<Report | undefined> {
      return (await payloads<Report>('SELECT payload FROM reports WHERE report_id = $1', [id]))[0];
    },

    findScanCandidates: (q) => candidates<Scan>('studies', 'study_instance_uid', q),
    findReportCandidates: (q) => candidates<Report>('reports', 'report_id', q),

    async putLink(link: Link): Promise<boolean> {
      return changed(
        `INSERT INTO links (study_instance_uid, report_id, payload) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (study_instance_uid, report_id) DO UPDATE SET payload = EXCLUDED.payload
         WHERE links.payload IS DISTINCT FROM EXCLUDED.payload
         RETURNING 1`,
        [link.studyInstanceUid, link.reportId, JSON.stringify(link)],
      );
    },

    listLinks(q: SubjectQuery = {}): Promise<Link[]> {
      const params: unknown[] = [];
      return payloads<Link>(`SELECT payload FROM links ${subjectWhere(q, params)} ORDER BY study_instance_uid COLLATE "C", report_id COLLATE "C"`, params);
    },

    async putCorrection(c: Correction): Promise<boolean> {
      return changed(
        `INSERT INTO corrections (id, study_instance_uid, report_id, payload) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (id) DO NOTHING RETURNING 1`,
        [c.id, c.studyInstanceUid ?? null, c.reportId ?? null, JSON.stringify(c)],
      );
    },

    listCorrections(q: CorrectionQuery = {}): Promise<Correction[]> {
      const params: unknown[] = [];
      let where = subjectWhere(q, params);
      if (q.value !== undefined) {
        const p = `$${params.push(q.value.toUpperCase())}`;
        where = `${where === '' ? 'WHERE' : `${where} AND`} (upper(payload->>'from') = ${p} OR upper(payload->>'to') = ${p})`;
      }
      return payloads<Correction>(`SELECT payload FROM corrections ${where} ORDER BY id COLLATE "C"`, params);
    },

    async appendAudit(e: AuditEntry): Promise<number> {
      const { rows } = await client.query<{ seq: string | number }>(
        `INSERT INTO audit_log (at, correction_id, study_instance_uid, report_id, action, actor, payload)
         VALUES ($1::timestamptz, $2, $3, $4, $5, $6, $7::jsonb) RETURNING seq`,
        [e.at, e.correctionId ?? null, e.studyInstanceUid ?? null, e.reportId ?? null, e.action, e.actor, JSON.stringify(e)],
      );
      return Number(rows[0]?.seq);
    },

    async listAudit(q: AuditQuery = {}): Promise<AuditRecord[]> {
      const params: unknown[] = [];
      const where: string[] = [];
      if (q.correctionId !== undefined) where.push(`a.correction_id = $${params.push(q.correctionId)}`);
      for (const [col, v] of [['study_instance_uid', q.studyInstanceUid], ['report_id', q.reportId]] as const) {
        if (v === undefined) continue;
        const p = `$${params.push(v)}`;
        where.push(`(a.${col} = ${p} OR a.correction_id IN (SELECT id FROM corrections WHERE ${col} = ${p}))`);
      }
      if (q.actions !== undefined) where.push(`a.action = ANY($${params.push(q.actions)}::text[])`);
      if (q.afterSeq !== undefined) where.push(`a.seq > $${params.push(q.afterSeq)}`);
      if (q.since !== undefined) where.push(`a.at >= $${params.push(q.since)}::timestamptz`);
      const limit = q.limit === undefined ? '' : ` LIMIT $${params.push(q.limit)}`;
      const { rows } = await client.query<{ seq: string | number; payload: AuditEntry }>(
        `SELECT a.seq, a.payload FROM audit_log a ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.seq ${q.order === 'desc' ? 'DESC' : 'ASC'}${limit}`,
        params,
      );
      return rows.map((r) => ({ ...r.payload, seq: Number(r.seq) }));
    },

    async putReviewItem(item: ReviewItem): Promise<boolean> {
      return changed(
        `INSERT INTO review_items (subject_key, study_instance_uid, report_id, status, state, payload)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)
         ON CONFLICT (subject_key) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state, payload = EXCLUDED.payload
         WHERE review_items.payload IS DISTINCT FROM EXCLUDED.payload
         RETURNING 1`,
        [reviewKey(item), item.studyInstanceUid ?? null, item.reportId ?? null, item.status, item.state ?? 'open', JSON.stringify(item)],
      );
    },

    listReviewItems(q: ReviewQuery = {}): Promise<ReviewItem[]> {
      const params: unknown[] = [];
      return payloads<ReviewItem>(`SELECT payload FROM review_items ${subjectWhere(q, params)} ORDER BY subject_key COLLATE "C"`, params);
    },

    recordInbound: (m) => recordInboundRow(client, m),
    addPending: (job) => addPendingRow(client, job),
    storeMessage: (m) => client.transaction(async (tx) => {
      for (const r of m.reports) await putReportRow(tx, r);
      for (const j of m.pending) await addPendingRow(tx, j);
      return recordInboundRow(tx, m.inbound);
    }),
    async removePending(queue: string, jobId: string): Promise<void> {
      await client.query('DELETE FROM pending_jobs WHERE queue = $1 AND job_id = $2', [queue, jobId]);
    },
    listPending: () => payloads<PendingJob>('SELECT payload FROM pending_jobs ORDER BY seq', []),

    async recordDelivery(key: string, result: DeliveryResult, at: string): Promise<void> {
      await client.query(
        'INSERT INTO deliveries (delivery_key, at, payload) VALUES ($1, $2::timestamptz, $3::jsonb) ON CONFLICT (delivery_key) DO NOTHING',
        [key, at, JSON.stringify(result)],
      );
    },
    async getDelivery(key: string): Promise<DeliveryResult | undefined> {
      return (await payloads<DeliveryResult>('SELECT payload FROM deliveries WHERE delivery_key = $1', [key]))[0];
    },

    async getCheckpoint(name: string): Promise<string | undefined> {
      return (await client.query<{ value: string }>('SELECT value FROM checkpoints WHERE name = $1', [name])).rows[0]?.value;
    },
    async putCheckpoint(name: string, value: string): Promise<void> {
      await client.query(
        'INSERT INTO checkpoints (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value',
        [name, value],
      );
    },

    withLock: options.locks === 'in-process'
      ? inProcess
      : (key, fn) => client.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`acclink:${key}`]);
        return fn();
      }),

    close: () => client.close(),
  };
}
