/**
 * Link status by accession number (seed figure 13A): group studies and reports by canonical accession
 * and classify each group before any fuzzy work is done.
 */
import { LinkStatus } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import { canonicalAccession, isPlaceholderAccession } from './accession.ts';

/** An accession group: every study and report carrying one canonical accession. */
export interface AccessionGroup {
  key: string;
  scans: number[];
  reports: number[];
}

export interface StatusResult {
  groups: Map<string, AccessionGroup>;
  /** Status per scan index / report index before comparison (1:1 groups are `verified` only once compared). */
  scanStatus: LinkStatus[];
  reportStatus: LinkStatus[];
  /** 1:1 groups that are candidates for verification. */
  pairs: Array<{ scan: number; report: number }>;
}

function groupKey(accession: string | undefined): string | null {
  return isPlaceholderAccession(accession) ? null : canonicalAccession(accession);
}

/** Classify every study and report by accession: missing, orphan, duplicate, or a 1:1 pair to compare. */
export function accessionStatus(scans: readonly Scan[], reports: readonly Report[]): StatusResult {
  const groups = new Map<string, AccessionGroup>();
  const get = (k: string): AccessionGroup => {
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key: k, scans: [], reports: [] }));
    return g;
  };
  const scanStatus: LinkStatus[] = scans.map(() => LinkStatus.Missing);
  const reportStatus: LinkStatus[] = reports.map(() => LinkStatus.Missing);
  scans.forEach((s, i) => {
    const k = groupKey(s.accession);
    if (k) get(k).scans.push(i);
  });
  reports.forEach((r, i) => {
    const k = groupKey(r.accession);
    if (k) get(k).reports.push(i);
  });
  const pairs: StatusResult['pairs'] = [];
  for (const g of groups.values()) {
    const status = classify(g);
    for (const i of g.scans) scanStatus[i] = status;
    for (const i of g.reports) reportStatus[i] = status;
    const [scan] = g.scans;
    const [report] = g.reports;
    if (g.scans.length === 1 && g.reports.length === 1 && scan !== undefined && report !== undefined) pairs.push({ scan, report });
  }
  return { groups, scanStatus, reportStatus, pairs };
}

function classify(g: AccessionGroup): LinkStatus {
  if (g.scans.length > 1 || g.reports.length > 1) return LinkStatus.Duplicate;
  if (g.scans.length === 0 || g.reports.length === 0) return LinkStatus.Orphan;
  // A 1:1 group is provisionally verified; comparison may demote it to mismatch.
  return LinkStatus.Verified;
}
