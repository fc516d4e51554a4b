/**
 * Decisions (seed figures 17A–17C): from scored pairs and the global assignment to links, review
 * items and unlinked records, so that every study and report lands in exactly one of them.
 */
import type { Correction, Evidence, Link, LinkStatus, ReviewCandidate, ReviewItem, Unlinked } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import type { Assignment } from './assign.ts';
import { canonicalAccession } from './accession.ts';
import type { LinkerConfig } from './config.ts';
import { chooseAccessions, correctionsFor, type LinkedPair } from './survivor.ts';

export interface ScoredPair {
  scan: number;
  report: number;
  matchWeight: number;
  probability: number;
  evidence: Evidence[];
  veto?: string;
}

export interface OutcomeInput {
  scans: readonly Scan[];
  reports: readonly Report[];
  config: LinkerConfig;
  verified: readonly ScoredPair[];
  scored: readonly ScoredPair[];
  assignments: readonly Assignment[];
  scanStatus: readonly LinkStatus[];
  reportStatus: readonly LinkStatus[];
}

export interface Outcomes {
  links: Link[];
  corrections: Correction[];
  review: ReviewItem[];
  unlinked: Unlinked[];
}

/** Why an item needs a person. */
export const ReviewReason = {
  Ambiguous: 'ambiguous-candidates',
  Veto: 'patient-id-differs',
  ReviewBand: 'probability-in-review-band',
  Unassigned: 'candidate-claimed-by-another-item',
} as const;

/** Why a record stays unlinked. */
export const UnlinkedReason = {
  NoCandidates: 'no-candidates',
  LinkedElsewhere: 'candidates-linked-elsewhere',
  BelowThreshold: 'candidates-below-review-threshold',
} as const;

const MAX_REVIEW_CANDIDATES = 5;

export function buildOutcomes(input: OutcomeInput): Outcomes {
  const { config } = input;
  const byPair = new Map(input.scored.map((p) => [`${p.scan},${p.report}`, p]));
  const linked: Array<{ pair: ScoredPair; byAccession: boolean }> = input.verified.map((pair) => ({ pair, byAccession: true }));
  const reviewReason = new Map<number, string>();
  for (const a of input.assignments) {
    const pair = byPair.get(`${a.scan},${a.report}`);
    if (!pair) continue;
    if (pair.veto) reviewReason.set(a.scan, ReviewReason.Veto);
    else if (pair.probability >= config.thresholds.auto && a.margin >= config.thresholds.marginBits) linked.push({ pair, byAccession: false });
    else if (pair.probability >= config.thresholds.auto) reviewReason.set(a.scan, ReviewReason.Ambiguous);
    else if (pair.probability >= config.thresholds.review) reviewReason.set(a.scan, ReviewReason.ReviewBand);
  }
  if (config.multiStudyReports) linkMultiStudy(input, linked);

  const linkedS = new Set(linked.map((l) => l.pair.scan));
  const linkedR = new Set(linked.map((l) => l.pair.report));
  const { links, corrections } = makeLinks(input, linked, linkedR);
  const review = makeReview(input, linkedS, linkedR, reviewReason);
  const inReview = new Set<string>();
  for (const item of review) {
    if (item.studyInstanceUid) inReview.add(`s:${item.studyInstanceUid}`);
    if (item.reportId) inReview.add(`r:${item.reportId}`);
    for (const c of item.candidates) inReview.add(`${c.kind === 'scan' ? 's' : 'r'}:${c.id}`);
  }
  const unlinked = makeUnlinked(input, linkedS, linkedR, inReview);
  return { links, corrections, review, unlinked };
}

/** One report covering several studies that carry its accession (configured sites only). */
function linkMultiStudy(input: OutcomeInput, linked: Array<{ pair: ScoredPair; byAccession: boolean }>): void {
  const linkedS = new Set(linked.map((l) => l.pair.scan));
  const linkedR = new Set(linked.map((l) => l.pair.report));
  for (const p of input.scored) {
    if (linkedS.has(p.scan) || !linkedR.has(p.report) || p.veto || p.probability < input.config.thresholds.auto) continue;
    const sa = canonicalAccession(input.scans[p.scan]?.accession);
    if (sa !== null && sa === canonicalAccession(input.reports[p.report]?.accession)) {
      linked.push({ pair: p, byAccession: true });
      linkedS.add(p.scan);
    }
  }
}

function makeLinks(
  input: OutcomeInput,
  linked: ReadonlyArray<{ pair: ScoredPair; byAccession: boolean }>,
  linkedR: ReadonlySet<number>,
): { links: Link[]; corrections: Correction[] } {
  const pairs: LinkedPair[] = linked.map((l) => ({ scan: l.pair.scan, report: l.pair.report, probability: l.pair.probability, verifiedByAccession: l.byAccession }));
  const finals = chooseAccessions(pairs, input.scans, input.reports, linkedR, input.config);
  const links: Link[] = [];
  const corrections: Correction[] = [];
  linked.forEach(({ pair }, i) => {
    const scan = input.scans[pair.scan] as Scan;
    const report = input.reports[pair.report] as Report;
    const final = finals[i] ?? '';
    const fixes = correctionsFor(scan, report, final, round4(pair.probability));
    corrections.push(...fixes);
    links.push({
      studyInstanceUid: scan.studyInstanceUid, reportId: report.reportId, accession: final,
      status: fixes.length === 0 ? 'verified' : 'corrected', probability: round4(pair.probability),
      matchWeight: round2(pair.matchWeight), evidence: pair.evidence,
    });
  });
  return { links, corrections };
}

