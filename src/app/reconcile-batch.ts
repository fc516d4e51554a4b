/**
 * The batch use case: read folders, reconcile, plan outbound messages, write results.
 * Shared by `acclink reconcile` and `acclink demo`; the engine reuses the same core with other adapters.
 */
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/load.ts';
import { writeJson, writeJsonl } from '../channels/files/jsonl.ts';
import { writeOutbound } from '../channels/files/outbound.ts';
import { createProcedureDescriber } from '../transforms/standardize/describe.ts';
import { reconcile, type ReconcileResult } from '../linker/reconcile.ts';
import type { EvidenceProvider } from '../linker/compare/index.ts';
import { inferenceEvidence } from './evidence.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { seededRng } from '../model/ports.ts';
import { planOutbound } from '../transforms/outbound.ts';
import { planHeaderOutbound } from '../transforms/outbound-headers.ts';
import { fillFromLinkedReports, standardizeRecords } from '../transforms/standardize/records.ts';
import type { Progress } from '../cli/progress.ts';
import { assertOutputFolder } from '../cli/args.ts';
import { readInputs, type InputPaths, type Inputs } from './read-inputs.ts';
import { formatWeights } from './weights-table.ts';
import { summarize, type RunSummary } from './summary.ts';

export interface RunOptions {
  paths: InputPaths;
  out: string;
  configPath?: string;
  learn?: boolean;
  /** Standards profile for header standardization (`global` or a file); overrides the config file. */
  standardize?: string;
  progress: Progress;
  /** Timestamp written into outbound MSH-7; defaults to now (the batch driver is allowed a clock). */
  now?: Date;
}

export interface RunResult {
  inputs: Inputs;
  result: ReconcileResult;
  summary: RunSummary;
  learnedTable?: string;
}

async function assertExists(p: string, flag: string): Promise<void> {
  try {
    await stat(p);
  } catch {
    throw new AcclinkError(ErrorCode.Usage, `${flag} ${p}: no such file or folder`);
  }
}

export async function runReconcile(opts: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  for (const [flag, list] of [['--dicom', opts.paths.dicom], ['--hl7', opts.paths.hl7], ['--fhir', opts.paths.fhir]] as const) {
    for (const p of list) await assertExists(p, flag);
  }
  await assertOutputFolder(opts.out);
  const config = await loadConfig(opts.configPath, opts.standardize ? { standardize: opts.standardize } : {});
  const inputs = await readInputs(opts.paths, config.hl7Fields, opts.progress);
  // Headers first, so that the linker compares standard terms; corrections refer to the records as read.
  const standardized = config.standards
    ? standardizeRecords(inputs.scans, inputs.reports, config.standards.compiled, { profileName: config.standards.name, today: (opts.now ?? new Date()).toISOString().slice(0, 10).replace(/-/g, '') })
    : undefined;
  const t1 = performance.now();
  opts.progress.update('linking', 0, 2);
  const scansToLink = standardized?.scans ?? inputs.scans;
  const run = (providers: EvidenceProvider[]): ReconcileResult => reconcile(scansToLink, inputs.reports, {
    config: config.linker, weights: config.weights, describer: createProcedureDescriber(config.procedureTerms),
    rng: seededRng(config.seed), learn: opts.learn === true, providers,
  });
  let result = run([]);
  const tLinked = performance.now();
  opts.progress.update('image evidence', 1, 2);
  const evidence = await inferenceEvidence(inputs.scans, result, { modelDirs: config.modelDirs, lexicon: config.findingsLexicon, procedureTerms: config.procedureTerms, weights: config.weights });
  // A second pass only where image and report findings exist for undecided studies: same inputs, more evidence.
  if (evidence.providers.length > 0) result = run(evidence.providers);
  opts.progress.done();
  const t2 = performance.now();
  if (standardized && config.standards) {
    const today = (opts.now ?? new Date()).toISOString().slice(0, 10).replace(/-/g, '');
    const filled = fillFromLinkedReports(inputs.scans, result.links, result.reports, config.standards.compiled, { profileName: config.standards.name, today, minProbability: config.linker.thresholds.auto });
    result = { ...result, corrections: [...result.corrections, ...standardized.corrections, ...filled] };
  }
  const outboundCtx = {
    scans: inputs.scans, reports: result.reports, fhirResources: inputs.fhirResources, outbound: config.outbound,
    now: opts.now ?? new Date(),
  };
  const messages = planOutbound(result.corrections, outboundCtx);
  planHeaderOutbound(result.corrections, outboundCtx, messages);
  const outboundCounts = await writeOutbound(path.join(opts.out, 'outbound'), messages);
  await writeResults(opts.out, inputs, result);
  for (const [name, rows] of [['header-review.jsonl', standardized?.review], ['headers.jsonl', standardized?.headers]] as const) {
    if (rows) await writeJsonl(path.join(opts.out, name), rows);
    else await rm(path.join(opts.out, name), { force: true });
  }
  const t3 = performance.now();
  const summary = summarize(inputs, result, outboundCounts, {
    readDicom: inputs.timingMs.dicom, readHl7: inputs.timingMs.hl7, readFhir: inputs.timingMs.fhir,
    link: tLinked - t1, evidence: t2 - tLinked, write: t3 - t2, total: t3 - t0,
  }, evidence.stats);
  await writeJson(path.join(opts.out, 'summary.json'), summary);
  return { inputs, result, summary, ...(result.em ? { learnedTable: formatWeights(result.weights, result.em) } : {}) };
}

async function writeResults(out: string, inputs: Inputs, r: ReconcileResult): Promise<void> {
  const merged = r.mergedReportIds;
  await Promise.all([
    writeJsonl(path.join(out, 'links.jsonl'), r.links.map((l) => {
      const also = merged.get(l.reportId);
      return also ? { ...l, mergedReportIds: also } : l;
    })),
    writeJsonl(path.join(out, 'corrections.jsonl'), r.corrections),
    writeJsonl(path.join(out, 'review.jsonl'), r.review.map((item) => ({
      ...item,
      candidates: item.candidates.map((c) => (c.kind === 'report' && merged.has(c.id) ? { ...c, mergedReportIds: merged.get(c.id) } : c)),
    }))),
    writeJsonl(path.join(out, 'unlinked.jsonl'), r.unlinked.map((u) => (u.reportId && merged.has(u.reportId) ? { ...u, mergedReportIds: merged.get(u.reportId) } : u))),
    writeJsonl(path.join(out, 'errors.jsonl'), inputs.rejections.map((e) => ({ source: e.source, code: e.code, severity: e.severity ?? 'error', reason: e.reason }))),
  ]);
}
