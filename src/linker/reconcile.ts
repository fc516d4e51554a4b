/**
 * The linker's single entry: studies and reports in; links, corrections, review items and unlinked
 * records out, each with evidence. Pure: deterministic for its inputs and the injected Rng.
 */
import type { Correction, Link, LinkStatus, ReviewItem, Unlinked } from '../model/link.ts';
import type { Rng } from '../model/ports.ts';
import type { Report, Scan } from '../model/types.ts';
import { assign, type Edge } from './assign.ts';
import { comparisonVector, scorePair, type EvidenceProvider, type PairScore } from './compare/index.ts';
import type { LinkerConfig } from './config.ts';
import { findCandidates } from './criteria.ts';
import { estimateU, learnM, randomPairs, type EmResult } from './em.ts';
import { reportFeatures, scanFeatures, type ProcedureDescriber, type RecordFeatures } from './features.ts';
import { buildOutcomes, type ScoredPair } from './outcomes.ts';
import { prepareReports } from './prepare.ts';
import { accessionStatus } from './status.ts';
import { matchProbability, type WeightTable } from './weights.ts';

export interface ReconcileOptions {
  config: LinkerConfig;
  weights: WeightTable;
  describer: ProcedureDescriber;
  providers?: readonly EvidenceProvider[];
  rng: Rng;
  /** Refine m by EM over the run's candidate pairs (`--learn`). */
  learn?: boolean;
}

export interface ReconcileResult {
  links: Link[];
  corrections: Correction[];
  review: ReviewItem[];
  unlinked: Unlinked[];
  /** The deduplicated report-side records the decisions refer to. */
  reports: Report[];
  /** Report ids folded into another (repeated or order records), by surviving id. */
  mergedReportIds: Map<string, string[]>;
  scanStatus: LinkStatus[];
  reportStatus: LinkStatus[];
  /** Weights actually used (after u re-estimation and EM). */
  weights: WeightTable;
  prior: number;
  em?: EmResult;
  counts: { candidatePairs: number; comparisons: number };
}

interface Context {
  scans: readonly Scan[];
  reports: readonly Report[];
  sf: RecordFeatures[];
  rf: RecordFeatures[];
  opts: ReconcileOptions;
  weights: WeightTable;
  prior: number;
  comparisons: number;
}

function score(ctx: Context, s: number, r: number): ScoredPair {
  ctx.comparisons++;
  const ps: PairScore = scorePair(
    ctx.scans[s] as Scan, ctx.reports[r] as Report, ctx.sf[s] as RecordFeatures, ctx.rf[r] as RecordFeatures,
    { weights: ctx.weights, patientIdVeto: ctx.opts.config.patientIdVeto, providers: ctx.opts.providers ?? [] },
    (a, b) => ctx.opts.describer.compareRegions(a, b),
  );
  return { scan: s, report: r, ...ps, probability: matchProbability(ps.matchWeight, ctx.prior) };
}

type Vec = ReturnType<typeof comparisonVector>;

function vectorOf(ctx: Context, [s, r]: readonly [number, number]): Vec {
  return comparisonVector(ctx.sf[s] as RecordFeatures, ctx.rf[r] as RecordFeatures, (a, b) => ctx.opts.describer.compareRegions(a, b));
}

/** u from random pairs of this run (always, unless disabled), shrunk toward the table's values. */
function estimateRunU(ctx: Context): void {
  const cfg = ctx.opts.config.uFromRandomPairs;
  if (!cfg.enabled) return;
  const random = randomPairs(ctx.scans.length, ctx.reports.length, cfg.samples, ctx.opts.rng).map((p) => vectorOf(ctx, p));
  ctx.weights = estimateU(ctx.weights, random, cfg.strength);
}

