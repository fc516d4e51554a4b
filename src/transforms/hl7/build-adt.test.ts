import { describe, expect, it } from 'vitest';
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import type { PatientIdentity } from '../../model/types.ts';
import type { PatientUpdateOptions } from './build-adt.ts';
import { buildPatientUpdate } from './build-adt.ts';
import { Hl7Message } from './message.ts';
import { hl7Date, hl7Sex, readIdentifier, readPatientName } from './values.ts';

const OPTS: PatientUpdateOptions = {
  version: '2.5.1',
  controlId: 'ACL000042',
  timestamp: '20240310120000+0000',
  sendingApplication: 'ACCLINK',
  sendingFacility: 'NORTH',
  receivingApplication: 'RIS',
  receivingFacility: 'NORTH',
};

/** Every HL7 delimiter, to prove escaping end to end. */
const NASTY = 'A|B^C~D\\E&F';

const PATIENT: PatientIdentity = {
  id: 'MRN^1', issuer: 'NORTH&SOUTH',
  name: { family: "O'NEIL|X", given: 'ANN~E', middle: 'B', suffix: 'JR', prefix: 'DR' },
  birthDate: '1980-02-14', sex: 'F',
};

/** The PID read back the way the HL7 readers of acclink read it. */
function readBack(text: string): PatientIdentity {
  const pid = Hl7Message.parse(text).segment('PID');
  if (pid === undefined) throw new Error('no PID');
  const ident = readIdentifier(pid, 3, ['MR']);
  const name = readPatientName(pid, 5);
  const birthDate = hl7Date(pid.value(7));
  const sex = hl7Sex(pid.value(8));
  return {
    ...(ident ? { id: ident.id } : {}), ...(ident?.issuer ? { issuer: ident.issuer } : {}),
    ...(name ? { name } : {}), ...(birthDate ? { birthDate } : {}), ...(sex ? { sex } : {}),
  };
}

function usageError(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isAcclinkError(e, ErrorCode.Usage) ? e.message : 'other error';
  }
  return undefined;
}

