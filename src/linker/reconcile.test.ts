import { describe, expect, it } from 'vitest';
import { placements, runLinker } from '../../test/support/linker.ts';
import { report, scan } from '../../test/support/records.ts';
import type { ReconcileResult } from './reconcile.ts';
import type { Report, Scan } from '../model/types.ts';

const EXAMS = [
  { modality: 'CT', desc: 'CT HEAD WO', proc: 'CT HEAD WITHOUT CONTRAST', section: 'CT' },
  { modality: 'MR', desc: 'MRI KNEE RT', proc: 'MR KNEE RIGHT', section: 'MR' },
  { modality: 'DX', desc: 'CHEST PA/LAT', proc: 'XR CHEST 2 VIEWS', section: 'RAD' },
  { modality: 'US', desc: 'US ABDOMEN', proc: 'US ABDOMEN COMPLETE', section: 'US' },
  { modality: 'CT', desc: 'CT ABD/PELVIS W', proc: 'CT ABDOMEN PELVIS WITH CONTRAST', section: 'CT' },
] as const;

/** A small hospital of clean, unrelated pairs with varied exams and times, so that the prior and u resemble a real run. */
function background(n: number): { scans: Scan[]; reports: Report[] } {
  const scans: Scan[] = [];
  const reports: Report[] = [];
  for (let i = 0; i < n; i++) {
    const exam = EXAMS[i % EXAMS.length] ?? EXAMS[0];
    const o = { pid: `BG${1000 + i}`, family: `FAM${i}`, given: `GIV${i}`, dob: `19${50 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`, accession: `B${100000 + i}` };
    const day = String(1 + ((i * 7) % 28)).padStart(2, '0');
    const hour = String(7 + ((i * 3) % 11)).padStart(2, '0');
    scans.push(scan(`9.${i}`, { ...o, modality: exam.modality, desc: exam.desc, when: `2026-02-${day}T${hour}:00:00` }));
    reports.push(report(`BR${i}`, { ...o, proc: exam.proc, section: exam.section, when: `2026-02-${day}T${hour}:12:00` }));
  }
  return { scans, reports };
}

function expectFullCoverage(r: ReconcileResult, scans: Scan[]): void {
  for (const [k, v] of placements(r, scans)) expect([k, v]).toEqual([k, [expect.any(String)]]);
}

