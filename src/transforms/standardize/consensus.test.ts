import { describe, expect, it } from 'vitest';
import type { PatientIdentity, PersonName, Report, Scan } from '../../model/types.ts';
import { patientConsensus } from './consensus.ts';

const JANE: PatientIdentity = { id: 'MRN1', name: { family: 'DOE', given: 'JANE' }, birthDate: '1980-02-14', sex: 'F' };

let seq = 0;
function scan(patient: Partial<PatientIdentity>, extra: Partial<Scan> = {}): Scan {
  seq++;
  return {
    studyInstanceUid: `1.2.3.${seq}`, patient: { ...JANE, ...patient }, modalities: ['CT'], bodyParts: [], seriesDescriptions: [],
    seriesCount: 1, instanceCount: 1, sources: [], ...extra,
  };
}
function report(patient: Partial<PatientIdentity>, extra: Partial<Report> = {}): Report {
  seq++;
  return { reportId: `R${seq}`, kind: 'report', patient: { ...JANE, ...patient }, sources: [], ...extra };
}
const named = (family: string, given: string, middle?: string): { name: PersonName } => ({ name: { family, given, ...(middle ? { middle } : {}) } });

describe('patientConsensus: names', () => {
  it('corrects a one-typo outlier toward a clear majority automatically', () => {
    const odd = scan(named('DOE', 'JNAE'));
    const r = patientConsensus({ scans: [scan({}), scan({}), odd], reports: [report({}), report({})] });
    expect(r.consensus).toEqual({ name: 'DOE^JANE', birthDate: '19800214', sex: 'F' });
    expect(r.proposals).toEqual([{
      target: 'scan', studyInstanceUid: odd.studyInstanceUid, field: 'PatientName', from: 'DOE^JNAE', to: 'DOE^JANE',
      confidence: 0.954, basis: '4 of 5 records agree; one keying error', difference: 'typo', autoApply: true,
    }]);
    expect(r.unresolved).toEqual([]);
  });

  it('proposes but never applies a real difference (another surname)', () => {
    const odd = report(named('SMITH', 'JANE'));
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), scan({})], reports: [odd] });
    expect(r.proposals).toHaveLength(1);
    expect(r.proposals[0]).toMatchObject({ reportId: odd.reportId, from: 'SMITH^JANE', to: 'DOE^JANE', difference: 'different', autoApply: false });
    expect(r.proposals[0]?.confidence).toBeLessThanOrEqual(0.6);
    expect(r.proposals[0]?.basis).toBe('4 of 5 records agree; differs by more than a keying error');
  });

  it('treats swapped family and given names as one keying error', () => {
    const odd = scan(named('JANE', 'DOE'));
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), odd], reports: [] });
    expect(r.proposals[0]).toMatchObject({ from: 'JANE^DOE', to: 'DOE^JANE', difference: 'name-order', autoApply: true });
  });

  it('does not see middle names, given-name extras, prefixes or suffixes as differences', () => {
    const r = patientConsensus({
      scans: [scan(named('DOE', 'JANE', 'MARIE')), scan(named('DOE', 'JANE MARIE')), scan({ name: { family: 'DOE', given: 'JANE', prefix: 'MRS' } })],
      reports: [report(named('DOE', 'JANE')), report({ name: { family: 'DOE', given: 'JANE', suffix: 'JR' } })],
    });
    expect(r.proposals).toEqual([]);
    expect(r.consensus.name?.startsWith('DOE^JANE')).toBe(true);
  });

  it('does not see case, accents, punctuation or "FAMILY, GIVEN" as differences', () => {
    const r = patientConsensus({
      scans: [scan(named('Müller', 'Jörg')), scan(named('MULLER', 'JORG')), scan(named('MÜLLER, JÖRG', ''))],
      reports: [report(named('muller', 'jorg')), report(named('MUL-LER', 'JORG'))],
    });
    expect(r.proposals).toEqual([]);
    expect(r.unresolved).toEqual([]);
  });

  it('keeps the outlier\'s own middle name when correcting family and given', () => {
    const odd = scan(named('DOE', 'JNAE', 'MARIE'));
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), odd], reports: [] });
    expect(r.proposals[0]).toMatchObject({ from: 'DOE^JNAE^MARIE', to: 'DOE^JANE^MARIE' });
  });

  it('writes the consensus in the most common standard form, "FAMILY, GIVEN" split into components', () => {
    const r = patientConsensus({ scans: [scan(named('DOE, JANE', '')), scan(named('DOE, JANE', ''))], reports: [report(named('Doe', 'Jane'))] });
    expect(r.consensus.name).toBe('DOE^JANE');
    expect(r.proposals).toEqual([]);
  });

  it('leaves a family-only name alone when the family agrees, and proposes when it does not', () => {
    const fits = scan(named('DOE', ''));
    const clash = scan(named('ROE', ''));
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), fits, clash], reports: [] });
    expect(r.proposals).toHaveLength(1);
    expect(r.proposals[0]).toMatchObject({ studyInstanceUid: clash.studyInstanceUid, from: 'ROE', to: 'DOE^JANE', autoApply: false });
    expect(r.proposals[0]?.basis).toContain('3 of 3 records agree');
  });
});

