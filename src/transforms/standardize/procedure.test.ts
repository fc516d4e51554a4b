 
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compareBodyRegions, compareProcedureTerms, extractProcedureTerms, normalizeModality, parseProcedureTerms } from './procedure.ts';
import type { ExtractedProcedureTerms } from './procedure.ts';

const terms = parseProcedureTerms(parseYaml(readFileSync(new URL('../../../mappings/procedure-terms.yaml', import.meta.url), 'utf8')));
const x = (text: string | undefined): ExtractedProcedureTerms => extractProcedureTerms(text, terms);

describe('extractProcedureTerms: vendor and RIS styles', () => {
  it.each<[string, ExtractedProcedureTerms]>([
    // RIS / OBR-4 texts
    ['CT CHEST W/O CONTRAST', { modality: 'CT', bodyRegions: ['chest'], contrast: 'without' }],
    ['CT THORAX WITHOUT CONTRAST', { modality: 'CT', bodyRegions: ['chest'], contrast: 'without' }],
    ['MRI BRAIN WITH AND WITHOUT CONTRAST', { modality: 'MR', bodyRegions: ['head'], contrast: 'with-and-without' }],
    ['MR Head w/wo', { modality: 'MR', bodyRegions: ['head'], contrast: 'with-and-without' }],
    ['CT ABD/PELVIS W CONTRAST', { modality: 'CT', bodyRegions: ['abdomen', 'pelvis'], contrast: 'with' }],
    ['CT ABDOMEN PELVIS W/ IV CONTRAST', { modality: 'CT', bodyRegions: ['abdomen', 'pelvis'], contrast: 'with' }],
    ['CT CAP W+WO', { modality: 'CT', bodyRegions: ['chest', 'abdomen', 'pelvis'], contrast: 'with-and-without' }],
    ['CT HEAD NON-CONTRAST', { modality: 'CT', bodyRegions: ['head'], contrast: 'without' }],
    ['CT HEAD WO', { modality: 'CT', bodyRegions: ['head'], contrast: 'without' }],
    ['CT Head plain', { modality: 'CT', bodyRegions: ['head'], contrast: 'without' }],
    ['MRI L-SPINE W/O & W', { modality: 'MR', bodyRegions: ['lumbar-spine'], contrast: 'with-and-without' }],
    ['MR C-SPINE W/W/O', { modality: 'MR', bodyRegions: ['cervical-spine'], contrast: 'with-and-without' }],
    ['CT C+ ABDO', { modality: 'CT', bodyRegions: ['abdomen'], contrast: 'with' }],
    ['CT ABDOMEN CONTRAST', { modality: 'CT', bodyRegions: ['abdomen'], contrast: 'with' }],
    ['CTA Head/Neck', { modality: 'CT', bodyRegions: ['vascular', 'head', 'neck'] }],
    ['CTPA', { modality: 'CT', bodyRegions: ['chest', 'vascular'] }],
    ['US ABDOMEN COMPLETE', { modality: 'US', bodyRegions: ['abdomen'] }],
    ['US RUQ', { modality: 'US', bodyRegions: ['liver'] }],
    ['US DOPPLER CAROTID BILAT', { modality: 'US', bodyRegions: ['neck', 'vascular'], laterality: 'bilateral' }],
    ['ECHO TTE COMPLETE', { modality: 'US', bodyRegions: ['heart'] }],
    ['Mammo Screening Bilat', { modality: 'MG', bodyRegions: ['breast'], laterality: 'bilateral' }],
    ['MAMMO DIAG LT W/ TOMO', { modality: 'MG', bodyRegions: ['breast'], laterality: 'left' }],
    ['NM BONE SCAN WHOLE BODY', { modality: 'NM', bodyRegions: ['whole-body'] }],
    ['PET/CT SKULL BASE TO MID THIGH', { modality: 'PT', bodyRegions: ['whole-body'] }],
    ['DEXA HIP AND SPINE', { modality: 'BMD', bodyRegions: ['hip', 'spine'] }],
    ['FLUORO BARIUM SWALLOW', { modality: 'RF', bodyRegions: ['abdomen'] }],
    ['ANGIO AORTA RUNOFF', { modality: 'XA', bodyRegions: ['vascular'] }],
    // radiography, views and laterality
    ['CHEST PA/LAT', { modality: 'XR', bodyRegions: ['chest'], views: 2 }],
    ['Chest X-ray 2 views', { modality: 'XR', bodyRegions: ['chest'], views: 2 }],
    ['CXR PORTABLE AP', { modality: 'XR', bodyRegions: ['chest'], views: 1 }],
    ['XR KNEE LT 3V', { modality: 'XR', bodyRegions: ['knee'], laterality: 'left', views: 3 }],
    ['XR KNEE RT MIN 4 VIEWS', { modality: 'XR', bodyRegions: ['knee'], laterality: 'right', views: 4 }],
    ['XR ANKLE RIGHT THREE VIEWS', { modality: 'XR', bodyRegions: ['ankle'], laterality: 'right', views: 3 }],
    ['XR HAND L', { modality: 'XR', bodyRegions: ['hand'], laterality: 'left' }],
    ['XR FEMUR LEFT AND RIGHT', { modality: 'XR', bodyRegions: ['femur'], laterality: 'bilateral' }],
    ['XR HIP LT W PELVIS 2 VIEWS', { modality: 'XR', bodyRegions: ['hip', 'pelvis'], laterality: 'left', views: 2 }],
    ['KNEE AP LAT SUNRISE', { modality: 'XR', bodyRegions: ['knee'], views: 3 }],
    ['CR SHOULDER B/L', { modality: 'XR', bodyRegions: ['shoulder'], laterality: 'bilateral' }],
    ['KUB', { modality: 'XR', bodyRegions: ['abdomen', 'kidney'] }],
    ['CT KUB', { modality: 'CT', bodyRegions: ['abdomen', 'kidney'] }],
    // DICOM study descriptions (Siemens/GE/Philips protocol styles) and Body Part Examined terms
    ['Thorax^01_Routine (Adult)', { bodyRegions: ['chest'] }],
    ['Head^01_HeadRoutineSeq (Adult)', { bodyRegions: ['head'] }],
    ['Abdomen^1_AbdPelvis_Routine', { bodyRegions: ['abdomen', 'pelvis'] }],
    ['CSPINE', { bodyRegions: ['cervical-spine'] }],
    ['LSPINE', { bodyRegions: ['lumbar-spine'] }],
    ['TLSPINE', { bodyRegions: ['thoracic-spine', 'lumbar-spine'] }],
    ['ABDOMENPELVIS', { bodyRegions: ['abdomen', 'pelvis'] }],
    ['Brain Routine', { bodyRegions: ['head'] }],
    ['MRT Schädel nativ', { modality: 'MR', bodyRegions: ['head'], contrast: 'without' }],
  ])('%s', (text, expected) => {
    expect(x(text)).toEqual(expected);
  });
});

