import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseProcedureTerms } from '../procedure.ts';
import { compileStandards } from './compile.ts';
import { charSimilarity, matchStandard, residualSimilarity, sameWord, scoreTexts, wordSimilarity } from './compare.ts';
import type { MatchResult } from './compare.ts';
import type { KnownValues } from './conditions.ts';
import type { FieldName } from './fields.ts';
import { parseStandards } from './profile.ts';

const read = (path: string): unknown => parseYaml(readFileSync(new URL(path, import.meta.url), 'utf8'));
const terms = parseProcedureTerms(read('../../../../mappings/procedure-terms.yaml'));
const profile = parseStandards(read('../../../../mappings/standards/global.yaml'));
const standards = compileStandards(profile, terms);

const match = (field: FieldName, value: string, known: KnownValues = {}): MatchResult => matchStandard(standards, field, value, known);
/** The entry a value would be standardized to (accept threshold and margin), or null. */
function accepted(field: FieldName, value: string, known: KnownValues = {}): string | null {
  const m = match(field, value, known);
  if (m.best === undefined || m.nearMiss !== undefined) return null;
  const margin = m.runnerUp === undefined ? 1 : m.best.score - m.runnerUp.score;
  return m.best.score >= profile.thresholds.accept && margin >= profile.thresholds.margin ? m.best.entry : null;
}

