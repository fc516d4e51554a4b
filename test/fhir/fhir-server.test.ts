import { Client } from 'fhir-kit-client';
import type { FhirResource } from 'fhir-kit-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startFhirServer } from '../support/fhir-server.ts';
import type { TestFhirServer } from '../support/fhir-server.ts';
import { imagingStudy } from './resources.ts';

const servers: TestFhirServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** What fhir-kit-client rejects with on a non-2xx answer. */
async function failure(p: Promise<unknown>): Promise<{ status: number; data: { resourceType: string; issue: { code: string }[] } }> {
  const e = (await p.then(() => undefined, (x: unknown) => x)) as { response?: { status: number; data: { resourceType: string; issue: { code: string }[] } } } | undefined;
  if (e?.response === undefined) throw new Error('expected an HTTP error');
  return e.response;
}

describe('test FHIR server', () => {
  it('create, read, update, vread, search with paging, JSON Patch and OperationOutcome errors', async () => {
    const s = await startFhirServer();
    servers.push(s);
    const c = new Client({ baseUrl: s.baseUrl });
    const created = await c.create({ resourceType: 'ImagingStudy', body: imagingStudy('1.2.3.1', 'ACC1') as unknown as FhirResource });
    const id = String(created['id']);
    const v1 = String((created['meta'] as { versionId: string }).versionId);
    const updated = await c.update({ resourceType: 'ImagingStudy', id, body: { ...created, description: 'CT HEAD' } });
    expect(updated['description']).toBe('CT HEAD');
    expect((await c.read({ resourceType: 'ImagingStudy', id }))['description']).toBe('CT HEAD');
    expect((await c.vread({ resourceType: 'ImagingStudy', id, version: v1 }))['description']).toBe('CT CHEST');

    for (let i = 2; i <= 3; i++) await c.create({ resourceType: 'ImagingStudy', body: imagingStudy(`1.2.3.${i}`) as unknown as FhirResource });
    const page1 = await c.search({ resourceType: 'ImagingStudy', searchParams: { _sort: '_lastUpdated', _count: 2 } });
    expect((page1['entry'] as unknown[]).length).toBe(2);
    const page2 = await c.nextPage({ bundle: page1 as FhirResource & { link: { relation: string; url: string }[] } });
    expect((page2?.['entry'] as unknown[]).length).toBe(1);

    const patched = await c.patch({ resourceType: 'ImagingStudy', id, jsonPatch: [{ op: 'test', path: '/status', value: 'available' }, { op: 'replace', path: '/status', value: 'cancelled' }] });
    expect(patched['status']).toBe('cancelled');
    const testFailed = await failure(c.patch({ resourceType: 'ImagingStudy', id, jsonPatch: [{ op: 'test', path: '/status', value: 'available' }] }));
    expect([testFailed.status, testFailed.data.resourceType]).toEqual([400, 'OperationOutcome']);
    const stale = await failure(c.patch({ resourceType: 'ImagingStudy', id, jsonPatch: [], options: { headers: { 'If-Match': `W/"${v1}"` } } }));
    expect(stale.status).toBe(412);
    expect((await failure(c.read({ resourceType: 'ImagingStudy', id: 'missing' }))).status).toBe(404);
    s.failNext(503, 2, 'GET');
    expect((await failure(c.read({ resourceType: 'ImagingStudy', id }))).data.issue[0]?.code).toBe('transient');
    expect((await failure(c.read({ resourceType: 'ImagingStudy', id }))).status).toBe(503);
    expect((await c.read({ resourceType: 'ImagingStudy', id }))['id']).toBe(id);
    expect(s.requests()[0]).toEqual({ method: 'POST', path: '/ImagingStudy' });
  });
});
