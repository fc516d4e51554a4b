import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { labelPassage } from './label.ts';
import { parseFindingsLexicon } from './lexicon.ts';
import type { FindingState } from './scope.ts';
import type { SectionName } from './sections.ts';

const lexicon = parseFindingsLexicon(parseYaml(readFileSync(new URL('../../../mappings/findings.yaml', import.meta.url), 'utf8')));
const label = (text: string, section: SectionName = 'FINDINGS'): Record<string, FindingState> => labelPassage(text, section, lexicon).findings;
type Case = [string, Record<string, FindingState>];

describe('triggers', () => {
  it.each<Case>([
    ['No pneumothorax.', { pneumothorax: 'negative' }],
    ['Without pleural effusion.', { effusion: 'negative' }],
    ['Negative for acute fracture.', { fracture: 'negative' }],
    ['The lungs are free of consolidation.', { consolidation: 'negative' }],
    ['No evidence of free intraperitoneal air.', { pneumoperitoneum: 'negative' }],
    ['Resolution of the left effusion.', { effusion: 'negative' }],
  ])('pre-negation: %s', (text, expected) => expect(label(text)).toEqual(expected));

  it.each<Case>([
    ['Pneumothorax is not seen.', { pneumothorax: 'negative' }],
    ['The effusion has resolved.', { effusion: 'negative' }],
    ['Consolidation is absent.', { consolidation: 'negative' }],
    ['The nodule is no longer visualized.', { nodule: 'negative' }],
    ['Pneumothorax: None.', { pneumothorax: 'negative' }],
    ['Fracture is ruled out.', { fracture: 'negative' }],
  ])('post-negation: %s', (text, expected) => expect(label(text)).toEqual(expected));

  it.each<Case>([
    ['No change in the small left effusion.', { effusion: 'positive' }],
    ['No interval change in cardiomegaly.', { cardiomegaly: 'positive' }],
    ['No increase in the right pneumothorax.', { pneumothorax: 'positive' }],
    ['Without change in the basal fibrosis.', { fibrosis: 'positive' }],
    ['Consolidation, not only persistent but larger.', { consolidation: 'positive' }],
    ['Gram negative pneumonia.', { pneumonia: 'positive' }],
    ['Atelectasis has not resolved.', { atelectasis: 'positive' }],
    ['CT head without contrast: acute subdural hematoma.', { hemorrhage: 'positive' }],
  ])('pseudo-negation: %s', (text, expected) => expect(label(text)).toEqual(expected));

  it.each<Case>([
    ['Possible small pneumothorax.', { pneumothorax: 'uncertain' }],
    ['Opacity, likely atelectasis.', { atelectasis: 'uncertain' }],
    ['Findings may represent early pneumonia.', { pneumonia: 'uncertain' }],
    ['Suspicious for appendicitis.', { appendicitis: 'uncertain' }],
    ['Questionable infiltrate.', { infiltration: 'uncertain' }],
    ['Concerning for a mass.', { mass: 'uncertain' }],
    ['Probable hiatal hernia.', { hernia: 'uncertain' }],
    ['Tiny apical pneumothorax?', { pneumothorax: 'uncertain' }],
    ['?small L PTX.', { pneumothorax: 'uncertain' }],
    ['Atelectasis versus pneumonia.', { atelectasis: 'uncertain', pneumonia: 'uncertain' }],
    ['Small effusion or pleural thickening.', { effusion: 'uncertain', 'pleural-thickening': 'uncertain' }],
    ['Borderline cardiomegaly.', { cardiomegaly: 'uncertain' }],
  ])('uncertainty: %s', (text, expected) => expect(label(text)).toEqual(expected));

  it.each<Case>([
    ['Pneumonia cannot be excluded.', { pneumonia: 'uncertain' }],
    ['A small pneumothorax is not ruled out.', { pneumothorax: 'uncertain' }],
    ['Cannot exclude a small effusion.', { effusion: 'uncertain' }],
    ['It is not possible to exclude a mass.', { mass: 'uncertain' }],
    ['No definite consolidation, although early pneumonia cannot be excluded.', { consolidation: 'negative', pneumonia: 'uncertain' }],
    ['No definite fracture, although a subtle fracture cannot be excluded.', { fracture: 'uncertain' }],
  ])('double negation: %s', (text, expected) => expect(label(text)).toEqual(expected));

  it('reads negation inside a gap phrase and fixed statements', () => {
    expect(label('The heart is not enlarged.')).toEqual({ cardiomegaly: 'negative' });
    expect(label('The heart is mildly enlarged.')).toEqual({ cardiomegaly: 'positive' });
    expect(label('Heart size is normal.')).toEqual({ cardiomegaly: 'negative' });
    expect(label('Heart size: Enlarged.')).toEqual({ cardiomegaly: 'positive' });
    expect(label('The appendix is normal.')).toEqual({ appendicitis: 'negative' });
    expect(label('Heart size is enlarged, normal pulmonary vasculature.')).toEqual({ cardiomegaly: 'positive' });
  });

  it('records the trigger and the span of each mention', () => {
    const text = 'Small right effusion; pneumothorax has resolved.';
    const { mentions } = labelPassage(text, 'FINDINGS', lexicon);
    expect(mentions.map((m) => [m.finding, m.state, m.trigger, text.slice(...m.span), m.laterality])).toEqual([
      ['effusion', 'positive', undefined, 'effusion', 'right'],
      ['pneumothorax', 'negative', 'has resolved', 'pneumothorax', undefined],
    ]);
  });
});

