 
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import { extractProcedureTerms, normalizeModality, parseProcedureTerms } from './procedure.ts';

const shipped = (): Record<string, unknown> =>
  parseYaml(readFileSync(new URL('../../../mappings/procedure-terms.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

/** A small valid terms document; tests break one thing at a time. */
function minimal(): Record<string, unknown> {
  return {
    version: 1,
    modalities: { CT: { dicom: ['CT'], words: ['CT'] }, PT: { dicom: ['PT'], words: ['PET'], compatible: ['CT'] } },
    regions: { chest: { words: ['CHEST'] }, heart: { parents: ['chest'], words: ['HEART'] } },
    phrases: [{ words: ['CTPA'], modality: 'CT', regions: ['chest'] }],
    contrast: { with: ['W CONTRAST'], without: ['WO'], withAndWithout: ['W WO'] },
    laterality: { left: ['LT'], right: ['RT'], bilateral: ['BILAT'] },
    views: { countWords: ['V'] },
  };
}

function mappingError(data: unknown): string {
  try {
    parseProcedureTerms(data);
  } catch (e) {
    expect(isAcclinkError(e, ErrorCode.MappingInvalid)).toBe(true);
    return (e as Error).message;
  }
  return expect.unreachable('expected MAPPING_INVALID');
}

describe('parseProcedureTerms', () => {
  it('accepts the shipped mappings/procedure-terms.yaml', () => {
    const terms = parseProcedureTerms(shipped());
    expect(normalizeModality('DX', terms)).toBe('XR');
    expect(terms.regions.get('knee')?.ancestors).toEqual(new Set(['lower-limb']));
  });

  it('accepts a minimal document and applies its vocabulary', () => {
    const terms = parseProcedureTerms(minimal());
    expect(extractProcedureTerms('CTPA LT', terms)).toEqual({ modality: 'CT', bodyRegions: ['chest'], laterality: 'left' });
    expect(terms.compatible.get('CT')).toEqual(new Set(['PT']));
  });

  it('rejects a non-object document and a wrong version', () => {
    expect(mappingError(null)).toContain('(root)');
    expect(mappingError({ ...minimal(), version: 2 })).toContain('version');
  });

  it('rejects unknown keys, naming their path', () => {
    const data = minimal();
    data['regions'] = { chest: { words: ['CHEST'], parent: 'x' } };
    expect(mappingError(data)).toMatch(/regions\.chest/);
  });

  it('rejects an empty word list and a word with no letters or digits', () => {
    const data = minimal();
    data['regions'] = { chest: { words: [] } };
    expect(mappingError(data)).toContain('regions.chest.words');
    const data2 = minimal();
    data2['regions'] = { chest: { words: ['CHEST', '^/'] } };
    expect(mappingError(data2)).toContain('regions.chest.words[1]');
  });

  it('rejects references to undefined regions and modality groups', () => {
    const data = minimal();
    data['regions'] = { chest: { words: ['CHEST'] }, heart: { parents: ['thorax'], words: ['HEART'] } };
    expect(mappingError(data)).toContain('regions.heart.parents[0]: unknown region "thorax"');
    const data2 = minimal();
    data2['phrases'] = [{ words: ['MRA'], modality: 'MR' }];
    expect(mappingError(data2)).toContain('phrases[0].modality: unknown modality group "MR"');
    const data3 = minimal();
    data3['views'] = { countWords: ['V'], impliedModality: 'XR' };
    expect(mappingError(data3)).toContain('views.impliedModality');
  });

  it('rejects a region that is its own ancestor', () => {
    const data = minimal();
    data['regions'] = { chest: { parents: ['heart'], words: ['CHEST'] }, heart: { parents: ['chest'], words: ['HEART'] } };
    expect(mappingError(data)).toMatch(/regions\.(chest|heart)\.parents: region is its own ancestor/);
  });

  it('rejects a phrase defined twice, even when spelled differently', () => {
    const data = minimal();
    data['contrast'] = { with: ['W CONTRAST'], without: ['W/O', 'WO'], withAndWithout: ['W-WO'] };
    data['laterality'] = { left: ['LT'], right: ['RT'], bilateral: ['BILAT', 'W_O'] };
    expect(mappingError(data)).toContain('laterality.bilateral[1]: phrase "W_O" is already defined at contrast.without[0]');
  });

  it('rejects a code given to two modality groups', () => {
    const data = minimal();
    data['modalities'] = { CT: { dicom: ['CT'], codes: ['PET-CT'] }, PT: { dicom: ['PT'], codes: ['PET CT'] } };
    expect(mappingError(data)).toContain('modalities.PT.codes[0]: code "PET CT" is also defined at modalities.CT.codes[0]');
  });

  it('rejects a phrase entry that says nothing', () => {
    const data = minimal();
    data['phrases'] = [{ words: ['ROUTINE'] }];
    expect(mappingError(data)).toContain('phrases[0]: says nothing');
  });

  it('rejects group names that are not modality-code shaped and bad number words', () => {
    const data = minimal();
    data['modalities'] = { Ct: { dicom: ['CT'] } };
    expect(mappingError(data)).toContain('modalities.Ct');
    const data2 = minimal();
    data2['views'] = { countWords: ['V'], numberWords: { TWO: 'two' } };
    expect(mappingError(data2)).toContain('views.numberWords.TWO');
  });

  it('reads generic section codes as naming no modality', () => {
    const terms = parseProcedureTerms({ ...minimal(), genericCodes: ['RAD'] });
    expect(normalizeModality('RAD', terms)).toBeUndefined();
    expect(normalizeModality('CT', terms)).toBe('CT');
  });
});
