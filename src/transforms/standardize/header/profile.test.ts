import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isAcclinkError } from '../../../model/errors.ts';
import type { AcclinkError } from '../../../model/errors.ts';
import { parseStandards } from './profile.ts';
import type { StandardsProfile } from './profile.ts';

const read = (path: string): Record<string, unknown> => parseYaml(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
const globalData = read('../../../../mappings/standards/global.yaml');
const siteData = read('../../../../mappings/standards/site-example.yaml');
const global = parseStandards(globalData);

/** The error message of parsing `data`, which must be MAPPING_INVALID. */
function problem(data: unknown, global?: StandardsProfile): string {
  try {
    parseStandards(data, global === undefined ? {} : { global });
  } catch (e) {
    expect(isAcclinkError(e, ErrorCode.MappingInvalid)).toBe(true);
    return (e as AcclinkError).message;
  }
  throw new Error('expected MAPPING_INVALID');
}

const minimal = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ version: 1, name: 't', ...over });
const descriptions = (standards: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> =>
  minimal({ fields: { studyDescription: { fixedSet: true, standards, ...extra } } });

describe('parseStandards: the shipped profiles', () => {
  it('reads the global profile with its defaults', () => {
    expect(global.name).toBe('global');
    expect(global.thresholds).toEqual({ accept: 0.85, review: 0.6, margin: 0.02, fill: 0.9 });
    expect(global.belowThreshold).toBe('inconclusive');
    const descriptions = global.fields.studyDescription?.standards ?? [];
    expect(descriptions.length).toBeGreaterThanOrEqual(40);
    expect(new Set(descriptions.map((e) => e.entry.split(' ')[0]))).toEqual(new Set(['CT', 'MR', 'XR', 'US', 'MG', 'NM']));
    expect(global.fields.studyDescription?.match).toBe('procedure');
    expect(global.fields.bodyPartExamined?.match).toBe('bodyPart');
    expect(global.fields.procedureText?.sameStandardsAs).toBe('studyDescription');
    expect(descriptions.find((e) => e.entry === 'CT CHEST WITHOUT CONTRAST')?.synonyms).toContainEqual({ text: 'Thorax^01_Routine (Adult)', when: { modality: { values: ['CT'] } } });
    expect(global.dependencies.find((d) => d.id === 'ct-descriptions')).toEqual({ id: 'ct-descriptions', if: { studyDescription: { pattern: '^CT ' } }, then: { modality: { values: ['CT'] } }, direction: 'both' });
  });

  it('reads the site profile against the global one: every mapped entry exists there', () => {
    const site = parseStandards(siteData, { global });
    expect(site.global).toBe('global');
    expect(site.fields.studyDescription?.standards.every((e) => e.global !== undefined)).toBe(true);
  });

  it('fills defaults for a minimal profile', () => {
    expect(parseStandards(minimal())).toMatchObject({ order: expect.arrayContaining(['modality']) as unknown, fields: {}, dependencies: [], inconclusiveValue: 'INCONCLUSIVE' });
  });
});

describe('parseStandards: errors name their paths', () => {
  it.each<[string, unknown, string]>([
    ['unknown top-level key', minimal({ colour: 'red' }), '(root): Unrecognized key: "colour"'],
    ['wrong version', minimal({ version: 2 }), 'version: Invalid input'],
    ['unknown field name', minimal({ fields: { studyDescriptoin: {} } }), 'fields: Unrecognized key: "studyDescriptoin"'],
    ['unknown field in order', minimal({ order: ['modality', 'sex'] }), 'order[1]'],
    ['a field listed twice in order', minimal({ order: ['modality', 'modality'] }), 'order[1]: "modality" is listed twice'],
    ['threshold out of range', minimal({ thresholds: { accept: 1.5 } }), 'thresholds.accept'],
    ['review above accept', minimal({ thresholds: { accept: 0.5, review: 0.7 } }), 'thresholds.review: 0.7 is above thresholds.accept 0.5'],
    ['bad belowThreshold', minimal({ belowThreshold: 'guess' }), 'belowThreshold'],
    ['unknown key in an entry', descriptions([{ entry: 'CT HEAD', synonym: ['HEAD CT'] }]), 'fields.studyDescription.standards[0]: Unrecognized key: "synonym"'],
    ['empty entry', descriptions([{ entry: '  ' }]), 'fields.studyDescription.standards[0].entry'],
    ['bad case value', descriptions([], { format: { case: 'lower' } }), 'fields.studyDescription.format.case'],
    ['a fixed set with no entries', descriptions([]), 'fields.studyDescription.fixedSet: a fixed set needs standards'],
    ['the same entry twice', descriptions([{ entry: 'CT HEAD' }, { entry: 'ct head' }]), 'fields.studyDescription.standards[1].entry: "ct head" is the same entry as fields.studyDescription.standards[0]'],
    ['a synonym that is another entry', descriptions([{ entry: 'CT HEAD' }, { entry: 'CT BRAIN', synonyms: ['CT-HEAD'] }]), 'fields.studyDescription.standards[1].synonyms[0]: "CT-HEAD" is the standard entry at fields.studyDescription.standards[0]'],
    [
      'a synonym of two entries',
      descriptions([{ entry: 'CT HEAD', synonyms: ['HEAD'] }, { entry: 'MR BRAIN', synonyms: [{ text: 'Head', when: { modality: 'MR' } }] }]),
      'fields.studyDescription.standards[1].synonyms[0]: "Head" is also a synonym of "CT HEAD" at fields.studyDescription.standards[0].synonyms[0]',
    ],
    ['an entry breaking its own format', descriptions([{ entry: 'Ct Head' }], { format: { case: 'upper' } }), 'fields.studyDescription.standards[0].entry: "Ct Head" breaks its own format.case'],
    ['a bad pattern', descriptions([{ entry: 'CT HEAD' }], { format: { pattern: '^(CT' } }), 'fields.studyDescription.format.pattern: not a regular expression'],
    ['a bad condition', descriptions([{ entry: 'CT HEAD', dependsOn: { modality: { regex: 'CT' } } }]), 'fields.studyDescription.standards[0].dependsOn.modality'],
    ['a condition on an unknown field', descriptions([{ entry: 'CT HEAD', synonyms: [{ text: 'HEAD', when: { scanner: 'CT' } }] }]), 'fields.studyDescription.standards[0].synonyms[0].when'],
    [
      'a dependency on a value outside a fixed set',
      { ...structuredClone(globalData), dependencies: [{ if: { modality: 'MG' }, then: { bodyPartExamined: 'BREASTS' } }] },
      'dependencies[0].then.bodyPartExamined: "BREASTS" is not a standard bodyPartExamined entry',
    ],
    ['a dependency without conditions', minimal({ dependencies: [{ if: {}, then: { modality: 'CT' } }] }), 'dependencies[0].if: no condition'],
    ['sameStandardsAs a field without entries', minimal({ fields: { procedureText: { sameStandardsAs: 'studyDescription' } } }), 'fields.procedureText.sameStandardsAs: "studyDescription" is not a field with its own standards'],
  ])('%s', (_, data, expected) => {
    expect(problem(data)).toContain(expected);
  });

  it('reports every problem at once, one per line', () => {
    const message = problem(descriptions([{ entry: 'CT HEAD' }, { entry: 'CT HEAD' }, { entry: 'Mr Brain' }], { format: { case: 'upper' } }));
    expect(message.split('\n')).toHaveLength(2);
  });

  it('a site entry must map to an entry of the global profile', () => {
    const site = structuredClone(siteData) as { fields: { bodyPartExamined: { standards: Array<{ global?: string }> } } };
    site.fields.bodyPartExamined.standards[0] = { ...site.fields.bodyPartExamined.standards[0], global: 'THORAX' };
    expect(problem(site, global)).toContain('fields.bodyPartExamined.standards[0].global: "THORAX" is not a bodyPartExamined entry of profile global');
    // Without the global profile the mapping cannot be checked, and is taken as it is.
    expect(() => parseStandards(site)).not.toThrow();
  });

  it('keeps the spaces of patterns and character classes', () => {
    const p = parseStandards(minimal({ fields: { institutionName: { format: { pattern: '^A ', allowedChars: 'A-Z ' } } }, dependencies: [{ if: { studyDescription: { pattern: '^CT ' } }, then: { modality: 'CT' } }] }));
    expect(p.fields.institutionName?.format).toEqual({ pattern: '^A ', allowedChars: 'A-Z ' });
    expect(p.dependencies[0]?.if.studyDescription).toEqual({ pattern: '^CT ' });
  });
});
