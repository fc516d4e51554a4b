import { describe, expect, it } from 'vitest';
import { AcclinkError, ErrorCode, isAcclinkError } from '../../model/errors.ts';
import { accessionIdentifier, buildAccessionPatch, buildAccessionPatchRequest } from './patch.ts';
import type { JsonPatchOp } from './patch.ts';
import { fhirToRecords } from './read.ts';

// A minimal RFC 6902 applier (add, replace, test), strict the way a FHIR server must be: a failed
// `test` or a missing target fails the whole patch.
class PatchFailed extends Error {}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchFailed(`bad pointer ${path}`);
  return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function child(container: unknown, token: string): unknown {
  if (Array.isArray(container)) {
    if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= container.length) throw new PatchFailed(`no element ${token}`);
    return container[Number(token)];
  }
  if (typeof container !== 'object' || container === null || !Object.hasOwn(container, token)) throw new PatchFailed(`no member ${token}`);
  return (container as Record<string, unknown>)[token];
}

function applyOp(doc: unknown, op: JsonPatchOp): unknown {
  const tokens = parsePointer(op.path);
  if (op.op === 'test') {
    if (!deepEqual(tokens.reduce(child, doc), op.value)) throw new PatchFailed(`test failed at ${op.path}`);
    return doc;
  }
  const last = tokens.pop();
  if (last === undefined) return structuredClone(op.value);
  const parent = tokens.reduce(child, doc);
  if (Array.isArray(parent)) {
    const index = last === '-' && op.op === 'add' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index > parent.length || (op.op === 'replace' && index >= parent.length)) throw new PatchFailed(`bad index ${last}`);
    parent.splice(index, op.op === 'replace' ? 1 : 0, structuredClone(op.value));
  } else if (typeof parent === 'object' && parent !== null) {
    if (op.op === 'replace' && !Object.hasOwn(parent, last)) throw new PatchFailed(`no member ${last}`);
    (parent as Record<string, unknown>)[last] = structuredClone(op.value);
  } else {
    throw new PatchFailed(`cannot add into ${op.path}`);
  }
  return doc;
}

function applyJsonPatch(doc: unknown, ops: readonly JsonPatchOp[]): unknown {
  return ops.reduce(applyOp, structuredClone(doc));
}

const ACSN = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] };
const PLAC = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] };
const UID = { system: 'urn:dicom:uid', value: 'urn:oid:1.2.3.4' };

function study(identifier?: unknown[], extra: object = {}): Record<string, unknown> {
  return { resourceType: 'ImagingStudy', id: 'is-1', status: 'available', ...(identifier ? { identifier } : {}), ...extra };
}

/** The accession our own reader sees after the patch: the round trip that matters. */
function readAccession(resource: unknown): string | undefined {
  const { scans, reports } = fhirToRecords(JSON.stringify(resource), 'x.json');
  return scans.records[0]?.accession ?? reports.records[0]?.accession;
}

function expectUsage(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(isAcclinkError(e, ErrorCode.Usage)).toBe(true);
    return;
  }
  expect.unreachable('expected an AcclinkError USAGE');
}

describe('buildAccessionPatch: replacing an accession', () => {
  const resource = study([UID, { type: PLAC, value: 'OLD1' }, { type: ACSN, value: 'OLD1', system: 'urn:acc' }]);
  const ops = buildAccessionPatch(resource, 'OLD1', 'NEW1');

  it('tests type and old value at the accession index, then replaces the value', () => {
    expect(ops).toEqual([
      { op: 'test', path: '/identifier/2/type', value: ACSN },
      { op: 'test', path: '/identifier/2/value', value: 'OLD1' },
      { op: 'replace', path: '/identifier/2/value', value: 'NEW1' },
    ]);
    const patched = applyJsonPatch(resource, ops);
    expect(readAccession(patched)).toBe('NEW1');
    // The placer number with the same value is left alone, and so is the identifier's system.
    expect((patched as { identifier: unknown[] }).identifier.slice(1)).toEqual([{ type: PLAC, value: 'OLD1' }, { type: ACSN, value: 'NEW1', system: 'urn:acc' }]);
  });

  it('fails when the accession was changed on the server meanwhile', () => {
    const changed = study([UID, { type: PLAC, value: 'OLD1' }, { type: ACSN, value: 'OTHER', system: 'urn:acc' }]);
    expect(() => applyJsonPatch(changed, ops)).toThrow(PatchFailed);
  });

  it('fails when identifiers were reordered so that another one with the same value sits at the index', () => {
    const reordered = study([UID, { type: ACSN, value: 'OLD1', system: 'urn:acc' }, { type: PLAC, value: 'OLD1' }]);
    expect(() => applyJsonPatch(reordered, ops)).toThrow(PatchFailed);
  });

  it('refuses to build a patch from a resource that does not hold the old accession', () => {
    expectUsage(() => buildAccessionPatch(resource, 'SOMETHING-ELSE', 'NEW1'));
    expectUsage(() => buildAccessionPatch(resource, null, 'NEW1'));
  });

  it('returns no operations when nothing changes', () => {
    expect(buildAccessionPatch(resource, 'OLD1', 'OLD1')).toEqual([]);
  });
});

