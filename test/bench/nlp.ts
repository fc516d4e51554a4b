/**
 * `npm run bench:nlp`: the report labeller against the hand-labelled sentences
 * (test/fixtures/report-sentences/sentences.jsonl): precision, recall and F1 per finding and per state,
 * micro and macro, and every disagreement (sentence id, expected, got).
 * Options: --errors N (how many errors to list, default all), --no-text (omit sentence texts).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { table } from '../../src/cli/progress.ts';
import { evaluateSentences, parseFindingsLexicon, parseLabelledSentences } from '../../src/transforms/report-text/index.ts';
import type { Scores } from '../../src/transforms/report-text/index.ts';

const { values } = parseArgs({ options: { errors: { type: 'string' }, 'no-text': { type: 'boolean' } } });
const root = new URL('../../', import.meta.url);
const lexicon = parseFindingsLexicon(parseYaml(await readFile(new URL('mappings/findings.yaml', root), 'utf8')));
const sentences = parseLabelledSentences(await readFile(new URL('test/fixtures/report-sentences/sentences.jsonl', root), 'utf8'), lexicon);
const started = performance.now();
const e = evaluateSentences(sentences, lexicon);
const ms = performance.now() - started;

const pct = (x: number): string => (100 * x).toFixed(1);
const row = (name: string, s: Scores): Array<string | number> => [name, s.support, pct(s.precision), pct(s.recall), pct(s.f1)];
const head = ['', 'support', 'P %', 'R %', 'F1 %'];

const findings = [...e.perFinding].sort((a, b) => a[1].f1 - b[1].f1 || a[0].localeCompare(b[0]));
process.stdout.write(`Report labeller on ${e.sentences} hand-labelled sentences (${ms.toFixed(0)} ms)\n\n`);
process.stdout.write(`${table(['finding', ...head.slice(1)], [...findings.map(([f, s]) => row(f, s)), row('micro', e.micro), row('macro', e.macroFinding)])}\n\n`);
process.stdout.write(`${table(['state', ...head.slice(1)], [...[...e.perState].map(([st, s]) => row(st, s)), row('micro', e.micro), row('macro', e.macroState)])}\n\n`);
process.stdout.write(`${table(['sentence group', ...head.slice(1)], [...e.perGroup].map(([g, s]) => row(g, s)))}\n`);
process.stdout.write('(late: written after the rules were frozen and never used to tune them; synth: lines of src/synth/report-text.ts)\n\n');
const limit = values.errors === undefined ? e.errors.length : Number(values.errors);
process.stdout.write(`${e.errors.length} disagreement(s)${limit === 0 ? '' : limit < e.errors.length ? `, first ${limit}:` : ':'}\n`);
if (e.errors.length > 0 && limit > 0) {
  const rows = e.errors.slice(0, limit).map((x) => [x.id, x.finding, x.expected, x.got, ...(values['no-text'] === true ? [] : [x.text])]);
  process.stdout.write(`${table(['id', 'finding', 'expected', 'got', ...(values['no-text'] === true ? [] : ['text'])], rows)}\n`);
}