describe('scope', () => {
  it.each<Case>([
    ['No effusion, but there is mild cardiomegaly.', { effusion: 'negative', cardiomegaly: 'positive' }],
    ['No pneumothorax; however, small bilateral effusions are present.', { pneumothorax: 'negative', effusion: 'positive' }],
    ['No consolidation except for minimal atelectasis.', { consolidation: 'negative', atelectasis: 'positive' }],
    ['No pleural effusion although there is blunting suggestive of pleural thickening.', { effusion: 'negative', 'pleural-thickening': 'uncertain' }],
    ['Patchy airspace opacities, which may represent atelectasis.', { consolidation: 'positive', atelectasis: 'uncertain' }],
    ['No effusion and there is mild cardiomegaly.', { effusion: 'negative', cardiomegaly: 'positive' }],
    ['Cholelithiasis without cholecystitis.', { cholelithiasis: 'positive' }],
  ])('termination: %s', (text, expected) => expect(label(text)).toEqual(expected));

  it('limits a trigger to a window of words', () => {
    expect(label('No acute osseous abnormality of the chest wall or spine to explain the fracture.')).toEqual({ fracture: 'positive' });
    expect(label('No evidence of an acute displaced fracture.')).toEqual({ fracture: 'negative' });
  });

  it('keeps negation within the sentence', () => {
    expect(label('No pneumothorax. Small left effusion.')).toEqual({ pneumothorax: 'negative', effusion: 'positive' });
  });

  it('lets a post-trigger reach back past "which"', () => {
    expect(label('The effusion which was seen previously has resolved.')).toEqual({ effusion: 'negative' });
  });

  it('takes the nearest trigger', () => {
    expect(label('Possible early pneumonia without effusion.')).toEqual({ pneumonia: 'uncertain', effusion: 'negative' });
  });
});

describe('lists', () => {
  it.each<Case>([
    ['No effusion, pneumothorax or consolidation.', { effusion: 'negative', pneumothorax: 'negative', consolidation: 'negative' }],
    ['No focal airspace disease, pleural effusion, pneumothorax, pulmonary edema, or cardiomegaly.',
      { consolidation: 'negative', effusion: 'negative', pneumothorax: 'negative', edema: 'negative', cardiomegaly: 'negative' }],
    ['Atelectasis, effusion and consolidation are not seen.', { atelectasis: 'negative', effusion: 'negative', consolidation: 'negative' }],
    ['Neither effusion nor pneumothorax.', { effusion: 'negative', pneumothorax: 'negative' }],
    ['Cardiomegaly, pulmonary edema, and bilateral effusions.', { cardiomegaly: 'positive', edema: 'positive', effusion: 'positive' }],
    ['No pneumothorax, small right effusion.', { pneumothorax: 'negative', effusion: 'positive' }],
    ['Small effusions and atelectasis, without pneumothorax or edema.', { effusion: 'positive', atelectasis: 'positive', pneumothorax: 'negative', edema: 'negative' }],
    ['Emphysema and fibrosis without consolidation or mass.', { emphysema: 'positive', fibrosis: 'positive', consolidation: 'negative', mass: 'negative' }],
    ['Stable cardiomegaly, the effusion has resolved.', { cardiomegaly: 'positive', effusion: 'negative' }],
  ])('%s', (text, expected) => expect(label(text)).toEqual(expected));
});

describe('lexicon scope of findings', () => {
  it.each<Case>([
    ['Small pericardial effusion.', {}],
    ['Moderate joint effusion.', {}],
    ['Mass effect on the ventricle.', {}],
    ['Subcutaneous emphysema.', {}],
    ['Bone marrow edema.', {}],
    ['L4-L5 disc herniation.', {}],
    ['Fatty infiltration of the liver.', {}],
    ['Usual interstitial pneumonia pattern with honeycombing.', { fibrosis: 'positive' }],
    ['Renal stones.', {}],
    ['Stones in the gallbladder.', { cholelithiasis: 'positive' }],
    ['Left lower lobe collapse/consolidation.', { atelectasis: 'positive', consolidation: 'positive' }],
    ['Small left hydropneumothorax.', { pneumothorax: 'positive', effusion: 'positive' }],
    ['Opacity in the right lower lobe, ? infection.', { pneumonia: 'uncertain' }],
    ['History of urinary tract infection.', {}],
    ['Pleural effusions and pneumothoraces.', { effusion: 'positive', pneumothorax: 'positive' }],
  ])('%s', (text, expected) => expect(label(text)).toEqual(expected));
});

describe('sections', () => {
  it('never reads a mention outside FINDINGS and IMPRESSION as positive', () => {
    expect(label('Known right upper lobe mass.', 'INDICATION')).toEqual({ mass: 'uncertain' });
    expect(label('Evaluate for pneumonia.', 'INDICATION')).toEqual({ pneumonia: 'uncertain' });
    expect(label('Rule out pneumothorax.', 'TECHNIQUE')).toEqual({ pneumothorax: 'uncertain' });
    expect(label('Prior CT showed a 6 mm nodule.', 'COMPARISON')).toEqual({ nodule: 'uncertain' });
    expect(label('No known cardiomegaly.', 'INDICATION')).toEqual({ cardiomegaly: 'negative' });
  });
});
