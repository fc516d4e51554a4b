import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { Client } from 'fhir-kit-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createResourceReader } from '../../src/channels/fhir/client.ts';
import { fhirInbound } from '../../src/channels/fhir/inbound.ts';
import type { FhirInboundOptions } from '../../src/channels/fhir/inbound.ts';
import type { FhirIngestBatch } from '../../src/channels/fhir/records.ts';
import { startFhirServer } from '../support/fhir-server.ts';
import type { TestFhirServer } from '../support/fhir-server.ts';
import { diagnosticReport, FHIR_PHI, imagingStudy, patient, serviceRequest } from './resources.ts';

const FHIR = { 'content-type': 'application/fhir+json' };
const UID = '1.2.826.0.1.3680043.8.498.77';

interface Setup {
  app: FastifyInstance;
  batches: FhirIngestBatch[];
  logs: string[];
}

const apps: FastifyInstance[] = [];
const servers: TestFhirServer[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  for (const s of servers.splice(0)) await s.stop();
});

/** A host app with the plugin under `/fhir`, logging everything (trace) into `logs`. */
async function setup(opts: Partial<FhirInboundOptions> = {}): Promise<Setup> {
  const batches: FhirIngestBatch[] = [];
  const logs: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => { logs.push(chunk.toString()); done(); } });
  const app = Fastify({ logger: { level: 'trace', stream } });
  await app.register(fhirInbound({ ingest: (b) => { batches.push(b); return Promise.resolve(); }, ...opts }), { prefix: '/fhir' });
  apps.push(app);
  return { app, batches, logs };
}

interface Outcome { resourceType: string; issue: { severity: string; code: string; diagnostics: string; expression?: string[]; details?: { coding: { code: string }[] } }[] }

const ISSUE_TYPES = new Set(['invalid', 'structure', 'required', 'value', 'not-supported', 'too-long', 'not-found', 'processing', 'transient', 'exception', 'informational']);

function expectOutcome(body: string, code: string): Outcome {
  const o = JSON.parse(body) as Outcome;
  expect(o.resourceType).toBe('OperationOutcome');
  for (const i of o.issue) expect(ISSUE_TYPES.has(i.code)).toBe(true);
  expect(o.issue.map((i) => i.code)).toContain(code);
  for (const v of Object.values(FHIR_PHI)) expect(body).not.toContain(v);
  return o;
}

