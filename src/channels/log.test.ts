import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { createLogger, hashId, safeError } from './log.ts';

/** Collects the JSON lines a logger writes. */
function sink(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) { chunks.push(chunk.toString('utf8')); cb(); },
  });
  const text = (): string => chunks.join('');
  return { stream, text, lines: () => text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const PHI = {
  name: 'DOE^JANE', family: 'Doe', given: 'Jane', birthDate: '19700101', patientId: 'MRN-998877',
  accession: 'ACC-445566', body: 'MSH|^~\\&|RIS|...PID|1||MRN-998877^^^H^MR||DOE^JANE',
  token: 'sekret-bearer-token-0123456789',
};
const NEEDLES = ['DOE', 'Doe', 'Jane', '19700101', 'MRN-998877', 'ACC-445566', 'PID|', 'sekret-bearer'];

describe('createLogger', () => {
  it('writes no PHI from objects logged by mistake, at any nesting the engine uses', () => {
    const out = sink();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info({ patient: { name: PHI.name, birthDate: PHI.birthDate }, correctionId: 'c1' }, 'top-level patient');
    log.info({ scan: { patientId: PHI.patientId, accessionNumber: PHI.accession, studyInstanceUid: '1.2.3' } }, 'nested');
    log.info({ job: { data: { report: { text: PHI.body } } } }, 'deep');
    log.info({ names: [{ family: PHI.family, given: [PHI.given] }] }, 'array');
    log.warn({ message: { payload: PHI.body }, inbound: { hl7: PHI.body } }, 'payloads');
    log.info({ req: { headers: { authorization: `Bearer ${PHI.token}` } }, headers: { authorization: PHI.token } }, 'auth');
    log.child({ accession: PHI.accession }).info('child bindings');
    const text = out.text();
    for (const needle of NEEDLES) expect(text).not.toContain(needle);
    const lines = out.lines();
    expect(lines).toHaveLength(7);
    // What is not PHI survives, and the redacted keys are still there (so a reader sees something was dropped).
    expect(lines[0]).toMatchObject({ msg: 'top-level patient', correctionId: 'c1', patient: '[redacted]' });
    expect(lines[1]).toMatchObject({ scan: { studyInstanceUid: '1.2.3', patientId: '[redacted]', accessionNumber: '[redacted]' } });
    expect(lines[2]).toMatchObject({ job: { data: { report: '[redacted]' } } });
    expect(lines[6]).toMatchObject({ accession: '[redacted]' });
  });

  it('logs errors by type, code and frames; message text only for AcclinkErrors', () => {
    const out = sink();
    const log = createLogger({ level: 'info', destination: out.stream });
    const driver = Object.assign(new Error(`duplicate key (patient_id)=(${PHI.patientId})`), { code: '23505' });
    log.error({ err: new AcclinkError(ErrorCode.MllpTimeout, 'no ACK within 2000 ms', { cause: driver }) }, 'delivery failed');
    const text = out.text();
    expect(text).not.toContain(PHI.patientId);
    const [line] = out.lines();
    expect(line?.err).toMatchObject({
      type: 'AcclinkError', code: 'MLLP_TIMEOUT', message: 'no ACK within 2000 ms', cause: { type: 'Error', code: '23505' },
    });
    expect((line?.err as { cause: Record<string, unknown> }).cause.message).toBeUndefined();
    expect(String((line?.err as { stack: string }).stack)).toMatch(/^\s+at /);
  });

  it('logs requests without the query string', () => {
    const out = sink();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info({ req: { method: 'GET', url: `/fhir/ImagingStudy?patient=${PHI.patientId}` } }, 'request');
    expect(out.lines()[0]).toMatchObject({ req: { method: 'GET', path: '/fhir/ImagingStudy' } });
    expect(out.text()).not.toContain(PHI.patientId);
  });

  it('respects the level and appends to a file destination', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acclink-log-'));
    try {
      const file = join(dir, 'sub', 'engine.log');
      const log = createLogger({ level: 'warn', destination: file, base: { service: 'acclink' } });
      log.info({ x: 1 }, 'dropped');
      log.warn({ patientId: PHI.patientId }, 'kept');
      await new Promise<void>((resolve, reject) => { log.flush((e) => (e ? reject(e) : resolve())); });
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain('dropped');
      expect(text).not.toContain(PHI.patientId);
      expect(JSON.parse(text.trim())).toMatchObject({ level: 40, service: 'acclink', msg: 'kept', patientId: '[redacted]' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('hashId', () => {
  it('is stable, short, salt-dependent and does not contain the value', () => {
    const h = hashId('ACC-445566');
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(hashId('ACC-445566')).toBe(h);
    expect(hashId('ACC-445567')).not.toBe(h);
    expect(hashId('ACC-445566', 'site-secret')).not.toBe(h);
    // Salt and value are separated: ('ab', 'c') and ('a', 'bc') differ.
    expect(hashId('c', 'ab')).not.toBe(hashId('bc', 'a'));
  });

  it('keeps non-errors apart in safeError', () => {
    expect(safeError('text with MRN-1')).toEqual({ type: 'string' });
    expect(safeError(undefined)).toBeUndefined();
  });
});