describe('patientConsensus: majority and ties', () => {
  it('needs at least three agreeing records to apply automatically', () => {
    const odd = scan(named('DOE', 'JNAE'));
    const r = patientConsensus({ scans: [scan({}), odd], reports: [report({})] });
    expect(r.proposals[0]).toMatchObject({ to: 'DOE^JANE', difference: 'typo', autoApply: false, basis: '2 of 3 records agree; one keying error' });
    expect(r.proposals[0]?.confidence).toBe(0.4);
    const lower = patientConsensus({ scans: [scan({}), odd], reports: [report({})] }, { minAgreeing: 2 });
    expect(lower.proposals[0]?.autoApply).toBe(true);
  });

  it('needs twice the runner-up: 3 against 2 is not clear', () => {
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), scan(named('DOE', 'JNAE')), scan(named('DOE', 'JNAE'))], reports: [] });
    expect(r.proposals).toHaveLength(2);
    expect(r.proposals.every((p) => !p.autoApply)).toBe(true);
  });

  it('breaks a one-against-one tie toward the RIS record, as a proposal only', () => {
    const s = scan(named('DOE', 'JNAE'), { studyDateTime: '2024-03-06T10:00:00' });
    const r = patientConsensus({ scans: [s], reports: [report({}, { reportDateTime: '2024-01-01T10:00:00' })] });
    expect(r.consensus.name).toBe('DOE^JANE');
    expect(r.proposals).toEqual([expect.objectContaining({
      target: 'scan', studyInstanceUid: s.studyInstanceUid, from: 'DOE^JNAE', to: 'DOE^JANE', autoApply: false,
      basis: '1 of 2 records agree; one keying error; tie broken toward the RIS record',
    })]);
    expect(r.proposals[0]?.confidence).toBe(0.3);
  });

  it('breaks a tie between records of one side toward the most recent', () => {
    const older = scan(named('DOE', 'JNAE'), { studyDateTime: '2023-01-01T10:00:00' });
    const newer = scan({}, { studyDateTime: '2024-01-01' });
    const r = patientConsensus({ scans: [older, newer], reports: [] });
    expect(r.consensus.name).toBe('DOE^JANE');
    expect(r.proposals[0]).toMatchObject({ studyInstanceUid: older.studyInstanceUid, autoApply: false });
    expect(r.proposals[0]?.basis).toContain('tie broken toward the most recent record');
  });

  it('leaves a tie nothing breaks unresolved, without proposals', () => {
    const a = scan(named('DOE', 'JANE'));
    const b = scan(named('DOE', 'JNAE'));
    const r = patientConsensus({ scans: [a, b], reports: [] });
    expect(r.consensus.name).toBeUndefined();
    expect(r.proposals).toEqual([]);
    expect(r.unresolved).toEqual([{
      field: 'PatientName',
      values: [
        { value: 'DOE^JANE', records: [{ target: 'scan', studyInstanceUid: a.studyInstanceUid }] },
        { value: 'DOE^JNAE', records: [{ target: 'scan', studyInstanceUid: b.studyInstanceUid }] },
      ],
    }]);
    expect(r.consensus.birthDate).toBe('19800214');
  });

  it('does not apply automatically when the differing RIS records are the newest (a registration fix)', () => {
    const scans = ['2020-01-01', '2021-01-01', '2022-01-01'].map((d) => scan({}, { studyDateTime: d }));
    const fixed = report({ birthDate: '1980-02-15' }, { reportDateTime: '2024-01-01T09:00:00' });
    const r = patientConsensus({ scans, reports: [fixed] });
    expect(r.proposals[0]).toMatchObject({ reportId: fixed.reportId, field: 'PatientBirthDate', from: '19800215', to: '19800214', difference: 'typo', autoApply: false });
    expect(r.proposals[0]?.basis).toContain('may be a real change');
  });

  it('demotes every proposal of a record that differs in two fields', () => {
    const odd = scan({ name: { family: 'DOE', given: 'JNAE' }, birthDate: '1980-02-15' });
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), odd], reports: [] });
    expect(r.proposals.map((p) => p.field)).toEqual(['PatientName', 'PatientBirthDate']);
    for (const p of r.proposals) {
      expect(p.autoApply).toBe(false);
      expect(p.confidence).toBeLessThanOrEqual(0.6);
      expect(p.basis).toContain("may be another patient's record");
    }
  });
});

