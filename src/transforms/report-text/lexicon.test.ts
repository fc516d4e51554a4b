import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AcclinkError } from '../../model/errors.ts';
import { labelPassage } from './label.ts';
import { parseFindingsLexicon } from './lexicon.ts';

const shipped = parseYaml(readFileSync(new URL('../../../mappings/findings.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

const minimal = (findings: Record<string, unknown>, triggers: Record<string, unknown> = {}): unknown => ({
  version: 1,
  scope: { window: 6, gapWords: 3 },
  triggers: { negation: { pre: ['no'], post: ['not seen'] }, uncertainty: { pre: ['possible'], post: ['cannot be excluded'] }, alternatives: {}, ...triggers },
  findings,
});

const error = (data: unknown): AcclinkError => {
  try {
    parseFindingsLexicon(data);
  } catch (e) {
    if (e instanceof AcclinkError) return e;
    throw e;
  }
  throw new Error('expected MAPPING_INVALID');
};

describe('parseFindingsLexicon', () => {
  it('compiles the shipped lexicon with at least the ChestX-ray14 findings and the abdominal and trauma ones', () => {
    const lexicon = parseFindingsLexicon(shipped);
    expect(lexicon.findings).toEqual(expect.arrayContaining([
      'atelectasis', 'cardiomegaly', 'effusion', 'infiltration', 'mass', 'nodule', 'pneumonia', 'pneumothorax', 'consolidation',
      'edema', 'emphysema', 'fibrosis', 'pleural-thickening', 'hernia', 'fracture', 'hemorrhage', 'appendicitis', 'cholelithiasis',
      'pneumoperitoneum',
    ]));
  });

  it('names the offending path', () => {
    expect(error({ ...shipped, version: 2 }).message).toMatch(/version/);
    expect(error(minimal({ Effusion: { name: 'x', terms: ['effusion'] } })).message).toMatch(/findings\.Effusion/);
    expect(error(minimal({ effusion: { name: 'x', terms: [] } })).message).toMatch(/findings\.effusion\.terms/);
    expect(error(minimal({ effusion: { name: 'x', terms: ['effusion'], synonyms: [] } })).message).toMatch(/synonyms/);
    expect(error(minimal({ effusion: { name: 'x', terms: ['effusion', 'Effusion'] } })).message).toMatch(/findings\.effusion\.terms\[1\].*already listed at findings\.effusion\.terms\[0\]/);
    expect(error(minimal({ effusion: { name: 'x', terms: ['... effusion'] } })).message).toMatch(/findings\.effusion\.terms\[0\]/);
    expect(error(minimal({ effusion: { name: 'x', terms: ['effusion'] } }, { pseudo: ['no ... change'] })).message).toMatch(/triggers\.pseudo\[0\]/);
    expect(error(minimal({ effusion: { name: 'x', terms: ['---'] } })).message).toMatch(/no words/);
    expect(error(minimal({ effusion: { name: 'x', terms: ['---'] } })).code).toBe('MAPPING_INVALID');
  });

  it('adds regular plurals and lets one term mean several findings', () => {
    const lexicon = parseFindingsLexicon(minimal({
      effusion: { name: 'x', terms: ['effusion', 'hydropneumothorax'] },
      pneumothorax: { name: 'y', terms: ['pneumothorax', 'hydropneumothorax'] },
      mass: { name: 'z', terms: ['mass'], exclude: ['mass effect'] },
      opacity: { name: 'w', terms: ['opacity'] },
    }));
    const label = (t: string): Record<string, string> => labelPassage(t, 'FINDINGS', lexicon).findings;
    expect(label('Effusions and masses.')).toEqual({ effusion: 'positive', mass: 'positive' });
    expect(label('Opacities.')).toEqual({ opacity: 'positive' });
    expect(label('Hydropneumothorax.')).toEqual({ effusion: 'positive', pneumothorax: 'positive' });
    expect(label('No mass effect.')).toEqual({});
  });

  it('uses contextual terms only with their context', () => {
    const lexicon = parseFindingsLexicon(minimal({ cholelithiasis: { name: 'x', terms: ['gallstone'], contextual: [{ terms: ['stone'], context: ['gallbladder'] }] } }));
    expect(labelPassage('Stones in the gallbladder.', 'FINDINGS', lexicon).findings).toEqual({ cholelithiasis: 'positive' });
    expect(labelPassage('Stones in the kidney.', 'FINDINGS', lexicon).findings).toEqual({});
  });
});