describe('FHIR inbound: single resources', () => {
  it('POST /ImagingStudy → 201 only after ingest resolved, with the study as a Scan', async () => {
    let release: () => void = () => undefined;
    const stored: FhirIngestBatch[] = [];
    const { app } = await setup({
      ingest: (b) => new Promise<void>((resolve) => { release = () => { stored.push(b); resolve(); }; }),
    });
    let answered = false;
    const pending = app.inject({ method: 'POST', url: '/fhir/ImagingStudy', headers: FHIR, payload: imagingStudy(UID, 'ACC77', { id: 's77' }) })
      .then((r) => { answered = true; return r; });
    for (let i = 0; i < 20 && stored.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    release();
    const res = await pending;
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expectOutcome(res.body, 'informational');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.scans.map((s) => [s.studyInstanceUid, s.accession, s.fhirId, s.sources[0]?.path])).toEqual([[UID, 'ACC77', 's77', 'fhir-inbound']]);
  });

  it('PUT /DiagnosticReport/<id> → 200 with a Report; POST /ServiceRequest as application/json → 201', async () => {
    const { app, batches } = await setup();
    const put = await app.inject({ method: 'PUT', url: '/fhir/DiagnosticReport/r1', headers: FHIR, payload: diagnosticReport('r1', 'ACC1') });
    expect(put.statusCode).toBe(200);
    const post = await app.inject({ method: 'POST', url: '/fhir/ServiceRequest', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: serviceRequest('o1', 'ACC2') });
    expect(post.statusCode).toBe(201);
    expect(batches.map((b) => b.reports.map((r) => [r.reportId, r.kind, r.accession]))).toEqual([[['r1', 'report', 'ACC1']], [['o1', 'order', 'ACC2']]]);
  });

  it('refuses malformed JSON, a wrong resourceType, a mismatched id and an unreadable resource, storing nothing', async () => {
    const { app, batches } = await setup();
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/fhir/ImagingStudy', `{"resourceType":"ImagingStudy","subject":{"display":"${FHIR_PHI.family}"`, 400, 'structure'],
      ['POST', '/fhir/ImagingStudy', patient(), 400, 'invalid'],
      ['POST', '/fhir/ImagingStudy', [imagingStudy(UID)], 400, 'invalid'],
      ['PUT', '/fhir/DiagnosticReport/r2', diagnosticReport('r1', 'ACC1'), 400, 'invalid'],
      ['POST', '/fhir/ImagingStudy', { ...imagingStudy(UID), identifier: [{ value: FHIR_PHI.mrn }] }, 422, 'required'],
      ['POST', '/fhir/ImagingStudy', '', 400, 'structure'],
    ];
    for (const [method, url, payload, status, code] of cases) {
      const res = await app.inject({ method: method as 'POST', url, headers: FHIR, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
      expect([url, res.statusCode]).toEqual([url, status]);
      expectOutcome(res.body, code);
    }
    const unreadable = expectOutcome((await app.inject({ method: 'POST', url: '/fhir/ImagingStudy', headers: FHIR, payload: { ...imagingStudy(UID), identifier: [] } })).body, 'required');
    expect(unreadable.issue[0]?.details?.coding[0]?.code).toBe('FHIR_MISSING_FIELD');
    expect(batches).toEqual([]);
  });

  it('answers 415, 404 and 413 as OperationOutcomes', async () => {
    const { app } = await setup({ bodyLimitBytes: 2048 });
    const text = await app.inject({ method: 'POST', url: '/fhir/ImagingStudy', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expectOutcome(text.body, 'not-supported');
    const other = await app.inject({ method: 'POST', url: '/fhir/Observation', headers: FHIR, payload: { resourceType: 'Observation' } });
    expect(other.statusCode).toBe(404);
    expectOutcome(other.body, 'not-supported');
    const big = await app.inject({ method: 'POST', url: '/fhir/ImagingStudy', headers: FHIR, payload: { ...imagingStudy(UID), description: 'x'.repeat(4096) } });
    expect(big.statusCode).toBe(413);
    expectOutcome(big.body, 'too-long');
  });

  it('ingest failure → 503 transient; neither the error text nor the body reaches the answer or the log', async () => {
    const { app, logs } = await setup({ ingest: () => Promise.reject(new Error(`duplicate key (patient_id)=(${FHIR_PHI.mrn})`)) });
    const res = await app.inject({ method: 'POST', url: '/fhir/ImagingStudy', headers: FHIR, payload: imagingStudy(UID, 'ACC1') });
    expect(res.statusCode).toBe(503);
    expectOutcome(res.body, 'transient');
    await app.inject({ method: 'POST', url: '/fhir/ImagingStudy', headers: FHIR, payload: `{"broken": "${FHIR_PHI.given}` });
    const all = logs.join('');
    expect(all).toContain('ingest failed');
    for (const v of [...Object.values(FHIR_PHI), 'ACC1', UID]) expect(all).not.toContain(v);
  });
});

describe('FHIR inbound: Bundles', () => {
  it('a transaction Bundle → transaction-response, references resolved, the DELETE entry ignored with a warning', async () => {
    const { app, batches } = await setup();
    const payload = readFileSync(new URL('../fixtures/fhir/transaction-bundle.json', import.meta.url), 'utf8');
    const res = await app.inject({ method: 'POST', url: '/fhir', headers: FHIR, payload });
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as { type: string; entry: { response: { status: string; outcome?: unknown } }[] };
    expect(body.type).toBe('transaction-response');
    expect(body.entry.map((e) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created', '201 Created', '200 OK']);
    expect(body.entry[4]?.response.outcome).toBeDefined();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.scans.map((s) => s.patient.name?.family)).toEqual(['Example']);
    expect(batches[0]?.reports.map((r) => [r.reportId, r.accession])).toEqual([['FO-9', 'ACC9009'], ['RPT-9', 'ACC9009']]);
  });

  it('a collection with an unsupported type → 200 with a warning; one unreadable entry refuses the whole batch (422)', async () => {
    const { app, batches } = await setup();
    const collection = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Observation', status: 'final' } }, { resource: imagingStudy(UID, 'ACC1') }] };
    const ok = await app.inject({ method: 'POST', url: '/fhir/', headers: FHIR, payload: collection });
    expect(ok.statusCode).toBe(200);
    const o = expectOutcome(ok.body, 'informational');
    expect(o.issue.find((i) => i.severity === 'warning')?.expression).toEqual(['Bundle.entry[0].resource']);
    expect(batches.map((b) => b.scans.length)).toEqual([1]);

    const batch = { resourceType: 'Bundle', type: 'batch', entry: [
      { resource: serviceRequest('o1', 'ACC1'), request: { method: 'PUT', url: 'ServiceRequest/o1' } },
      { resource: { ...imagingStudy(UID), identifier: [] }, request: { method: 'POST', url: 'ImagingStudy' } },
    ] };
    const refused = await app.inject({ method: 'POST', url: '/fhir', headers: FHIR, payload: batch });
    expect(refused.statusCode).toBe(422);
    expect(expectOutcome(refused.body, 'required').issue[0]?.expression).toEqual(['Bundle.entry[1].resource']);
    expect(batches).toHaveLength(1);

    const searchset = await app.inject({ method: 'POST', url: '/fhir', headers: FHIR, payload: { resourceType: 'Bundle', type: 'searchset' } });
    expect(searchset.statusCode).toBe(422);
    expect((await app.inject({ method: 'POST', url: '/fhir', headers: FHIR, payload: imagingStudy(UID) })).statusCode).toBe(400);
  });
});

function r5Notification(type: string, entries: unknown[], focus: string[] = []): Record<string, unknown> {
  return {
    resourceType: 'Bundle', type: 'subscription-notification',
    entry: [
      { resource: { resourceType: 'SubscriptionStatus', status: 'active', type, notificationEvent: focus.map((f, i) => ({ eventNumber: String(i + 1), focus: { reference: f } })) } },
      ...entries,
    ],
  };
}

describe('FHIR inbound: Subscription notifications', () => {
  it('R5 full-resource event → ingested; handshake and heartbeat → 200, nothing ingested', async () => {
    const { app, batches } = await setup();
    const hs = await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload: r5Notification('handshake', []) });
    expect(hs.statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload: r5Notification('heartbeat', []) })).statusCode).toBe(200);
    const event = r5Notification('event-notification', [
      { fullUrl: 'https://ris.example/fhir/ImagingStudy/s1', resource: imagingStudy(UID, 'ACC1', { id: 's1' }), request: { method: 'PUT', url: 'ImagingStudy/s1' } },
      { fullUrl: 'https://ris.example/fhir/Patient/p1', resource: patient() },
    ], ['https://ris.example/fhir/ImagingStudy/s1']);
    const res = await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload: event });
    expect(res.statusCode).toBe(200);
    expect(batches.map((b) => b.scans.map((s) => [s.accession, s.patient.id]))).toEqual([[['ACC1', FHIR_PHI.mrn]]]);
  });

  it('R4 backport history notification with a Parameters status → ingested', async () => {
    const { app, batches } = await setup();
    const payload = {
      resourceType: 'Bundle', type: 'history',
      entry: [
        { resource: { resourceType: 'Parameters', parameter: [{ name: 'type', valueCode: 'event-notification' }, { name: 'notification-event', part: [{ name: 'focus', valueReference: { reference: 'DiagnosticReport/r1' } }] }] } },
        { fullUrl: 'http://ris.example/fhir/DiagnosticReport/r1', resource: diagnosticReport('r1', 'ACC5'), request: { method: 'PUT', url: 'DiagnosticReport/r1' } },
      ],
    };
    const res = await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload });
    expect(res.statusCode).toBe(200);
    expect(batches.map((b) => b.reports.map((r) => r.accession))).toEqual([['ACC5']]);
  });

  it('id-only and empty payloads → 422 asking for full resources; not a notification → 400', async () => {
    const { app, batches } = await setup();
    const idOnly = r5Notification('event-notification', [{ fullUrl: 'https://ris.example/fhir/ImagingStudy/s1', request: { method: 'PUT', url: 'ImagingStudy/s1' } }]);
    const res = await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload: idOnly });
    expect(res.statusCode).toBe(422);
    expect(expectOutcome(res.body, 'not-supported').issue[0]?.diagnostics).toMatch(/full-resource/);
    const empty = r5Notification('event-notification', []);
    (empty['entry'] as { resource: { notificationEvent: unknown[] } }[]).forEach((e) => { e.resource.notificationEvent = [{ eventNumber: '7' }]; });
    expect((await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload: empty })).statusCode).toBe(422);
    const notOne = await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload: { resourceType: 'Bundle', type: 'collection' } });
    expect(notOne.statusCode).toBe(400);
    expect(batches).toEqual([]);
  });

  it('id-only payloads are read from the FHIR server with an injected reader (deleted ones skipped, foreign hosts refused)', async () => {
    const server = await startFhirServer({ token: 'tok' });
    servers.push(server);
    const study = await server.repo.createResource(imagingStudy(UID, 'ACC3'));
    const { app, batches } = await setup({ fetchResource: createResourceReader({ baseUrl: server.baseUrl, token: 'tok' }) });
    const payload = r5Notification('event-notification', [
      { fullUrl: `${server.baseUrl}/ImagingStudy/${study.id}`, request: { method: 'PUT', url: `ImagingStudy/${study.id}` } },
    ], [`${server.baseUrl}/ImagingStudy/${study.id}`, 'ServiceRequest/gone']);
    const res = await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload });
    expect(res.statusCode).toBe(200);
    expect(batches.map((b) => b.scans.map((s) => s.accession))).toEqual([['ACC3']]);
    expect(server.requests().map((r) => r.path)).toEqual([`/ImagingStudy/${study.id}`, '/ServiceRequest/gone']);

    const foreign = r5Notification('event-notification', [{ fullUrl: 'https://evil.example/fhir/ImagingStudy/s1' }]);
    const refused = await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload: foreign });
    expect(refused.statusCode).toBe(422);
    server.failNext(503, 1);
    const down = await app.inject({ method: 'POST', url: '/fhir/subscription-hook', headers: FHIR, payload });
    expect(down.statusCode).toBe(503);
    expect(server.requests()).toHaveLength(3);
  });
});

describe('FHIR inbound over a real socket', () => {
  it('a FHIR client creates a study and posts a transaction; the host app keeps its own JSON parsing', async () => {
    const { app, batches } = await setup();
    app.post('/other', (req) => ({ echoed: req.body }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const client = new Client({ baseUrl: `http://127.0.0.1:${address.port}/fhir` });
    const created = await client.create({ resourceType: 'ImagingStudy', body: { ...imagingStudy(UID, 'ACC8') } });
    expect(created.resourceType).toBe('OperationOutcome');
    const tx = await client.transaction({ body: { resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: serviceRequest('o9', 'ACC9'), request: { method: 'POST', url: 'ServiceRequest' } },
    ] } });
    expect(tx['type']).toBe('transaction-response');
    expect(batches.map((b) => [b.scans.map((s) => s.accession), b.reports.map((r) => r.accession)])).toEqual([[['ACC8'], []], [[], ['ACC9']]]);
    const other = await fetch(`http://127.0.0.1:${address.port}/other`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await other.json()).toEqual({ echoed: { a: 1 } });
  });
});
