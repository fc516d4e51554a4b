import { afterEach, describe, expect, it } from 'vitest';
import type { DiagnosticReport, ImagingStudy, ServiceRequest } from '@medplum/fhirtypes';
import { deliveryKey } from '../../model/sink.ts';
import type { DeliveryResult } from '../../model/sink.ts';
import { findAccessionIdentifier } from '../../transforms/fhir/codes.ts';
import type { JsonObject } from '../../transforms/fhir/json.ts';
import { startFhirServer } from '../../../test/support/fhir-server.ts';
import type { TestFhirServer, TestFhirServerOptions } from '../../../test/support/fhir-server.ts';
import { diagnosticReport, FHIR_PHI, imagingStudy, serviceRequest, updateMessage } from '../../../test/fhir/resources.ts';
import { CONTRACT_PHI, sinkContract } from './contract.ts';
import { createFhirSink, FHIR_RESOURCE_CHANGED, parseFhirUpdate } from './fhir.ts';
import { createMemoryLedger } from './ledger.ts';

/** Generous for a loaded CI host; only the timeout test uses a short one, on purpose. */
const TIMEOUT_MS = 5000;

sinkContract('fhir', async (ledger) => {
  const server = await startFhirServer();
  let n = 0;
  return {
    sink: createFhirSink({ baseUrl: server.baseUrl, ledger, timeoutMs: TIMEOUT_MS }),
    received: () => server.requests().filter((r) => r.method === 'PATCH').map((r) => r.path),
    answer: (code) => {
      if (code === 'AA') server.failNext(0, 0);
      else server.failNext(code === 'AE' ? 503 : 400, Infinity, 'PATCH');
    },
    message: async (correctionId, destination) => {
      n += 1;
      const study = await server.repo.createResource({
        ...imagingStudy(`1.2.826.0.1.3680043.8.498.${n}`, 'ACC-OLD'),
        subject: { reference: 'Patient/p1', display: `${CONTRACT_PHI.family}^${CONTRACT_PHI.given} ${CONTRACT_PHI.mrn}` },
      });
      return updateMessage(correctionId, `ImagingStudy/${study.id}`, 'ACC-OLD', 'ACC-NEW', destination);
    },
    hl7Acks: false,
    close: () => server.stop(),
  };
});

const servers: TestFhirServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function server(opts: TestFhirServerOptions = {}): Promise<TestFhirServer> {
  const s = await startFhirServer(opts);
  servers.push(s);
  return s;
}

/** The accession as the reader sees it. */
function accession(resource: object): string | undefined {
  return findAccessionIdentifier(resource as JsonObject)?.value;
}

async function accessionOf(s: TestFhirServer, type: string, id: string): Promise<string | undefined> {
  return accession(await s.repo.readResource(type, id));
}

function expectNoPhi(r: DeliveryResult): void {
  for (const v of [...Object.values(FHIR_PHI), 'ACC1', 'ACC2', 'OTHER']) expect(r.detail).not.toContain(v);
}

