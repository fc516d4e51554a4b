/**
 * End to end (issue 3): a synthetic hospital fed to `acclink serve` through real peers. Its DICOM goes to
 * Orthanc (half with dcmtk storescu, half over REST) and reaches the engine through the Orthanc poller; its
 * ImagingStudies are PUT on a FHIR server and reach it through the FHIR poller; its ORUs are sent over MLLP
 * by python-hl7's mllp_send. Corrections go back to Orthanc (modify), to RIS and PACS MLLP peers, and to
 * the FHIR server (JSON Patch). Every expectation comes from truth.json and the files as written, never
 * from what the engine did.
 *
 * Arrival order: all images, then the ImagingStudies (a site registers them when images are archived),
 * then the reports one at a time in MSH-7 order, each settled before the next. The engine plans a FHIR
 * patch only for studies whose ImagingStudy it already holds when it decides, so the FHIR step comes
 * before the reports. State: PostgreSQL in a throw-away schema (read by the test while the engine runs),
 * the in-process queue. ACCLINK_E2E_SEED / ACCLINK_E2E_PATIENTS pick another hospital.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/channels/mllp/framing.ts';
import { startRisPeer, type RisPeer } from '../../src/channels/sinks/ris-peer.ts';
import type { AuditRecord, Store } from '../../src/model/store.ts';
import { createPostgresStore } from '../../src/store/postgres.ts';
import { startFhirServer, type TestFhirServer } from '../support/fhir-server.ts';
import { startOrthanc, storeFiles, storescuFiles, type RunningOrthanc } from '../support/orthanc.ts';
import { checkArchive, checkAudit, checkFhir, checkFindscu, checkPeers, checkPhi, FLOOR, lastCorrection } from './checks.ts';
import { expectations, readHospital, synthesizeHospital, type Hospital } from './hospital.ts';
import { allStable, lastChange, putResources, readArchive, readImagingStudies, readReceived } from './peers.ts';
import { startServe, type ServeProcess } from './serve-process.ts';
import { count, formatTable, judgeAll, type Place } from './verdicts.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MLLP_SEND = '/usr/bin/mllp_send';
/** A small hospital keeps the Orthanc upload and the run to seconds; override to try others. */
const SEED = Number(process.env.ACCLINK_E2E_SEED ?? 7);
const PATIENTS = Number(process.env.ACCLINK_E2E_PATIENTS ?? 15);
const TOKEN = 'e2e-engine-token-0123456789';
const run = promisify(execFile);
const schema = `e2e_${process.pid}_${Date.now().toString(36)}`;

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('acclink serve end to end against Orthanc, a FHIR server and MLLP peers', () => {
  let dir: string;
  let h: Hospital;
  let orthanc: RunningOrthanc | undefined;
  let fhir: TestFhirServer | undefined;
  let ris: RisPeer | undefined;
  let pacs: RisPeer | undefined;
  let store: Store | undefined;
  let serve: ServeProcess | undefined;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });

  beforeAll(async () => {
    if (!existsSync(MLLP_SEND)) throw new Error('mllp_send not found: install python3-hl7 (apt-get install python3-hl7)');
    dir = await mkdtemp(path.join(tmpdir(), 'acclink-e2e-engine-'));
    await synthesizeHospital(path.join(dir, 'hospital'), SEED, PATIENTS);
    h = await readHospital(path.join(dir, 'hospital'));
    [orthanc, fhir, ris, pacs] = await Promise.all([startOrthanc(), startFhirServer(), startRisPeer(0), startRisPeer(0)]);
    store = createPostgresStore({ connectionString: DATABASE_URL, schema, max: 2 });
    await store.migrate();
    const config = path.join(dir, 'acclink.yaml');
    await writeFile(config, [
      'engine:',
      `  database: { url: "${DATABASE_URL}", schema: ${schema} }`,
      '  mllp: { host: 127.0.0.1, port: 0 }',
      '  http: { host: 127.0.0.1, port: 0, tokens: ["${E2E_API_TOKEN}"] }',
      '  destinations:',
      `    pacs: { mllp: { host: 127.0.0.1, port: ${pacs.port}, timeoutMs: 5000 } }`,
      `    ris: { mllp: { host: 127.0.0.1, port: ${ris.port}, timeoutMs: 5000 } }`,
      `    fhir: { baseUrl: "${fhir.baseUrl}" }`,
      `    archive: { orthanc: { url: "${orthanc.url}" } }`,
      '  sources:',
      `    orthanc: { url: "${orthanc.url}", intervalMs: 200 }`,
      `    fhir: { baseUrl: "${fhir.baseUrl}", intervalMs: 300 }`,
      '  sweepIntervalMs: 1000',
      '',
    ].join('\n'));
    // Info level: every log line the engine writes is checked for names below.
    serve = await startServe(config, { E2E_API_TOKEN: TOKEN, ACCLINK_LOG_LEVEL: 'info' }, ['REDIS_URL', 'DATABASE_URL']);
  });

  afterAll(async () => {
    await serve?.stop();
    await Promise.all([orthanc?.stop(), fhir?.stop(), ris?.close(), pacs?.close()]);
    await store?.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** True once nothing is left to do: no pending job, every archive and FHIR change read back. */
  async function quiet(): Promise<boolean> {
    if (!store || !orthanc || !fhir) return false;
    if ((await store.listPending()).length > 0 || !(await allStable(orthanc.url))) return false;
    if (Number((await store.getCheckpoint(`orthanc:${orthanc.url}`)) ?? 0) < (await lastChange(orthanc.url))) return false;
    const marks = JSON.parse((await store.getCheckpoint(`fhir:${fhir.baseUrl}`)) ?? '{}') as { ImagingStudy?: { at: string } };
    const newest = Math.max(0, ...[...(await readImagingStudies(fhir)).values()].map((s) => Date.parse(s.lastUpdated)));
    return newest === 0 || Date.parse(marks.ImagingStudy?.at ?? '1970-01-01T00:00:00Z') >= newest;
  }

  it('corrects every injected error where it lives, changes nothing else, and audits every correction', async () => {
    if (!store || !orthanc || !fhir || !ris || !pacs || !serve) throw new Error('setup failed');
    const db = store;
    const uids = [...h.studies.keys()];
    const expected = expectations(h);

    // 1. Images: half by C-STORE, half over REST; the Orthanc poller stores each study once it is stable.
    const files = [...h.studies.values()].flatMap((s) => s.files);
    const half = Math.ceil(files.length / 2);
    await storescuFiles(orthanc.aet, orthanc.dicomPort, files.slice(0, half));
    await storeFiles(orthanc.url, files.slice(half));
    await until('every study stored from the archive', async () => (await Promise.all(uids.map((u) => db.getScan(u)))).every((s) => s !== undefined));

    // 2. The ImagingStudies (and their Patients) are registered; the FHIR poller lends each stored study its id.
    const registered = h.fhir.filter((r) => r.resourceType === 'ImagingStudy');
    await putResources(fhir.baseUrl, [...h.fhir.filter((r) => r.resourceType === 'Patient'), ...registered]);
    const before = await readImagingStudies(fhir);
    expect(before.size).toBe(registered.length);
    await until('every ImagingStudy merged into its stored study', async () =>
      (await Promise.all([...before.keys()].map((u) => db.getScan(u)))).every((s) => s?.fhirId !== undefined));

    // 3. The reports and orders in the order they were sent (MSH-7), over MLLP from an independent sender.
    // One at a time, each settled before the next, as reports arrive hours apart: the linker sees only
    // what has arrived so far, and the run is the same on every machine.
    let acks = 0;
    for (const [i, m] of [...h.messages].sort((a, b) => a.sentAt - b.sentAt || a.reportId.localeCompare(b.reportId)).entries()) {
      const framed = path.join(dir, `feed-${i}.mllp`);
      await writeFile(framed, encodeFrame(m.text));
      const { stdout } = await run(MLLP_SEND, ['--file', framed, '--port', String(serve.mllpPort), '127.0.0.1'], { timeout: 30_000 });
      acks += stdout.split(/[\r\n]+/).filter((l) => l.startsWith('MSA|AA|')).length;
      await until(`message ${i} to settle`, quiet);
    }
    expect(acks).toBe(h.messages.length);

    // 4. Wait until the engine has nothing left to do, twice in a row.
    await until('the engine to settle', async () => {
      if (!(await quiet())) return false;
      await new Promise((r) => setTimeout(r, 600));
      return quiet();
    }, 60_000);

    // Read back every place.
    const archive = await readArchive(orthanc.url);
    const studiesNow = await readImagingStudies(fhir);
    const risMessages = ris.received.map(readReceived);
    const pacsMessages = pacs.received.map(readReceived);
    const corrections = await db.listCorrections();
    const audits = new Map<string, AuditRecord[]>();
    for (const c of corrections) {
      const res = await fetch(`http://127.0.0.1:${serve.httpPort}/api/corrections/${c.id}/audit`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      audits.set(c.id, ((await res.json()) as { entries: AuditRecord[] }).entries);
    }
    const unauthorized = await fetch(`http://127.0.0.1:${serve.httpPort}/api/corrections/${corrections[0]?.id ?? 'x'}/audit`);
    expect(unauthorized.status).toBe(401);
    const review = await db.listReviewItems({ state: 'open' });
    const pending = await db.listPending();

    // 5. Stop gracefully: exit code 0 and the summary line.
    const stopped = await serve.stop();
    const { stdout, stderr } = serve.output();
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(serve.startLine).toMatch(/^acclink serve: MLLP on 127\.0\.0\.1:\d+; store PostgreSQL; queue in process; destinations pacs, ris, fhir, archive; HTTP on 127\.0\.0\.1:\d+$/);
    const summary = stdout.split('\n').find((l) => l.startsWith('acclink serve stopped:')) ?? '';

    // What each place holds now, per record.
    const finals: Record<Place, Map<string, string>> = {
      archive: new Map([...archive].map(([u, s]) => [u, s.fileAccessions[0] ?? ''])),
      fhir: new Map([...studiesNow].map(([u, s]) => [u, s.accession])),
      ris: new Map(h.truth.reports.map((r) => [r.reportId, lastCorrection(risMessages, r.reportId) ?? expected.find((e) => e.target === 'report' && e.id === r.reportId)?.observed ?? ''])),
    };
    const judged = judgeAll(expected, finals);
    process.stdout.write(`\nend-to-end engine, seed ${SEED}, ${PATIENTS} patients: ${uids.length} studies, ${h.messages.length} messages, ${corrections.length} corrections, ${review.length} open review items; `
      + `${`${stdout}\n${stderr}`.split('\n').filter(Boolean).length} lines of engine output checked for ${h.names.size} names\n${formatTable(judged)}\n`);

    // Nothing wrong anywhere: no record took a value other than its truth, and nothing changed that was not due.
    const bad = judged.filter((j) => j.verdict === 'wrong' || j.verdict === 'changed');
    const why = (id: string): string => corrections.filter((c) => c.studyInstanceUid === id || c.reportId === id)
      .map((c) => ` [${c.reason} p=${c.probability} linked to ${c.linkedTo}]`).join('');
    expect(bad.map((j) => `${j.e.category} ${j.e.target}@${j.place} ${j.e.id}: ${j.e.observed} -> ${j.final}, expected ${j.e.expected ?? 'minted'}${why(j.e.id)}`)).toEqual([]);
    // Cases a person must decide are left alone (and wait in review); the rest are corrected automatically.
    const auto = judged.filter((j) => !j.e.review);
    const totals = count(auto);
    expect(totals.corrected / totals.due).toBeGreaterThanOrEqual(FLOOR);
    for (const j of judged.filter((x) => x.e.review)) expect(j.verdict).toBe(j.e.mustChange ? 'left' : 'kept');
    const inReview = new Set(review.flatMap((i) => [i.studyInstanceUid, i.reportId, ...i.candidates.map((c) => c.id)]));
    for (const e of expected.filter((x) => x.review)) expect(inReview.has(e.id), `${e.target} ${e.id} waits in review`).toBe(true);
    checkArchive(h, archive, judged);
    await checkFindscu(orthanc, judged);
    checkFhir(before, studiesNow, judged);
    checkPeers(judged, risMessages, pacsMessages);
    checkAudit(judged, corrections, audits, studiesNow);
    expect(pending).toEqual([]);
    expect(summary).toContain(`messages in: ${h.messages.length} accepted, 0 duplicate, 0 rejected; corrections: ${corrections.length};`);
    expect(summary).toMatch(/, 0 dead;/);
    checkPhi(h, `${stdout}\n${stderr}`);
  }, 120_000);
});
