import { describe, expect, it } from 'vitest';
import { cleanValue, combineDateTime, parseDicomDate, parseDicomTime, parsePersonName, parseSex } from './values.ts';

describe('cleanValue', () => {
  it('trims DICOM padding and turns empty into undefined', () => {
    expect(cleanValue('A123 ')).toBe('A123');
    expect(cleanValue('1.2.3\0')).toBe('1.2.3');
    expect(cleanValue('  LEFT ')).toBe('LEFT');
    expect(cleanValue('    ')).toBeUndefined();
    expect(cleanValue('\0\0')).toBeUndefined();
    expect(cleanValue(undefined)).toBeUndefined();
  });

  it('ends the value at an embedded NUL', () => {
    expect(cleanValue('ABC\0junk')).toBe('ABC');
  });
});

describe('parseDicomDate', () => {
  it('reads DA and the ACR-NEMA dotted form', () => {
    expect(parseDicomDate('20240229')).toBe('2024-02-29');
    expect(parseDicomDate('1999.12.31')).toBe('1999-12-31');
    expect(parseDicomDate('20040119 ')).toBe('2004-01-19');
  });

  it('rejects impossible dates, ranges and junk', () => {
    expect(parseDicomDate('20230229')).toBeUndefined();
    expect(parseDicomDate('20231301')).toBeUndefined();
    expect(parseDicomDate('20230100')).toBeUndefined();
    expect(parseDicomDate('20010101-20010102')).toBeUndefined();
    expect(parseDicomDate('2023011')).toBeUndefined();
    expect(parseDicomDate('unknown')).toBeUndefined();
    expect(parseDicomDate('00000000')).toBeUndefined();
  });

  it('accepts year or year-month only when partial dates are allowed (birth dates)', () => {
    expect(parseDicomDate('1971', true)).toBe('1971');
    expect(parseDicomDate('197103', true)).toBe('1971-03');
    expect(parseDicomDate('1971')).toBeUndefined();
    expect(parseDicomDate('197103')).toBeUndefined();
  });
});

describe('parseDicomTime', () => {
  it('reads every TM form to HH:MM:SS', () => {
    expect(parseDicomTime('072730')).toBe('07:27:30');
    expect(parseDicomTime('0727')).toBe('07:27:00');
    expect(parseDicomTime('07')).toBe('07:00:00');
    expect(parseDicomTime('072730.123456')).toBe('07:27:30');
    expect(parseDicomTime('07:27:30')).toBe('07:27:30');
    expect(parseDicomTime('07:27')).toBe('07:27:00');
    expect(parseDicomTime('07:27:30.5 ')).toBe('07:27:30');
  });

  it('clamps a leap second and rejects out-of-range or malformed times', () => {
    expect(parseDicomTime('235960')).toBe('23:59:59');
    expect(parseDicomTime('240000')).toBeUndefined();
    expect(parseDicomTime('126000')).toBeUndefined();
    expect(parseDicomTime('7')).toBeUndefined();
    expect(parseDicomTime('07273')).toBeUndefined();
    expect(parseDicomTime('noon')).toBeUndefined();
  });
});

describe('combineDateTime', () => {
  it('joins date and time, keeps the date alone without a usable time, and needs a date', () => {
    expect(combineDateTime('20040119', '072730.000')).toBe('2004-01-19T07:27:30');
    expect(combineDateTime('20040119', undefined)).toBe('2004-01-19');
    expect(combineDateTime('20040119', '99')).toBe('2004-01-19');
    expect(combineDateTime(undefined, '072730')).toBeUndefined();
  });
});

describe('parsePersonName', () => {
  it('splits the five components and trims each', () => {
    expect(parsePersonName('Doe^John^Q^Dr^Jr ')).toEqual({ family: 'Doe', given: 'John', middle: 'Q', prefix: 'Dr', suffix: 'Jr' });
    expect(parsePersonName('Doe ^ John')).toEqual({ family: 'Doe', given: 'John' });
  });

  it('keeps only the alphabetic group before =', () => {
    expect(parsePersonName('Yamada^Tarou=山田^太郎=やまだ^たろう')).toEqual({ family: 'Yamada', given: 'Tarou' });
    expect(parsePersonName('=山田^太郎')).toBeUndefined();
  });

  it('fills given with an empty string for a family-only name, and gives undefined for empty names', () => {
    expect(parsePersonName('Anonymous')).toEqual({ family: 'Anonymous', given: '' });
    expect(parsePersonName('^^^^')).toBeUndefined();
    expect(parsePersonName('')).toBeUndefined();
    expect(parsePersonName('^Cher')).toEqual({ family: '', given: 'Cher' });
  });
});

describe('parseSex', () => {
  it('maps defined terms and U, ignores anything else', () => {
    expect(parseSex('M ')).toBe('M');
    expect(parseSex('f')).toBe('F');
    expect(parseSex('O')).toBe('O');
    expect(parseSex('U')).toBe('U');
    expect(parseSex('X')).toBeUndefined();
    expect(parseSex(undefined)).toBeUndefined();
  });
});
