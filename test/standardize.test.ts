/** Header standardization on variants with known answers (seed 5): the figures bench:standardize prints. */
import { describe, expect, it } from 'vitest';
import { scoreStandardization } from './bench/standardize-eval.ts';

describe('study description standardization (seed 5)', () => {
  const s = scoreStandardization(5);

  it('never changes an entry that is already standard', () => {
    expect(s.standardTotal).toBeGreaterThan(40);
    expect(s.standardChanged).toBe(0);
  });

  it('never maps a variant or an unrelated text to a wrong entry', () => {
    for (const k of s.kinds) expect(k.wrong, k.kind).toBe(0);
  });

  it('finds the right entry for at least 95% of each variant kind, held-out kinds included', () => {
    for (const k of s.kinds.filter((x) => x.kind !== 'unrelated')) expect(k.correct / k.n, k.kind).toBeGreaterThanOrEqual(0.95);
    expect(s.kinds.filter((k) => k.kind.startsWith('held-out')).length).toBeGreaterThanOrEqual(4);
  });

  it('marks unrelated texts INCONCLUSIVE rather than guessing', () => {
    const u = s.kinds.find((k) => k.kind === 'unrelated');
    expect(u && u.inconclusive / u.n).toBe(1);
  });
});
