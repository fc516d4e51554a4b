/**
 * `npm run bench:accuracy`: precision and recall of links and corrections per error category, review
 * rate, and the same for exact accession matching, on a synthetic hospital and on realistic variations
 * of it. Options after `--`: --patients P (default 1500), --seed N (default 11), --learn.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { baselineLinks, evaluate, formatEvaluation } from '../../src/app/evaluate.ts';
import { readInputs } from '../../src/app/read-inputs.ts';
import { synthesize } from '../../src/cli/synth.ts';
import { table, terminalProgress } from '../../src/cli/progress.ts';
import { loadConfig } from '../../src/config/load.ts';
import { reconcile } from '../../src/linker/reconcile.ts';
import { seededRng } from '../../src/model/ports.ts';
import type { Truth } from '../../src/synth/model.ts';
import { createProcedureDescriber } from '../../src/transforms/standardize/describe.ts';
import { SCENARIOS } from './perturb.ts';
import { standardizeRecords } from '../../src/transforms/standardize/records.ts';
import { buildImageScenario } from './image-scenario.ts';
import { inferenceEvidence } from '../../src/app/evidence.ts';

const { values } = parseArgs({ options: { patients: { type: 'string' }, seed: { type: 'string' }, learn: { type: 'boolean' } } });
const patients = Number(values.patients ?? 1500);
const seed = Number(values.seed ?? 11);
const dir = await mkdtemp(path.join(os.tmpdir(), 'acclink-bench-accuracy-'));
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
try {
  const started = performance.now();
  await synthesize({ out: dir, seed, patients, days: 30, baseDate: '2026-03-02', quiet: false });
  const config = await loadConfig();
  const inputs = await readInputs({ dicom: [path.join(dir, 'dicom')], hl7: [path.join(dir, 'hl7')], fhir: [path.join(dir, 'fhir')] }, config.hl7Fields, terminalProgress());
  const truth = JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8')) as Truth;
  const describer = createProcedureDescriber(config.procedureTerms);
  const rows: Array<Array<string | number>> = [];
  let first = '';
  for (const scenario of SCENARIOS) {
    const { scans, reports } = scenario.apply(structuredClone(inputs.scans), structuredClone(inputs.reports), seededRng(seed));
    const t0 = performance.now();
    const result = reconcile(scans, reports, { config: config.linker, weights: config.weights, describer, rng: seededRng(config.seed), learn: values.learn === true });
    const ms = performance.now() - t0;
    const e = evaluate(truth, result, baselineLinks(scans, reports));
    const correct = e.categories.reduce((a, c) => a + c.correct, 0) / Math.max(1, truth.studies.length);
    const corrections = result.corrections.length;
    rows.push([scenario.name, pct(correct), e.wrongAutoLinks, pct(e.reviewRate), pct(e.links.precision), pct(e.links.recall), pct(e.baseline.recall), corrections, Math.round(ms)]);
    if (!first) first = formatEvaluation(e);
  }
  // Whether linking on standardized headers (acclink reconcile --standardize global) changes the outcome.
  const withStandards = await loadConfig(undefined, { standardize: 'global' });
  if (withStandards.standards) {
    const std = standardizeRecords(inputs.scans, inputs.reports, withStandards.standards.compiled, { profileName: 'global', today: '20260401' });
    const t0 = performance.now();
    const result = reconcile(std.scans, inputs.reports, { config: config.linker, weights: config.weights, describer, rng: seededRng(config.seed), learn: values.learn === true });
    const ms = performance.now() - t0;
    const e = evaluate(truth, result, baselineLinks(inputs.scans, inputs.reports));
    const correct = e.categories.reduce((a, c) => a + c.correct, 0) / Math.max(1, truth.studies.length);
    rows.splice(1, 0, ['linked on standard headers', pct(correct), e.wrongAutoLinks, pct(e.reviewRate), pct(e.links.precision), pct(e.links.recall), pct(e.baseline.recall), result.corrections.length, Math.round(ms)]);
  }
  process.stdout.write(`\nSynthetic hospital: ${patients} patients, seed ${seed}, ${truth.studies.length} studies, ${truth.reports.length} reports${values.learn ? ', EM (--learn)' : ''}\n\n`);
  process.stdout.write(`Per category, as generated\n${first}\n\n`);
  process.stdout.write(`Realistic variations (same hospital, records altered after reading)\n`);
  process.stdout.write(`${table(['scenario', 'correct', 'wrong links', 'review', 'link precision', 'link recall', 'baseline recall', 'corrections', 'link ms'], rows)}\n\n`);
  for (const s of SCENARIOS) process.stdout.write(`  ${s.name}: ${s.description}\n`);
  process.stdout.write('  linked on standard headers: as generated, with study descriptions and body parts standardized first (--standardize global)\n');

  // Headers cannot separate these pairs; image findings and report findings can.
  const scenario = await buildImageScenario(path.join(dir, 'image-scenario'), 60);
  const scans = [...inputs.scans, ...scenario.scans];
  const reports = [...inputs.reports, ...scenario.reports];
  const opts = { config: config.linker, weights: config.weights, describer, rng: seededRng(config.seed) };
  const headerOnly = reconcile(scans, reports, opts);
  const evidence = await inferenceEvidence(scans, headerOnly, { modelDirs: config.modelDirs, lexicon: config.findingsLexicon, procedureTerms: config.procedureTerms, weights: config.weights });
  const withImages = reconcile(scans, reports, { ...opts, providers: evidence.providers });
  const score = (r: typeof headerOnly): Array<string | number> => {
    let right = 0;
    let wrong = 0;
    for (const l of r.links) {
      if (!scenario.truth.has(l.studyInstanceUid)) continue;
      if (scenario.truth.get(l.studyInstanceUid) === l.reportId) right++;
      else wrong++;
    }
    const review = r.review.filter((i) => scenario.truth.has(i.studyInstanceUid ?? '')).length;
    return [pct(right / scenario.truth.size), wrong, review];
  };
  process.stdout.write(`\nSame-day chest radiograph pairs that headers cannot separate (${scenario.truth.size} studies, PneumoniaMNIST test images)\n`);
  process.stdout.write(`${table(['comparison', 'linked right', 'wrong links', 'in review'], [['headers only', ...score(headerOnly)], ['headers + image/report findings', ...score(withImages)]])}\n`);
  process.stdout.write(`  image findings for ${evidence.stats.studiesWithImageFinding} of ${evidence.stats.studiesConsidered} undecided studies; ${evidence.stats.reportsLabelled} reports labelled\n`);
  process.stdout.write(`\nbench:accuracy done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
