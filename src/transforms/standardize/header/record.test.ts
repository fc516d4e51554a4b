import { describe, expect, it } from 'vitest';
import type { Report, Scan } from '../../../model/types.ts';
import { correctableFieldOf, reasonOfStatus } from './fields.ts';
import { headerOfReport, headerOfScan } from './record.ts';

describe('headers of records', () => {
  it('reads a scan in DICOM value formats', () => {
    const scan: Scan = {
      studyInstanceUid: '1.2.3',
      accession: 'A100',
      patient: { id: 'P1', name: { family: 'Doe', given: 'Jane' }, birthDate: '1960-01-31', sex: 'F' },
      studyDateTime: '2024-03-05T10:22:00',
      modalities: ['SR', 'CT'],
      bodyParts: ['CHEST'],
      studyDescription: 'Chest CT',
      seriesDescriptions: [],
      institution: 'Acclink General',
      seriesCount: 2,
      instanceCount: 300,
      sources: [],
    };
    expect(headerOfScan(scan)).toEqual({
      accessionNumber: 'A100',
      patientName: 'Doe^Jane',
      patientSex: 'F',
      birthDate: '19600131',
      studyDate: '20240305',
      modality: 'CT',
      bodyPartExamined: 'CHEST',
      studyDescription: 'Chest CT',
      institutionName: 'Acclink General',
    });
  });

  it('reads a report: procedure text, modality or section, exam date', () => {
    const report: Report = { reportId: 'R1', kind: 'report', patient: { birthDate: '1960' }, section: 'CT', procedureText: 'CT CHEST W/O', examDateTime: '2024-03-05', sources: [] };
    expect(headerOfReport(report)).toEqual({ modality: 'CT', procedureText: 'CT CHEST W/O', studyDate: '20240305', birthDate: '1960' });
  });

  it('maps fields and statuses onto the model vocabulary', () => {
    expect(correctableFieldOf('birthDate')).toBe('PatientBirthDate');
    expect(correctableFieldOf('procedureText')).toBeUndefined();
    expect(reasonOfStatus('filled')).toBe('filled-from-linked-record');
    expect(reasonOfStatus('review')).toBeUndefined();
  });
});
