/** `acclink demo`: generate a sample hospital, reconcile it, print the summary and the accuracy against its truth. */
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runReconcile } from '../app/reconcile-batch.ts';
import { baselineLinks, evaluate, formatEvaluation } from '../app/evaluate.ts';
import { formatSummary } from '../app/summary.ts';
import type { Truth } from '../synth/model.ts';
import { assertOutputFolder, integer, parse } from './args.ts';
import { terminalProgress } from './progress.ts';
import { synthesize } from './synth.ts';

export const DEMO_USAGE = `Usage: acclink demo [--out DIR] [--patients P] [--seed N] [--learn]

Runs everything on embedded defaults, no servers: writes a synthetic hospital (see "acclink synth"),
reconciles it (see "acclink reconcile"), prints the run summary and the accuracy per error category
against the hospital's truth, next to a baseline of exact accession matching.

Options:
  --out DIR       where the hospital and the results go (default: a temporary folder, removed afterwards)
  --patients P    number of patients (default 200)
  --seed N        random seed (default 1)
  --learn         refine the comparison weights by EM on this run
  -h, --help      this help`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { out: { type: 'string' }, patients: { type: 'string' }, seed: { type: 'string' }, learn: { type: 'boolean' } }, DEMO_USAGE);
  if (values.help) {
    process.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  const keep = typeof values.out === 'string';
  if (keep) await assertOutputFolder(String(values.out));
  const root = keep ? String(values.out) : path.join(os.tmpdir(), `acclink-demo-${process.pid}`);
  const hospitalDir = path.join(root, 'hospital');
  const resultsDir = path.join(root, 'results');
  try {
    const patients = integer(values.patients, 'patients', 200, 1);
    const seed = integer(values.seed, 'seed', 1);
    process.stdout.write(`Generating a synthetic hospital (${patients} patients, seed ${seed})...\n`);
    await synthesize({ out: hospitalDir, seed, patients, days: 30, baseDate: '2026-03-02', quiet: false });
    const run = await runReconcile({
      paths: { dicom: [path.join(hospitalDir, 'dicom')], hl7: [path.join(hospitalDir, 'hl7')], fhir: [path.join(hospitalDir, 'fhir')] },
      out: resultsDir, learn: values.learn === true, progress: terminalProgress(),
    });
    const truth = JSON.parse(await readFile(path.join(hospitalDir, 'truth.json'), 'utf8')) as Truth;
    const evaluation = evaluate(truth, run.result, baselineLinks(run.inputs.scans, run.inputs.reports));
    if (run.learnedTable) process.stdout.write(`\n${run.learnedTable}\n`);
    process.stdout.write(`\n${formatSummary(run.summary)}\n\nAccuracy against the hospital's truth\n${formatEvaluation(evaluation)}\n`);
    process.stdout.write(keep ? `\nHospital in ${hospitalDir}, results in ${resultsDir}\n` : '\n(Temporary files removed; use --out DIR to keep them.)\n');
    return 0;
  } finally {
    if (!keep) await rm(root, { recursive: true, force: true });
  }
}
