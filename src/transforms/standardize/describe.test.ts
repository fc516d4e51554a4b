 
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Report, Scan } from '../../model/types.ts';
import { createProcedureDescriber, describeReportProcedure, describeScanProcedure } from './describe.ts';
import { parseProcedureTerms } from './procedure.ts';

const terms = parseProcedureTerms(parseYaml(readFileSync(new URL('../../../mappings/procedure-terms.yaml', import.meta.url), 'utf8')));

function scan(over: Partial<Scan>): Scan {
  return { studyInstanceUid: '1.2.3', patient: {}, modalities: [], bodyParts: [], seriesDescriptions: [], seriesCount: 0, instanceCount: 0, sources: [], ...over };
}

function report(over: Partial<Report>): Report {
  return { reportId: 'r1', kind: 'report', patient: {}, sources: [], ...over };
}

describe('describeScanProcedure', () => {
  it('uses header modalities as groups, dropping non-image ones, and unites regions from all texts', () => {
    const d = describeScanProcedure(scan({ modalities: ['CT', 'SR', 'PT'], bodyParts: ['CHEST'], studyDescription: 'PET/CT Abdomen W' }), terms);
    expect(d).toEqual({ modalities: ['CT', 'PT'], bodyRegions: ['chest', 'abdomen'], contrast: 'with' });
  });

  it('falls back to the description for the modality when the header has none usable', () => {
    expect(describeScanProcedure(scan({ modalities: ['OT'], studyDescription: 'XR KNEE LT 3V' }), terms)).toEqual({ modalities: ['XR'], bodyRegions: ['knee'], laterality: 'left' });
  });

  it('reads regions from series descriptions only when nothing else names one', () => {
    const series = ['Topogram 0.6 T20f', 'Thorax 3.0 B31f'];
    expect(describeScanProcedure(scan({ modalities: ['CT'], seriesDescriptions: series }), terms).bodyRegions).toEqual(['chest']);
    expect(describeScanProcedure(scan({ modalities: ['CT'], studyDescription: 'CT HEAD', seriesDescriptions: series }), terms).bodyRegions).toEqual(['head']);
  });

  it('combines opposite statements from different fields', () => {
    const d = describeScanProcedure(scan({ studyDescription: 'CT CHEST WO', procedureText: 'CT CHEST W CONTRAST', bodyParts: ['LEFT KNEE', 'RIGHT KNEE'] }), terms);
    expect([d.contrast, d.laterality]).toEqual(['with-and-without', 'bilateral']);
  });
});

describe('describeReportProcedure', () => {
  it('takes the modality from the section over the text', () => {
    expect(describeReportProcedure(report({ section: 'MR', procedureText: 'CT HEAD' }), terms).modalities).toEqual(['MR']);
  });

  it('reads the modality from the text when the section is the generic RAD', () => {
    expect(describeReportProcedure(report({ section: 'RAD', procedureText: 'Chest X-ray 2 views' }), terms)).toEqual({ modalities: ['XR'], bodyRegions: ['chest'] });
  });

  it('falls back to the EXAM line of the text when the RIS sends only codes', () => {
    const r = report({ section: 'RAD', text: 'EXAM: CT ABDOMEN AND PELVIS WITH CONTRAST\nFINDINGS: No free air.' });
    const d = describeReportProcedure(r, terms);
    expect(d).toMatchObject({ modalities: ['CT'], contrast: 'with' });
    expect(d.bodyRegions).toEqual(expect.arrayContaining<string>(['abdomen', 'pelvis']));
    expect(describeReportProcedure(report({ section: 'RAD', text: 'The lungs are clear.' }), terms).bodyRegions).toEqual([]);
  });

  it('keeps both an explicit modality and a differing section', () => {
    expect(describeReportProcedure(report({ modality: 'CR', section: 'DX' }), terms).modalities).toEqual(['XR']);
    expect(describeReportProcedure(report({ modality: 'PT', section: 'CT' }), terms).modalities).toEqual(['PT', 'CT']);
  });
});

describe('createProcedureDescriber', () => {
  it('links a DICOM description and a RIS text to the same terms', () => {
    const d = createProcedureDescriber(terms);
    const s = d.describeScan(scan({ modalities: ['CT'], studyDescription: 'Thorax^01_Routine (Adult)' }));
    const r = d.describeReport(report({ section: 'CT', procedureText: 'CT CHEST W/O CONTRAST' }));
    expect(s.modalities).toEqual(r.modalities);
    expect(d.compareRegions(s.bodyRegions, r.bodyRegions)).toBe('agree');
    expect(d.compareRegions(s.bodyRegions, ['knee'])).toBe('disagree');
  });
});
