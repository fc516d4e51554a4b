import { describe, expect, it } from 'vitest';
import { applyFormat, checkFormat, parseDate } from './format.ts';

describe('parseDate', () => {
  it.each<[string, 'DMY' | 'MDY' | undefined, string]>([
    ['20240305', undefined, '20240305'],
    ['2024-03-05', undefined, '20240305'],
    ['2024/3/5', undefined, '20240305'],
    ['2024-03-05T10:22:00', undefined, '20240305'],
    ['20240305102200.000000', undefined, '20240305'],
    ['05.03.2024', undefined, '20240305'],
    ['31/12/1960', undefined, '19601231'],
    ['12/31/1960', undefined, '19601231'],
    ['03/04/1960', 'DMY', '19600403'],
    ['03/04/1960', 'MDY', '19600304'],
    ['04/04/1960', undefined, '19600404'],
    ['20000229', undefined, '20000229'],
  ])('%s (%s) → %s', (text, order, expected) => {
    expect(parseDate(text, order)).toBe(expected);
  });

  it.each(['03/04/1960', '20230229', '19001301', '2024-02-30', 'yesterday', '1760-01-01', ''])('rejects %s', (text) => {
    expect(parseDate(text, undefined)).toMatchObject({ rule: 'format.date' });
  });
});

describe('applyFormat', () => {
  it('trims and collapses whitespace, and rewrites case', () => {
    expect(applyFormat('  ct   chest ', { case: 'upper' })).toEqual({ value: 'CT CHEST' });
    expect(applyFormat("ST MARY'S HOSPITAL-NORTH", { case: 'title' })).toEqual({ value: "St Mary's Hospital-North" });
    expect(applyFormat('Mixed Case', { case: 'asis' })).toEqual({ value: 'Mixed Case' });
  });

  it('writes person names as DICOM PN', () => {
    expect(applyFormat('Doe, John Andrew Paul', { personName: 'dicom' })).toEqual({ value: 'Doe^John^Andrew Paul' });
    expect(applyFormat('Doe ^ John ^^^', { personName: 'dicom' })).toEqual({ value: 'Doe^John' });
    expect(applyFormat('John Doe', { personName: 'dicom' })).toEqual({ value: 'John Doe' });
    expect(applyFormat('Yamada^Tarou=山田^太郎', { personName: 'dicom' })).toEqual({ value: 'Yamada^Tarou=山田^太郎' });
  });

  it('checks the future only against the given today', () => {
    expect(applyFormat('2024-06-02', { date: 'YYYYMMDD', notInFuture: true }, '20240601')).toMatchObject({ problem: { rule: 'format.notInFuture' } });
    expect(applyFormat('2024-06-01', { date: 'YYYYMMDD', notInFuture: true }, '2024-06-01')).toEqual({ value: '20240601' });
    expect(applyFormat('2024-06-02', { date: 'YYYYMMDD', notInFuture: true })).toEqual({ value: '20240602' });
  });

  it('checks length, allowed characters and pattern after rewriting', () => {
    expect(applyFormat('abc', { case: 'upper', pattern: '^[A-Z]+$' })).toEqual({ value: 'ABC' });
    expect(applyFormat('ABCDE', { maxLength: 4 })).toMatchObject({ problem: { rule: 'format.maxLength' } });
    expect(applyFormat('DOE^JOHN#2', { allowedChars: "\\p{L} ^'-" })).toMatchObject({ problem: { rule: 'format.allowedChars', message: 'characters not allowed: "#2"' } });
    expect(checkFormat('CT head', { case: 'upper' })).toMatchObject({ rule: 'format.case' });
  });
});
