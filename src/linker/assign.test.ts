import { describe, expect, it } from 'vitest';
import { assign, hungarianMax } from './assign.ts';

describe('hungarianMax', () => {
  it('finds the maximum-weight assignment, not the greedy one', () => {
    // Greedy takes (0,0)=10 then (1,1)=1 → 11; optimal is (0,1)+(1,0) = 9+9 = 18.
    const v = [
      [10, 9],
      [9, 1],
    ];
    expect(hungarianMax(v, 2, 2)).toEqual([1, 0]);
  });
  it('handles rectangular matrices and leaves rows without edges unassigned', () => {
    expect(hungarianMax([[5], [0], [7]], 3, 1)).toEqual([-1, -1, 0]);
  });
});

describe('assign', () => {
  it('reports a zero margin when two arrangements are equally good', () => {
    const out = assign([
      { scan: 0, report: 0, value: 10 },
      { scan: 0, report: 1, value: 10 },
      { scan: 1, report: 0, value: 10 },
      { scan: 1, report: 1, value: 10 },
    ]);
    expect(out).toHaveLength(2);
    for (const a of out) expect(a.margin).toBe(0);
  });
  it('reports a large margin when the choice is clear', () => {
    const out = assign([
      { scan: 0, report: 0, value: 30 },
      { scan: 0, report: 1, value: 2 },
      { scan: 1, report: 1, value: 25 },
    ]);
    expect(out.map((a) => [a.scan, a.report])).toEqual([[0, 0], [1, 1]]);
    expect(Math.min(...out.map((a) => a.margin))).toBeGreaterThan(20);
  });
});
