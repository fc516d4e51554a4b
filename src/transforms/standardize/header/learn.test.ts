import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../model/errors.ts';
import { parseProcedureTerms } from '../procedure.ts';
import { compileStandards } from './compile.ts';
import { standardizeHeader } from './correct.ts';
import type { HeaderValues } from './fields.ts';
import { addSynonym, serializeStandards } from './learn.ts';
import { parseStandards } from './profile.ts';
import type { StandardsProfile } from './profile.ts';

const read = (path: string): unknown => parseYaml(readFileSync(new URL(path, import.meta.url), 'utf8'));
const terms = parseProcedureTerms(read('../../../../mappings/procedure-terms.yaml'));
const global = parseStandards(read('../../../../mappings/standards/global.yaml'));
const site = parseStandards(read('../../../../mappings/standards/site-example.yaml'), { global });

function description(profile: StandardsProfile, header: HeaderValues): { value?: string; status: string } {
  const r = standardizeHeader(header, compileStandards(profile, terms));
  const f = r.fields.find((x) => x.field === 'studyDescription');
  return { status: f?.status ?? 'none', ...(f?.value === undefined ? {} : { value: f.value }) };
}

describe('addSynonym', () => {
  const protocol = 'Onco^7B_Followup (Adult)';

  it('records a reviewer decision, with its conditions, and the next header uses it', () => {
    expect(description(global, { modality: 'CT', studyDescription: protocol }).status).not.toBe('standardized');
    const learned = addSynonym(global, 'studyDescription', protocol, 'CT CHEST WITHOUT CONTRAST', { modality: 'CT' });
    const entry = learned.fields.studyDescription?.standards.find((e) => e.entry === 'CT CHEST WITHOUT CONTRAST');
    expect(entry?.synonyms.at(-1)).toEqual({ text: protocol, when: { modality: { values: ['CT'] } } });
    expect(description(learned, { modality: 'CT', studyDescription: protocol })).toEqual({ status: 'standardized', value: 'CT CHEST WITHOUT CONTRAST' });
    // The condition is the dependency requirement: on an MR the protocol name means something else.
    expect(description(learned, { modality: 'MR', studyDescription: protocol }).value).not.toBe('CT CHEST WITHOUT CONTRAST');
  });

  it('leaves the original profile as it was', () => {
    const before = JSON.stringify(global);
    addSynonym(global, 'studyDescription', protocol, 'CT CHEST WITHOUT CONTRAST');
    expect(JSON.stringify(global)).toBe(before);
  });

  it('a later decision overrides an earlier one for the same text', () => {
    const first = addSynonym(global, 'studyDescription', 'CHEST CT LOW DOSE', 'CT CHEST WITH CONTRAST');
    const second = addSynonym(first, 'studyDescription', 'Chest CT low dose', 'CT CHEST WITHOUT CONTRAST');
    const owners = second.fields.studyDescription?.standards.filter((e) => e.synonyms.some((s) => s.text.toUpperCase() === 'CHEST CT LOW DOSE')).map((e) => e.entry);
    expect(owners).toEqual(['CT CHEST WITHOUT CONTRAST']);
  });

  it('keeps the same text under different conditions for different entries', () => {
    const a = addSynonym(global, 'studyDescription', 'Head^Routine', 'CT HEAD WITHOUT CONTRAST', { modality: 'CT' });
    const b = addSynonym(a, 'studyDescription', 'Head^Routine', 'MR BRAIN WITHOUT CONTRAST', { modality: ['MR'] });
    expect(description(b, { modality: 'CT', studyDescription: 'Head^Routine' }).value).toBe('CT HEAD WITHOUT CONTRAST');
    expect(description(b, { modality: 'MR', studyDescription: 'Head^Routine' }).value).toBe('MR BRAIN WITHOUT CONTRAST');
  });

  it('records report-side synonyms in the shared catalogue', () => {
    const learned = addSynonym(global, 'procedureText', 'CT CHEST LUNG SCREENING LDCT', 'CT CHEST WITHOUT CONTRAST');
    expect(learned.fields.studyDescription?.standards.find((e) => e.entry === 'CT CHEST WITHOUT CONTRAST')?.synonyms.at(-1)).toEqual({ text: 'CT CHEST LUNG SCREENING LDCT' });
  });

  it('is a no-op for the entry itself, and refuses unknown entries and other entries', () => {
    expect(addSynonym(global, 'modality', 'ct', 'CT')).toBe(global);
    expect(() => addSynonym(global, 'modality', 'MRI', 'MRX')).toThrow(expect.objectContaining({ code: ErrorCode.MappingInvalid, message: expect.stringContaining('fields.modality: no standard entry "MRX"') as unknown }));
    expect(() => addSynonym(global, 'modality', 'DX', 'CR')).toThrow(expect.objectContaining({ message: expect.stringContaining('"DX" is itself a standard entry') as unknown }));
    expect(() => addSynonym(global, 'patientName', 'X', 'Y')).toThrow(expect.objectContaining({ code: ErrorCode.MappingInvalid }));
    expect(() => addSynonym(global, 'modality', '---', 'CT')).toThrow(expect.objectContaining({ message: expect.stringContaining('no letters or digits') as unknown }));
  });
});

describe('serializeStandards', () => {
  it.each([
    ['global', global],
    ['site-example', site],
  ])('round-trips the %s profile through plain data and through YAML', (_, profile) => {
    expect(parseStandards(serializeStandards(profile))).toEqual(profile);
    expect(parseStandards(parseYaml(stringifyYaml(serializeStandards(profile))))).toEqual(profile);
  });

  it('round-trips a learned profile, conditions included', () => {
    const learned = addSynonym(addSynonym(global, 'studyDescription', 'Chest^03_LowDose (Adult)', 'CT CHEST WITHOUT CONTRAST', { modality: 'CT', bodyPartExamined: ['CHEST'] }), 'bodyPartExamined', 'TORSO UPPER', 'CHEST', { studyDescription: { pattern: '^CT ' } });
    const data = serializeStandards(learned);
    expect(parseStandards(parseYaml(stringifyYaml(data)))).toEqual(learned);
    const yaml = stringifyYaml(data);
    expect(yaml).toContain('text: Chest^03_LowDose (Adult)');
    expect(yaml).toContain('pattern: "^CT "');
  });
});
