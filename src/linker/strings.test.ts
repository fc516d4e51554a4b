import { describe, expect, it } from 'vitest';
import { deletionKeys, foldText, jaroWinkler, osaDistance } from './strings.ts';

describe('jaroWinkler', () => {
  it('matches published reference values', () => {
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('DWAYNE', 'DUANE')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('DIXON', 'DICKSONX')).toBeCloseTo(0.813, 3);
  });
  it('is 1 for equal and 0 for disjoint or empty strings', () => {
    expect(jaroWinkler('SMITH', 'SMITH')).toBe(1);
    expect(jaroWinkler('ABC', 'XYZ')).toBe(0);
    expect(jaroWinkler('', 'A')).toBe(0);
  });
});

describe('osaDistance', () => {
  it('counts substitution, insertion, deletion and adjacent transposition as one edit', () => {
    expect(osaDistance('A1234567', 'A1234568')).toBe(1);
    expect(osaDistance('A1234567', 'A12345678')).toBe(1);
    expect(osaDistance('A1234567', 'A123456')).toBe(1);
    expect(osaDistance('A1234567', 'A1243567')).toBe(1);
    expect(osaDistance('A1234567', 'B2234567')).toBe(2);
  });
  it('stops early above max', () => {
    expect(osaDistance('AAAAAAAA', 'BBBBBBBB', 2)).toBe(3);
  });
});

describe('deletionKeys', () => {
  it('gives strings one edit apart a shared key', () => {
    const share = (a: string, b: string): boolean => deletionKeys(a).some((k) => deletionKeys(b).includes(k));
    expect(share('12345', '12354')).toBe(true);
    expect(share('12345', '1245')).toBe(true);
    expect(share('12345', '12395')).toBe(true);
    expect(share('12345', '54321')).toBe(false);
  });
});

describe('foldText', () => {
  it('folds case, diacritics and punctuation', () => {
    expect(foldText("  Müller-O'Brien ")).toBe('MULLER O BRIEN');
  });
});