describe('extractProcedureTerms: robustness', () => {
  it('is empty for empty, missing or unrelated text', () => {
    for (const t of [undefined, '', '  ', '^^__()', 'ROUTINE 01 ADULT']) expect(x(t)).toEqual({ bodyRegions: [] });
  });

  it('ignores case and separators alike', () => {
    const expected = x('CT CHEST W/O CONTRAST');
    for (const t of ['ct chest w/o contrast', 'CT_CHEST_W-O_CONTRAST', 'CT^CHEST^W/O^CONTRAST', 'ct,chest (w/o contrast)']) expect(x(t)).toEqual(expected);
  });

  it('reads a bare W as contrast only in a contrast context', () => {
    expect(x('CT HEAD W').contrast).toBe('with');
    expect(x('CT HEAD W/ CONTRAST').contrast).toBe('with');
    expect(x('US ABDOMEN W DOPPLER').contrast).toBeUndefined();
    expect(x('CT CHEST WITH HIGH RESOLUTION').contrast).toBeUndefined();
  });

  it('lets the spine phrase win over single-letter laterality', () => {
    expect(x('XR L SPINE 2V')).toEqual({ modality: 'XR', bodyRegions: ['lumbar-spine'], views: 2 });
    expect(x('XR T-SPINE')).toEqual({ modality: 'XR', bodyRegions: ['thoracic-spine'] });
  });

  it('keeps the first strong modality and ignores weak ones after it', () => {
    expect(x('CT ANGIO CHEST').modality).toBe('CT');
    expect(x('MR PELVIS PA').modality).toBe('MR');
    expect(x('ANGIOGRAM').modality).toBe('XA');
  });

  it('does not read digits of protocol names or sizes as a view count', () => {
    expect(x('Thorax 3.0 B31f').views).toBeUndefined();
    expect(x('CT CHEST 5MM').views).toBeUndefined();
  });

  it('does not treat PT in free text as PET', () => {
    expect(x('XR CHEST PT UNABLE TO STAND').modality).toBe('XR');
    expect(x('PT SCAN').modality).toBeUndefined();
  });
});

