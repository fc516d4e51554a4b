import { describe, expect, it } from 'vitest';
import type { Evidence } from '../model/link.ts';
import { report, scan } from '../../test/support/records.ts';
import { runLinker, shippedWeights } from '../../test/support/linker.ts';
import { BLOCKING_FIELDS, labelAnswers, learnFromReviews, weightKey, type LabelledEvidence } from './review-learning.ts';
import { levelWeight, parseWeightTable, type WeightTable } from './weights.ts';

const ev = (pairs: Record<string, string>): Evidence[] => Object.entries(pairs).map(([field, level]) => ({ field, level, weight: 0 }));
const times = (n: number, e: LabelledEvidence): LabelledEvidence[] => Array.from({ length: n }, () => e);

const table: WeightTable = parseWeightTable({
  fields: {
    modality: { agree: { m: 0.97, u: 0.3 }, differs: { m: 0.03, u: 0.7 } },
    examTime: { '<=1h': { m: 0.7, u: 0.0001 }, 'same-day': { m: 0.2, u: 0.0899 }, '<=3d': { m: 0.1, u: 0.91 } },
    patientId: { exact: { m: 0.97, u: 0.00005 }, differs: { m: 0.03, u: 0.99995 } },
    'name|sameId': { exact: { m: 0.92, u: 0.9 }, differs: { m: 0.08, u: 0.1 } },
    name: { exact: { m: 0.92, u: 0.0002 }, differs: { m: 0.08, u: 0.9998 } },
    'birthDate|sameName': { exact: { m: 0.96, u: 0.6 }, differs: { m: 0.04, u: 0.4 } },
    bodyRegion: { agree: { m: 0.85, u: 0.2 }, disagree: { m: 0.15, u: 0.8 } },
  },
});

describe('weightKey: the table row a piece of evidence was weighed from', () => {
  it('recovers the |sameId and |sameName conditions from the pair, as comparisonVector sets them', () => {
    const sameId = ev({ patientId: 'same-digits', name: 'exact', birthDate: 'exact', sex: 'agree', modality: 'agree' });
    expect(sameId.map((e) => weightKey(e, sameId, table))).toEqual(['patientId', 'name|sameId', 'birthDate|sameId', 'sex|sameId', 'modality']);
    const sameName = ev({ patientId: 'differs', name: 'jw>=0.94', birthDate: 'exact', sex: 'agree' });
    expect(sameName.map((e) => weightKey(e, sameName, table))).toEqual(['patientId', 'name', 'birthDate|sameName', 'sex|sameName']);
    const neither = ev({ patientId: 'missing', name: 'jw>=0.85', birthDate: 'exact' });
    expect(neither.map((e) => weightKey(e, neither, table))).toEqual(['patientId', 'name', 'birthDate']);
  });

  it('weighs findings from their own row when the table has one, else the shared `finding` row', () => {
    const e: Evidence = { field: 'finding:pneumonia', level: 'agree', weight: 0.7, source: 'findings' };
    expect(weightKey(e, [e], table)).toBe('finding');
    expect(weightKey(e, [e], { fields: { ...table.fields, 'finding:pneumonia': { agree: { m: 0.9, u: 0.5 } } } })).toBe('finding:pneumonia');
  });

  it('gives back exactly the weight the linker wrote into every piece of evidence it produced', () => {
    // Same id; different id but same name; differing names; one linked pair and candidates of every kind.
    const scans = [
      scan('1.1', { pid: 'MRN1', when: '2026-03-01T10:00:00' }),
      scan('1.2', { pid: 'MRN1', when: '2026-03-01T10:20:00' }),
      scan('1.3', { pid: 'X77', family: 'ROE', given: 'JANE', when: '2026-03-02T09:00:00' }),
      scan('1.4', { pid: 'MRN9', family: 'SMITH', given: 'ANN', dob: '1980-05-06', when: '2026-03-02T09:00:00', accession: 'A123' }),
    ];
    const reports = [
      report('R1', { pid: 'MRN1' }),
      report('R2', { pid: 'MRN1', when: '2026-03-01T10:25:00' }),
      report('R3', { pid: 'Y88', family: 'ROE', given: 'JANE', when: '2026-03-02T09:05:00' }),
      report('R4', { pid: 'MRN8', family: 'SMYTH', given: 'ANNE', dob: '1980-06-05', when: '2026-03-02T09:00:00', accession: 'A124' }),
    ];
    const r = runLinker(scans, reports, {
      thresholds: { auto: 0.999999999, review: 0, candidate: 0, verify: 0.999999999, marginBits: 99 },
      uFromRandomPairs: { enabled: false, samples: 0, strength: 0 },
    });
    const evidence = [...r.review.flatMap((i) => i.candidates.map((c) => c.evidence)), ...r.links.map((l) => l.evidence)];
    const checked = evidence.flatMap((pair) => pair.filter((e) => e.level !== 'missing').map((e) => [e.weight, Math.round(levelWeight(shippedWeights, weightKey(e, pair, shippedWeights), e.level) * 100) / 100]));
    expect(checked.length).toBeGreaterThan(20);
    for (const [written, recovered] of checked) expect(recovered).toBe(written);
    const keys = new Set(evidence.flatMap((pair) => pair.map((e) => weightKey(e, pair, shippedWeights))));
    expect(keys).toContain('name|sameId');
    expect(keys).toContain('birthDate|sameName');
  });
});

