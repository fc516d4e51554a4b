/**
 * Fault: `acclink worker` is killed with SIGKILL while deliveries are in flight, on the production setup
 * (PostgreSQL store, BullMQ on Redis, a slow RIS/PACS peer over MLLP). A second worker finishes the work:
 * every correction reaches the PACS, nothing is lost, and nothing is sent twice except the one message
 * that may have been on the wire when the process died (at-least-once; the peer sees the same MSH-10).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRisPeer, type RisPeer } from '../../src/channels/sinks/ris-peer.ts';
import { ingestRecords } from '../../src/engine/ingest.ts';
import type { Store } from '../../src/model/store.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { createBullmqQueue } from '../../src/queue/bullmq.ts';
import { createPostgresStore } from '../../src/store/postgres.ts';
import { until } from '../support/until.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `kill_${process.pid}_${Date.now().toString(36)}`;
const PAIRS = 12;
const BIN = path.resolve(import.meta.dirname, '../../bin/acclink.js');

const pair = (k: number): { scan: Scan; report: Report } => {
  // The study's accession has a keying error in its last digit; no value is shared across pairs.
  const acc = `ACC${5000 + k}1`;
  const typo = `ACC${5000 + k}7`;
  const patient = { id: `MRN${9100 + k}`, name: { family: `ZZKILL${k}`, given: 'TEST' }, birthDate: '1970-01-0' + String(1 + (k % 9)), sex: 'F' as const };
  return {
    scan: { studyInstanceUid: `1.2.826.0.1.3680043.77.${k}`, accession: typo, patient, studyDateTime: '2026-03-02T09:00:00', modalities: ['CT'], bodyParts: ['CHEST'], studyDescription: 'CT CHEST', seriesDescriptions: [], seriesCount: 1, instanceCount: 50, sources: [] },
    report: { reportId: `RK${k}`, kind: 'report', accession: acc, patient, examDateTime: '2026-03-02T09:00:00', procedureText: 'CT CHEST', modality: 'CT', text: 'IMPRESSION: normal.', sources: [{ kind: 'hl7', path: 'mllp:x' }] },
  };
};

function startWorker(config: string, lines: string[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'worker', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ACCLINK_LOG_LEVEL: 'error' } });
  child.stdout?.on('data', (b: Buffer) => lines.push(...b.toString('utf8').split('\n').filter(Boolean)));
  child.stderr?.on('data', (b: Buffer) => lines.push(...b.toString('utf8').split('\n').filter(Boolean)));
  return child;
}


const exited = (c: ChildProcess): Promise<number | null> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve(c.exitCode) : new Promise((r) => c.once('exit', (code) => r(code)));

describe('kill -9 of a worker mid-delivery', () => {
  let dir: string;
  let peer: RisPeer;
  let store: Store;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'acclink-kill-'));
    peer = await startRisPeer(0, { delayMs: 150 });
    store = createPostgresStore({ connectionString: DATABASE_URL, schema: run, max: 2 });
    await store.migrate();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await peer.close();
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${run} CASCADE`).catch(() => undefined);
    await admin.end();
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes every correction after a restart; at most the in-flight message is sent again', async () => {
    const config = path.join(dir, 'acclink.yaml');
    await writeFile(config, [
      'engine:',
      `  database: { url: "${DATABASE_URL}", schema: ${run} }`,
      `  redis: { url: "${REDIS_URL}", prefix: ${run}, lockDurationMs: 2000 }`,
      `  destinations: { pacs: { mllp: { host: 127.0.0.1, port: ${peer.port}, timeoutMs: 5000 } } }`,
      '  sweepIntervalMs: 500',
      '',
    ].join('\n'));
    const queue = createBullmqQueue({ url: REDIS_URL, prefix: run });
    const pairs = Array.from({ length: PAIRS }, (_, k) => pair(k));
    await ingestRecords({ store, queue }, { scans: pairs.map((p) => p.scan), reports: [] });
    await ingestRecords({ store, queue }, { scans: [], reports: pairs.map((p) => p.report) });
    await queue.close();

    const lines: string[] = [];
    const first = startWorker(config, lines);
    children.push(first);
    await until(() => peer.received.length >= 3, 'the first deliveries');
    first.kill('SIGKILL');
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    const atKill = peer.received.length;
    expect(atKill).toBeLessThan(PAIRS);
    expect((await store.listPending()).length).toBeGreaterThan(0);

    const second = startWorker(config, lines);
    children.push(second);
    await until(async () => (await store.listAudit({ actions: ['delivered'] })).length >= PAIRS, 'every delivery', 60_000);
    await until(async () => (await store.listPending()).length === 0, 'the outbox to drain');
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);

    const controlIds = peer.received.map((m) => m.split('\r')[0]?.split('|')[9] ?? '');
    const distinct = new Set(controlIds);
    const corrections = await store.listCorrections();
    expect(corrections).toHaveLength(PAIRS);
    expect(distinct.size).toBe(PAIRS);
    expect([...distinct].sort()).toEqual(corrections.map((c) => c.id.slice(0, 20)).sort());
    expect(peer.received.length - distinct.size).toBeLessThanOrEqual(1);
    for (const c of corrections) {
      expect((await store.listAudit({ correctionId: c.id, actions: ['decided'] })).length).toBe(1);
    }
    expect(lines.some((l) => l.startsWith('acclink worker stopped:'))).toBe(true);
    expect(lines.join('\n')).not.toContain('ZZKILL');
  }, 120_000);
});