function blockPool(ctx: Context, pool: Pool): Array<[number, number]> {
  const blocking = findCandidates(
    pool.scans.map((i) => ({ index: i, features: ctx.sf[i] as RecordFeatures, accession: ctx.scans[i]?.accession })),
    pool.reports.map((i) => ({ index: i, features: ctx.rf[i] as RecordFeatures, accession: ctx.reports[i]?.accession })),
    ctx.opts.config.blocking,
  );
  const out: Array<[number, number]> = [];
  for (const [s, found] of blocking) for (const r of found.keys()) out.push([s, r]);
  return out;
}

/** Reconcile studies with reports (seed figures 13A, 13B, 17A–17C). */
export function reconcile(scans: readonly Scan[], inputReports: readonly Report[], opts: ReconcileOptions): ReconcileResult {
  const { reports, merged } = prepareReports(inputReports);
  const ctx: Context = {
    scans, reports, opts, weights: opts.weights, comparisons: 0,
    sf: scans.map((s) => scanFeatures(s, opts.describer)),
    rf: reports.map((r) => reportFeatures(r, opts.describer)),
    prior: opts.config.prior ?? 1 / Math.max(2, scans.length, reports.length),
  };
  const status = accessionStatus(scans, reports);
  estimateRunU(ctx);
  let em: EmResult | undefined;
  if (opts.learn) {
    // EM learns from the accession pairs and the candidate pairs a first pass finds.
    const prelim = verifyPairs(ctx, status.pairs, status.scanStatus, status.reportStatus);
    const pairs = [...status.pairs.map((p) => [p.scan, p.report] as [number, number]), ...blockPool(ctx, prelim.pool)];
    em = learnM(ctx.weights, pairs.map((p) => vectorOf(ctx, p)));
    ctx.weights = em.table;
  }
  const { verified, pool } = verifyPairs(ctx, status.pairs, status.scanStatus, status.reportStatus);
  const candidatePairs = blockPool(ctx, pool);
  const scored = candidatePairs
    .map(([s, r]) => score(ctx, s, r))
    .filter((p) => p.probability >= opts.config.thresholds.candidate);

  const floor = logit(opts.config.thresholds.candidate);
  const edges: Edge[] = scored.map((p) => ({ scan: p.scan, report: p.report, value: logit(p.probability) - floor + 1e-9 }));
  const assignments = assign(edges);
  const outcomes = buildOutcomes({
    scans, reports, config: opts.config, verified,
    scored, assignments, scanStatus: status.scanStatus, reportStatus: status.reportStatus,
  });
  return {
    ...outcomes, reports, mergedReportIds: merged, scanStatus: status.scanStatus, reportStatus: status.reportStatus,
    weights: ctx.weights, prior: ctx.prior, ...(em ? { em } : {}),
    counts: { candidatePairs: candidatePairs.length, comparisons: ctx.comparisons },
  };
}

interface Pool {
  scans: number[];
  reports: number[];
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-15, Math.max(1e-15, p));
  return Math.log2(q / (1 - q));
}

/** Compare each 1:1 accession pair; favourable ones are verified, the rest join the pool as mismatches. */
function verifyPairs(
  ctx: Context,
  pairs: ReadonlyArray<{ scan: number; report: number }>,
  scanStatus: LinkStatus[],
  reportStatus: LinkStatus[],
): { verified: ScoredPair[]; pool: Pool } {
  const verified: ScoredPair[] = [];
  const linkedS = new Set<number>();
  const linkedR = new Set<number>();
  for (const p of pairs) {
    const sp = score(ctx, p.scan, p.report);
    if (sp.probability >= ctx.opts.config.thresholds.verify && !sp.veto) {
      verified.push(sp);
      linkedS.add(p.scan);
      linkedR.add(p.report);
      scanStatus[p.scan] = 'verified';
      reportStatus[p.report] = 'verified';
    } else {
      scanStatus[p.scan] = 'mismatch';
      reportStatus[p.report] = 'mismatch';
    }
  }
  const scans = ctx.scans.map((_, i) => i).filter((i) => !linkedS.has(i));
  const reports = ctx.reports.map((_, i) => i).filter((i) => !linkedR.has(i));
  return { verified, pool: { scans, reports } };
}
