/** Small builders for hand-written studies and reports in tests. */
import type { Report, Scan } from '../../src/model/types.ts';

export function scan(uid: string, o: Partial<Scan> & { pid?: string; family?: string; given?: string; dob?: string; when?: string; desc?: string; modality?: string } = {}): Scan {
  return {
    studyInstanceUid: uid,
    patient: { id: o.pid ?? 'MRN1', name: { family: o.family ?? 'DOE', given: o.given ?? 'JANE' }, birthDate: o.dob ?? '1970-01-02', sex: 'F' },
    ...(o.accession !== undefined ? { accession: o.accession } : {}),
    studyDateTime: o.when ?? '2026-03-01T10:00:00',
    modalities: [o.modality ?? 'CT'],
    bodyParts: [],
    studyDescription: o.desc ?? 'CT CHEST',
    seriesDescriptions: [],
    seriesCount: 1,
    instanceCount: 1,
    sources: [],
  };
}

export function report(id: string, o: Partial<Report> & { pid?: string; family?: string; given?: string; dob?: string; when?: string; proc?: string; section?: string } = {}): Report {
  return {
    reportId: id,
    kind: 'report',
    patient: { id: o.pid ?? 'MRN1', name: { family: o.family ?? 'DOE', given: o.given ?? 'JANE' }, birthDate: o.dob ?? '1970-01-02', sex: 'F' },
    ...(o.accession !== undefined ? { accession: o.accession } : {}),
    examDateTime: o.when ?? '2026-03-01T10:10:00',
    procedureText: o.proc ?? 'CT CHEST WITHOUT CONTRAST',
    section: o.section ?? 'CT',
    resultStatus: 'F',
    sources: [],
  };
}
