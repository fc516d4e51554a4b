import { describe, expect, it } from 'vitest';
import type { Scan } from '../model/types.ts';
import { mergeScans } from './merge.ts';

const base = (o: Partial<Scan>): Scan => ({
  studyInstanceUid: '1.2.3', patient: {}, modalities: [], bodyParts: [], seriesDescriptions: [], seriesCount: 0, instanceCount: 0, sources: [], ...o,
});

describe('mergeScans', () => {
  it('merges DICOM and FHIR descriptions of one study, DICOM winning and FHIR filling gaps', () => {
    const dicom = base({ accession: 'A1', modalities: ['CT'], patient: { id: 'P1' }, instanceCount: 3, sources: [{ kind: 'dicom', path: 'a.dcm' }] });
    const fhir = base({ accession: 'A9', modalities: ['SR'], fhirId: 'is-1', studyDescription: 'CT CHEST', patient: { id: 'P1', birthDate: '1970-01-01' }, instanceCount: 5, sources: [{ kind: 'fhir', path: 'f.ndjson' }] });
    const [m, ...rest] = mergeScans([dicom], [fhir]);
    expect(rest).toHaveLength(0);
    expect(m?.accession).toBe('A1');
    expect(m?.fhirId).toBe('is-1');
    expect(m?.studyDescription).toBe('CT CHEST');
    expect(m?.patient).toEqual({ id: 'P1', birthDate: '1970-01-01' });
    expect(m?.modalities).toEqual(['CT', 'SR']);
    expect(m?.instanceCount).toBe(5);
    expect(m?.sources).toHaveLength(2);
  });
  it('keeps different studies apart', () => {
    expect(mergeScans([base({})], [base({ studyInstanceUid: '9.9' })])).toHaveLength(2);
  });
});
