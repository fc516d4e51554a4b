import type { ImagingStudy } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/channels/fhir/client.ts';
import { advanceMark, createFhirPoller, parseCheckpoint } from '../../src/channels/fhir/poller.ts';
import type { FhirPoller, FhirPollerOptions, PollCheckpoint } from '../../src/channels/fhir/poller.ts';
import type { FhirIngestBatch } from '../../src/channels/fhir/records.ts';
import { isAcclinkError, ErrorCode } from '../../src/model/errors.ts';
import { startFhirServer } from '../support/fhir-server.ts';
import type { TestFhirServer } from '../support/fhir-server.ts';
import { diagnosticReport, FHIR_PHI, imagingStudy, patient, serviceRequest } from './resources.ts';

const T0 = '2024-05-06T10:00:00.000Z';
const T1 = '2024-05-06T11:00:00.000Z';

const servers: TestFhirServer[] = [];
const pollers: FhirPoller[] = [];
afterEach(async () => {
  for (const p of pollers.splice(0)) await p.stop();
  for (const s of servers.splice(0)) await s.stop();
});

async function server(token?: string): Promise<TestFhirServer> {
  const s = await startFhirServer(token === undefined ? {} : { token });
  servers.push(s);
  return s;
}

function memoryCheckpoint(initial?: string): PollCheckpoint & { value(): string | undefined } {
  let v = initial;
  return { get: () => Promise.resolve(v), set: (x) => { v = x; return Promise.resolve(); }, value: () => v };
}

interface Rig {
  poller: FhirPoller;
  checkpoint: ReturnType<typeof memoryCheckpoint>;
  batches: FhirIngestBatch[];
}

function rig(s: TestFhirServer, opts: Partial<FhirPollerOptions> = {}, initial?: string): Rig {
  const checkpoint = memoryCheckpoint(initial);
  const batches: FhirIngestBatch[] = [];
  const poller = createFhirPoller({ baseUrl: s.baseUrl, checkpoint, ingest: (b) => { batches.push(b); return Promise.resolve(); }, ...opts });
  pollers.push(poller);
  return { poller, checkpoint, batches };
}

const accessions = (batches: readonly FhirIngestBatch[]): string[] =>
  batches.flatMap((b) => [...b.scans.map((s) => s.accession ?? '-'), ...b.reports.map((r) => r.accession ?? '-')]).sort();

