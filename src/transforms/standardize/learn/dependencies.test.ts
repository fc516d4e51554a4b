import { describe, expect, it } from 'vitest';
import { mineDependencies } from './dependencies.ts';
import type { Transaction } from './dependencies.ts';

const repeat = (n: number, t: Transaction): Transaction[] => Array.from({ length: n }, () => t);
const transactions: Transaction[] = [
  ...repeat(10, { modality: ['MG'], bodyPart: ['BREAST'] }),
  ...repeat(30, { modality: ['CR'], bodyPart: ['CHEST'] }),
  ...repeat(10, { modality: ['CR'], bodyPart: ['KNEE'] }),
  ...repeat(1, { modality: ['CR'], bodyPart: ['HAND'] }),
  ...repeat(20, { modality: ['CT'], bodyPart: ['CHEST'] }),
  ...repeat(5, { modality: ['CT'], bodyPart: ['HEAD'] }),
  ...repeat(3, { modality: ['CT'] }),
];
const options = { pairs: [['modality', 'bodyPart'], ['bodyPart', 'modality']] as const, minShare: 0.05, bothWays: 0.9, minSupport: 1 };

describe('dependency mining', () => {
  const rules = mineDependencies(transactions, options);
  const rule = (f: string, v: string) => rules.find((r) => r.ifField === f && r.ifValue === v);

  it('MG → BREAST with full confidence, both ways when BREAST nearly always means MG', () => {
    const mg = rule('modality', 'MG');
    expect(mg?.allowed.map((v) => v.value)).toEqual(['BREAST']);
    expect(mg).toMatchObject({ support: 10, confidence: 1, direction: 'both' });
    expect(mg?.allowed[0]).toMatchObject({ count: 10, confidence: 1, reverse: 1 });
    // BREAST → MG is what the two-way rule already says.
    expect(rule('bodyPart', 'BREAST')).toBeUndefined();
  });

  it('rare combinations are left out of the allowed values, and lower the confidence', () => {
    const cr = rule('modality', 'CR');
    expect(cr?.allowed.map((v) => v.value)).toEqual(['CHEST', 'KNEE']);
    expect(cr?.leftOut.map((v) => v.value)).toEqual(['HAND']);
    expect(cr?.support).toBe(41);
    expect(cr?.confidence).toBeCloseTo(40 / 41, 3);
    expect(cr?.direction).toBe('one-way');
  });

  it('support counts only records with both fields; a rule allowing everything is dropped', () => {
    expect(rule('modality', 'CT')?.support).toBe(25);
    expect(rule('bodyPart', 'CHEST')?.allowed.map((v) => v.value)).toEqual(['CR', 'CT']);
    const all = mineDependencies([{ a: ['1'], b: ['x'] }, { a: ['1'], b: ['y'] }], { ...options, pairs: [['a', 'b']] });
    expect(all).toEqual([]);
  });

  it('minSupport drops rules seen too rarely', () => {
    expect(mineDependencies(transactions, { ...options, minSupport: 11 }).map((r) => r.ifValue)).not.toContain('MG');
  });
});
