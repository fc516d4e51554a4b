import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseProcedureTerms } from '../procedure.ts';
import { compileStandards } from './compile.ts';
import type { CompiledStandards } from './compile.ts';
import { standardizeHeader } from './correct.ts';
import type { FieldResult, HeaderContext, HeaderResult } from './correct.ts';
import type { FieldName, HeaderValues } from './fields.ts';
import { parseStandards } from './profile.ts';
import { toGlobalHeader } from './site.ts';

const read = (path: string): unknown => parseYaml(readFileSync(new URL(path, import.meta.url), 'utf8'));
const terms = parseProcedureTerms(read('../../../../mappings/procedure-terms.yaml'));
const globalData = read('../../../../mappings/standards/global.yaml') as Record<string, unknown>;
const global = parseStandards(globalData);
const standards = compileStandards(global, terms);

/** The global profile with top-level keys replaced. */
function variant(over: Record<string, unknown>): CompiledStandards {
  return compileStandards(parseStandards({ ...structuredClone(globalData), ...over }), terms);
}
const run = (header: HeaderValues, context?: HeaderContext, std = standards): HeaderResult => standardizeHeader(header, std, context);
const dependencyRules = (r: HeaderResult): string[] => r.violations.filter((v) => v.kind === 'dependency').map((v) => v.rule).sort();
function field(r: HeaderResult, name: FieldName): FieldResult {
  const f = r.fields.find((x) => x.field === name);
  if (f === undefined) throw new Error(`no result for ${name}`);
  return f;
}

/** A fully standard CT header. */
const STANDARD_CT: HeaderValues = {
  accessionNumber: 'A1000234',
  patientName: 'DOE^JANE',
  patientSex: 'F',
  birthDate: '19600131',
  studyDate: '20240305',
  modality: 'CT',
  bodyPartExamined: 'CHEST',
  studyDescription: 'CT CHEST WITHOUT CONTRAST',
  institutionName: 'ACCLINK GENERAL HOSPITAL',
};

