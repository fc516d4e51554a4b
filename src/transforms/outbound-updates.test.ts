import { describe, expect, it } from 'vitest';
import type { Correction } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import { fhirTargetOf, planRecordUpdates } from './outbound-updates.ts';

const scan: Scan = { studyInstanceUid: '1.2.3', accession: 'A1', patient: { id: 'P1' }, modalities: ['CR'], bodyParts: [], seriesDescriptions: [], seriesCount: 1, instanceCount: 1, fhirId: 'is-1', sources: [] };
const report: Report = { reportId: 'R1', kind: 'report', accession: 'A2', patient: { id: 'P1' }, fhirId: 'dr-1', fhirType: 'DiagnosticReport', sources: [] };
const hl7Report: Report = { reportId: 'R2', kind: 'report', accession: 'A3', patient: { id: 'P1' }, sources: [{ kind: 'hl7', path: 'x' }] };
const base = { field: 'AccessionNumber', linkedTo: 'x', probability: 0.99, reason: 'study-takes-report-accession' } as const;

describe('planRecordUpdates', () => {
  it('plans an archive update and a FHIR update for a study correction, a FHIR update for a FHIR report', () => {
    const cs: Correction[] = [
      { ...base, id: 'c1', target: 'scan', studyInstanceUid: '1.2.3', from: 'A1', to: 'A2' },
      { ...base, id: 'c2', target: 'report', reportId: 'R1', from: 'A2', to: 'A9' },
      { ...base, id: 'c3', target: 'report', reportId: 'R2', from: 'A3', to: 'A9' },
    ];
    const out = planRecordUpdates(cs, { scans: [scan], reports: [report, hl7Report] });
    expect(out.map((m) => [m.correctionId, m.destination, m.messageType, m.target])).toEqual([
      ['c1', 'archive', 'DICOM modify', '1.2.3'],
      ['c1', 'fhir', 'PATCH ImagingStudy', 'ImagingStudy/is-1'],
      ['c2', 'fhir', 'PATCH DiagnosticReport', 'DiagnosticReport/dr-1'],
    ]);
    expect(JSON.parse(out[0]?.body ?? '')).toEqual({ studyInstanceUid: '1.2.3', attribute: 'AccessionNumber', from: 'A1', to: 'A2' });
    expect(JSON.parse(out[2]?.body ?? '')).toEqual({ target: 'DiagnosticReport/dr-1', from: 'A2', to: 'A9' });
  });

  it('skips records it does not know', () => {
    const cs: Correction[] = [
      { ...base, id: 'c4', target: 'scan', studyInstanceUid: '9.9', from: 'A1', to: 'A2' },
      { ...base, id: 'c5', field: 'StudyDescription', target: 'scan', studyInstanceUid: '9.9', from: 'x', to: 'y', reason: 'standard-entry' },
    ];
    expect(planRecordUpdates(cs, { scans: [scan], reports: [] })).toEqual([]);
  });

  it('sends a study header fix to the archive as its own attribute change, never to FHIR; report-side header fixes go nowhere here', () => {
    const cs: Correction[] = [
      { ...base, id: 'c6', field: 'StudyDescription', target: 'scan', studyInstanceUid: '1.2.3', from: 'CT THORAX W/O', to: 'CT CHEST WITHOUT CONTRAST', reason: 'standard-entry' },
      { ...base, id: 'c7', field: 'PatientName', target: 'scan', studyInstanceUid: '1.2.3', from: null, to: 'DOE^JANE', reason: 'patient-consensus' },
      { ...base, id: 'c8', field: 'PatientSex', target: 'report', reportId: 'R1', from: 'M', to: 'F', reason: 'patient-consensus' },
    ];
    const out = planRecordUpdates(cs, { scans: [scan], reports: [report] });
    expect(out.map((m) => [m.correctionId, m.destination, m.messageType, m.target])).toEqual([
      ['c6', 'archive', 'DICOM modify', '1.2.3'],
      ['c7', 'archive', 'DICOM modify', '1.2.3'],
    ]);
    expect(out.map((m) => JSON.parse(m.body) as unknown)).toEqual([
      { studyInstanceUid: '1.2.3', attribute: 'StudyDescription', from: 'CT THORAX W/O', to: 'CT CHEST WITHOUT CONTRAST' },
      { studyInstanceUid: '1.2.3', attribute: 'PatientName', from: null, to: 'DOE^JANE' },
    ]);
  });

  it('names the FHIR resource of a record', () => {
    expect(fhirTargetOf(scan)).toBe('ImagingStudy/is-1');
    expect(fhirTargetOf(report)).toBe('DiagnosticReport/dr-1');
    expect(fhirTargetOf(hl7Report)).toBeUndefined();
  });
});
