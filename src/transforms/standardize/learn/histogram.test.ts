import { describe, expect, it } from 'vitest';
import type { LearnRecord } from './fields.ts';
import { countValues, fieldHistogram } from './histogram.ts';

describe('histograms', () => {
  it('counts trimmed values, most frequent first, ties in code-unit order', () => {
    expect(countValues(['CT', 'MR ', 'CT', '', ' ', 'CR', 'MR'])).toEqual([
      { value: 'CT', count: 2 }, { value: 'MR', count: 2 }, { value: 'CR', count: 1 },
    ]);
  });

  it('fill rate counts records with a value among the records that could be looked at', () => {
    const records: LearnRecord[] = [
      { side: 'dicom', values: { bodyPart: ['CHEST'] } },
      { side: 'dicom', values: { bodyPart: ['CHEST', 'ABDOMEN'] } },
      { side: 'dicom', values: { bodyPart: [] } },
      { side: 'dicom', values: { bodyPart: [' '] } },
      { side: 'dicom', values: {} },
    ];
    const h = fieldHistogram('bodyPart', records);
    expect(h).toMatchObject({ records: 4, filled: 2, fillRate: 0.5, occurrences: 3 });
    expect(h.entries).toEqual([{ value: 'CHEST', count: 2 }, { value: 'ABDOMEN', count: 1 }]);
  });

  it('a field nobody could look at has no fill rate', () => {
    expect(fieldHistogram('studyTime', [{ side: 'dicom', values: {} }])).toMatchObject({ records: 0, filled: 0, fillRate: 0 });
  });
});
