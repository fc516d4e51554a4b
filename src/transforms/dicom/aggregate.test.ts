import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../model/errors.ts';
import { aggregateStudies } from './aggregate.ts';
import type { DicomInstanceHeader } from './header.ts';

const STUDY_A = '1.2.3.100';
const STUDY_B = '1.2.3.200';

/** An instance of STUDY_A; `over` replaces any field. */
function inst(path: string, sop: string | undefined, over: Partial<DicomInstanceHeader> = {}): DicomInstanceHeader {
  const header: DicomInstanceHeader = {
    source: sop === undefined ? { kind: 'dicom', path } : { kind: 'dicom', path, id: sop },
    studyInstanceUid: STUDY_A,
    seriesInstanceUid: `${STUDY_A}.1`,
    patient: { id: 'P1', name: { family: 'Roe', given: 'Ann' }, sex: 'F', birthDate: '1970-01-02' },
    accession: 'ACC1',
    modality: 'CT',
    studyDateTime: '2024-03-05T14:30:15',
    studyDateTimeFrom: 'study',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    ...over,
  };
  if (sop !== undefined) header.sopInstanceUid = sop;
  return header;
}

describe('aggregateStudies', () => {
  it('groups by study UID, sorted by study UID, with counts and sources', () => {
    const result = aggregateStudies([
      inst('b/2', '9.2', { studyInstanceUid: STUDY_B }),
      inst('a/2', '9.12', { seriesInstanceUid: `${STUDY_A}.2`, modality: 'SR' }),
      inst('a/1', '9.11'),
      inst('a/1-copy', '9.11'),
    ]);
    expect(result.rejections).toEqual([]);
    expect(result.records.map((s) => s.studyInstanceUid)).toEqual([STUDY_A, STUDY_B]);
    const [a, b] = result.records;
    expect(a).toMatchObject({ seriesCount: 2, instanceCount: 2, modalities: ['CT', 'SR'], accession: 'ACC1' });
    expect(a?.sources).toEqual([
      { kind: 'dicom', path: 'a/1', id: '9.11' },
      { kind: 'dicom', path: 'a/1-copy', id: '9.11' },
      { kind: 'dicom', path: 'a/2', id: '9.12' },
    ]);
    expect(b).toMatchObject({ seriesCount: 1, instanceCount: 1 });
  });

  it('counts instances without SOP Instance UID once per file', () => {
    const [scan] = aggregateStudies([inst('x/1', undefined), inst('x/2', undefined), inst('x/2', undefined)]).records;
    expect(scan?.instanceCount).toBe(2);
    expect(scan?.sources).toEqual([
      { kind: 'dicom', path: 'x/1' },
      { kind: 'dicom', path: 'x/2' },
      { kind: 'dicom', path: 'x/2' },
    ]);
  });

  it('builds sorted unique lists and leaves out empty values', () => {
    const [scan] = aggregateStudies([
      inst('1', '1', { bodyPartExamined: 'CHEST', seriesDescription: 'LUNG' }),
      inst('2', '2', { bodyPartExamined: 'ABDOMEN', seriesDescription: 'AXIAL', modality: 'PT' }),
      inst('3', '3', { bodyPartExamined: 'CHEST' }),
    ]).records;
    expect(scan?.bodyParts).toEqual(['ABDOMEN', 'CHEST']);
    expect(scan?.seriesDescriptions).toEqual(['AXIAL', 'LUNG']);
    expect(scan?.modalities).toEqual(['CT', 'PT']);
    expect(scan !== undefined && 'studyDescription' in scan).toBe(false);
  });

  it('takes the most common value for scalars, the first seen on ties, ignoring empty values', () => {
    const [scan] = aggregateStudies([
      inst('1', '1', { institution: 'North', studyDescription: 'CT HEAD' }),
      inst('2', '2', { institution: 'South', studyDescription: undefined }),
      inst('3', '3', { institution: 'South', studyDescription: undefined }),
      inst('4', '4', { referringPhysician: { family: 'Lee', given: 'B' }, procedureText: 'X' }),
      inst('5', '5', { referringPhysician: { family: 'Kim', given: 'C' }, procedureText: 'Y' }),
    ]).records;
    expect(scan?.institution).toBe('South');
    expect(scan?.studyDescription).toBe('CT HEAD');
    expect(scan?.referringPhysician).toEqual({ family: 'Lee', given: 'B' });
    expect(scan?.procedureText).toBe('X');
    expect(scan?.patient).toEqual({ id: 'P1', name: { family: 'Roe', given: 'Ann' }, sex: 'F', birthDate: '1970-01-02' });
  });

  it('prefers Study Date over fallback dates even when fewer instances carry it', () => {
    const [scan] = aggregateStudies([
      inst('1', '1', { studyDateTime: '2024-03-05T10:00:00', studyDateTimeFrom: 'acquisition' }),
      inst('2', '2', { studyDateTime: '2024-03-05T10:00:00', studyDateTimeFrom: 'acquisition' }),
      inst('3', '3', { studyDateTime: '2024-03-05T09:00:00', studyDateTimeFrom: 'study' }),
    ]).records;
    expect(scan?.studyDateTime).toBe('2024-03-05T09:00:00');
  });

  it('reports accession and patient id disagreement as DICOM_CONFLICT without the values, using the majority', () => {
    const result = aggregateStudies([
      inst('s/1', '1'),
      inst('s/3', '3', { accession: 'ACC2-WRONG' }),
      inst('s/2', '2'),
      inst('s/4', '4', { accession: undefined, patient: { id: 'OTHER-PID' } }),
    ]);
    expect(result.records[0]?.accession).toBe('ACC1');
    expect(result.records[0]?.patient.id).toBe('P1');
    expect(result.rejections.map((r) => [r.code, r.source.path])).toEqual([
      [ErrorCode.DicomConflict, 's/3'],
      [ErrorCode.DicomConflict, 's/4'],
    ]);
    for (const r of result.rejections) {
      expect(r.reason).toContain(STUDY_A);
      for (const value of ['ACC1', 'ACC2-WRONG', 'P1', 'OTHER-PID', 'Roe']) expect(r.reason).not.toContain(value);
    }
  });

  it('does not treat a missing value as a conflict', () => {
    expect(aggregateStudies([inst('1', '1'), inst('2', '2', { accession: undefined })]).rejections).toEqual([]);
  });

  it('does not depend on input order when there are no ties, and returns nothing for no input', () => {
    const input = [
      inst('b/1', '21', { studyInstanceUid: STUDY_B }),
      inst('a/2', '12', { modality: 'MR', bodyPartExamined: 'HEAD' }),
      inst('a/1', '11', { bodyPartExamined: 'NECK' }),
      inst('b/0', '20', { studyInstanceUid: STUDY_B, modality: 'DX' }),
    ];
    expect(aggregateStudies([...input].reverse())).toEqual(aggregateStudies(input));
    expect(aggregateStudies([])).toEqual({ records: [], rejections: [] });
  });
});