describe('patientConsensus: birth dates and sex', () => {
  it('corrects a one-digit birth date typo and an adjacent transposition', () => {
    const typo = scan({ birthDate: '1980-02-24' });
    const swap = scan({ birthDate: '1908-02-14' });
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), scan({}), typo, swap], reports: [report({})] });
    expect(r.proposals.map((p) => [p.studyInstanceUid, p.from, p.to, p.difference, p.autoApply])).toEqual([
      [typo.studyInstanceUid, '19800224', '19800214', 'typo', true],
      [swap.studyInstanceUid, '19080214', '19800214', 'typo', true],
    ]);
  });

  it('detects a day/month swap', () => {
    const odd = report({ birthDate: '1980-05-03' });
    const r = patientConsensus({ scans: [scan({ birthDate: '1980-03-05' }), scan({ birthDate: '1980-03-05' }), scan({ birthDate: '1980-03-05' })], reports: [odd] });
    expect(r.consensus.birthDate).toBe('19800305');
    expect(r.proposals).toEqual([expect.objectContaining({ reportId: odd.reportId, from: '19800503', to: '19800305', difference: 'day-month-swap', autoApply: true })]);
    expect(r.proposals[0]?.basis).toBe('3 of 4 records agree; day and month swapped');
  });

  it('does not apply a day/month swap one against one', () => {
    const r = patientConsensus({ scans: [scan({ birthDate: '1980-05-03' })], reports: [report({ birthDate: '1980-03-05' })] });
    expect(r.proposals[0]).toMatchObject({ target: 'scan', to: '19800305', difference: 'day-month-swap', autoApply: false });
  });

  it('treats a birth date years apart as a real difference', () => {
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), scan({ birthDate: '1975-07-01' })], reports: [] });
    expect(r.proposals[0]).toMatchObject({ difference: 'different', autoApply: false });
  });

  it('lets a partial birth date that fits stand, and proposes one that does not', () => {
    const fits = scan({ birthDate: '1980' });
    const clash = scan({ birthDate: '1981-02' });
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), fits, clash], reports: [] });
    expect(r.proposals).toEqual([expect.objectContaining({ studyInstanceUid: clash.studyInstanceUid, from: '198102', to: '19800214', autoApply: false })]);
    expect(r.proposals[0]?.basis).toContain('partial value 198102 disagrees');
  });

  it('votes on partial dates when no record holds a full one', () => {
    const r = patientConsensus({ scans: [scan({ birthDate: '1980' }), scan({ birthDate: '1980' })], reports: [report({ birthDate: '1980' })] });
    expect(r.consensus.birthDate).toBe('1980');
    expect(r.proposals).toEqual([]);
  });

  it('corrects M/F against a clear majority, never O, and ignores U', () => {
    const m = scan({ sex: 'M' });
    const o = scan({ sex: 'O' });
    const u = scan({ sex: 'U' });
    const r = patientConsensus({ scans: [scan({}), scan({}), scan({}), scan({}), scan({}), m, o, u], reports: [] });
    expect(r.consensus.sex).toBe('F');
    expect(r.proposals.map((p) => [p.studyInstanceUid, p.from, p.to, p.autoApply])).toEqual([
      [m.studyInstanceUid, 'M', 'F', true],
      [o.studyInstanceUid, 'O', 'F', false],
    ]);
  });

  it('ignores missing values and returns nothing for no records', () => {
    expect(patientConsensus({ scans: [], reports: [] })).toEqual({ consensus: {}, proposals: [], orderIssues: [], unresolved: [] });
    const r = patientConsensus({ scans: [scan({ birthDate: undefined, sex: undefined, name: undefined })], reports: [report({})] });
    expect(r.proposals).toEqual([]);
    expect(r.consensus).toEqual({ name: 'DOE^JANE', birthDate: '19800214', sex: 'F' });
  });
});

