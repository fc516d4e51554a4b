import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { evaluateSentences, parseLabelledSentences, scores } from './evaluate.ts';
import { parseFindingsLexicon } from './lexicon.ts';

const lexicon = parseFindingsLexicon(parseYaml(readFileSync(new URL('../../../mappings/findings.yaml', import.meta.url), 'utf8')));
const jsonl = readFileSync(new URL('../../../test/fixtures/report-sentences/sentences.jsonl', import.meta.url), 'utf8');

describe('the hand-labelled sentence set', () => {
  const sentences = parseLabelledSentences(jsonl, lexicon);

  it('has at least 300 sentences from every style and section, labelling every lexicon finding', () => {
    expect(sentences.length).toBeGreaterThanOrEqual(300);
    expect(new Set(sentences.map((s) => s.section))).toEqual(new Set(['FINDINGS', 'IMPRESSION', 'INDICATION', 'COMPARISON', 'TECHNIQUE', 'EXAM']));
    const labelled = new Set(sentences.flatMap((s) => Object.keys(s.labels)));
    expect([...labelled].sort()).toEqual([...lexicon.findings].sort());
    const states = new Set(sentences.flatMap((s) => Object.values(s.labels)));
    expect(states).toEqual(new Set(['positive', 'negative', 'uncertain']));
  });

  it('is labelled with micro-F1 ≥ 0.9 and negative recall ≥ 0.9', () => {
    const e = evaluateSentences(sentences, lexicon);
    expect(e.micro.f1).toBeGreaterThanOrEqual(0.9);
    expect(e.perState.get('negative')?.recall).toBeGreaterThanOrEqual(0.9);
    expect(e.perState.get('uncertain')?.f1).toBeGreaterThanOrEqual(0.85);
    // Sentences written after the rules were frozen: a floor, not a target.
    expect(e.perGroup.get('late')?.f1).toBeGreaterThanOrEqual(0.85);
  });
});

describe('parseLabelledSentences', () => {
  it('rejects bad lines, unknown findings and duplicate ids with the line number', () => {
    expect(() => parseLabelledSentences('{"id":"a","section":"FINDINGS","text":"x","labels":{"effusion":"maybe"}}', lexicon)).toThrow(/line 1/);
    expect(() => parseLabelledSentences('{"id":"a","section":"FINDINGS","text":"x","labels":{"widget":"positive"}}', lexicon)).toThrow(/unknown finding/);
    const line = '{"id":"a","section":"FINDINGS","text":"x","labels":{}}';
    expect(() => parseLabelledSentences(`${line}\n${line}`, lexicon)).toThrow(/line 2: duplicate id a/);
    expect(() => parseLabelledSentences('not json', lexicon)).toThrow(/line 1: not JSON/);
  });
});

describe('evaluateSentences', () => {
  it('counts a wrong state as a false positive and a false negative, and a missed finding as a false negative', () => {
    const e = evaluateSentences([
      { id: 's-1', section: 'FINDINGS', text: 'Possible pneumothorax.', labels: { pneumothorax: 'negative' } },
      { id: 's-2', section: 'FINDINGS', text: 'The lungs are clear.', labels: { pneumonia: 'negative' } },
      { id: 's-3', section: 'FINDINGS', text: 'No effusion.', labels: { effusion: 'negative' } },
    ], lexicon);
    expect(e.micro).toEqual(scores({ tp: 1, fp: 1, fn: 2 }));
    expect(e.perState.get('negative')).toEqual(scores({ tp: 1, fp: 0, fn: 2 }));
    expect(e.perState.get('uncertain')).toEqual(scores({ tp: 0, fp: 1, fn: 0 }));
    expect(e.errors.map((x) => [x.id, x.finding, x.expected, x.got])).toEqual([
      ['s-1', 'pneumothorax', 'negative', 'uncertain'],
      ['s-2', 'pneumonia', 'negative', 'absent'],
    ]);
    expect(e.perGroup.get('s')).toEqual(e.micro);
  });
});
