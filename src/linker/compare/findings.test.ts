import { describe, expect, it } from 'vitest';
import { shippedWeights } from '../../../test/support/linker.ts';
import { compareFinding, findingsEvidence, type ImageFinding } from './findings.ts';

const pneumonia = (state: ImageFinding['state']): ImageFinding => ({ finding: 'pneumonia', state, probability: state === 'positive' ? 0.93 : 0.04, model: 'pneumonia-cxr@1' });

describe('compareFinding', () => {
  it('agrees, disagrees, or stays uncertain', () => {
    expect(compareFinding('positive', 'positive')).toBe('agree');
    expect(compareFinding('negative', 'positive')).toBe('disagree');
    expect(compareFinding('positive', 'uncertain')).toBe('uncertain');
    expect(compareFinding('positive', undefined)).toBeUndefined();
  });
});

describe('findingsEvidence', () => {
  it('supports agreeing pairs and weighs clearly against a disagreement on the diagnosis', () => {
    const agree = findingsEvidence([pneumonia('positive')], { pneumonia: 'positive' }, shippedWeights);
    const disagree = findingsEvidence([pneumonia('positive')], { effusion: 'negative' }, shippedWeights);
    expect(agree).toEqual([expect.objectContaining({ field: 'finding:pneumonia', level: 'agree', source: 'pneumonia-cxr@1' })]);
    expect(agree[0]?.weight).toBeGreaterThan(0);
    expect(disagree[0]).toMatchObject({ level: 'disagree' });
    expect(disagree[0]?.weight).toBeLessThan(-3);
  });
  it('counts a report finding the model speaks to under another name', () => {
    const verdict = { ...pneumonia('positive'), lexicon: ['pneumonia', 'consolidation'] };
    expect(findingsEvidence([verdict], { consolidation: 'positive' }, shippedWeights)[0]?.level).toBe('agree');
    expect(findingsEvidence([verdict], { consolidation: 'uncertain', pneumonia: 'negative' }, shippedWeights)[0]?.level).toBe('uncertain');
  });

  it('gives no evidence without report labels', () => {
    expect(findingsEvidence([pneumonia('positive')], undefined, shippedWeights)).toEqual([]);
  });
});
