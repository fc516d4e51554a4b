/**
 * Accuracy on a fixed synthetic hospital: the guarantees we state in the README and docs.
 * Rates are floors with headroom below what bench:accuracy measures, so that they hold across
 * reasonable changes, yet fail when a category stops being recovered.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineLinks, evaluate, type Evaluation } from '../src/app/evaluate.ts';
import { runReconcile, type RunResult } from '../src/app/reconcile-batch.ts';
import { synthesize } from '../src/cli/synth.ts';
import type { Truth } from '../src/synth/model.ts';

const quiet = { update: (): void => undefined, done: (): void => undefined };

/** Minimum share of studies per category that end correct (right report and accession, or rightly unlinked / in review). */
const FLOORS: Record<string, number> = {
  clean: 1, prior: 1, 'same-name': 1, twin: 1, 'pending-study': 1,
  'format-noise': 0.95,
  'typo-study-substitution': 0.85, 'typo-study-transposition': 0.85, 'typo-study-insertion': 0.85, 'typo-study-deletion': 0.85,
  'typo-report-substitution': 0.85, 'typo-report-transposition': 0.85, 'typo-report-insertion': 0.85, 'typo-report-deletion': 0.85,
  'missing-study': 0.85, 'missing-report': 0.85, 'missing-both': 0.8,
  swapped: 0.85, duplicate: 0.6, human: 0.9,
};

describe('accuracy on a synthetic hospital (seed 7, 800 patients)', () => {
  let dir = '';
  let run: RunResult;
  let truth: Truth;
  let evaluation: Evaluation;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'acclink-accuracy-'));
    await synthesize({ out: path.join(dir, 'h'), seed: 7, patients: 800, days: 30, baseDate: '2026-03-02', quiet: true });
    run = await runReconcile({
      paths: { dicom: [path.join(dir, 'h', 'dicom')], hl7: [path.join(dir, 'h', 'hl7')], fhir: [path.join(dir, 'h', 'fhir')] },
      out: path.join(dir, 'out'), progress: quiet, now: new Date('2026-04-01T00:00:00Z'),
    });
    truth = JSON.parse(await readFile(path.join(dir, 'h', 'truth.json'), 'utf8')) as Truth;
    evaluation = evaluate(truth, run.result, baselineLinks(run.inputs.scans, run.inputs.reports));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes no wrong automatic link', () => {
    expect(evaluation.wrongAutoLinks).toBe(0);
    expect(evaluation.links.precision).toBe(1);
  });

  it('verifies every clean pair without touching it', () => {
    const links = new Map(run.result.links.map((l) => [l.studyInstanceUid, l]));
    const clean = truth.studies.filter((t) => t.category === 'clean');
    expect(clean.length).toBeGreaterThan(100);
    for (const t of clean) expect(links.get(t.studyInstanceUid), t.studyInstanceUid).toMatchObject({ reportId: t.reportId, status: 'verified' });
    const touched = new Set(run.result.corrections.map((c) => c.studyInstanceUid ?? c.linkedTo));
    for (const t of clean) expect(touched.has(t.studyInstanceUid)).toBe(false);
  });

  it.each(Object.entries(FLOORS))('recovers %s at its stated rate', (category, floor) => {
    const c = evaluation.categories.find((x) => x.category === category);
    expect(c, `category ${category} present`).toBeDefined();
    expect((c?.correct ?? 0) / (c?.studies ?? 1)).toBeGreaterThanOrEqual(floor);
  });

  it('beats exact accession matching by a wide margin', () => {
    expect(evaluation.links.recall).toBeGreaterThan(evaluation.baseline.recall + 0.15);
  });

  it('keeps the review queue small', () => {
    expect(evaluation.reviewRate).toBeLessThan(0.05);
  });
});
