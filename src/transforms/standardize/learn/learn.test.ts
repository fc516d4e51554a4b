import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseProcedureTerms } from '../procedure.ts';
import type { LearnRecord } from './fields.ts';
import { nameClass, nameClassKey } from './formats.ts';
import { renderLearnHtml } from './html.ts';
import { learnMappings } from './learn.ts';
import { renderEvidenceYaml } from './evidence.ts';
import { renderProposalYaml } from './yaml.ts';

const terms = parseProcedureTerms(parseYaml(readFileSync(new URL('../../../../mappings/procedure-terms.yaml', import.meta.url), 'utf8')));

function study(modality: string, description: string, bodyPart: string | undefined, i: number): LearnRecord {
  const name = nameClass(i % 10 === 0 ? 'DOE, JANE' : 'DOE^JANE', 'pn');
  return {
    side: 'dicom',
    modality,
    values: {
      modality: [modality], studyDescription: [description], bodyPartExamined: bodyPart === undefined ? [] : [bodyPart],
      seriesDescription: [], institutionName: ['General <Hospital>'], studyTime: [i % 4 === 0 ? 'HHMM' : 'HHMMSS'],
      patientName: name === undefined ? [] : [nameClassKey(name)], accessionNumber: [i % 20 === 0 ? 'A\\d{6}' : 'A\\d{7}'],
    },
  };
}

const records: LearnRecord[] = [];
for (let i = 0; i < 40; i++) records.push(study('CR', i % 3 === 0 ? 'THORAX PA+LAT' : 'CHEST PA/LAT', 'CHEST', i));
for (let i = 0; i < 20; i++) records.push(study('CT', i % 2 === 0 ? 'CT HEAD W/O' : 'Head^01_Routine <b>', 'HEAD', i));
for (let i = 0; i < 5; i++) records.push(study('MG', 'Screening Mammogram', 'BREAST', i));
records.push(study('CT', 'CT HEAD W/O', undefined, 1), study('CT', 'CT HEAD W/O', undefined, 2));
for (let i = 0; i < 10; i++) records.push({ side: 'hl7', modality: 'CT', values: { procedureText: ['CT HEAD WITHOUT CONTRAST'], section: ['CT'], reportAccession: ['A\\d{7}'] } });