describe('matchStandard: study descriptions', () => {
  it.each<[string, string]>([
    // vendor protocol names and RIS styles not listed as synonyms
    ['Chest CT scan', 'CT CHEST WITHOUT CONTRAST'],
    ['CT of the Chest without contrast', 'CT CHEST WITHOUT CONTRAST'],
    ['CT THORAX WO CONTRAST', 'CT CHEST WITHOUT CONTRAST'],
    ['CT CHEST W/ IV CONTRAST', 'CT CHEST WITH CONTRAST'],
    ['ct abd/pelvis w contrast (adult)', 'CT ABDOMEN PELVIS WITH CONTRAST'],
    ['CT ABDOMEN AND PELVIS W/O', 'CT ABDOMEN PELVIS WITHOUT CONTRAST'],
    ['CT C/A/P WITH IV CONTRAST', 'CT CHEST ABDOMEN PELVIS WITH CONTRAST'],
    ['MRI Brain w/wo contrast', 'MR BRAIN WITH AND WITHOUT CONTRAST'],
    ['MRI HEAD W AND W/O CONTRAST', 'MR BRAIN WITH AND WITHOUT CONTRAST'],
    ['MRI LUMBAR SPINE WO', 'MR LUMBAR SPINE WITHOUT CONTRAST'],
    ['MRI KNEE LEFT W/O', 'MR KNEE LEFT WITHOUT CONTRAST'],
    ['CHEST PA AND LATERAL', 'XR CHEST 2 VIEWS'],
    ['CXR 2V', 'XR CHEST 2 VIEWS'],
    ['X-RAY CHEST AP', 'XR CHEST 1 VIEW'],
    ['KNEE 3V RT', 'XR KNEE 3 VIEWS RIGHT'],
    ['ULTRASOUND ABDOMEN COMPLETE', 'US ABDOMEN COMPLETE'],
    ['US ABD LIMITED', 'US ABDOMEN LIMITED'],
    ['MAMMO SCREENING BILAT 3D', 'MG SCREENING BILATERAL'],
    ['MAMMOGRAM DIAG LEFT', 'MG DIAGNOSTIC LEFT'],
    ['NM WHOLE BODY BONE SCAN', 'NM BONE SCAN WHOLE BODY'],
  ])('%s → %s', (text, entry) => {
    expect(accepted('studyDescription', text)).toBe(entry);
  });

  it('reads word order freely: "x-ray of Chest" and "Chest x-ray" are the same exam', () => {
    expect(accepted('studyDescription', 'x-ray of Chest 2 views')).toBe('XR CHEST 2 VIEWS');
    expect(accepted('studyDescription', 'Chest x-ray 2 views')).toBe('XR CHEST 2 VIEWS');
    expect(accepted('studyDescription', 'CHEST WITHOUT CONTRAST CT')).toBe('CT CHEST WITHOUT CONTRAST');
    expect(accepted('studyDescription', 'SCREENING BILATERAL MG')).toBe('MG SCREENING BILATERAL');
  });

  it.each<[string, string]>([
    ['CT CHSET WITHOUT CONTRAST', 'CT CHEST WITHOUT CONTRAST'],
    ['CT CHEST WITHOTU CONTRAST', 'CT CHEST WITHOUT CONTRAST'],
    ['TC HEAD WITHOUT CONTRAST', 'CT HEAD WITHOUT CONTRAST'],
    ['MR BRAIN WIT AND WITHOUT CONTRAST', 'MR BRAIN WITH AND WITHOUT CONTRAST'],
    ['CT CHEST ABDOMEN PELVIV WITH CONTRAST', 'CT CHEST ABDOMEN PELVIS WITH CONTRAST'],
    ['US ABDOMEN COMPLTE', 'US ABDOMEN COMPLETE'],
    ['XR CHEST 2 VIWES', 'XR CHEST 2 VIEWS'],
  ])('repairs the typo in %s', (text, entry) => {
    expect(accepted('studyDescription', text)).toBe(entry);
  });

  it('expands abbreviations through the procedure terms: W/O, W/WO, MRI, CXR, BILAT, LT', () => {
    expect(accepted('studyDescription', 'MRI BRAIN W/O')).toBe('MR BRAIN WITHOUT CONTRAST');
    expect(accepted('studyDescription', 'CT HEAD W+WO')).toBe('CT HEAD WITH AND WITHOUT CONTRAST');
    expect(accepted('studyDescription', 'MG DIAGNOSTIC BILAT')).toBe('MG DIAGNOSTIC BILATERAL');
    expect(accepted('studyDescription', 'US BREAST LT LIMITED')).toBe('US BREAST LEFT LIMITED');
    expect(accepted('studyDescription', 'MG DIAG RT')).toBe('MG DIAGNOSTIC RIGHT');
  });

  it('rejects contradictory contrast: with is not without, and with-only is not with-and-without', () => {
    const m = match('studyDescription', 'MR KNEE LEFT WITH CONTRAST');
    expect(m.best?.score).toBeLessThan(profile.thresholds.review);
    expect(accepted('studyDescription', 'CT HEAD WITH CONTRAST')).toBeNull();
    expect(match('studyDescription', 'CT HEAD WITH CONTRAST').best?.score).toBeLessThan(profile.thresholds.accept);
    // The synonym "Head CT" says nothing of contrast, but its entry does: a contrast CT is not it.
    expect(match('studyDescription', 'Head CT with contrast').ranked.find((r) => r.entry === 'CT HEAD WITHOUT CONTRAST')?.score).toBeLessThan(0.3);
  });

  it('rejects contradictory laterality: left is not right', () => {
    const m = match('studyDescription', 'XR KNEE 3 VIEWS LT');
    expect(m.best?.entry).toBe('XR KNEE 3 VIEWS LEFT');
    expect(m.ranked.find((r) => r.entry === 'XR KNEE 3 VIEWS RIGHT')?.score).toBeLessThan(0.3);
    expect(match('studyDescription', 'MR SHOULDER BILATERAL WITHOUT CONTRAST').best?.score).toBeLessThan(profile.thresholds.accept);
  });

  it('does not choose between entries a value cannot tell apart: the runner-up is as good', () => {
    const m = match('studyDescription', 'US ABDOMEN');
    expect(new Set([m.best?.entry, m.runnerUp?.entry])).toEqual(new Set(['US ABDOMEN COMPLETE', 'US ABDOMEN LIMITED']));
    expect(m.best?.score).toBe(m.runnerUp?.score);
    expect(accepted('studyDescription', 'US ABDOMEN')).toBeNull();
    expect(accepted('studyDescription', 'MAMMO DIAGNOSTIC')).toBeNull();
  });

  it('flags a value one typo from an entry yet read as another (near miss)', () => {
    const m = match('studyDescription', 'CT HEAD WITH AD WITHOUT CONTRAST');
    expect(m.best?.entry).toBe('CT HEAD WITHOUT CONTRAST');
    expect(m.nearMiss).toBe('CT HEAD WITH AND WITHOUT CONTRAST');
  });

  it('scores unrelated texts low', () => {
    for (const text of ['RESEARCH PHANTOM QA', 'TEST PATIENT DO NOT READ', 'OUTSIDE FILMS', 'SCANNED DOCUMENT', 'DOSE REPORT', 'CD IMPORT 3']) {
      expect(match('studyDescription', text).best?.score ?? 0, text).toBeLessThan(profile.thresholds.review);
    }
  });

  it('applies conditional synonyms only when their conditions hold', () => {
    expect(match('studyDescription', 'Thorax^01_Routine (Adult)', { modality: 'CT' })).toMatchObject({ exact: 'synonym', best: { entry: 'CT CHEST WITHOUT CONTRAST', score: 1 } });
    const mr = match('studyDescription', 'Thorax^01_Routine (Adult)', { modality: 'MR' });
    expect(mr.exact).toBeUndefined();
    expect(mr.best?.score).toBeLessThan(profile.thresholds.accept);
  });

  it('takes modality and region from the header when the description omits them', () => {
    expect(accepted('studyDescription', 'Chest 2 views', {})).toBe('XR CHEST 2 VIEWS');
    expect(accepted('studyDescription', 'Brain w/o', { modality: 'MR' })).toBe('MR BRAIN WITHOUT CONTRAST');
    expect(accepted('studyDescription', 'Brain w/o', { modality: 'CT' })).toBe('CT HEAD WITHOUT CONTRAST');
    expect(accepted('studyDescription', 'SCREENING BILATERAL', { modality: 'MG' })).toBe('MG SCREENING BILATERAL');
  });

  it('never accepts an entry whose requirements the known values break, but keeps it first for review', () => {
    expect(accepted('studyDescription', 'MAMMO SCREENING BILAT 3D')).toBe('MG SCREENING BILATERAL');
    const broken = match('studyDescription', 'MAMMO SCREENING BILAT 3D', { bodyPartExamined: 'CHEST' });
    expect(broken.best).toMatchObject({ entry: 'MG SCREENING BILATERAL', score: 0.84 });
    const mr = match('studyDescription', 'MR BRAIN WO CONTRAST', { modality: 'CT' });
    expect(mr.best).toMatchObject({ entry: 'MR BRAIN WITHOUT CONTRAST', score: 0.84 });
  });
});

