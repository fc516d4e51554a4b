import { describe, expect, it } from 'vitest';
import { caseStyle, dateClass, dateTimeClass, identifierClass, identifierPattern, nameClass, nameClassKey, nameStylePattern, parseNameClassKey, timeClass } from './formats.ts';

describe('identifierClass: accession formats as regex classes', () => {
  it.each([
    ['A0268781', 'A\\d{7}'],
    ['a0268781', 'a\\d{7}'],
    ['A026878', 'A\\d{6}'],
    ['12345678', '\\d{8}'],
    ['2026-CT-001', '\\d{4}-[A-Z]{2}-\\d{3}'],
    ['RAD.12345', 'RAD\\.\\d{5}'],
    ['ACC12AB', 'ACC\\d{2}[A-Z]{2}'],
  ])('%s → %s', (value, cls) => {
    expect(identifierClass(value)).toBe(cls);
    expect(new RegExp(`^${cls}$`, 'u').test(value)).toBe(true);
  });

  it('builds an anchored pattern from one or several classes', () => {
    expect(identifierPattern(['A\\d{7}'])).toBe('^A\\d{7}$');
    const p = new RegExp(identifierPattern(['A\\d{7}', '\\d{8}']));
    expect(p.test('A1234567')).toBe(true);
    expect(p.test('12345678')).toBe(true);
    expect(p.test('A123456')).toBe(false);
  });
});

describe('date and time classes', () => {
  it.each([
    ['20260302', 'YYYYMMDD'], ['2026.03.02', 'YYYY.MM.DD'], ['2026-03-02', 'YYYY-MM-DD'], ['202603', 'YYYYMM'], ['1961', 'YYYY'], ['02/03/2026', '99/99/9999'],
  ])('DA %s → %s', (raw, cls) => expect(dateClass(raw)).toBe(cls));

  it.each([
    ['101500', 'HHMMSS'], ['1015', 'HHMM'], ['10', 'HH'], ['101500.123456', 'HHMMSS.FFFFFF'], ['101500.1', 'HHMMSS.F'], ['10:15:00', 'HH:MM:SS'], ['10:15', 'HH:MM'], ['10h15', '99a99'],
  ])('TM %s → %s', (raw, cls) => expect(timeClass(raw)).toBe(cls));

  it.each([
    ['20260302', 'YYYYMMDD'], ['202603021015', 'YYYYMMDDHHMM'], ['20260302101500', 'YYYYMMDDHHMMSS'], ['20260302101500+0100', 'YYYYMMDDHHMMSS±ZZZZ'],
    ['20260302101500.1234-0500', 'YYYYMMDDHHMMSS.FFFF±ZZZZ'], ['202603021015^M', 'YYYYMMDDHHMM'], ['2026030', '9999999'],
  ])('DTM %s → %s', (raw, cls) => expect(dateTimeClass(raw)).toBe(cls));
});

describe('name classes carry the layout and case, never the name', () => {
  it.each<[string, 'pn' | 'xpn' | 'cnn', string]>([
    ['SMITH^JOHN', 'pn', 'FAMILY^GIVEN · upper'],
    ['Smith^John^Paul', 'pn', 'FAMILY^GIVEN^MIDDLE · title'],
    ['Smith^John^^^', 'pn', 'FAMILY^GIVEN^^^ · title'],
    ['SMITH, JOHN', 'pn', 'FAMILY, GIVEN · upper'],
    ['Smith, John Paul', 'pn', 'FAMILY, GIVEN MIDDLE · title'],
    ['John Smith', 'pn', 'NAME (2 words) · title'],
    ['Yamada^Tarou=山田^太郎', 'pn', 'FAMILY^GIVEN =… · title'],
    ['McDonald^Ann', 'pn', 'FAMILY^GIVEN · mixed'],
    ['smith^john^^^dr', 'xpn', 'FAMILY^GIVEN^^^PREFIX · lower'],
    ['11178&Iqbal&Sana', 'cnn', 'ID&FAMILY&GIVEN · title'],
  ])('%s (%s) → %s', (raw, scheme, key) => {
    const c = nameClass(raw, scheme);
    expect(c && nameClassKey(c)).toBe(key);
    for (const word of raw.split(/[^\p{L}]+/u).filter((w) => w.length > 1)) expect(key).not.toContain(word);
  });

  it('reads nothing from an empty value', () => {
    expect(nameClass('', 'pn')).toBeUndefined();
    expect(nameClass('^^', 'pn')).toBeUndefined();
  });

  it('parses its keys back, with the layout style', () => {
    expect(parseNameClassKey('FAMILY^GIVEN^^^ · title')).toEqual({ layout: 'FAMILY^GIVEN^^^', style: 'trailing', case: 'title' });
    expect(parseNameClassKey('FAMILY, GIVEN · upper')?.style).toBe('comma');
    expect(parseNameClassKey('FAMILY^GIVEN · upper')?.style).toBe('components');
    expect(parseNameClassKey('NAME (1 word) · upper')?.style).toBe('single');
  });

  it('proposes patterns that accept their own style and reject the others', () => {
    const components = new RegExp(nameStylePattern('components', 'pn'));
    expect(components.test('SMITH^JOHN')).toBe(true);
    expect(components.test('SMITH^JOHN^PAUL')).toBe(true);
    expect(components.test('SMITH^JOHN^^^')).toBe(false);
    expect(components.test('SMITH, JOHN')).toBe(false);
    expect(new RegExp(nameStylePattern('trailing', 'pn')).test('SMITH^JOHN^^^')).toBe(true);
    expect(new RegExp(nameStylePattern('comma', 'pn')).test('SMITH, JOHN')).toBe(true);
  });
});

describe('caseStyle', () => {
  it.each([
    ['CHEST PA/LAT', 'upper'], ['chest pa', 'lower'], ['Chest Pa', 'title'], ["O'Brien", 'title'], ['t2_TSE', 'mixed'], ['12 34', 'none'],
  ])('%s → %s', (text, style) => expect(caseStyle(text)).toBe(style));
});
