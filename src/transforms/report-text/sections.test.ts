import { describe, expect, it } from 'vitest';
import { sectionOfHeader, splitSections, splitSentences } from './sections.ts';
import type { SectionName } from './sections.ts';

const named = (text: string, isTitle?: (line: string) => boolean): Array<[SectionName, string]> =>
  splitSections(text, isTitle).map((s) => [s.name, text.slice(s.start, s.end).trim()]);
const sentences = (text: string): string[] => splitSentences(text, 0, text.length).map((s) => text.slice(s.start, s.end));

describe('sectionOfHeader', () => {
  it.each<[string, SectionName | undefined]>([
    ['IMPRESSION', 'IMPRESSION'],
    ['Impression', 'IMPRESSION'],
    ['Conclusion', 'IMPRESSION'],
    ['SUMMARY', 'IMPRESSION'],
    ['Opinion', 'IMPRESSION'],
    ['FINDINGS', 'FINDINGS'],
    ['Report', 'FINDINGS'],
    ['CLINICAL HISTORY', 'INDICATION'],
    ['Clinical information', 'INDICATION'],
    ['Reason for exam', 'INDICATION'],
    ['History', 'INDICATION'],
    ['TECHNIQUE', 'TECHNIQUE'],
    ['COMPARISON', 'COMPARISON'],
    ['Prior studies', 'COMPARISON'],
    ['EXAM', 'EXAM'],
    ['Procedure', 'EXAM'],
    ['Findings/Impression', 'FINDINGS'],
    ['HISTORY AND INDICATION', 'INDICATION'],
    ['Lungs', undefined],
    ['Heart', undefined],
    ['Pleura', undefined],
    ['Impression of the radiologist on call', undefined],
  ])('%s → %s', (header, expected) => expect(sectionOfHeader(header)).toBe(expected));
});

describe('splitSections', () => {
  it('reads colon, dash, bare and all-caps headers', () => {
    const text = [
      'CLINICAL HISTORY: Cough. Evaluate for pneumonia.',
      'Comparison - None.',
      'Findings',
      'The lungs are clear.',
      'IMPRESSION',
      'Normal chest.',
    ].join('\n');
    expect(named(text)).toEqual([
      ['INDICATION', 'Cough. Evaluate for pneumonia.'],
      ['COMPARISON', 'None.'],
      ['FINDINGS', 'The lungs are clear.'],
      ['IMPRESSION', 'Normal chest.'],
    ]);
  });

  it('treats text before any header as FINDINGS', () => {
    expect(named('No pneumothorax.\nIMPRESSION: Normal.')).toEqual([
      ['FINDINGS', 'No pneumothorax.'],
      ['IMPRESSION', 'Normal.'],
    ]);
    expect(named('Small left effusion. No pneumothorax.')).toEqual([['FINDINGS', 'Small left effusion. No pneumothorax.']]);
  });

  it('reads combined headers and headers inline after a sentence', () => {
    expect(named('Findings/Impression: No acute disease.')).toEqual([['FINDINGS', 'No acute disease.']]);
    expect(named('FINDINGS: Lungs clear.  IMPRESSION: Normal. History: cough.')).toEqual([
      ['FINDINGS', 'Lungs clear.'],
      ['IMPRESSION', 'Normal.'],
      ['INDICATION', 'cough.'],
    ]);
  });

  it('keeps organ sub-headings of templated reports inside their section', () => {
    const text = 'FINDINGS:\nLungs: Clear.\nPleura: No effusion.\nHeart: Normal size.\nIMPRESSION: Normal.';
    expect(named(text)).toEqual([
      ['FINDINGS', 'Lungs: Clear.\nPleura: No effusion.\nHeart: Normal size.'],
      ['IMPRESSION', 'Normal.'],
    ]);
  });

  it('makes an unheaded first line in capitals the EXAM when the caller recognises an exam title', () => {
    const isTitle = (line: string): boolean => line.startsWith('CT ');
    expect(named('CT CHEST WITHOUT CONTRAST\nNo nodule.', isTitle)).toEqual([
      ['EXAM', 'CT CHEST WITHOUT CONTRAST'],
      ['FINDINGS', 'No nodule.'],
    ]);
    expect(named('NO ACUTE DISEASE.\nLUNGS CLEAR.', isTitle)).toEqual([['FINDINGS', 'NO ACUTE DISEASE.\nLUNGS CLEAR.']]);
    expect(named('CT Chest with Contrast\nNo nodule.', isTitle)).toEqual([['EXAM', 'CT Chest with Contrast'], ['FINDINGS', 'No nodule.']]);
    expect(named('CT shows a nodule\nIMPRESSION: Nodule.', isTitle)).toEqual([['FINDINGS', 'CT shows a nodule'], ['IMPRESSION', 'Nodule.']]);
  });

  it('does not take a sentence that starts with a header word for a header', () => {
    expect(named('History of pneumonia. Comparison is made to the prior study.')).toEqual([
      ['FINDINGS', 'History of pneumonia. Comparison is made to the prior study.'],
    ]);
  });

  it('gives offsets into the original text', () => {
    const text = 'EXAM: CT HEAD\r\nFINDINGS: No hemorrhage.';
    const [exam, findings] = splitSections(text);
    expect(text.slice(exam?.start, exam?.end).trim()).toBe('CT HEAD');
    expect(text.slice(findings?.start, findings?.end)).toBe('No hemorrhage.');
  });
});

describe('splitSentences', () => {
  it('splits at sentence ends but not after abbreviations, decimals or list numbers', () => {
    expect(sentences('Large L effusion vs. consolidation. A 4.5 cm mass. Dr. Smith was informed.')).toEqual([
      'Large L effusion vs. consolidation.',
      'A 4.5 cm mass.',
      'Dr. Smith was informed.',
    ]);
    expect(sentences('1. Right lower lobe pneumonia. 2. Small right effusion.')).toEqual(['1. Right lower lobe pneumonia.', '2. Small right effusion.']);
  });

  it('ends at a question mark only before a new sentence', () => {
    expect(sentences('Fall, ? hip fracture. Pneumothorax? Effusion.')).toEqual(['Fall, ? hip fracture.', 'Pneumothorax?', 'Effusion.']);
    expect(sentences('?small L PTX, recommend repeat film.')).toEqual(['?small L PTX, recommend repeat film.']);
  });

  it('joins wrapped lines and splits templated and listed lines', () => {
    expect(sentences('There is patchy opacity in the right\nlower lobe which may represent pneumonia.')).toEqual([
      'There is patchy opacity in the right\nlower lobe which may represent pneumonia.',
    ]);
    expect(sentences('Lungs clear\nNo effusion\n- no pneumothorax')).toEqual(['Lungs clear', 'No effusion', '- no pneumothorax']);
  });
});
