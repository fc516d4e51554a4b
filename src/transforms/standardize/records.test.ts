import { describe, expect, it } from 'vitest';
import { globalStandards } from '../../../test/bench/standardize-eval.ts';
import { report, scan } from '../../../test/support/records.ts';
import { fillFromLinkedReports, standardizeRecords } from './records.ts';

const { standards } = globalStandards();
const opts = { profileName: 'global', today: '20260401' };

describe('standardizeRecords', () => {
  it('corrects a vendor description, leaves a standard one alone, and marks every field in the header record', () => {
    const vendor = scan('1.1', { desc: 'CT THORAX W/O', modality: 'CT' });
    const standard = scan('1.2', { desc: 'CT CHEST WITHOUT CONTRAST', modality: 'CT', pid: 'P2' });
    const out = standardizeRecords([vendor, standard], [], standards, opts);
    const descriptions = out.corrections.filter((c) => c.field === 'StudyDescription');
    expect(descriptions).toEqual([expect.objectContaining({ studyInstanceUid: '1.1', from: 'CT THORAX W/O', to: 'CT CHEST WITHOUT CONTRAST', reason: 'standard-entry', linkedTo: 'standards:global' })]);
    expect(out.headers.find((h) => h.studyInstanceUid === '1.2')?.fields['studyDescription']).toEqual({ original: 'CT CHEST WITHOUT CONTRAST', value: 'CT CHEST WITHOUT CONTRAST', status: 'unchanged' });
    expect(out.scans.find((s) => s.studyInstanceUid === '1.1')?.studyDescription).toBe('CT CHEST WITHOUT CONTRAST');
  });

  it('sends what it cannot place to review instead of guessing', () => {
    const out = standardizeRecords([scan('1.3', { desc: 'OUTSIDE FILMS', modality: 'CT' })], [], standards, opts);
    expect(out.corrections.filter((c) => c.field === 'StudyDescription')).toEqual([]);
    expect(out.review).toContainEqual(expect.objectContaining({ studyInstanceUid: '1.3', field: 'studyDescription' }));
  });
});

describe('fillFromLinkedReports', () => {
  it('fills an empty study description from a confidently linked report, and not from a doubtful one', () => {
    const empty = { ...scan('1.4', { modality: 'CT' }), studyDescription: undefined };
    const r = report('R4', { proc: 'CT CHEST WITHOUT CONTRAST' });
    const filled = fillFromLinkedReports([empty], [{ studyInstanceUid: '1.4', reportId: 'R4', probability: 0.995 }], [r], standards, { ...opts, minProbability: 0.97 });
    expect(filled).toEqual([expect.objectContaining({ field: 'StudyDescription', from: null, to: 'CT CHEST WITHOUT CONTRAST', reason: 'filled-from-linked-record', linkedTo: 'R4' })]);
    expect(fillFromLinkedReports([empty], [{ studyInstanceUid: '1.4', reportId: 'R4', probability: 0.8 }], [r], standards, { ...opts, minProbability: 0.97 })).toEqual([]);
  });
});

describe('standardization never overrides the other fields', () => {
  it('sends an exact CT synonym on an MR study to review instead of changing it', () => {
    const out = standardizeRecords([scan('1.9', { desc: 'Chest CT', modality: 'MR' })], [], standards, opts);
    expect(out.corrections.filter((c) => c.field === 'StudyDescription')).toEqual([]);
    expect(out.review).toContainEqual(expect.objectContaining({ studyInstanceUid: '1.9', field: 'studyDescription', status: 'review' }));
  });
});

describe('one value per field', () => {
  it('lets the patient consensus win over reformatting the same field', () => {
    const p = { pid: 'P77', dob: '1960-02-03' };
    const scans = [scan('2.1', { ...p, family: 'Sato', given: 'Olag' }), scan('2.2', { ...p, family: 'SATO', given: 'OLGA', when: '2026-03-02T10:00:00' })];
    const reports = [report('R21', { ...p, family: 'Sato', given: 'Olga' }), report('R22', { ...p, family: 'SATO', given: 'OLGA' })];
    const out = standardizeRecords(scans, reports, standards, opts);
    const names = out.corrections.filter((c) => c.studyInstanceUid === '2.1' && c.field === 'PatientName');
    expect(names).toHaveLength(1);
    expect(names[0]?.reason).toBe('patient-consensus');
  });
});