function candidate(p: ScoredPair, id: string, kind: 'scan' | 'report'): ReviewCandidate {
  return { id, kind, probability: round4(p.probability), matchWeight: round2(p.matchWeight), evidence: p.evidence };
}

function makeReview(
  input: OutcomeInput,
  linkedS: ReadonlySet<number>,
  linkedR: ReadonlySet<number>,
  reasons: ReadonlyMap<number, string>,
): ReviewItem[] {
  const { config } = input;
  const byScan = new Map<number, ScoredPair[]>();
  for (const p of input.scored) {
    if (linkedS.has(p.scan) || linkedR.has(p.report)) continue;
    byScan.set(p.scan, [...(byScan.get(p.scan) ?? []), p]);
  }
  const items: ReviewItem[] = [];
  const shown = new Set<number>();
  for (const [s, pairs] of [...byScan].sort((a, b) => a[0] - b[0])) {
    const ranked = pairs.sort((a, b) => b.probability - a.probability).slice(0, MAX_REVIEW_CANDIDATES);
    const best = ranked[0];
    if (!best || (best.probability < config.thresholds.review && !reasons.has(s))) continue;
    const scan = input.scans[s] as Scan;
    for (const p of ranked) shown.add(p.report);
    items.push({
      studyInstanceUid: scan.studyInstanceUid,
      reason: reasons.get(s) ?? (best.veto ? ReviewReason.Veto : ReviewReason.Unassigned),
      status: input.scanStatus[s] ?? 'orphan',
      candidates: ranked.map((p) => candidate(p, (input.reports[p.report] as Report).reportId, 'report')),
    });
  }
  return items.concat(reportItems(input, linkedS, linkedR, shown, new Set(items.map((i) => i.studyInstanceUid ?? ''))));
}

/** Reports with a review-band candidate that no study item already shows them beside. */
function reportItems(
  input: OutcomeInput, linkedS: ReadonlySet<number>, linkedR: ReadonlySet<number>, shown: ReadonlySet<number>, scanItems: ReadonlySet<string>,
): ReviewItem[] {
  const byReport = new Map<number, ScoredPair[]>();
  for (const p of input.scored) {
    if (linkedS.has(p.scan) || linkedR.has(p.report) || shown.has(p.report)) continue;
    if (scanItems.has((input.scans[p.scan] as Scan).studyInstanceUid)) continue;
    byReport.set(p.report, [...(byReport.get(p.report) ?? []), p]);
  }
  const items: ReviewItem[] = [];
  for (const [r, pairs] of [...byReport].sort((a, b) => a[0] - b[0])) {
    const ranked = pairs.sort((a, b) => b.probability - a.probability).slice(0, MAX_REVIEW_CANDIDATES);
    if ((ranked[0]?.probability ?? 0) < input.config.thresholds.review) continue;
    items.push({
      reportId: (input.reports[r] as Report).reportId, reason: ReviewReason.ReviewBand, status: input.reportStatus[r] ?? 'orphan',
      candidates: ranked.map((p) => candidate(p, (input.scans[p.scan] as Scan).studyInstanceUid, 'scan')),
    });
  }
  return items;
}

function makeUnlinked(input: OutcomeInput, linkedS: ReadonlySet<number>, linkedR: ReadonlySet<number>, inReview: ReadonlySet<string>): Unlinked[] {
  const hasAny = new Set<string>();
  const hasFree = new Set<string>();
  for (const p of input.scored) {
    hasAny.add(`s${p.scan}`).add(`r${p.report}`);
    if (!linkedR.has(p.report)) hasFree.add(`s${p.scan}`);
    if (!linkedS.has(p.scan)) hasFree.add(`r${p.report}`);
  }
  const reason = (k: string): string =>
    !hasAny.has(k) ? UnlinkedReason.NoCandidates : hasFree.has(k) ? UnlinkedReason.BelowThreshold : UnlinkedReason.LinkedElsewhere;
  const out: Unlinked[] = [];
  input.scans.forEach((s, i) => {
    if (linkedS.has(i) || inReview.has(`s:${s.studyInstanceUid}`)) return;
    out.push({ studyInstanceUid: s.studyInstanceUid, accession: s.accession ?? null, status: input.scanStatus[i] ?? 'orphan', reason: reason(`s${i}`) });
  });
  input.reports.forEach((r, i) => {
    if (linkedR.has(i) || inReview.has(`r:${r.reportId}`)) return;
    out.push({ reportId: r.reportId, accession: r.accession ?? null, status: input.reportStatus[i] ?? 'orphan', reason: reason(`r${i}`) });
  });
  return out;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