describe('standardizeHeader: already-standard values are never changed', () => {
  it('changes nothing in a fully standard header and finds no violation', () => {
    const r = run(STANDARD_CT, { today: '20240601' });
    expect(r.fields.filter((f) => f.value !== f.original)).toEqual([]);
    expect(r.fields.filter((f) => f.original !== undefined).every((f) => f.status === 'unchanged')).toBe(true);
    expect(r.violations).toEqual([]);
  });

  it('leaves every standard entry of every field unchanged, whatever the other fields say', () => {
    let checked = 0;
    for (const [name, cf] of standards.fields) {
      for (const e of cf.entries) {
        for (const header of [{ [name]: e.entry.entry }, { ...STANDARD_CT, [name]: e.entry.entry }]) {
          const f = field(run(header), name);
          expect(f, `${name} ${e.entry.entry}`).toMatchObject({ status: 'unchanged', value: e.entry.entry });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('keeps DICOM space padding as it is', () => {
    expect(field(run({ modality: 'CT ' }), 'modality')).toMatchObject({ status: 'unchanged', value: 'CT ' });
  });
});

describe('standardizeHeader: values to standard entries', () => {
  it('standardizes vendor and RIS spellings, with score, alternatives and reason', () => {
    const r = run({ modality: 'MRI', bodyPartExamined: 'Knee Rt', studyDescription: 'MRI KNEE RT W/O', patientSex: 'female' });
    expect(field(r, 'modality')).toMatchObject({ value: 'MR', status: 'standardized', reason: 'standard-entry', rule: 'synonym' });
    expect(field(r, 'bodyPartExamined')).toMatchObject({ value: 'KNEE', status: 'standardized' });
    expect(field(r, 'studyDescription')).toMatchObject({ value: 'MR KNEE RIGHT WITHOUT CONTRAST', status: 'standardized', score: 1 });
    expect(field(r, 'patientSex')).toMatchObject({ value: 'F', status: 'standardized' });
    const scored = field(run({ studyDescription: 'Chest x-ray PA and lateral view' }), 'studyDescription');
    expect(scored).toMatchObject({ value: 'XR CHEST 2 VIEWS', status: 'standardized', rule: 'standards' });
    expect(scored.score).toBeGreaterThanOrEqual(0.85);
    expect(scored.alternatives?.[0]?.entry).toBe('XR CHEST 2 VIEWS');
  });

  it('reformats an entry written in another case or punctuation', () => {
    expect(field(run({ studyDescription: 'ct chest without contrast' }), 'studyDescription')).toMatchObject({
      value: 'CT CHEST WITHOUT CONTRAST',
      status: 'reformatted',
      reason: 'reformatted',
    });
  });

  it('uses standardized fields as context for later ones (modality before description)', () => {
    const r = run({ modality: 'MRI', studyDescription: 'Brain^Routine (Adult)' });
    expect(field(r, 'studyDescription')).toMatchObject({ value: 'MR BRAIN WITHOUT CONTRAST', status: 'standardized', rule: 'synonym' });
    expect(field(run({ modality: 'CT', studyDescription: 'Brain^Routine (Adult)' }), 'studyDescription').value).not.toBe('MR BRAIN WITHOUT CONTRAST');
  });

  it('sends values it cannot tell apart to review, with the alternatives', () => {
    const f = field(run({ studyDescription: 'US ABDOMEN' }), 'studyDescription');
    expect(f).toMatchObject({ status: 'review', value: 'US ABDOMEN', rule: 'standards' });
    expect(f.alternatives?.map((a) => a.entry).slice(0, 2).sort()).toEqual(['US ABDOMEN COMPLETE', 'US ABDOMEN LIMITED']);
  });

  it('leaves fields without rules alone', () => {
    const site = compileStandards(parseStandards(read('../../../../mappings/standards/site-example.yaml'), { global }), terms);
    const r = run({ patientName: 'doe, jane', studyDate: '05/03/2024', modality: 'MRT' }, {}, site);
    expect(field(r, 'patientName')).toEqual({ field: 'patientName', original: 'doe, jane', value: 'doe, jane', status: 'unchanged' });
    expect(field(r, 'studyDate')).toMatchObject({ value: '05/03/2024', status: 'unchanged' });
    expect(field(r, 'modality')).toMatchObject({ value: 'MR', status: 'standardized' });
  });
});

describe('standardizeHeader: the report side', () => {
  it('standardizes a procedure text against the shared catalogue, with the report\'s modality as context', () => {
    const r = run({ modality: 'MR', procedureText: 'MRI L-SPINE W/O CONTRAST' });
    expect(field(r, 'procedureText')).toMatchObject({ status: 'standardized', value: 'MR LUMBAR SPINE WITHOUT CONTRAST' });
    expect(field(run({ modality: 'MR', procedureText: 'L-Spine^Routine' }), 'procedureText')).toMatchObject({ status: 'standardized', value: 'MR LUMBAR SPINE WITHOUT CONTRAST' });
  });
});

describe('standardizeHeader: below the thresholds', () => {
  const unrelated = { modality: 'CT', studyDescription: 'RESEARCH PHANTOM QA' };

  it('inconclusive (global default): the value becomes INCONCLUSIVE', () => {
    const f = field(run(unrelated), 'studyDescription');
    expect(f).toMatchObject({ status: 'inconclusive', value: 'INCONCLUSIVE', original: 'RESEARCH PHANTOM QA', rule: 'belowThreshold' });
    expect(f.reason).toBeUndefined();
  });

  it('leave: the value stays, unchanged, with the score for the record', () => {
    const f = field(run(unrelated, {}, variant({ belowThreshold: 'leave' })), 'studyDescription');
    expect(f).toMatchObject({ status: 'unchanged', value: 'RESEARCH PHANTOM QA', rule: 'belowThreshold' });
    expect(f.score).toBeLessThan(0.6);
  });

  it('review: the value stays and goes to review', () => {
    expect(field(run(unrelated, {}, variant({ belowThreshold: 'review', inconclusiveValue: 'UNKNOWN' })), 'studyDescription')).toMatchObject({
      status: 'review',
      value: 'RESEARCH PHANTOM QA',
      rule: 'belowThreshold',
    });
  });

  it('a free-text field keeps an unknown value, only reformatted', () => {
    expect(field(run({ institutionName: 'St Elsewhere  Clinic' }), 'institutionName')).toMatchObject({ status: 'reformatted', value: 'ST ELSEWHERE CLINIC', rule: 'format' });
    expect(field(run({ institutionName: 'Acclink General' }), 'institutionName')).toMatchObject({ status: 'standardized', value: 'ACCLINK GENERAL HOSPITAL' });
  });
});

describe('standardizeHeader: format rules', () => {
  it('rewrites dates to YYYYMMDD and rejects impossible, ambiguous and future ones', () => {
    const today = { today: '2024-06-01' };
    expect(field(run({ studyDate: '2024-03-05T10:22:00' }, today), 'studyDate')).toMatchObject({ status: 'reformatted', value: '20240305' });
    expect(field(run({ birthDate: '31.01.1960' }, today), 'birthDate')).toMatchObject({ status: 'reformatted', value: '19600131' });
    expect(field(run({ birthDate: '12/31/1960' }, today), 'birthDate')).toMatchObject({ status: 'reformatted', value: '19601231' });
    expect(field(run({ birthDate: '03/04/1960' }, today), 'birthDate')).toMatchObject({ status: 'invalid', value: '03/04/1960', rule: 'format.date' });
    expect(field(run({ studyDate: '20240230' }, today), 'studyDate')).toMatchObject({ status: 'invalid', rule: 'format.date' });
    const future = run({ studyDate: '20250101' }, today);
    expect(field(future, 'studyDate')).toMatchObject({ status: 'invalid', rule: 'format.notInFuture' });
    expect(future.violations).toContainEqual(expect.objectContaining({ kind: 'format', rule: 'fields.studyDate.format.notInFuture', fields: ['studyDate'] }));
    // Without today the future cannot be judged.
    expect(field(run({ studyDate: '20250101' }), 'studyDate').status).toBe('unchanged');
  });

  it('reads a slashed date by the profile dateOrder', () => {
    const fields = structuredClone(globalData.fields) as Record<string, Record<string, unknown>>;
    fields.birthDate = { format: { date: 'YYYYMMDD', dateOrder: 'DMY' } };
    expect(field(run({ birthDate: '03/04/1960' }, {}, variant({ fields })), 'birthDate')).toMatchObject({ status: 'reformatted', value: '19600403' });
  });

  it('writes names as DICOM PN in upper case and rejects characters a name cannot have', () => {
    expect(field(run({ patientName: 'Doe, John A' }), 'patientName')).toMatchObject({ status: 'reformatted', value: 'DOE^JOHN^A' });
    expect(field(run({ patientName: 'Müller^Jürgen^^' }), 'patientName')).toMatchObject({ status: 'reformatted', value: 'MÜLLER^JÜRGEN' });
    expect(field(run({ patientName: 'DOE^JOHN' }), 'patientName').status).toBe('unchanged');
    expect(field(run({ patientName: 'DOE^JOHN 3' }), 'patientName')).toMatchObject({ status: 'invalid', rule: 'format.allowedChars' });
  });

  it('checks accession numbers against their pattern without ever re-casing them', () => {
    expect(field(run({ accessionNumber: 'acc-001.2' }), 'accessionNumber')).toMatchObject({ status: 'unchanged', value: 'acc-001.2' });
    expect(field(run({ accessionNumber: 'A 123' }), 'accessionNumber')).toMatchObject({ status: 'invalid', rule: 'format.pattern' });
    expect(field(run({ accessionNumber: 'A12345678901234567' }), 'accessionNumber')).toMatchObject({ status: 'invalid', rule: 'format.maxLength' });
  });
});

describe('standardizeHeader: dependencies', () => {
  it('mammography requires BREAST: a missing body part gets the proposed fix', () => {
    const r = run({ modality: 'MG', studyDescription: 'MG SCREENING BILATERAL' });
    const v = r.violations.find((x) => x.rule === 'mammography-is-breast');
    expect(v).toMatchObject({ kind: 'dependency', fields: ['modality', 'bodyPartExamined'], fix: { field: 'bodyPartExamined', value: 'BREAST' } });
    expect(r.violations).toContainEqual(expect.objectContaining({ kind: 'requirement', fix: { field: 'bodyPartExamined', value: 'BREAST' } }));
  });

  it('two certain values that conflict: a violation, no fix', () => {
    const r = run({ modality: 'MG', bodyPartExamined: 'CHEST', studyDescription: 'MG SCREENING BILATERAL' });
    const v = r.violations.find((x) => x.rule === 'mammography-is-breast');
    expect(v?.message).toBe('modality "MG" requires bodyPartExamined "BREAST", but it is "CHEST"');
    expect(v?.fix).toBeUndefined();
  });

  it('a description starting "CT " requires modality CT; an unreadable modality gets the fix', () => {
    const r = run({ modality: 'XYZ', studyDescription: 'CT HEAD WITHOUT CONTRAST' });
    expect(field(r, 'modality').status).toBe('inconclusive');
    expect(r.violations).toContainEqual(expect.objectContaining({ rule: 'ct-descriptions', fix: { field: 'modality', value: 'CT' } }));
  });

  it('the converse of a both-way rule: modality CT requires a CT description', () => {
    const r = run({ modality: 'CT', studyDescription: 'MR BRAIN WITHOUT CONTRAST' });
    const rules = dependencyRules(r);
    expect(rules).toEqual(['ct-descriptions', 'mr-descriptions']);
    expect(r.violations.find((v) => v.rule === 'ct-descriptions')).toMatchObject({ fields: ['modality', 'studyDescription'] });
    expect(r.violations.filter((v) => v.kind === 'dependency').every((v) => v.fix === undefined)).toBe(true);
    // A description left as it was is checked too.
    const left = run({ modality: 'CT', studyDescription: 'RESEARCH PHANTOM QA' }, {}, variant({ belowThreshold: 'leave' }));
    expect(dependencyRules(left)).toEqual(['ct-descriptions']);
  });

  it('a description that contradicts a certain modality goes to review, not to another entry', () => {
    const r = run({ modality: 'CT', studyDescription: 'MR BRAIN WO CONTRAST' });
    const f = field(r, 'studyDescription');
    expect(f).toMatchObject({ status: 'review', value: 'MR BRAIN WO CONTRAST' });
    expect(f.alternatives?.[0]?.entry).toBe('MR BRAIN WITHOUT CONTRAST');
    expect(dependencyRules(r)).toEqual(['ct-descriptions', 'mr-descriptions']);
  });

  it('a both-way rule with single values proposes a fix in either direction', () => {
    const dependencies = [{ id: 'mg-breast', if: { modality: 'MG' }, then: { bodyPartExamined: 'BREAST' }, direction: 'both' }];
    const std = variant({ dependencies });
    expect(run({ modality: 'MG' }, {}, std).violations).toContainEqual(expect.objectContaining({ fix: { field: 'bodyPartExamined', value: 'BREAST' } }));
    const reverse = run({ bodyPartExamined: 'BREAST', modality: 'XYZ' }, {}, std);
    expect(reverse.violations).toContainEqual(expect.objectContaining({ rule: 'mg-breast', fix: { field: 'modality', value: 'MG' } }));
  });
});

describe('standardizeHeader: filling empty mandatory fields', () => {
  it('fills from a reliable linked record, standardizing the offered value', () => {
    const r = run({ modality: 'CT' }, { fill: { studyDescription: { value: 'CT CHEST W/O CONTRAST', confidence: 0.97, source: 'report:R1 procedure' } } });
    expect(field(r, 'studyDescription')).toMatchObject({
      status: 'filled',
      value: 'CT CHEST WITHOUT CONTRAST',
      reason: 'filled-from-linked-record',
      source: 'report:R1 procedure',
      rule: 'fill',
    });
    expect(r.violations.filter((v) => v.fields.includes('studyDescription'))).toEqual([]);
  });

  it('does not fill from unreliable values, nor from reliable ones that disagree', () => {
    const weak = run({ modality: 'CT' }, { fill: { studyDescription: { value: 'CT CHEST WITHOUT CONTRAST', confidence: 0.6 } } });
    expect(field(weak, 'studyDescription')).toMatchObject({ status: 'invalid', rule: 'mandatory' });
    expect(weak.violations).toContainEqual(expect.objectContaining({ kind: 'mandatory', rule: 'fields.studyDescription.mandatory' }));
    const split = run({ modality: 'CT' }, {
      fill: { studyDescription: [{ value: 'CT CHEST W/O', confidence: 0.95 }, { value: 'CT HEAD W/O', confidence: 0.95 }] },
    });
    expect(field(split, 'studyDescription').status).toBe('invalid');
    expect(split.violations.find((v) => v.rule === 'fields.studyDescription.mandatory')?.message).toContain('disagree');
  });

  it('two reliable spellings of one entry agree; non-mandatory empty fields stay empty', () => {
    const r = run({ modality: 'MR' }, {
      fill: { studyDescription: [{ value: 'MRI BRAIN W/O', confidence: 0.92 }, { value: 'MR BRAIN WITHOUT CONTRAST', confidence: 0.99 }], birthDate: { value: '19600101', confidence: 1 } },
    });
    expect(field(r, 'studyDescription')).toMatchObject({ status: 'filled', value: 'MR BRAIN WITHOUT CONTRAST', score: 0.99 });
    expect(field(r, 'birthDate')).toMatchObject({ status: 'unchanged', value: undefined });
  });
});

describe('site profile', () => {
  it('standardizes to the site\'s own entries, which map to global for internal use', () => {
    const siteProfile = parseStandards(read('../../../../mappings/standards/site-example.yaml'), { global });
    const site = compileStandards(siteProfile, terms);
    const r = run({ modality: 'CT', bodyPartExamined: 'chest', studyDescription: 'Thorax^01_Routine (Adult)' }, {}, site);
    const values = Object.fromEntries(r.fields.map((f) => [f.field, f.value]));
    expect(values).toMatchObject({ modality: 'CT', bodyPartExamined: 'THORAX', studyDescription: 'CT THORAX NATIV' });
    expect(toGlobalHeader(siteProfile, values)).toMatchObject({ bodyPartExamined: 'CHEST', studyDescription: 'CT CHEST WITHOUT CONTRAST' });
    expect(field(run({ studyDescription: 'MRT Kopf nativ und mit KM', modality: 'MR' }, {}, site), 'studyDescription').value).toBe('MRT SCHAEDEL NATIV UND MIT KM');
  });
});
