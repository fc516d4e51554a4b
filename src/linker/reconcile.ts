/**
 * The linker's single entry: studies and reports in; links, corrections, review items and unlinked
 * records out, each with evidence. Pure: deterministic for its inputs and the injected Rng.
 */
import type { Correction, Link, LinkStatus, ReviewItem, Unlinked } from '../model/link.ts';
import type { Rng } from '../model/ports.ts';
import type { Report, Scan } from '../model/types.ts';
import { assign, type Edge } from './assign.ts';
import { comparisonVector, scorePair, type EvidenceProvider, type PairScore } from './compare/index.ts';
import { comparePatientId } from './compare/fields.ts';
import type { LinkerConfig } from './config.ts';
import { findCandidates } from './criteria.ts';
import { estimateU, learnM, randomPairs, type EmResult } from './em.ts';
import { reportFeatures, scanFeatures, type ProcedureDescriber, type RecordFeatures } from './features.ts';
import { buildOutcomes, type ScoredPair } from './outcomes.ts';
import { prepareReports } from './prepare.ts';
import { accessionStatus, type AccessionGroup } from './status.ts';
import { matchProbability, type WeightTable } from './weights.ts';

export interface ReconcileOptions {
  config: LinkerConfig;
  weights: WeightTable;
  describer: ProcedureDescriber;
  providers?: readonly EvidenceProvider[];
  rng: Rng;
  /** Refine m by EM over the run's candidate pairs (`--learn`). */
  learn?: boolean;
  /**
   * Whether RIS and PACS share a patient id domain, when the caller knows it from more records than this
   * run holds (the streaming engine links a handful at a time). Default: estimated from this run's pairs.
   */
  sharedIdDomain?: boolean;
}

export interface ReconcileResult {
  links: Link[];
  corrections: Correction[];
  review: ReviewItem[];
  unlinked: Unlinked[];
  /** The deduplicated report-side records the decisions refer to. */
  reports: Report[];
  /** Order ids folded into the report with the same accession and patient, by surviving report id. */
  mergedReportIds: Map<string, string[]>;
  scanStatus: LinkStatus[];
  reportStatus: LinkStatus[];
  /** Weights actually used (after u re-estimation and EM). */
  weights: WeightTable;
  /** Prior used for pairs among the unlinked records. */
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
  sharedIdDomain: boolean;
}

function score(ctx: Context, s: number, r: number): ScoredPair {
  ctx.comparisons++;
  const ps: PairScore = scorePair(
    ctx.scans[s] as Scan, ctx.reports[r] as Report, ctx.sf[s] as RecordFeatures, ctx.rf[r] as RecordFeatures,
    { weights: ctx.weights, patientIdVeto: ctx.opts.config.patientIdVeto, sharedIdDomain: ctx.sharedIdDomain, providers: ctx.opts.providers ?? [] },
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
    scans, reports, opts, weights: opts.weights, comparisons: 0, sharedIdDomain: true,
    sf: scans.map((s) => scanFeatures(s, opts.describer)),
    rf: reports.map((r) => reportFeatures(r, opts.describer)),
    prior: opts.config.prior ?? 1 / Math.max(2, scans.length, reports.length),
  };
  const status = accessionStatus(scans, reports);
  ctx.sharedIdDomain = opts.sharedIdDomain ?? sharesIdDomain(ctx, status.pairs);
  estimateRunU(ctx);
  let em: EmResult | undefined;
  if (opts.learn) {
    const training = trainingPairs(ctx);
    em = learnM(ctx.weights, training.pairs.map((p) => vectorOf(ctx, p)), training.frozen);
    ctx.weights = em.table;
  }
  const { verified, pool } = verifyPairs(ctx, status.pairs, status.scanStatus, status.reportStatus);
  markContested(ctx, status.groups.values(), verified);
  const candidatePairs = blockPool(ctx, pool);
  // Each unlinked record has at most one counterpart among the other unlinked ones; but pending studies and
  // orphan reports have none, so a tiny pool must not make the prior optimistic: assume at least a quarter.
  if (opts.config.prior === undefined) {
    ctx.prior = 1 / Math.max(2, pool.scans.length, pool.reports.length, Math.max(scans.length, reports.length) / 4);
  }
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

const MAX_TRAINING_PAIRS_PER_STUDY = 20;

/**
 * EM training pairs: every study with every report of the same patient id (its own report and the
 * patient's other exams), so accession, time and exam fields are learned from pairs not chosen by them.
 * When the ids do not meet (separate id domains), name and birth date choose the pairs instead.
 */
function trainingPairs(ctx: Context): { pairs: Array<[number, number]>; frozen: Set<string> } {
  const byId = new Map<string, number[]>();
  const byPerson = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, k: string, i: number): void => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  ctx.rf.forEach((f, i) => {
    if (f.patientIdDigits ?? f.patientId) add(byId, f.patientIdDigits ?? f.patientId ?? '', i);
    if (f.family && f.birthDate) add(byPerson, `${f.family}|${f.birthDate}`, i);
  });
  const collect = (m: Map<string, number[]>, key: (f: RecordFeatures) => string | undefined): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    ctx.sf.forEach((f, s) => {
      const k = key(f);
      for (const r of (k ? m.get(k) : undefined)?.slice(0, MAX_TRAINING_PAIRS_PER_STUDY) ?? []) out.push([s, r]);
    });
    return out;
  };
  const byIdPairs = collect(byId, (f) => f.patientIdDigits ?? f.patientId);
  if (byIdPairs.length >= Math.min(50, ctx.scans.length / 2)) {
    return { pairs: byIdPairs, frozen: new Set(['patientId']) };
  }
  return {
    pairs: collect(byPerson, (f) => (f.family && f.birthDate ? `${f.family}|${f.birthDate}` : undefined)),
    frozen: new Set(['name', 'birthDate', 'name|sameId', 'birthDate|sameId']),
  };
}

/** Accessions of mismatch and duplicate groups: each record's value is claimed by a counterpart it may not match. */
function markContested(ctx: Context, groups: Iterable<AccessionGroup>, verified: readonly ScoredPair[]): void {
  const linkedS = new Set(verified.map((v) => v.scan));
  for (const g of groups) {
    if (g.scans.length === 0 || g.reports.length === 0) continue;
    if (g.scans.length === 1 && g.reports.length === 1 && linkedS.has(g.scans[0] ?? -1)) continue;
    for (const s of g.scans) (ctx.sf[s] as RecordFeatures).accessionContested = true;
    for (const r of g.reports) (ctx.rf[r] as RecordFeatures).accessionContested = true;
  }
}

/**
 * Whether RIS and PACS use one patient id domain in this run: most pairs sharing an accession agree on the id.
 * With no evidence either way, assume they do (the safer assumption: differing ids then go to review).
 */
function sharesIdDomain(ctx: Context, pairs: ReadonlyArray<{ scan: number; report: number }>): boolean {
  let compared = 0;
  let agreeing = 0;
  for (const p of pairs) {
    const level = comparePatientId(ctx.sf[p.scan] as RecordFeatures, ctx.rf[p.report] as RecordFeatures);
    if (level === 'missing') continue;
    compared++;
    if (level !== 'differs') agreeing++;
  }
  return compared < 20 || agreeing >= compared / 2;
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