describe('matchStandard: body parts and modalities', () => {
  it.each<[string, string]>([
    ['THORAX', 'CHEST'],
    ['Chest', 'CHEST'],
    ['ABD', 'ABDOMEN'],
    ['L-SPINE', 'LSPINE'],
    ['LUMBAR', 'LSPINE'],
    ['Knee Rt', 'KNEE'],
    ['LEFT KNEE', 'KNEE'],
    ['SHOULDER LT', 'SHOULDER'],
    ['ABDOMEN/PELVIS', 'ABDOMENPELVIS'],
    ['CHEST ABD PELVIS', 'CHESTABDPELVIS'],
    ['BRAIN', 'HEAD'],
    ['BREST', 'BREAST'],
  ])('body part %s → %s', (text, entry) => {
    expect(accepted('bodyPartExamined', text)).toBe(entry);
  });

  it.each<[string, string | null]>([
    ['MRI', 'MR'],
    ['mr', 'MR'],
    ['PET', 'PT'],
    ['MAMMOGRAPHY', 'MG'],
    ['Ultrasound', 'US'],
    ['DEXA', 'BMD'],
    // XR is CR or DX: the value cannot say which.
    ['XRAY', null],
  ])('modality %s → %s', (text, entry) => {
    expect(accepted('modality', text)).toBe(entry);
  });
});

describe('never changes a standard entry', () => {
  it('every entry of every field matches itself exactly, and every synonym its own entry', () => {
    for (const [field, cf] of standards.fields) {
      for (const e of cf.entries) {
        expect(match(field, e.entry.entry).exact, `${field} ${e.entry.entry}`).toBe('entry');
        for (const s of e.entry.synonyms) {
          const known: KnownValues = Object.fromEntries(Object.entries(s.when ?? {}).map(([f, t]) => [f, t?.values?.[0] ?? '']));
          expect(accepted(field, s.text, known), `${field} synonym ${s.text}`).toBe(e.entry.entry);
        }
      }
    }
  });
});

describe('scoring parts', () => {
  it('sameWord: prefixes only when asked, single typos from five letters', () => {
    expect(sameWord('DIAG', 'DIAGNOSTIC', true)).toBe(true);
    expect(sameWord('WITH', 'WITHOUT')).toBe(false);
    expect(sameWord('SCREENNG', 'SCREENING')).toBe(true);
    expect(sameWord('LEFT', 'LEFY')).toBe(false);
  });

  it('residual similarity weighs the standard\'s words more than extra ones', () => {
    expect(residualSimilarity([], [])).toBe(1);
    expect(residualSimilarity(['COMPLETE', 'EXTRA'], ['COMPLETE'])).toBeCloseTo(0.85);
    expect(residualSimilarity([], ['COMPLETE'])).toBeCloseTo(0.3);
    expect(residualSimilarity(['LIMITED'], ['COMPLETE'])).toBe(0);
  });

  it('word similarity is order-free; character similarity is Damerau-based', () => {
    expect(wordSimilarity(['CHEST', 'CT'], ['CT', 'CHEST'])).toBe(1);
    expect(charSimilarity('CHSET', 'CHEST')).toBeCloseTo(0.8);
    expect(charSimilarity('ABC', 'XYZ')).toBe(0);
  });

  it('scoreTexts compares two free texts as the field reads them', () => {
    expect(scoreTexts(standards, 'studyDescription', 'Chest CT', 'CT of Chest')).toBeGreaterThan(0.9);
    expect(scoreTexts(standards, 'studyDescription', 'CT CHEST W', 'CT CHEST WO')).toBeLessThan(0.3);
  });
});