describe('buildAccessionPatch: adding an accession', () => {
  it('guards an existing identifier array as a whole and appends an ACSN identifier', () => {
    const resource = study([UID]);
    const ops = buildAccessionPatch(resource, null, 'NEW2', { system: 'urn:acc', assigner: 'RIS-A' });
    expect(ops).toEqual([
      { op: 'test', path: '/identifier', value: [UID] },
      { op: 'add', path: '/identifier/-', value: accessionIdentifier('NEW2', { system: 'urn:acc', assigner: 'RIS-A' }) },
    ]);
    const { scans } = fhirToRecords(JSON.stringify(applyJsonPatch(resource, ops)), 'x.json');
    expect(scans.records[0]).toMatchObject({ accession: 'NEW2', accessionIssuer: 'RIS-A' });
  });

  it('fails when someone added an identifier (possibly an accession) meanwhile', () => {
    const resource = study([UID]);
    const ops = buildAccessionPatch(resource, null, 'NEW2');
    const concurrent = study([UID, { type: ACSN, value: 'RACE' }]);
    expect(() => applyJsonPatch(concurrent, ops)).toThrow(PatchFailed);
  });

  it('fills in the value of an ACSN identifier that has none, guarding that identifier', () => {
    const resource = study([UID, { type: ACSN, system: 'urn:acc' }]);
    const ops = buildAccessionPatch(resource, null, 'NEW3');
    expect(ops).toEqual([
      { op: 'test', path: '/identifier/1', value: { type: ACSN, system: 'urn:acc' } },
      { op: 'add', path: '/identifier/1/value', value: 'NEW3' },
    ]);
    expect(readAccession(applyJsonPatch(resource, ops))).toBe('NEW3');
    expect(() => applyJsonPatch(study([UID, { type: ACSN, system: 'urn:acc', value: 'SET' }]), ops)).toThrow(PatchFailed);
  });

  it('guards on meta.versionId when the resource has no identifier at all', () => {
    const resource = { resourceType: 'ServiceRequest', id: 'sr', meta: { versionId: '7' }, status: 'active' };
    const ops = buildAccessionPatch(resource, null, 'NEW4');
    expect(ops[0]).toEqual({ op: 'test', path: '/meta/versionId', value: '7' });
    expect(readAccession(applyJsonPatch(resource, ops))).toBe('NEW4');
    const updated = { ...resource, meta: { versionId: '8' }, identifier: [{ value: 'added-meanwhile' }] };
    expect(() => applyJsonPatch(updated, ops)).toThrow(PatchFailed);
  });

  it('guards on the whole document when there is neither identifier nor versionId', () => {
    const resource = { resourceType: 'DiagnosticReport', id: 'dr', status: 'final' };
    const ops = buildAccessionPatch(resource, null, 'NEW5');
    expect(ops[0]).toEqual({ op: 'test', path: '', value: resource });
    expect(readAccession(applyJsonPatch(resource, ops))).toBe('NEW5');
    expect(() => applyJsonPatch({ ...resource, identifier: [{ value: 'x' }] }, ops)).toThrow(PatchFailed);
  });

  it('gives a DiagnosticReport its own accession when the old one came from basedOn', () => {
    const resource = { resourceType: 'DiagnosticReport', id: 'dr', identifier: [{ value: 'R1' }], basedOn: [{ reference: 'ServiceRequest/o' }] };
    const ops = buildAccessionPatch(resource, 'FROM-ORDER', 'NEW6');
    expect(ops.map((o) => [o.op, o.path])).toEqual([['test', '/identifier'], ['add', '/identifier/-']]);
  });

  it('refuses a non-null old accession for an ImagingStudy or ServiceRequest that holds none', () => {
    expectUsage(() => buildAccessionPatch(study([UID]), 'OLD', 'NEW'));
    expectUsage(() => buildAccessionPatch({ resourceType: 'ServiceRequest', id: 's' }, 'OLD', 'NEW'));
  });
});

describe('buildAccessionPatch: bad input', () => {
  it.each([
    ['not an object', 'ImagingStudy'],
    ['a Patient', { resourceType: 'Patient', id: 'p' }],
    ['a study with a non-array identifier', study(undefined, { identifier: { value: 'x' } })],
  ])('throws USAGE for %s', (_label, resource) => {
    expectUsage(() => buildAccessionPatch(resource, null, 'NEW'));
  });

  it('throws USAGE for an empty new accession', () => {
    expectUsage(() => buildAccessionPatch(study([UID]), null, '  '));
  });

  it('does not echo accession values in error messages', () => {
    let message = '';
    try {
      buildAccessionPatch(study([UID, { type: ACSN, value: 'SECRET-ACC' }]), 'WRONG-ACC', 'X');
    } catch (e) {
      expect(e).toBeInstanceOf(AcclinkError);
      message = (e as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toMatch(/SECRET|WRONG/);
  });
});

describe('buildAccessionPatchRequest', () => {
  it('addresses the resource and adds If-Match for the version read', () => {
    const resource = study([UID, { type: ACSN, value: 'A' }], { id: 'is/1', meta: { versionId: '3' } });
    expect(buildAccessionPatchRequest(resource, 'A', 'B')).toEqual({
      method: 'PATCH',
      url: 'ImagingStudy/is%2F1',
      headers: { 'Content-Type': 'application/json-patch+json', 'If-Match': 'W/"3"' },
      body: buildAccessionPatch(resource, 'A', 'B'),
    });
  });

  it('returns undefined when nothing changes and throws USAGE without an id', () => {
    expect(buildAccessionPatchRequest(study([UID, { type: ACSN, value: 'A' }]), 'A', 'A')).toBeUndefined();
    expectUsage(() => buildAccessionPatchRequest({ resourceType: 'ImagingStudy', identifier: [UID] }, null, 'B'));
  });
});
