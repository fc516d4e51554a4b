/**
 * `acclink serve` with its HTTP side: FHIR inbound, the JSON API (bearer tokens), /health, /metrics, and
 * `acclink undo` against the running engine. Embedded defaults (PGlite in a temp folder), real sockets.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/server.ts';
import { sendMllp } from '../../src/channels/mllp/client.ts';
import { serveCommand } from '../../src/cli/serve.ts';
import { undoCommand } from '../../src/cli/undo.ts';
import { acsn } from '../fhir/resources.ts';
import { hashPassword } from '../../src/console/passwords.ts';

const TOKEN = 'test-token-0123456789abcdef';
const UID = '1.2.826.0.1.3680043.99.41';
const bundle = {
  resourceType: 'Bundle', type: 'transaction',
  entry: [
    { fullUrl: 'urn:uuid:p1', resource: { resourceType: 'Patient', identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, value: 'MRN4711' }], name: [{ family: 'ZZHTTP', given: ['ALICE'] }], birthDate: '1980-02-14', gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
    { fullUrl: 'urn:uuid:s1', resource: { resourceType: 'ImagingStudy', id: 'is-41', status: 'available', identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${UID}` }, acsn('ACC1000010')], subject: { reference: 'urn:uuid:p1' }, started: '2026-03-01T10:05:00Z', modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }], description: 'CT CHEST' }, request: { method: 'PUT', url: 'ImagingStudy/is-41' } },
  ],
};
const oru = 'MSH|^~\\&|RIS|HOSP|ACCLINK|HOSP|20260301113000||ORU^R01^ORU_R01|HTTP0001|P|2.5.1\r'
  + 'PID|1||MRN4711^^^HOSP^MR||ZZHTTP^ALICE||19800214|F\r'
  + 'OBR|1|PL1|FL41|CTCHEST^CT CHEST^L|||20260301100500|||||||||||ACC1000001||||20260301113000||CT|F\r'
  + 'OBX|1|TX|&GDT|1|IMPRESSION: No acute disease.||||||F\r';

async function until<T>(get: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('acclink serve over HTTP', () => {
  let dir: string;
  let stop = (): void => undefined;
  let running: Promise<number>;
  let server: RunningServer;
  let mllpPort = 0;
  const lines: string[] = [];
  const api = (p: string, init: RequestInit = {}, token: string | null = TOKEN): Promise<Response> =>
    fetch(`http://127.0.0.1:${server.http?.port ?? 0}${p}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) } });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'acclink-serve-http-'));
    const config = path.join(dir, 'acclink.yaml');
    const hash = await hashPassword('reviewer password 1');
    await writeFile(config, [
      'engine:',
      '  mllp: { port: 0 }',
      '  http: { port: 0, tokens: ["${ACCLINK_API_TOKEN}"], fhirInbound: true }',
      `  console: { secret: "\${CONSOLE_SECRET}", secureCookie: false, auth: { mode: local, users: [{ name: ana, role: reviewer, passwordHash: "${hash}" }] } }`,
      '',
    ].join('\n'));
    const until = new Promise<void>((resolve) => { stop = resolve; });
    let started: RunningServer | undefined;
    running = serveCommand(['--config', config, '--data', path.join(dir, 'db')], {
      until, env: { ACCLINK_API_TOKEN: TOKEN, CONSOLE_SECRET: 'console-secret-0123456789abcdef0123456789' }, write: (l) => lines.push(l),
      onListening: (port, s) => { mllpPort = port; started = s; },
    });
    server = await (async () => {
      for (let i = 0; i < 400 && !started; i++) await new Promise((r) => setTimeout(r, 25));
      if (!started) throw new Error(`serve did not start: ${lines.join('\n')}`);
      return started;
    })();
  });
  afterAll(async () => {
    stop();
    await running;
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the API without a token, and /health needs none', async () => {
    expect((await api('/api/review', {}, null)).status).toBe(401);
    expect((await api('/api/review', {}, 'wrong-token-0123456789')).status).toBe(401);
    const health = await api('/health', {}, null);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { database: { status: 'up' } } });
  });

  it('takes a FHIR ImagingStudy, links an ORU to it, corrects the study, and undoes it through acclink undo', async () => {
    const posted = await api('/fhir', { method: 'POST', body: JSON.stringify(bundle), headers: { 'content-type': 'application/fhir+json' } });
    expect(posted.status).toBeLessThan(300);
    expect((await server.store.getScan(UID))?.fhirId).toBe('is-41');
    expect((await sendMllp({ host: '127.0.0.1', port: mllpPort, timeoutMs: 5000, message: oru })).code).toBe('AA');
    const correction = await until(async () => (await server.store.listCorrections({ studyInstanceUid: UID }))[0], 'the correction');
    expect(correction).toMatchObject({ from: 'ACC1000010', to: 'ACC1000001' });
    const audit = await until(async () => {
      const r = await api(`/api/corrections/${correction.id}/audit`);
      const body = await r.json() as { entries: { action: string; result?: { destination?: string } }[] };
      return body.entries.some((e) => e.action === 'delivered') ? body.entries : undefined;
    }, 'the PACS delivery');
    // Recorded by the in-memory PACS sink; the study came from FHIR, but no FHIR destination is configured here.
    expect(audit.map((e) => [e.action, e.result?.destination])).toEqual(expect.arrayContaining([['planned', 'pacs'], ['delivered', 'pacs'], ['skipped', 'fhir'], ['skipped', 'archive']]));

    const out: string[] = [];
    const env = { ACCLINK_API_TOKEN: TOKEN };
    expect(await undoCommand([correction.id, '--url', `http://127.0.0.1:${server.http?.port ?? 0}`], { env, write: (l) => out.push(l) })).toBe(0);
    expect(out[0]).toMatch(/reverse [0-9a-f]+ of correction .* queued \(ACC1000001 → ACC1000010\)/);
    const reverted = (await server.store.listAudit({ correctionId: correction.id, actions: ['reverted'] }))[0];
    expect(reverted?.actor).toMatch(/^token:[0-9a-f]{8}$/);
    expect(await undoCommand(['00000000000000000000', '--url', `http://127.0.0.1:${server.http?.port ?? 0}`], { env, write: (l) => out.push(l) })).toBe(1);
    expect(out[1]).toContain('404 NOT_FOUND');
  });

  it('serves the review console with its own sign-in, not the API token', async () => {
    const page = await api('/console/', { redirect: 'manual' }, null);
    expect([302, 303]).toContain(page.status);
    expect(page.headers.get('location')).toMatch(/\/console\/login/);
    const login = await api('/console/login', {}, null);
    expect(login.status).toBe(200);
    expect(await login.text()).toMatch(/<form[^>]*method="post"/i);
    expect((await api('/api/review', {}, null)).status).toBe(401);
  });

  it('exposes Prometheus metrics with message and queue counts', async () => {
    expect((await api('/metrics', {}, null)).status).toBe(401);
    const text = await (await api('/metrics')).text();
    expect(text).toMatch(/acclink_messages_in_total\{[^}]*channel="mllp"[^}]*\} 1/);
    expect(text).toContain('acclink_queue_jobs');
    expect(text).toContain('acclink_ack_latency_seconds_bucket');
    expect(text).toMatch(/acclink_link_decisions_total\{status="mismatch"\} [1-9]/);
    expect(text).not.toContain('ZZHTTP');
  });

  it('prints no patient data', () => {
    expect(lines.join('\n')).not.toMatch(/ZZHTTP|MRN4711/);
  });
});
