/**
 * The Orthanc REST client against a real Orthanc with basic authentication, and against local HTTP
 * servers that misbehave (never answer, answer something that is not Orthanc). Also the test harness
 * itself: a failed start explains itself, and stop() leaves no process and no directory behind.
 */
import http from 'node:http';
import type net from 'node:net';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrthancClient, PacsError } from '../../src/channels/pacs/orthanc-client.ts';
import { ErrorCode, isAcclinkError } from '../../src/model/errors.ts';
import { startOrthanc, storeFiles, writeTestStudy, type RunningOrthanc } from '../support/orthanc.ts';

const credentials = { username: 'acclink', password: 'secret-test-pw' };
let orthanc: RunningOrthanc;
let dir: string;

beforeAll(async () => {
  orthanc = await startOrthanc({ users: { [credentials.username]: credentials.password } });
  dir = await mkdtemp(join(tmpdir(), 'acclink-orthanc-client-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (!orthanc) return;
  await orthanc.stop();
  // The harness's own promise: the process is gone (signal 0 finds no PID) and so is its directory.
  expect(() => process.kill(orthanc.pid, 0)).toThrow();
  await expect(access(orthanc.dir)).rejects.toThrow();
  await orthanc.stop(); // a second stop is harmless
});

describe('startOrthanc (test harness)', () => {
  it('fails with a clear error and the log tail when Orthanc cannot start, and removes its directory', async () => {
    const error = await startOrthanc({ config: { StableAge: 'not-a-number' } }).then(async (o) => { await o.stop(); return undefined; }, (e: unknown) => e);
    expect(String(error)).toMatch(/Orthanc exited with .*Log tail:.*StableAge/s);
    const tempDir = /its directory (\S+) is removed/.exec(String(error));
    expect(tempDir).not.toBeNull();
    expect(tempDir?.[1]).toContain(join(tmpdir(), 'acclink-orthanc-'));
    await expect(access(tempDir?.[1] ?? '')).rejects.toThrow();
  });
});

async function failure(p: Promise<unknown>): Promise<PacsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PacsError) return e;
    throw e;
  }
  throw new Error('expected a PacsError');
}

/** A local HTTP server with the given handler; closed with all its connections afterwards. */
async function withServer(handler: http.RequestListener, use: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    await use(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('Orthanc REST client', () => {
  it('authenticates with basic auth; without credentials → PACS_REQUEST_FAILED 401, not transient', async () => {
    const client = createOrthancClient({ url: `${orthanc.url}/`, credentials });
    expect(await client.system()).toMatchObject({ Version: '1.10.1', DicomAet: orthanc.aet, DicomPort: orthanc.dicomPort });
    const e = await failure(createOrthancClient({ url: orthanc.url }).system());
    expect(e).toMatchObject({ code: ErrorCode.PacsRequestFailed, status: 401, operation: 'system', transient: false });
    expect(isAcclinkError(e, ErrorCode.PacsRequestFailed)).toBe(true);
    expect(() => createOrthancClient({ url: `http://acclink:${credentials.password}@127.0.0.1:1` })).toThrow(expect.objectContaining({ code: ErrorCode.ConfigInvalid }) as Error);
  });

  it('looks studies up by UID only at study level, and names missing ones with 404', async () => {
    const client = createOrthancClient({ url: orthanc.url, credentials });
    const study = await writeTestStudy(dir, { accession: 'ZZCLIENT1' });
    await storeFiles(orthanc.url, study.paths, credentials);
    const id = await client.lookupStudy(study.studyInstanceUid);
    expect(id).toMatch(/^[0-9a-f-]{44}$/);
    expect((await client.studyMainTags(id ?? '')).AccessionNumber).toBe('ZZCLIENT1');
    expect(await client.lookupStudy(study.seriesInstanceUids[0] ?? '')).toBeUndefined();
    expect(await client.lookupStudy('2.25.42')).toBeUndefined();
    expect(await failure(client.studyMainTags('no-such-study'))).toMatchObject({ status: 404, transient: false });
    const [instance] = await client.studyInstances(id ?? '');
    const bytes = await client.instanceFile(instance?.ID ?? '');
    expect(new TextDecoder().decode(bytes.subarray(128, 132))).toBe('DICM');
  });

  it('keeps response bodies out of errors: a rejected modify names the operation and status only', async () => {
    const client = createOrthancClient({ url: orthanc.url, credentials });
    const study = await writeTestStudy(dir, { accession: 'ZZCLIENT2' });
    await storeFiles(orthanc.url, study.paths, credentials);
    const id = (await client.lookupStudy(study.studyInstanceUid)) ?? '';
    // Replacing a UID without Force is refused by Orthanc, which quotes the request in its answer.
    const e = await failure(client.modifyStudy(id, { Replace: { StudyInstanceUID: '2.25.777', PatientName: 'ZZSECRET^NAME' } }));
    expect(e).toMatchObject({ code: ErrorCode.PacsRequestFailed, status: 400, operation: 'modify' });
    expect(e.message).toBe('Orthanc modify: HTTP 400');
  });

  it('a peer that never answers → PACS_UNAVAILABLE within the timeout; a non-Orthanc answer → PACS_UNAVAILABLE', async () => {
    await withServer(() => undefined, async (url) => {
      const e = await failure(createOrthancClient({ url, timeoutMs: 200 }).changes(0, 10));
      expect(e).toMatchObject({ code: ErrorCode.PacsUnavailable, status: undefined, transient: true });
      expect(e.message).toBe('Orthanc changes: no answer (TimeoutError)');
    });
    await withServer((_req, res) => res.end('{"hello":"world"}'), async (url) => {
      const e = await failure(createOrthancClient({ url }).changes(0, 10));
      expect(e).toMatchObject({ code: ErrorCode.PacsUnavailable, message: 'Orthanc changes: unexpected answer' });
    });
    await withServer((_req, res) => { res.writeHead(503); res.end('busy'); }, async (url) => {
      expect(await failure(createOrthancClient({ url }).system())).toMatchObject({ status: 503, transient: true });
    });
  });
});
