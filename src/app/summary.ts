/** The run summary: counts per status and reason, timings; printed as a table and saved as summary.json. */
import type { ReconcileResult } from '../linker/reconcile.ts';
import type { Inputs } from './read-inputs.ts';
import type { EvidenceStats } from './evidence.ts';
import { table } from '../cli/progress.ts';

export interface RunSummary {
  inputs: { studies: number; reports: number; reportRecords: number; dicomFiles: number; dicomInstances: number; hl7Files: number; fhirFiles: number; rejected: number; warnings: number };
  links: { verified: number; corrected: number };
  corrections: { scan: number; report: number; byReason: Record<string, number> };
  review: { items: number; byReason: Record<string, number> };
  unlinked: { studies: number; reports: number; byStatus: Record<string, number>; byReason: Record<string, number> };
  statusBeforeLinking: { studies: Record<string, number>; reports: Record<string, number> };
  rejectedByCode: Record<string, number>;
  outbound: Record<string, number>;
  prior: number;
  /** Image and report-text evidence for the studies a header-only pass left undecided. */
  evidence: EvidenceStats;
  timingMs: Record<string, number>;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export function summarize(inputs: Inputs, result: ReconcileResult, outbound: Record<string, number>, timingMs: Record<string, number>, evidence: EvidenceStats): RunSummary {
  return {
    inputs: {
      studies: inputs.scans.length, reports: result.reports.length, reportRecords: inputs.reports.length,
      ...inputs.counts,
      rejected: inputs.rejections.filter((r) => r.severity !== 'warning').length,
      warnings: inputs.rejections.filter((r) => r.severity === 'warning').length,
    },
    links: {
      verified: result.links.filter((l) => l.status === 'verified').length,
      corrected: result.links.filter((l) => l.status === 'corrected').length,
    },
    corrections: {
      scan: result.corrections.filter((c) => c.target === 'scan').length,
      report: result.corrections.filter((c) => c.target === 'report').length,
      byReason: countBy(result.corrections, (c) => c.reason),
    },
    review: { items: result.review.length, byReason: countBy(result.review, (r) => r.reason) },
    unlinked: {
      studies: result.unlinked.filter((u) => u.studyInstanceUid !== undefined).length,
      reports: result.unlinked.filter((u) => u.reportId !== undefined).length,
      byStatus: countBy(result.unlinked, (u) => u.status),
      byReason: countBy(result.unlinked, (u) => u.reason),
    },
    statusBeforeLinking: { studies: countBy(result.scanStatus, (s) => s), reports: countBy(result.reportStatus, (s) => s) },
    rejectedByCode: countBy(inputs.rejections, (r) => r.code),
    outbound,
    prior: result.prior,
    evidence,
    timingMs: Object.fromEntries(Object.entries(timingMs).map(([k, v]) => [k, Math.round(v)])),
  };
}

/** The printed summary: a few short tables, no PHI. */
export function formatSummary(s: RunSummary): string {
  const rows: Array<[string, string | number]> = [
    ['studies read', s.inputs.studies],
    ['reports read', `${s.inputs.reports} (${s.inputs.reportRecords} records)`],
    ['inputs rejected', s.inputs.rejected],
    ['input warnings', s.inputs.warnings],
    ['links verified', s.links.verified],
    ['links corrected', s.links.corrected],
    ['corrections (study / report)', `${s.corrections.scan} / ${s.corrections.report}`],
    ['review items', s.review.items],
    ['unlinked (studies / reports)', `${s.unlinked.studies} / ${s.unlinked.reports}`],
    ['outbound messages', Object.entries(s.outbound).filter(([k]) => k !== 'skipped').reduce((a, [, b]) => a + b, 0)],
    ['outbound skipped', s.outbound['skipped'] ?? 0],
    ['image evidence (studies)', `${s.evidence.studiesWithImageFinding} of ${s.evidence.studiesConsidered} undecided`],
    ['time (ms)', s.timingMs.total ?? 0],
  ];
  const parts = [table(['summary', ''], rows)];
  const reasons = [
    ...Object.entries(s.review.byReason).map(([k, v]) => ['review', k, v] as const),
    ...Object.entries(s.unlinked.byReason).map(([k, v]) => ['unlinked', k, v] as const),
    ...Object.entries(s.corrections.byReason).map(([k, v]) => ['correction', k, v] as const),
    ...Object.entries(s.rejectedByCode).map(([k, v]) => ['input problem', k, v] as const),
  ];
  if (reasons.length > 0) parts.push(table(['kind', 'reason', 'count'], reasons));
  const statuses = new Set([...Object.keys(s.statusBeforeLinking.studies), ...Object.keys(s.statusBeforeLinking.reports)]);
  parts.push(table(['accession status', 'studies', 'reports'], [...statuses].sort().map((k) => [k, s.statusBeforeLinking.studies[k] ?? 0, s.statusBeforeLinking.reports[k] ?? 0])));
  return parts.join('\n\n');
}
