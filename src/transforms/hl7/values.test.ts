import { describe, expect, it } from 'vitest';
import { Hl7Segment } from './message.ts';
import { DEFAULT_HL7_ENCODING } from './escape.ts';
import { hl7Date, hl7DateTime, hl7Sex, isHl7Ts, readClinician, readIdentifier, readPatientName, readXpn, toHl7Ts } from './values.ts';

const seg = (raw: string): Hl7Segment => new Hl7Segment(raw, DEFAULT_HL7_ENCODING);

describe('hl7DateTime', () => {
  it('converts each precision of TS to a LocalDateTime', () => {
    expect(hl7DateTime('20240305')).toBe('2024-03-05');
    expect(hl7DateTime('2024030510')).toBe('2024-03-05T10:00:00');
    expect(hl7DateTime('202403051015')).toBe('2024-03-05T10:15:00');
    expect(hl7DateTime('20240305101530')).toBe('2024-03-05T10:15:30');
  });

  it('drops fractional seconds and the offset on purpose', () => {
    expect(hl7DateTime('20240305101530.1234-0500')).toBe('2024-03-05T10:15:30');
    expect(hl7DateTime('202403051015+0100')).toBe('2024-03-05T10:15:00');
  });

  it('trims, and tolerates ISO dates that some feeds send', () => {
    expect(hl7DateTime(' 20240305 ')).toBe('2024-03-05');
    expect(hl7DateTime('2024-03-05T10:15:30')).toBe('2024-03-05T10:15:30');
  });

  it('gives undefined for invalid or too coarse values', () => {
    for (const bad of ['', '""', '2024', '202403', '20241305', '20240230', '20230229', '2024030525', '202403051060', 'yesterday', '2024030510153']) {
      expect(hl7DateTime(bad), bad).toBeUndefined();
    }
    expect(hl7DateTime('20240229')).toBe('2024-02-29');
  });
});

describe('hl7Date', () => {
  it('keeps partial birth dates and drops times', () => {
    expect(hl7Date('19700101')).toBe('1970-01-01');
    expect(hl7Date('197001')).toBe('1970-01');
    expect(hl7Date('1970')).toBe('1970');
    expect(hl7Date('197001011230')).toBe('1970-01-01');
    expect(hl7Date('19701301')).toBeUndefined();
  });
});

describe('toHl7Ts and isHl7Ts', () => {
  it('writes LocalDateTime and partial dates as TS', () => {
    expect(toHl7Ts('2024-03-05T10:15:30')).toBe('20240305101530');
    expect(toHl7Ts('1970-01')).toBe('197001');
    expect(toHl7Ts('1970-13-01')).toBeUndefined();
  });

  it('recognises TS as written in messages only', () => {
    expect(isHl7Ts('20240305120000')).toBe(true);
    expect(isHl7Ts('20240305120000.5+0100')).toBe(true);
    expect(isHl7Ts('2024-03-05')).toBe(false);
    expect(isHl7Ts('20241305')).toBe(false);
  });
});

describe('hl7Sex', () => {
  it('maps table 0001, folding A into Other and N into Unknown', () => {
    expect(['M', 'F', 'O', 'U', 'A', 'N', 'f', ' m '].map(hl7Sex)).toEqual(['M', 'F', 'O', 'U', 'O', 'U', 'F', 'M']);
    expect(hl7Sex('X')).toBeUndefined();
    expect(hl7Sex('')).toBeUndefined();
  });
});

describe('names', () => {
  it('reads XPN in HL7 order: family^given^middle^suffix^prefix', () => {
    expect(readXpn(seg('PID|1||||DOE^JOHN^Q^JR^DR'), 5)).toEqual({ family: 'DOE', given: 'JOHN', middle: 'Q', suffix: 'JR', prefix: 'DR' });
  });

  it('splits FAMILY, GIVEN written into the first component, with or without empty components', () => {
    expect(readXpn(seg('PID|1||||DOE, JOHN Q'), 5)).toEqual({ family: 'DOE', given: 'JOHN Q' });
    expect(readXpn(seg('PID|1||||DOE,JOHN^^^'), 5)).toEqual({ family: 'DOE', given: 'JOHN' });
    expect(readXpn(seg('PID|1||||DOE, JR^JOHN'), 5)).toEqual({ family: 'DOE, JR', given: 'JOHN' });
  });

  it('reads the FN surname subcomponent and gives undefined for an empty name', () => {
    expect(readXpn(seg('PID|1||||VAN DAM&VAN&DAM^ANNA'), 5)).toEqual({ family: 'VAN DAM', given: 'ANNA' });
    expect(readXpn(seg('PID|1||||^^^'), 5)).toBeUndefined();
    expect(readXpn(seg('PID|1||||""'), 5)).toBeUndefined();
  });

  it('prefers the legal name among repetitions', () => {
    expect(readPatientName(seg('PID|1||||NICK^JJ^^^^^A~DOE^JOHN^^^^^L'), 5)).toEqual({ family: 'DOE', given: 'JOHN' });
    expect(readPatientName(seg('PID|1||||~DOE^JOHN~OTHER^X'), 5)).toEqual({ family: 'DOE', given: 'JOHN' });
  });

  it('reads a clinician from NDL (CNN subcomponents), XCN components or a bare name', () => {
    expect(readClinician(seg('OBR|1' + '|'.repeat(31) + '9001&SMITH&ANNA&B&&DR^20240101'), 32)).toEqual({ family: 'SMITH', given: 'ANNA', middle: 'B', prefix: 'DR' });
    expect(readClinician(seg('OBR|1' + '|'.repeat(31) + '9001^SMITH^ANNA'), 32)).toEqual({ family: 'SMITH', given: 'ANNA' });
    expect(readClinician(seg('OBR|1' + '|'.repeat(31) + 'SMITH, ANNA'), 32)).toEqual({ family: 'SMITH', given: 'ANNA' });
    expect(readClinician(seg('OBR|1' + '|'.repeat(31) + '9001'), 32)).toBeUndefined();
  });
});

describe('readIdentifier', () => {
  const pid = seg('PID|1||SSN1^^^SSA^SS~MRN1^^^HOSP&1.2.3&ISO^MR~MRN2^^^&2.16.840^MR');

  it('prefers the CX-5 type asked for and reads the issuer from CX-4', () => {
    expect(readIdentifier(pid, 3, ['MR'])).toEqual({ id: 'MRN1', issuer: 'HOSP' });
  });

  it('falls back to the first identifier, and to the HD universal id for the issuer', () => {
    expect(readIdentifier(pid, 3, ['PI'])).toEqual({ id: 'SSN1', issuer: 'SSA' });
    expect(readIdentifier(pid, 3, ['MR'], 3)).toEqual({ id: 'MRN2', issuer: '2.16.840' });
    expect(readIdentifier(seg('PID|1||X9'), 3, ['MR'])).toEqual({ id: 'X9' });
    expect(readIdentifier(seg('PID|1||^^^HOSP^MR'), 3, ['MR'])).toBeUndefined();
  });
});