describe('FHIR poller against a FHIR server', () => {
  it('first poll reads everything with subjects included; the next one only what changed since', async () => {
    const s = await server('tok');
    await s.repo.createResource(patient());
    await s.repo.createResource(imagingStudy('1.2.3.1', 'ACC1', { lastUpdated: T0 }));
    await s.repo.createResource(diagnosticReport('r1', 'ACC2', { lastUpdated: T0 }));
    await s.repo.createResource(serviceRequest('o1', 'ACC3', { lastUpdated: T1 }));
    const { poller, checkpoint, batches } = rig(s, { token: 'tok' });

    expect(await poller.pollOnce()).toEqual({ pages: 3, resources: 3, scans: 1, reports: 2 });
    expect(accessions(batches)).toEqual(['ACC1', 'ACC2', 'ACC3']);
    // The Patient came in through _include, so the records carry the patient's identity.
    expect(batches.flatMap((b) => [...b.scans, ...b.reports]).map((r) => r.patient.name?.family)).toEqual([FHIR_PHI.family, FHIR_PHI.family, FHIR_PHI.family]);
    expect(JSON.parse(checkpoint.value() ?? '')).toEqual({
      ImagingStudy: { at: T0, ids: [expect.any(String)] },
      DiagnosticReport: { at: T0, ids: [expect.stringMatching(/^r1@/)] },
      ServiceRequest: { at: T1, ids: [expect.stringMatching(/^o1@/)] },
    });
    const first = s.requests().find((r) => r.path.startsWith('/ImagingStudy?'));
    expect(first?.path).toContain('_sort=_lastUpdated');
    expect(first?.path).not.toContain('_lastUpdated=');

    batches.length = 0;
    expect(await poller.pollOnce()).toMatchObject({ resources: 0 });
    expect(batches).toEqual([]);
    expect(s.requests().at(-3)?.path).toContain(`_lastUpdated=ge${encodeURIComponent(T0)}`);

    const study = (await s.repo.search<ImagingStudy>({ resourceType: 'ImagingStudy' })).entry?.[0]?.resource;
    if (study === undefined) throw new Error('study missing');
    await s.repo.updateResource({ ...study, identifier: [study.identifier?.[0] ?? {}, { ...study.identifier?.[1], value: 'ACC9' }] });
    expect(await poller.pollOnce()).toMatchObject({ resources: 1, scans: 1 });
    expect(accessions(batches)).toEqual(['ACC9']);
  });

  it('equal timestamps across page boundaries: nothing lost, nothing read twice', async () => {
    const s = await server();
    for (let i = 1; i <= 5; i++) await s.repo.createResource(imagingStudy(`1.2.3.${i}`, `ACC${i}`, { lastUpdated: T0 }));
    const { poller, batches } = rig(s, { types: ['ImagingStudy'], pageSize: 2 });
    expect(await poller.pollOnce()).toMatchObject({ pages: 3, resources: 5 });
    expect(accessions(batches)).toEqual(['ACC1', 'ACC2', 'ACC3', 'ACC4', 'ACC5']);

    batches.length = 0;
    expect(await poller.pollOnce()).toMatchObject({ resources: 0 });
    // A sixth study at the very same instant (a late commit, a bulk load) is still found.
    await s.repo.createResource(imagingStudy('1.2.3.6', 'ACC6', { lastUpdated: T0 }));
    expect(await poller.pollOnce()).toMatchObject({ resources: 1 });
    expect(accessions(batches)).toEqual(['ACC6']);
    expect(s.requests().every((r) => !r.path.startsWith('/DiagnosticReport'))).toBe(true);
  });

  it('a failing ingest leaves the checkpoint at the last stored page; the next poll resumes there', async () => {
    const s = await server();
    for (let i = 1; i <= 4; i++) await s.repo.createResource(imagingStudy(`1.2.3.${i}`, `ACC${i}`, { lastUpdated: `2024-05-06T10:00:0${i}.000Z` }));
    const stored: string[] = [];
    let calls = 0;
    const checkpoint = memoryCheckpoint();
    const poller = createFhirPoller({
      baseUrl: s.baseUrl, checkpoint, types: ['ImagingStudy'], pageSize: 2,
      ingest: (b) => {
        calls += 1;
        if (calls === 2) return Promise.reject(new Error('store down'));
        stored.push(...b.scans.map((x) => x.accession ?? '-'));
        return Promise.resolve();
      },
    });
    pollers.push(poller);
    await expect(poller.pollOnce()).rejects.toThrow('store down');
    expect(stored).toEqual(['ACC1', 'ACC2']);
    expect(parseCheckpoint(checkpoint.value()).ImagingStudy?.at).toBe('2024-05-06T10:00:02.000Z');
    await poller.pollOnce();
    expect(stored).toEqual(['ACC1', 'ACC2', 'ACC3', 'ACC4']);
  });

  it('a failing search rejects with FHIR_REQUEST_FAILED and leaves the checkpoint', async () => {
    const s = await server();
    await s.repo.createResource(imagingStudy('1.2.3.1', 'ACC1', { lastUpdated: T0 }));
    const { poller, checkpoint, batches } = rig(s, {}, T0);
    s.failNext(503, 1, 'GET');
    const e: unknown = await poller.pollOnce().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FhirError);
    expect(isAcclinkError(e, ErrorCode.FhirRequestFailed) && (e as FhirError).status).toBe(503);
    expect(checkpoint.value()).toBe(T0);
    expect(batches).toEqual([]);
  });

  it('a plain instant as checkpoint starts every type there', async () => {
    const s = await server();
    await s.repo.createResource(imagingStudy('1.2.3.1', 'OLD', { lastUpdated: T0 }));
    await s.repo.createResource(imagingStudy('1.2.3.2', 'NEW', { lastUpdated: T1 }));
    await s.repo.createResource(serviceRequest('o1', 'OLDER', { lastUpdated: T0 }));
    const { poller, batches } = rig(s, { include: false }, '2024-05-06T10:30:00Z');
    await poller.pollOnce();
    expect(accessions(batches)).toEqual(['NEW']);
    expect(s.requests().some((r) => r.path.includes('_include'))).toBe(false);
  });

  it('start polls in the background until stop', async () => {
    const s = await server();
    const { poller, batches } = rig(s, { types: ['ServiceRequest'] });
    poller.start(10);
    await s.repo.createResource(serviceRequest('o1', 'ACC1'));
    for (let i = 0; i < 500 && batches.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(accessions(batches)).toEqual(['ACC1']);
    await poller.stop();
    const seen = s.requests().length;
    await new Promise((r) => setTimeout(r, 50));
    expect(s.requests()).toHaveLength(seen);
  });
});

describe('poll checkpoint', () => {
  it('reads documents and instants, refuses anything else', () => {
    expect(parseCheckpoint(undefined)).toEqual({});
    expect(parseCheckpoint(T0, ['ImagingStudy'])).toEqual({ ImagingStudy: { at: T0, ids: [] } });
    expect(parseCheckpoint(JSON.stringify({ DiagnosticReport: { at: T1, ids: ['a@1'] } }))).toEqual({ DiagnosticReport: { at: T1, ids: ['a@1'] } });
    for (const bad of ['yesterday', '{"ImagingStudy":{"at":"x","ids":[]}}', '{broken']) {
      expect(() => parseCheckpoint(bad)).toThrow(expect.objectContaining({ code: ErrorCode.Usage }) as Error);
    }
  });

  it('advances to the greatest instant, comparing times rather than text', () => {
    const r = (id: string, lastUpdated: string): { resourceType: string; id: string; meta: { lastUpdated: string; versionId: string } } =>
      ({ resourceType: 'ImagingStudy', id, meta: { lastUpdated, versionId: '1' } });
    expect(advanceMark(undefined, [r('a', T0), r('b', '2024-05-06T12:00:00+02:00'), r('c', '2024-05-06T09:00:00Z')])).toEqual({ at: T0, ids: ['a@1', 'b@1'] });
    expect(advanceMark({ at: T0, ids: ['a@1'] }, [r('d', T1)])).toEqual({ at: T1, ids: ['d@1'] });
  });
});