describe('reconcile', () => {
  const bg = background(60);

  it('verifies a clean pair without corrections', () => {
    const s = [...bg.scans, scan('1.1', { accession: 'A1000001' })];
    const r = runLinker(s, [...bg.reports, report('R1', { accession: 'A1000001' })]);
    const link = r.links.find((l) => l.studyInstanceUid === '1.1');
    expect(link).toMatchObject({ reportId: 'R1', status: 'verified', accession: 'A1000001' });
    expect(r.corrections).toEqual([]);
    expectFullCoverage(r, s);
  });

  it('corrects a study-side typo to the report accession', () => {
    const s = [...bg.scans, scan('1.1', { accession: 'A1000010' })];
    const r = runLinker(s, [...bg.reports, report('R1', { accession: 'A1000001' })]);
    expect(r.links.find((l) => l.studyInstanceUid === '1.1')).toMatchObject({ reportId: 'R1', status: 'corrected', accession: 'A1000001' });
    expect(r.corrections).toEqual([expect.objectContaining({ target: 'scan', studyInstanceUid: '1.1', from: 'A1000010', to: 'A1000001', reason: 'study-takes-report-accession' })]);
  });

  it('gives a report without accession the study accession', () => {
    const s = [...bg.scans, scan('1.1', { accession: 'A1000001' })];
    const r = runLinker(s, [...bg.reports, report('R1', {})]);
    expect(r.corrections).toEqual([expect.objectContaining({ target: 'report', reportId: 'R1', from: null, to: 'A1000001', reason: 'report-takes-study-accession' })]);
  });

  it('undoes a swap between two patients', () => {
    const p1 = { pid: 'P1', family: 'NGUYEN', given: 'AN', dob: '1980-05-05' };
    const p2 = { pid: 'P2', family: 'SMITH', given: 'JOHN', dob: '1961-11-30' };
    const s = [...bg.scans, scan('1.1', { ...p1, accession: 'A2' }), scan('1.2', { ...p2, accession: 'A1', when: '2026-03-01T10:20:00' })];
    const reps = [...bg.reports, report('R1', { ...p1, accession: 'A1' }), report('R2', { ...p2, accession: 'A2', when: '2026-03-01T10:25:00' })];
    const r = runLinker(s, reps);
    expect(r.corrections.filter((c) => c.target === 'scan').map((c) => [c.studyInstanceUid, c.from, c.to]).sort()).toEqual([['1.1', 'A2', 'A1'], ['1.2', 'A1', 'A2']]);
    expect(r.corrections.filter((c) => c.target === 'report')).toEqual([]);
    expectFullCoverage(r, s);
  });

  it('separates a duplicated accession on two same-day studies of different types', () => {
    const s = [...bg.scans, scan('1.1', { accession: 'A1' }), scan('1.2', { accession: 'A1', desc: 'CT ABDOMEN PELVIS', when: '2026-03-01T10:30:00' })];
    const reps = [...bg.reports, report('R1', { accession: 'A1' }), report('R2', { accession: 'A2', proc: 'CT ABDOMEN AND PELVIS WITH CONTRAST', when: '2026-03-01T10:35:00' })];
    const r = runLinker(s, reps);
    expect(r.links.find((l) => l.studyInstanceUid === '1.1')).toMatchObject({ reportId: 'R1', status: 'verified' });
    expect(r.links.find((l) => l.studyInstanceUid === '1.2')).toMatchObject({ reportId: 'R2', accession: 'A2' });
    expect(r.corrections).toEqual([expect.objectContaining({ studyInstanceUid: '1.2', from: 'A1', to: 'A2' })]);
  });

  it('sends two indistinguishable same-day studies to review instead of guessing', () => {
    const s = [...bg.scans, scan('1.1', {}), scan('1.2', {})];
    const reps = [...bg.reports, report('R1', {}), report('R2', {})];
    const r = runLinker(s, reps);
    expect(r.links.filter((l) => l.studyInstanceUid.startsWith('1.'))).toEqual([]);
    const items = r.review.filter((i) => i.studyInstanceUid?.startsWith('1.'));
    expect(items).toHaveLength(2);
    for (const i of items) expect(i.candidates.map((c) => c.id).sort()).toEqual(['R1', 'R2']);
    expectFullCoverage(r, s);
  });

  it('never links automatically across different patient ids of one issuer', () => {
    const s = [...bg.scans, scan('1.1', { pid: 'P1' })];
    const reps = [...bg.reports, report('R1', { pid: 'P9' })];
    const r = runLinker(s, reps);
    expect(r.links.filter((l) => l.studyInstanceUid === '1.1')).toEqual([]);
    expect(r.review.find((i) => i.studyInstanceUid === '1.1')?.reason).toBe('patient-id-differs');
  });

  it('does not give a pending study the report of an older study of the same patient', () => {
    const s = [...bg.scans, scan('1.1', { accession: 'A5', when: '2026-03-20T10:00:00' })];
    const reps = [...bg.reports, report('R0', { accession: 'A4', when: '2025-06-01T10:00:00' })];
    const r = runLinker(s, reps);
    expect(r.links.filter((l) => l.studyInstanceUid === '1.1')).toEqual([]);
    expect(r.review.filter((i) => i.studyInstanceUid === '1.1')).toEqual([]);
    expectFullCoverage(r, s);
  });

  it('mints a new accession when both sides are unusable', () => {
    const s = [...bg.scans, scan('1.1', {})];
    const r = runLinker(s, [...bg.reports, report('R1', {})]);
    const link = r.links.find((l) => l.studyInstanceUid === '1.1');
    expect(link?.accession).toMatch(/^ACL\d{9}$/);
    expect(r.corrections.map((c) => c.reason)).toEqual(['minted-accession', 'minted-accession']);
  });

  it('mints the same accession for the same link on every run, and different ones for different links', () => {
    const twoPairs = (): ReturnType<typeof runLinker> => runLinker(
      [...bg.scans, scan('1.1', {}), scan('1.2', { pid: 'P7', family: 'ROE', given: 'RAY', when: '2026-03-02T08:00:00', desc: 'MR KNEE', modality: 'MR' })],
      [...bg.reports, report('R1', {}), report('R2', { pid: 'P7', family: 'ROE', given: 'RAY', when: '2026-03-02T08:10:00', proc: 'MR KNEE', section: 'MR' })],
    );
    const a = twoPairs();
    const b = twoPairs();
    const minted = (r: ReturnType<typeof runLinker>): Array<string | undefined> => ['1.1', '1.2'].map((u) => r.links.find((l) => l.studyInstanceUid === u)?.accession);
    expect(minted(a)).toEqual(minted(b));
    expect(new Set(minted(a)).size).toBe(2);
    expect(a.corrections.map((c) => c.id).sort()).toEqual(b.corrections.map((c) => c.id).sort());
  });

  it('links a report that names the study UID even when accession and time say little', () => {
    const s = [...bg.scans, scan('1.1', { accession: 'A1', when: '2026-03-01T10:00:00' }), scan('1.2', { accession: 'A9', when: '2026-03-01T10:05:00' })];
    const reps = [...bg.reports, { ...report('R1', { when: '2026-03-03T09:00:00' }), studyInstanceUid: '1.2' }];
    const r = runLinker(s, reps);
    expect(r.links.find((l) => l.reportId === 'R1')).toMatchObject({ studyInstanceUid: '1.2' });
    expect(r.links.find((l) => l.reportId === 'R1')?.evidence).toContainEqual(expect.objectContaining({ field: 'studyUid', level: 'exact' }));
  });

  it('folds a preliminary and a final report with one id into one report', () => {
    const s = [...bg.scans, scan('1.1', { accession: 'A1' })];
    const r = runLinker(s, [...bg.reports, { ...report('R1', { accession: 'A1' }), resultStatus: 'P' }, report('R1', { accession: 'A1' })]);
    expect(r.links.find((l) => l.studyInstanceUid === '1.1')).toMatchObject({ reportId: 'R1', status: 'verified' });
    expect(r.reports.filter((x) => x.reportId === 'R1')).toHaveLength(1);
  });

  it('prints learned weights that still separate matches from non-matches', () => {
    const r = runLinker(bg.scans, bg.reports, {}, true);
    expect(r.em?.iterations).toBeGreaterThan(0);
    const mu = r.weights.fields['accession']?.['exact'];
    expect(mu && Math.log2(mu.m / mu.u)).toBeGreaterThan(5);
  });
});