describe('patientConsensus: order of exam and report', () => {
  it('reports a report time before its own exam time', () => {
    const r1 = report({}, { examDateTime: '2024-03-05T10:00:00', reportDateTime: '2024-03-05T09:30:00' });
    const ok = report({}, { examDateTime: '2024-03-05T10:00:00', reportDateTime: '2024-03-05T10:20:00' });
    const r = patientConsensus({ scans: [], reports: [r1, ok] });
    expect(r.orderIssues).toEqual([{ kind: 'report-before-exam', reportId: r1.reportId, examDateTime: '2024-03-05T10:00:00', reportDateTime: '2024-03-05T09:30:00', minutes: 30 }]);
  });

  it('reports a linked study acquired after the report, beyond the clock skew', () => {
    const byUid = scan({}, { studyDateTime: '2024-03-05T12:00:00' });
    const byAccession = scan({}, { accession: 'acc-001', studyDateTime: '2024-03-06T08:00:00' });
    const unrelated = scan({}, { accession: 'ACC999', studyDateTime: '2024-03-09T08:00:00' });
    const r1 = report({}, { studyInstanceUid: byUid.studyInstanceUid, reportDateTime: '2024-03-05T11:00:00' });
    const r2 = report({}, { accession: 'ACC001', reportDateTime: '2024-03-06T07:57:00' });
    const r = patientConsensus({ scans: [byUid, byAccession, unrelated], reports: [r1, r2] });
    expect(r.orderIssues).toEqual([
      { kind: 'exam-after-report', reportId: r1.reportId, studyInstanceUid: byUid.studyInstanceUid, examDateTime: '2024-03-05T12:00:00', reportDateTime: '2024-03-05T11:00:00', minutes: 60 },
    ]);
    const strict = patientConsensus({ scans: [byAccession], reports: [r2] }, { clockSkewMinutes: 0 });
    expect(strict.orderIssues).toEqual([expect.objectContaining({ kind: 'exam-after-report', reportId: r2.reportId, minutes: 3 })]);
  });

  it('compares whole days when a side has no time', () => {
    const sameDay = report({}, { examDateTime: '2024-03-05T10:00:00', reportDateTime: '2024-03-05' });
    const dayBefore = report({}, { examDateTime: '2024-03-05', reportDateTime: '2024-03-04T23:00:00' });
    const r = patientConsensus({ scans: [], reports: [sameDay, dayBefore] });
    expect(r.orderIssues).toEqual([expect.objectContaining({ reportId: dayBefore.reportId, kind: 'report-before-exam', minutes: 1440 })]);
  });

  it('skips orders and records without times', () => {
    const order = report({}, { kind: 'order', examDateTime: '2024-03-05T10:00:00' });
    const r = patientConsensus({ scans: [scan({}, { studyInstanceUid: '9.9' })], reports: [order, report({}, { studyInstanceUid: '9.9', reportDateTime: '2024-03-05T10:00:00' })] });
    expect(r.orderIssues).toEqual([]);
  });
});
