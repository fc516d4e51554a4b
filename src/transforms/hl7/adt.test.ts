import { describe, expect, it } from 'vitest';
import { applyDemographics, isAdt, readAdt } from './adt.ts';
import { Hl7Message } from './message.ts';

const msg = (type: string, extra: string[] = []): Hl7Message => Hl7Message.parse([
  `MSH|^~\\&|ADT|HOSP|ACCLINK|RAD|20260310101500||${type}|MSG1|P|2.5.1`,
  'EVN|A08|20260310101500',
  'PID|1||MRN123^^^HOSP^MR~999^^^SSA^SS||DOE^JANE^Q||19800102|F',
  ...extra,
].join('\r'));

describe('readAdt', () => {
  it('reads the patient of an A08, preferring the MR identifier', () => {
    const m = msg('ADT^A08^ADT_A01');
    expect(isAdt(m)).toBe(true);
    expect(readAdt(m)).toEqual({
      event: 'A08',
      patient: { id: 'MRN123', issuer: 'HOSP', name: { family: 'DOE', given: 'JANE', middle: 'Q' }, birthDate: '1980-01-02', sex: 'F' },
    });
  });

  it('reads the prior id of an A40 from MRG-1', () => {
    expect(readAdt(msg('ADT^A40^ADT_A39', ['MRG|OLD77^^^HOSP^MR']))).toMatchObject({ event: 'A40', patient: { id: 'MRN123' }, priorPatientId: 'OLD77' });
    expect(() => readAdt(msg('ADT^A40^ADT_A39'))).toThrow(expect.objectContaining({ code: 'HL7_MISSING_FIELD' }) as Error);
  });

  it('refuses other events by code', () => {
    expect(() => readAdt(msg('ADT^A01^ADT_A01'))).toThrow(expect.objectContaining({ code: 'HL7_UNSUPPORTED_MESSAGE_TYPE' }) as Error);
  });

  it('keeps record fields the update leaves out', () => {
    expect(applyDemographics({ id: 'P', birthDate: '1980-01-02', sex: 'F' }, { id: 'P', sex: 'M' })).toEqual({ id: 'P', birthDate: '1980-01-02', sex: 'M' });
  });
});