describe('labelAnswers', () => {
  const c = (id: string): { id: string; evidence: Evidence[] } => ({ id, evidence: ev({ modality: id === 'R1' ? 'agree' : 'differs' }) });
  it('a link makes the chosen candidate a match and the others non-matches; none makes all non-matches', () => {
    expect(labelAnswers([{ candidates: [c('R1'), c('R2')], linkedTo: 'R1' }]).map((l) => l.match)).toEqual([true, false]);
    expect(labelAnswers([{ candidates: [c('R1'), c('R2')] }]).map((l) => l.match)).toEqual([false, false]);
    // Linked to a record the item did not list: its candidates were all wrong.
    expect(labelAnswers([{ candidates: [c('R1'), c('R2')], linkedTo: 'R9' }]).map((l) => l.match)).toEqual([false, false]);
  });
  it('counts a pair shown by a study item and a report item once, as a match if either linked it', () => {
    const out = labelAnswers([
      { subject: '1.1', candidates: [c('R1'), c('R2')], linkedTo: 'R1' },
      { subject: 'R1', candidates: [{ ...c('1.1'), evidence: c('R1').evidence }], linkedTo: '1.1' },
    ]);
    expect(out.map((l) => l.match)).toEqual([true, false]);
  });
});

describe('learnFromReviews', () => {
  const match = (levels: Record<string, string>): LabelledEvidence => ({ evidence: ev(levels), match: true });
  const nonMatch = (levels: Record<string, string>): LabelledEvidence => ({ evidence: ev(levels), match: false });

  it('moves m toward the frequencies seen among matches, as the Dirichlet posterior mean', () => {
    const r = learnFromReviews(table, [...times(5, match({ modality: 'agree' })), ...times(5, match({ modality: 'differs' }))], { strength: 20 });
    // (count + strength × prior) / (answers + strength)
    expect(r.table.fields.modality?.differs?.m).toBeCloseTo((5 + 20 * 0.03) / 30, 12);
    expect(r.table.fields.modality?.agree?.m).toBeCloseTo((5 + 20 * 0.97) / 30, 12);
    expect(r.fields.find((f) => f.field === 'modality')).toMatchObject({ matches: 10, nonMatches: 0 });
    const differs = r.fields.find((f) => f.field === 'modality')?.levels.find((l) => l.level === 'differs');
    expect(differs?.weightAfter).toBeGreaterThan(differs?.weightBefore ?? Infinity);
    // u saw nothing: it stays.
    expect(r.table.fields.modality?.differs?.u).toBe(0.7);
  });

  it('moves u toward the frequencies seen among non-matches', () => {
    const r = learnFromReviews(table, [...times(8, nonMatch({ modality: 'agree' })), ...times(2, nonMatch({ modality: 'differs' }))]);
    expect(r.table.fields.modality?.agree?.u).toBeCloseTo((8 + 20 * 0.3) / 30, 12);
    expect(r.table.fields.modality?.agree?.m).toBe(0.97);
  });

  it('the prior strength bounds the move: a handful of answers moves a little, hundreds a lot', () => {
    const answers = (n: number): LabelledEvidence[] => [...times(n, match({ modality: 'agree' })), ...times(n, match({ modality: 'differs' }))];
    const m = (n: number, strength: number): number => learnFromReviews(table, answers(n), { strength }).table.fields.modality?.differs?.m ?? 0;
    // Observed share of `differs`: 0.5; prior 0.03. The move is at most answers / (answers + strength).
    for (const [n, strength] of [[2, 20], [10, 20], [10, 200], [500, 20]] as const) {
      expect(m(n, strength) - 0.03).toBeLessThanOrEqual(((2 * n) / (2 * n + strength)) * (0.5 - 0.03) + 1e-12);
    }
    expect(m(2, 20)).toBeLessThan(0.15);
    expect(m(10, 200)).toBeLessThan(m(10, 20));
    expect(m(500, 20)).toBeGreaterThan(0.48);
  });

  it('keeps fields and levels no answer reached, and each field keeps its total', () => {
    const r = learnFromReviews(table, [...times(6, match({ examTime: '<=1h' })), ...times(4, match({ examTime: '<=3d' }))]);
    const e = r.table.fields.examTime;
    expect(e?.['same-day']).toEqual(table.fields.examTime?.['same-day']);
    expect(e?.['<=3d']?.m).toBeGreaterThan(0.1);
    expect(e?.['<=1h']?.m).toBeLessThan(0.7);
    expect(Object.values(e ?? {}).reduce((a, mu) => a + mu.m, 0)).toBeCloseTo(1, 12);
    for (const f of ['modality', 'patientId', 'name|sameId', 'name', 'bodyRegion']) expect(r.table.fields[f]).toEqual(table.fields[f]);
    expect(Object.keys(r.table.fields)).toEqual(Object.keys(table.fields));
    // One level seen alone says nothing about how often the others occur.
    expect(learnFromReviews(table, times(50, match({ modality: 'agree' }))).table).toEqual(table);
    expect(learnFromReviews(table, []).fields).toEqual([]);
  });

  it('holds u of the blocking fields, but learns their conditioned rows and their m', () => {
    const pairs = [
      ...times(10, nonMatch({ patientId: 'exact', name: 'exact', bodyRegion: 'disagree' })),
      ...times(2, nonMatch({ patientId: 'differs', name: 'differs', bodyRegion: 'agree' })),
      ...times(2, nonMatch({ patientId: 'exact', name: 'differs' })),
      ...times(3, match({ patientId: 'exact', name: 'differs' })),
      ...times(3, match({ patientId: 'differs', name: 'exact' })),
    ];
    const r = learnFromReviews(table, pairs);
    expect(BLOCKING_FIELDS.has('patientId')).toBe(true);
    expect(r.table.fields.patientId?.exact?.u).toBe(0.00005);
    expect(r.table.fields.patientId?.differs?.m).toBeGreaterThan(0.03);
    expect(r.fields.find((f) => f.field === 'patientId')?.uFrozen).toBe(true);
    expect(r.table.fields['name|sameId']?.differs?.u).toBeGreaterThan(0.1);
    expect(r.table.fields.bodyRegion?.disagree?.u).toBeGreaterThan(0.8);
    // With no fields held, the review queue's same-patient non-matches make an agreeing id count for little.
    const open = learnFromReviews(table, pairs, { frozenU: new Set() });
    expect(Math.log2((open.table.fields.patientId?.exact?.m ?? 0) / (open.table.fields.patientId?.exact?.u ?? 1))).toBeLessThan(3);
  });

  it('never gives an m or u of 0 or 1, and the table stays valid', () => {
    const skewed: WeightTable = { fields: { contrast: { agree: { m: 0.9999999, u: 0.5 }, differs: { m: 1e-7, u: 0.5 } } } };
    const pairs = [...times(5000, match({ contrast: 'agree' })), match({ contrast: 'differs' }), ...times(5000, nonMatch({ contrast: 'differs' })), nonMatch({ contrast: 'agree' })];
    for (const strength of [0, 20]) {
      const r = learnFromReviews(skewed, pairs, { strength });
      for (const mu of Object.values(r.table.fields.contrast ?? {})) {
        for (const p of [mu.m, mu.u]) expect(p > 0 && p < 1).toBe(true);
      }
      expect(() => parseWeightTable(r.table)).not.toThrow();
      for (const l of r.fields[0]?.levels ?? []) expect(Number.isFinite(l.weightAfter)).toBe(true);
    }
  });

  it('counts evidence the table cannot weigh (no such field or level) without learning from it', () => {
    const r = learnFromReviews(table, [match({ institution: 'agree', modality: 'sometimes' }), match({ modality: 'missing' })]);
    expect(r.notInTable).toEqual([{ field: 'institution', level: 'agree', count: 1 }, { field: 'modality', level: 'sometimes', count: 1 }]);
    expect(r.table).toEqual(table);
  });
});
