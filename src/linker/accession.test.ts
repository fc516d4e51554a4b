import { describe, expect, it } from 'vitest';
import { accessionBlockingKeys, canonicalAccession, compareAccessions, isPlaceholderAccession, numericCore } from './accession.ts';

describe('accession normalization', () => {
  it('canonicalizes case, spaces and punctuation', () => {
    expect(canonicalAccession(' acc-2026 0001 ')).toBe('ACC20260001');
    expect(canonicalAccession('   ')).toBeNull();
  });
  it('derives the numeric core without prefixes and leading zeros', () => {
    expect(numericCore('A0012345')).toBe('12345');
    expect(numericCore('12')).toBeNull();
  });
  it('recognizes placeholders', () => {
    expect(isPlaceholderAccession('0000')).toBe(true);
    expect(isPlaceholderAccession('UNKNOWN')).toBe(true);
    expect(isPlaceholderAccession('A1')).toBe(false);
  });
});

describe('compareAccessions', () => {
  it('grades the difference', () => {
    expect(compareAccessions('A1234567', 'a1234567')).toBe('exact');
    expect(compareAccessions('A0001234567', '1234567')).toBe('normalized');
    expect(compareAccessions('ACC-2026-000123', 'acc-2026-123')).toBe('normalized');
    expect(compareAccessions('ACC-2026-000123', 'ACC-2025-000123')).toBe('one-edit');
    expect(compareAccessions('A1234567', 'A1234576')).toBe('one-edit');
    expect(compareAccessions('A1234567', 'A1233367')).toBe('two-edits');
    expect(compareAccessions('A1234567', 'B9876543')).toBe('differs');
    expect(compareAccessions('A1234567', undefined)).toBe('missing');
  });
  it('blocking keys meet for one-edit variants and normalized forms', () => {
    const meet = (a: string, b: string): boolean => accessionBlockingKeys(a).some((k) => accessionBlockingKeys(b).includes(k));
    expect(meet('A1234567', 'A1243567')).toBe(true);
    expect(meet('A1234567', '001234567')).toBe(true);
    expect(meet('ACC-2026-000123', 'ACC-2026-123')).toBe(true);
    expect(meet('A1234567', 'A7654321')).toBe(false);
  });
});