describe('FHIR sink against a FHIR server', () => {
  it('reads, then patches an ImagingStudy accession with a guarded patch', async () => {
    const s = await server();
    const study = await s.repo.createResource(imagingStudy('1.2.3.1', 'ACC1'));
    const ledger = createMemoryLedger();
    const sink = createFhirSink({ baseUrl: s.baseUrl, ledger });
    const m = updateMessage('c0ffee00000000000000000000b1', `ImagingStudy/${study.id}`, 'ACC1', 'ACC2');
    const r = await sink.deliver(m);
    expect(r).toEqual({ outcome: 'delivered', detail: 'PATCH accepted' });
    expect(await accessionOf(s, 'ImagingStudy', study.id)).toBe('ACC2');
    expect(s.requests()).toEqual([
      { method: 'GET', path: `/ImagingStudy/${study.id}` },
      { method: 'PATCH', path: `/ImagingStudy/${study.id}` },
    ]);
    expect(await ledger.has(deliveryKey(m))).toBe(true);
    expect(sink.name).toBe(`fhir:${s.baseUrl}`);
  });

  it('patches a DiagnosticReport, including one whose accession came only from its basedOn order', async () => {
    const s = await server();
    const sink = createFhirSink({ baseUrl: s.baseUrl, ledger: createMemoryLedger() });
    const own = await s.repo.createResource<DiagnosticReport>(diagnosticReport(undefined, 'ACC1'));
    expect((await sink.deliver(updateMessage('c0ffee00000000000000000000b2', `DiagnosticReport/${own.id}`, 'ACC1', 'ACC2'))).outcome).toBe('delivered');
    expect(await accessionOf(s, 'DiagnosticReport', own.id)).toBe('ACC2');

    const viaOrder = await s.repo.createResource<DiagnosticReport>(diagnosticReport(undefined, undefined, { basedOn: 'ServiceRequest/o1' }));
    expect((await sink.deliver(updateMessage('c0ffee00000000000000000000b3', `DiagnosticReport/${viaOrder.id}`, 'ACC1', 'ACC2'))).outcome).toBe('delivered');
    const after = await s.repo.readResource<DiagnosticReport>('DiagnosticReport', viaOrder.id);
    expect(after.identifier).toHaveLength(2);
    expect(accession(after)).toBe('ACC2');
  });

  it('patches a ServiceRequest, and gives one without an accession its first', async () => {
    const s = await server();
    const sink = createFhirSink({ baseUrl: s.baseUrl, ledger: createMemoryLedger() });
    const order = await s.repo.createResource<ServiceRequest>(serviceRequest(undefined, 'ACC1'));
    expect((await sink.deliver(updateMessage('c0ffee00000000000000000000b4', `ServiceRequest/${order.id}`, 'ACC1', 'ACC2'))).outcome).toBe('delivered');
    expect(await accessionOf(s, 'ServiceRequest', order.id)).toBe('ACC2');

    const bare = await s.repo.createResource<ServiceRequest>(serviceRequest(undefined));
    expect((await sink.deliver(updateMessage('c0ffee00000000000000000000b5', `ServiceRequest/${bare.id}`, null, 'ACC9'))).outcome).toBe('delivered');
    expect(await accessionOf(s, 'ServiceRequest', bare.id)).toBe('ACC9');
  });

  it('resource already holds the new accession → delivered, nothing sent', async () => {
    const s = await server();
    const study = await s.repo.createResource(imagingStudy('1.2.3.2', 'ACC2'));
    const r = await createFhirSink({ baseUrl: s.baseUrl, ledger: createMemoryLedger() }).deliver(
      updateMessage('c0ffee00000000000000000000b6', `ImagingStudy/${study.id}`, 'ACC1', 'ACC2'),
    );
    expect(r.outcome).toBe('delivered');
    expect(s.requests().map((q) => q.method)).toEqual(['GET']);
  });

  it('resource changed before delivery → dead fhir-resource-changed, no PATCH, resource untouched', async () => {
    const s = await server();
    const study = await s.repo.createResource(imagingStudy('1.2.3.3', 'OTHER'));
    const ledger = createMemoryLedger();
    const r = await createFhirSink({ baseUrl: s.baseUrl, ledger }).deliver(updateMessage('c0ffee00000000000000000000b7', `ImagingStudy/${study.id}`, 'ACC1', 'ACC2'));
    expect(r).toEqual({ outcome: 'dead', detail: FHIR_RESOURCE_CHANGED });
    expect(s.requests().map((q) => q.method)).toEqual(['GET']);
    expect(await s.repo.readResource('ImagingStudy', study.id)).toEqual(study);
    expect(ledger.entries()).toEqual([]);
  });

  describe('resource changed between the read and the patch', () => {
    /** Before the PATCH reaches the server, someone else updates the study. */
    async function race(opts: TestFhirServerOptions, change: (r: ImagingStudy) => ImagingStudy): Promise<{ s: TestFhirServer; id: string; first: DeliveryResult; deliver: () => Promise<DeliveryResult> }> {
      const s = await server(opts);
      const study = await s.repo.createResource(imagingStudy('1.2.3.4', 'ACC1'));
      s.before(async (req) => {
        if (req.method !== 'PATCH') return;
        s.before(undefined);
        await s.repo.updateResource(change(await s.repo.readResource<ImagingStudy>('ImagingStudy', study.id)));
      });
      const sink = createFhirSink({ baseUrl: s.baseUrl, ledger: createMemoryLedger() });
      const m = updateMessage('c0ffee00000000000000000000b8', `ImagingStudy/${study.id}`, 'ACC1', 'ACC2');
      return { s, id: study.id, first: await sink.deliver(m), deliver: () => sink.deliver(m) };
    }
    const withAccession = (v: string) => (r: ImagingStudy): ImagingStudy => ({ ...r, identifier: [r.identifier?.[0] ?? {}, { ...r.identifier?.[1], value: v }] });

    it('the JSON Patch test op refuses it (400); re-read shows another accession → dead, their value kept', async () => {
      const { s, id, first } = await race({ ifMatch: false }, withAccession('OTHER'));
      expect(first).toEqual({ outcome: 'dead', detail: FHIR_RESOURCE_CHANGED });
      expectNoPhi(first);
      expect(await accessionOf(s, 'ImagingStudy', id)).toBe('OTHER');
      expect(s.requests().map((q) => q.method)).toEqual(['GET', 'PATCH', 'GET']);
    });

    it('If-Match refuses it (412); someone else already set the new accession → delivered', async () => {
      const { s, id, first } = await race({}, withAccession('ACC2'));
      expect(first.outcome).toBe('delivered');
      expect(first.detail).toBe('FHIR_REQUEST_FAILED: HTTP 412 on patch; resource holds the new accession');
      expect(await accessionOf(s, 'ImagingStudy', id)).toBe('ACC2');
    });

    it('If-Match refuses it (412); only another field changed → retry, and the next attempt patches', async () => {
      const { s, id, first, deliver } = await race({}, (r) => ({ ...r, description: 'CT CHEST W/O' }));
      expect(first.outcome).toBe('retry');
      expect(first.detail).toMatch(/^FHIR_REQUEST_FAILED: HTTP 412 on patch; /);
      expect((await deliver()).outcome).toBe('delivered');
      const now = await s.repo.readResource<ImagingStudy>('ImagingStudy', id);
      expect([accession(now), now.description]).toEqual(['ACC2', 'CT CHEST W/O']);
    });
  });

  it('sends the bearer token; a wrong token → dead 401, nothing patched', async () => {
    const s = await server({ token: 's3cret-token' });
    const study = await s.repo.createResource(imagingStudy('1.2.3.5', 'ACC1'));
    const m = updateMessage('c0ffee00000000000000000000b9', `ImagingStudy/${study.id}`, 'ACC1', 'ACC2');
    const wrong = await createFhirSink({ baseUrl: s.baseUrl, token: 'nope', ledger: createMemoryLedger() }).deliver(m);
    expect(wrong).toEqual({ outcome: 'dead', detail: 'FHIR_REQUEST_FAILED: HTTP 401 on read' });
    expect(await accessionOf(s, 'ImagingStudy', study.id)).toBe('ACC1');
    const right = await createFhirSink({ baseUrl: s.baseUrl, token: 's3cret-token', ledger: createMemoryLedger() }).deliver(m);
    expect(right.outcome).toBe('delivered');
    expect(await accessionOf(s, 'ImagingStudy', study.id)).toBe('ACC2');
  });

  it('maps server answers: 404 → dead; 503 and 429 on read → retry; PATCH 403 → dead', async () => {
    const s = await server();
    const sink = createFhirSink({ baseUrl: s.baseUrl, ledger: createMemoryLedger() });
    const missing = await sink.deliver(updateMessage('c0ffee00000000000000000000c1', 'ImagingStudy/nope', 'ACC1', 'ACC2'));
    expect(missing).toEqual({ outcome: 'dead', detail: 'FHIR_REQUEST_FAILED: HTTP 404 on read' });

    const study = await s.repo.createResource(imagingStudy('1.2.3.6', 'ACC1'));
    const m = updateMessage('c0ffee00000000000000000000c2', `ImagingStudy/${study.id}`, 'ACC1', 'ACC2');
    s.failNext(503, 1, 'GET');
    expect(await sink.deliver(m)).toEqual({ outcome: 'retry', detail: 'FHIR_REQUEST_FAILED: HTTP 503 on read' });
    s.failNext(429, 1, 'GET');
    expect((await sink.deliver(m)).outcome).toBe('retry');
    s.failNext(403, 1, 'PATCH');
    const forbidden = await sink.deliver(m);
    expect(forbidden).toEqual({ outcome: 'dead', detail: 'FHIR_REQUEST_FAILED: HTTP 403 on patch' });
    expectNoPhi(forbidden);
    expect(await accessionOf(s, 'ImagingStudy', study.id)).toBe('ACC1');
  });

  it('server down → retry FHIR_UNAVAILABLE; a slow server → retry after the timeout', async () => {
    const s = await startFhirServer();
    const baseUrl = s.baseUrl;
    await s.stop();
    const down = await createFhirSink({ baseUrl, ledger: createMemoryLedger() }).deliver(updateMessage('c0ffee00000000000000000000c3', 'ImagingStudy/x1', 'ACC1', 'ACC2'));
    expect(down).toEqual({ outcome: 'retry', detail: 'FHIR_UNAVAILABLE: no answer on read (ECONNREFUSED)' });

    const slow = await server();
    slow.before(() => new Promise((resolve) => setTimeout(resolve, 600)));
    const r = await createFhirSink({ baseUrl: slow.baseUrl, ledger: createMemoryLedger(), timeoutMs: 100 }).deliver(
      updateMessage('c0ffee00000000000000000000c4', 'ImagingStudy/x1', 'ACC1', 'ACC2'),
    );
    expect(r).toEqual({ outcome: 'retry', detail: 'FHIR_UNAVAILABLE: timed out on read' });
  });

  it('a message that is not an accession update → dead, nothing sent', async () => {
    const s = await server();
    const sink = createFhirSink({ baseUrl: s.baseUrl, ledger: createMemoryLedger() });
    const good = updateMessage('c0ffee00000000000000000000c5', 'ImagingStudy/a1', 'ACC1', 'ACC2');
    const bad = [
      { ...good, messageType: 'ORU^R01' },
      { ...good, body: '{"op":"replace"}' },
      { ...good, body: 'MSH|^~\\&|' },
      { ...good, messageType: 'PATCH DiagnosticReport' },
      { ...good, body: JSON.stringify({ target: 'ImagingStudy/a1', from: 'ACC1', to: 'ACC1' }) },
      { ...good, body: JSON.stringify({ target: 'ImagingStudy/../Patient/1', from: 'ACC1', to: 'ACC2' }) },
    ];
    for (const m of bad) {
      const r = await sink.deliver(m);
      expect(r.outcome).toBe('dead');
      expect(r.detail).toMatch(/^not a FHIR accession update: /);
    }
    expect(s.requests()).toEqual([]);
    expect(parseFhirUpdate(good)).toEqual({ type: 'ImagingStudy', id: 'a1', from: 'ACC1', to: 'ACC2' });
    expect(() => createFhirSink({ baseUrl: 'fhir.example.org/r4', ledger: createMemoryLedger() })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error);
  });
});