describe('learnMappings', () => {
  const result = learnMappings(records, terms);
  const field = (name: string) => result.fields.find((f) => f.spec.name === name);

  it('proposes mandatory fields from fill rates (≥ 98%)', () => {
    expect(field('modality')?.mandatory).toBe(true);
    expect(field('bodyPartExamined')?.histogram.fillRate).toBeCloseTo(65 / 67, 5);
    expect(field('bodyPartExamined')?.mandatory).toBe(false);
    // Nobody could look at HL7 fields of DICOM records: the denominator is the HL7 records.
    expect(field('procedureText')).toMatchObject({ mandatory: true, histogram: { records: 10 } });
  });

  it('clusters description variants and links the same exam across sources', () => {
    const head = field('studyDescription')?.clusters.find((c) => c.entry === 'CT HEAD W/O');
    expect(head?.variants.map((v) => v.value)).toContain('Head^01_Routine <b>');
    expect(head?.counterpart).toEqual({ field: 'procedureText', entry: 'CT HEAD WITHOUT CONTRAST' });
    expect(field('studyDescription')?.clusters.find((c) => c.entry === 'CHEST PA/LAT')?.count).toBe(40);
  });

  it('proposes formats from the most common classes', () => {
    expect(field('studyTime')?.format).toMatchObject({ date: 'HHMMSS', share: 0.746 });
    expect(field('patientName')?.format).toMatchObject({ case: 'upper', style: 'components' });
    expect(field('accessionNumber')?.format?.pattern).toBe('^A\\d{7}$');
  });

  it('mines MG → BREAST both ways', () => {
    const mg = result.dependencies.find((r) => r.ifField === 'modality' && r.ifValue === 'MG');
    expect(mg).toMatchObject({ thenField: 'bodyPartExamined', direction: 'both', support: 5, confidence: 1 });
  });

  it('writes the proposal as a standards profile, with counts as comments', () => {
    const text = renderProposalYaml(result, { date: '2026-03-02', name: 'test-site', htmlFile: 'p.html', evidenceFile: 'p.evidence.yaml' });
    expect(text).toMatch(/^# Standards profile proposed by "acclink mappings learn"/);
    expect(text).toMatch(/- entry: CHEST PA\/LAT # 40×, confidence \d\.\d\d/);
    const doc = parseYaml(text) as {
      version: number; name: string; order: string[];
      fields: Record<string, { fixedSet: boolean; mandatory: boolean; standards?: Array<{ entry: string; synonyms: unknown[] }>; format?: Record<string, string> }>;
      dependencies: Array<{ if: Record<string, string>; then: Record<string, string[]>; direction: string }>;
    };
    expect(doc).toMatchObject({ version: 1, name: 'test-site' });
    expect(doc.fields['studyDescription']?.standards).toContainEqual({ entry: 'CHEST PA/LAT', synonyms: ['THORAX PA+LAT'] });
    // HEAD^01_ROUTINE <B>: upper-cased like the field's other values; the variant is then implied.
    expect(doc.fields['studyDescription']?.standards?.find((s) => s.entry === 'CT HEAD W/O')?.synonyms).toEqual(['Head^01_Routine <b>']);
    expect(doc.fields['bodyPartExamined']).toMatchObject({ fixedSet: true, mandatory: false, format: { case: 'upper' } });
    expect(doc.fields['accessionNumber']?.format).toEqual({ case: 'asis', pattern: '^A\\d{7}$' });
    expect(doc.fields['patientName']?.format).toEqual({ personName: 'dicom', case: 'upper' });
    // Fields outside the profile (study time, series description, HL7 sections) are in the evidence only.
    expect(Object.keys(doc.fields)).not.toContain('studyTime');
    expect(Object.keys(doc.fields)).not.toContain('section');
    expect(doc.dependencies).toContainEqual({ if: { modality: 'MG' }, then: { bodyPartExamined: ['BREAST'] }, direction: 'both' });
    expect(doc.order).toEqual(expect.arrayContaining(['modality', 'studyDescription', 'procedureText']));
    expect(doc.order).not.toContain('studyTime');
  });

  it('writes every variant and every learned field into the evidence', () => {
    const doc = parseYaml(renderEvidenceYaml(result, { date: '2026-03-02' })) as {
      fields: Record<string, { inProfile: boolean; classes?: unknown[]; standards?: Array<{ entry: string; count: number; variants: Array<{ value: string; count: number; confidence: number; how: string }> }> }>;
    };
    expect(doc.fields['studyTime']).toMatchObject({ inProfile: false, classes: [{ value: 'HHMMSS', count: 50 }, { value: 'HHMM', count: 17 }] });
    const chest = doc.fields['studyDescription']?.standards?.find((s) => s.entry === 'CHEST PA/LAT');
    expect(chest?.variants).toContainEqual(expect.objectContaining({ value: 'THORAX PA+LAT', count: 14, how: 'same-terms' }));
  });

  it('renders a self-contained, escaped HTML report with review marks', () => {
    const html = renderLearnHtml(result, { date: '2026-03-02', yamlFile: 'p.yaml', sources: { dicom: 1, hl7: 1, fhir: 0 } });
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);
    expect(html).toContain('Head^01_Routine &lt;b&gt;');
    expect(html).toContain('General &lt;Hospital&gt;');
    expect(html).not.toContain('<b>');
    expect(html).toContain('<strong class="badge">review</strong>');
    expect(html).toContain('<caption>Proposed dependency rules');
    expect(html).not.toContain('DOE');
  });
});

describe('learnMappings on one side only', () => {
  it('proposes nothing for fields no input could show', () => {
    const r = learnMappings(records.filter((x) => x.side === 'hl7'), terms);
    expect(r.fields.map((f) => f.spec.name)).toEqual(['procedureText', 'section', 'reportAccession']);
    expect(r.order).toEqual(['procedureText', 'section', 'reportAccession']);
    expect(r.dependencies).toEqual([]);
  });
});

describe('synonyms that mean different exams on different modalities', () => {
  const knee = (modality: string, description: string): LearnRecord => ({ side: 'dicom', modality, values: { modality: [modality], studyDescription: [description] } });
  const recs = [
    ...Array.from({ length: 5 }, () => knee('CR', 'KNEE')), ...Array.from({ length: 4 }, () => knee('CR', 'KNEE 3V')),
    ...Array.from({ length: 2 }, () => knee('MR', 'KNEE')), ...Array.from({ length: 3 }, () => knee('MR', 'MR KNEE')),
  ];

  it('carry when: { modality } in each standard', () => {
    const doc = parseYaml(renderProposalYaml(learnMappings(recs, terms), { date: '2026-03-02', name: 'x' })) as {
      fields: Record<string, { standards?: Array<{ entry: string; synonyms: unknown[] }> }>;
    };
    expect(doc.fields['studyDescription']?.standards).toEqual([
      { entry: 'KNEE 3V', synonyms: [{ text: 'KNEE', when: { modality: 'CR' } }] },
      { entry: 'MR KNEE', synonyms: [{ text: 'KNEE', when: { modality: 'MR' } }] },
    ]);
  });
});