describe('normalizeModality', () => {
  it.each([
    ['CR', 'XR'], ['DX', 'XR'], ['RG', 'XR'], ['XR', 'XR'], ['X-RAY', 'XR'], ['x ray', 'XR'], ['RX', 'XR'], ['DR', 'XR'],
    ['MR', 'MR'], ['MRI', 'MR'], ['NMR', 'MR'], ['CT', 'CT'], ['CAT', 'CT'], ['US', 'US'], ['Ultrasound', 'US'], ['RUS', 'US'],
    ['VUS', 'US'], ['NM', 'NM'], ['NMS', 'NM'], ['PT', 'PT'], ['PET', 'PT'], ['MG', 'MG'], ['MAM', 'MG'], ['MAMMO', 'MG'],
    ['Mammogram', 'MG'], ['RF', 'RF'], ['FLUORO', 'RF'], ['XA', 'XA'], ['ANGIO', 'XA'], ['DEXA', 'BMD'], [' ct ', 'CT'],
  ])('%s → %s', (code, group) => {
    expect(normalizeModality(code, terms)).toBe(group);
  });

  it.each([['RAD'], ['Radiology'], ['SR'], ['KO'], ['OT'], ['LAB'], [''], ['CT CHEST']])('%s names no modality group', (code) => {
    expect(normalizeModality(code, terms)).toBeUndefined();
  });

  it('returns undefined for undefined', () => {
    expect(normalizeModality(undefined, terms)).toBeUndefined();
  });
});

describe('compareProcedureTerms', () => {
  const cmp = (a: string, b: string): ReturnType<typeof compareProcedureTerms> => compareProcedureTerms(x(a), x(b), terms);

  it('agrees on the same exam written by DICOM and RIS', () => {
    expect(cmp('CT CHEST W/O CONTRAST', 'CT THORAX WITHOUT CONTRAST')).toEqual({ modality: 'agree', bodyRegion: 'agree', contrast: 'agree', laterality: 'unknown', views: 'unknown' });
    expect(cmp('CHEST PA/LAT', 'Chest X-ray 2 views')).toMatchObject({ modality: 'agree', bodyRegion: 'agree', views: 'agree' });
    expect(cmp('MRI BRAIN WITH AND WITHOUT CONTRAST', 'MR Head w/wo')).toMatchObject({ modality: 'agree', bodyRegion: 'agree', contrast: 'agree' });
  });

  it('grades partial agreement', () => {
    expect(cmp('CT CHEST', 'CT CHEST ABDOMEN PELVIS').bodyRegion).toBe('overlap');
    expect(cmp('XR KNEE', 'XR LOWER EXTREMITY').bodyRegion).toBe('overlap');
    expect(cmp('CT CARDIAC', 'CT CHEST').bodyRegion).toBe('overlap');
    expect(cmp('PET WHOLE BODY', 'CT NECK').bodyRegion).toBe('overlap');
    expect(cmp('PET WHOLE BODY', 'CT NECK').modality).toBe('compatible');
    expect(cmp('MR BRAIN W/WO', 'MR BRAIN W').contrast).toBe('compatible');
    expect(cmp('XR KNEES BILAT', 'XR KNEE LT').laterality).toBe('compatible');
  });

  it('disagrees on different exams', () => {
    expect(cmp('XR KNEE LT 3V', 'XR KNEE RT 2V')).toEqual({ modality: 'agree', bodyRegion: 'agree', contrast: 'unknown', laterality: 'disagree', views: 'disagree' });
    expect(cmp('CT HEAD WO', 'US ABDOMEN COMPLETE')).toMatchObject({ modality: 'disagree', bodyRegion: 'disagree' });
    expect(cmp('CT HEAD W', 'CT HEAD WO').contrast).toBe('disagree');
    expect(cmp('XR SHOULDER', 'XR ELBOW').bodyRegion).toBe('disagree');
  });

  it('is unknown when a side is silent', () => {
    expect(cmp('Thorax^01_Routine (Adult)', 'CT THORAX').modality).toBe('unknown');
    expect(cmp('CT', 'CT CHEST').bodyRegion).toBe('unknown');
  });

  it('is symmetric', () => {
    const pairs = [['CT CHEST', 'CT CHEST ABDOMEN'], ['PET CT', 'CT'], ['MR W/WO', 'MR WO'], ['XR KNEE BILAT', 'XR KNEE R']] as const;
    for (const [a, b] of pairs) expect(cmp(a, b)).toEqual(cmp(b, a));
  });
});

describe('compareBodyRegions', () => {
  it('compares unknown region names by equality only', () => {
    expect(compareBodyRegions(['mystery'], ['mystery'], terms)).toBe('agree');
    expect(compareBodyRegions(['mystery'], ['chest'], terms)).toBe('disagree');
  });

  it('treats a hip as part of both the lower limb and the pelvis', () => {
    expect(compareBodyRegions(['hip'], ['pelvis'], terms)).toBe('overlap');
    expect(compareBodyRegions(['hip'], ['lower-limb'], terms)).toBe('overlap');
    expect(compareBodyRegions(['hip'], ['knee'], terms)).toBe('disagree');
  });
});
