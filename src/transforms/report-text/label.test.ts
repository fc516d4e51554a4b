import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseProcedureTerms } from '../standardize/procedure.ts';
import { combineStates, labelReport } from './label.ts';
import { parseFindingsLexicon } from './lexicon.ts';

const read = (name: string): unknown => parseYaml(readFileSync(new URL(`../../../mappings/${name}`, import.meta.url), 'utf8'));
const lexicon = parseFindingsLexicon(read('findings.yaml'));
const terms = parseProcedureTerms(read('procedure-terms.yaml'));
const label = (text: string, procedureText?: string): ReturnType<typeof labelReport> =>
  labelReport({ reportId: 'R1', text, ...(procedureText === undefined ? {} : { procedureText }) }, lexicon, terms);

describe('combineStates', () => {
  it('ranks positive over uncertain over negative', () => {
    expect(combineStates(['negative', 'uncertain'])).toBe('uncertain');
    expect(combineStates(['negative', 'positive', 'uncertain'])).toBe('positive');
    expect(combineStates([])).toBeUndefined();
  });
});

describe('labelReport', () => {
  it('labels a US-style chest report, with the indication not counted', () => {
    const text = [
      'EXAM: XR CHEST PA AND LATERAL',
      'INDICATION: Cough and fever, evaluate for pneumonia.',
      'COMPARISON: 01/02/2024, which showed a small left pleural effusion.',
      'FINDINGS: The heart size is normal. No focal consolidation, pleural effusion, or pneumothorax.',
      'IMPRESSION: No acute cardiopulmonary process.',
    ].join('\n');
    const r = label(text);
    expect(r.findings).toEqual({ cardiomegaly: 'negative', consolidation: 'negative', effusion: 'negative', pneumothorax: 'negative' });
    expect(r.exam).toEqual({ modality: 'XR', bodyRegions: ['chest'], views: 2 });
    const pneumonia = r.mentions.find((m) => m.finding === 'pneumonia');
    expect(pneumonia).toMatchObject({ state: 'uncertain', section: 'INDICATION', sentence: 1, trigger: 'evaluate for' });
    expect(text.slice(...(pneumonia?.span ?? [0, 0]))).toBe('pneumonia');
  });

  it('lets the impression outrank the findings', () => {
    const r = label('FINDINGS: Patchy right basilar opacity, possibly pneumonia. Small effusion.\nIMPRESSION: Right lower lobe pneumonia. No effusion.');
    expect(r.findings).toEqual({ pneumonia: 'positive', effusion: 'negative' });
  });

  it('falls back to the findings for what the impression does not mention', () => {
    const r = label('FINDINGS:\nSmall left pleural effusion.\nNo pneumothorax.\nIMPRESSION:\nNo acute abnormality.');
    expect(r.findings).toEqual({ effusion: 'positive', pneumothorax: 'negative' });
  });

  it('ranks positive over uncertain over negative within a section', () => {
    const r = label('Findings: No acute fracture. Old healed fracture of the left 7th rib. No definite pneumothorax. Tiny apical pneumothorax cannot be excluded.');
    expect(r.findings).toEqual({ fracture: 'positive', pneumothorax: 'uncertain' });
  });

  it('reads text without headers as findings, and a title line as the exam', () => {
    const r = label('CT HEAD WITHOUT CONTRAST\nAcute subdural hematoma along the right convexity.\nNo fracture.');
    expect(r.findings).toEqual({ hemorrhage: 'positive', fracture: 'negative' });
    expect(r.exam).toEqual({ modality: 'CT', bodyRegions: ['head'], contrast: 'without' });
    expect(r.mentions.map((m) => m.section)).toEqual(['FINDINGS', 'FINDINGS']);
  });

  it('finds the exam title in title case or before inline headers, but not in a sentence', () => {
    expect(label('Chest X-ray\nNo pneumothorax.').exam).toEqual({ modality: 'XR', bodyRegions: ['chest'] });
    const flat = label('CT ABDOMEN AND PELVIS WITH CONTRAST  INDICATION: RLQ PAIN.  FINDINGS: DILATED APPENDIX. NO FREE AIR. IMPRESSION: ACUTE APPENDICITIS.');
    expect(flat.exam).toEqual({ modality: 'CT', bodyRegions: ['abdomen', 'pelvis'], contrast: 'with' });
    expect(flat.findings).toEqual({ pneumoperitoneum: 'negative', appendicitis: 'positive' });
    const sentence = label('CT SHOWS NO ACUTE HEMORRHAGE');
    expect(sentence.exam).toEqual({ bodyRegions: [] });
    expect(sentence.findings).toEqual({ hemorrhage: 'negative' });
  });

  it('prefers the procedure text to the EXAM line field by field', () => {
    const r = label('EXAM: XR KNEE 3 VIEWS\nNo fracture.', 'XR KNEE LEFT');
    expect(r.exam).toEqual({ modality: 'XR', bodyRegions: ['knee'], laterality: 'left', views: 3 });
  });

  it('handles a British report with dashed headers and an opinion', () => {
    const text = 'Clinical details - SOB, ?pneumothorax\nReport - Left apical pneumothorax measuring 2 cm. No effusion.\nOpinion - Left pneumothorax.';
    const r = label(text, 'Chest X-ray');
    expect(r.findings).toEqual({ pneumothorax: 'positive', effusion: 'negative' });
    expect(r.mentions.filter((m) => m.finding === 'pneumothorax').map((m) => [m.section, m.state, m.laterality])).toEqual([
      ['INDICATION', 'uncertain', undefined], ['FINDINGS', 'positive', 'left'], ['IMPRESSION', 'positive', 'left'],
    ]);
  });

  it('labels templated reports line by line', () => {
    const text = 'FINDINGS:\nLungs: Clear.\nPleura: No effusion or pneumothorax.\nHeart: Normal size.\nBones: Healing left clavicle fracture.';
    expect(label(text).findings).toEqual({ effusion: 'negative', pneumothorax: 'negative', cardiomegaly: 'negative', fracture: 'positive' });
  });

  it('returns no findings and an empty exam for an empty report', () => {
    expect(label('')).toEqual({ reportId: 'R1', exam: { bodyRegions: [] }, findings: {}, mentions: [] });
  });
});