describe('buildPatientUpdate, HL7 2.5.1', () => {
  const text = buildPatientUpdate({ patient: PATIENT }, OPTS);
  const msg = Hl7Message.parse(text);

  it('is MSH, EVN, PID, PV1, each ended by \\r', () => {
    expect(text.endsWith('\r')).toBe(true);
    expect(text).not.toContain('\n');
    expect(msg.all.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
  });

  it('writes the header from the injected options', () => {
    expect(msg.type).toEqual({ code: 'ADT', trigger: 'A08', structure: 'ADT_A01' });
    expect(msg.controlId).toBe('ACL000042');
    expect(msg.version).toBe('2.5.1');
    expect([msg.get('MSH-3'), msg.get('MSH-4'), msg.get('MSH-5'), msg.get('MSH-6')]).toEqual(['ACCLINK', 'NORTH', 'RIS', 'NORTH']);
    expect(msg.get('MSH-7')).toBe('20240310120000+0000');
    expect(msg.get('MSH-11')).toBe('P');
    expect(msg.get('MSH-18')).toBe('');
  });

  it('leaves EVN-1 empty (kept for compatibility only) and records the time in EVN-2', () => {
    expect(msg.get('EVN-1')).toBe('');
    expect(msg.get('EVN-2')).toBe('20240310120000+0000');
  });

  it('writes PID-3 as an MR identifier with its issuer, and the demographics', () => {
    expect(msg.get('PID-3.1')).toBe('MRN^1');
    expect(msg.get('PID-3.4.1')).toBe('NORTH&SOUTH');
    expect(msg.get('PID-3.5')).toBe('MR');
    expect([msg.get('PID-5.1'), msg.get('PID-5.2'), msg.get('PID-5.3')]).toEqual(["O'NEIL|X", 'ANN~E', 'B']);
    expect(msg.get('PID-7')).toBe('19800214');
    expect(msg.get('PID-8')).toBe('F');
  });

  it('round-trips the identity through the HL7 readers, delimiters included', () => {
    expect(readBack(text)).toEqual(PATIENT);
    const nasty = buildPatientUpdate({ patient: { ...PATIENT, name: { family: NASTY, given: NASTY } } }, OPTS);
    expect(readBack(nasty).name).toEqual({ family: NASTY, given: NASTY });
  });

  it('writes a minimal PV1 with patient class N', () => {
    expect(msg.get('PV1-1')).toBe('1');
    expect(msg.get('PV1-2')).toBe('N');
    expect(msg.segment('PV1')?.raw).toBe('PV1|1|N');
  });

  it('declares UTF-8 in MSH-18 when a name is not ASCII', () => {
    const umlaut = buildPatientUpdate({ patient: { ...PATIENT, name: { family: 'MÜLLER', given: 'JÖRG' } } }, OPTS);
    const parsed = Hl7Message.parse(umlaut);
    expect(parsed.get('MSH-18')).toBe('UNICODE UTF-8');
    expect(parsed.get('PID-5.1')).toBe('MÜLLER');
  });

  it('takes what the correction leaves out from the previous identity, and its identifier spelling', () => {
    const previous: PatientIdentity = { id: '0012345', issuer: 'NORTH', name: { family: 'DOE', given: 'JNAE', middle: 'Q' }, birthDate: '1980-02-14', sex: 'F' };
    const out = buildPatientUpdate({ patient: { id: '12345', name: { family: 'DOE', given: 'JANE' } }, previous }, OPTS);
    // The name is replaced whole: the old middle name does not leak into the corrected one.
    expect(readBack(out)).toEqual({ id: '0012345', issuer: 'NORTH', name: { family: 'DOE', given: 'JANE' }, birthDate: '1980-02-14', sex: 'F' });
  });

  it('writes partial birth dates at their precision', () => {
    const out = buildPatientUpdate({ patient: { id: '1', birthDate: '1980-02' } }, OPTS);
    expect(Hl7Message.parse(out).get('PID-7')).toBe('198002');
  });

  it('writes the event reason when given', () => {
    const out = buildPatientUpdate({ patient: PATIENT }, { ...OPTS, eventReason: 'O' });
    expect(Hl7Message.parse(out).get('EVN-4')).toBe('O');
  });

  it('is deterministic', () => {
    expect(buildPatientUpdate({ patient: PATIENT }, OPTS)).toBe(text);
  });
});

describe('buildPatientUpdate, HL7 2.3.1', () => {
  const text = buildPatientUpdate({ patient: PATIENT }, { ...OPTS, version: '2.3.1' });
  const msg = Hl7Message.parse(text);

  it('writes EVN-1 A08, version 2.3.1 and patient class U', () => {
    expect(msg.all.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
    expect(msg.version).toBe('2.3.1');
    expect(msg.type).toEqual({ code: 'ADT', trigger: 'A08', structure: 'ADT_A01' });
    expect(msg.get('EVN-1')).toBe('A08');
    expect(msg.get('EVN-2')).toBe('20240310120000+0000');
    expect(msg.get('PV1-2')).toBe('U');
    expect(readBack(text)).toEqual(PATIENT);
  });

  it('lets the caller choose the patient class', () => {
    expect(Hl7Message.parse(buildPatientUpdate({ patient: PATIENT }, { ...OPTS, version: '2.3.1', patientClass: 'N' })).get('PV1-2')).toBe('N');
  });
});

describe('buildPatientUpdate refuses', () => {
  it('a patient without an identifier', () => {
    expect(usageError(() => buildPatientUpdate({ patient: { name: { family: 'DOE', given: 'JANE' } } }, OPTS))).toMatch(/patient\.id/);
    expect(usageError(() => buildPatientUpdate({ patient: { id: '  ' } }, OPTS))).toMatch(/patient\.id/);
  });

  it('a previous identity that is another patient or another authority', () => {
    expect(usageError(() => buildPatientUpdate({ patient: { id: '123' }, previous: { id: '124' } }, OPTS))).toMatch(/identifier/);
    expect(usageError(() => buildPatientUpdate({ patient: { id: '123', issuer: 'NORTH' }, previous: { id: '123', issuer: 'SOUTH' } }, OPTS))).toMatch(/assigning authority/);
    expect(usageError(() => buildPatientUpdate({ patient: { id: '123', issuer: 'north' }, previous: { id: '00123', issuer: 'NORTH' } }, OPTS))).toBeUndefined();
  });

  it('an unusable birth date, control id, timestamp or patient class', () => {
    expect(usageError(() => buildPatientUpdate({ patient: { id: '1', birthDate: '14/02/1980' } }, OPTS))).toMatch(/birthDate/);
    expect(usageError(() => buildPatientUpdate({ patient: PATIENT }, { ...OPTS, controlId: '' }))).toMatch(/controlId/);
    expect(usageError(() => buildPatientUpdate({ patient: PATIENT }, { ...OPTS, timestamp: '2024-03-10 12:00' }))).toMatch(/timestamp/);
    expect(usageError(() => buildPatientUpdate({ patient: PATIENT }, { ...OPTS, patientClass: 'I' as 'N' }))).toMatch(/patientClass/);
  });
});
