/**
 * Which accession survives a link, and the corrections that follow (seed figure 17C, IHE SWF ownership):
 * the report's unless it is missing or in conflict, then the study's; if both are unusable, a new one.
 */
import { createHash } from 'node:crypto';
import { CorrectionReason, type CorrectableField, type Correction } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import { canonicalAccession, isPlaceholderAccession } from './accession.ts';
import type { LinkerConfig } from './config.ts';

export interface LinkedPair {
  scan: number;
  report: number;
  probability: number;
  /** Verified by shared accession, or found by comparison. */
  verifiedByAccession: boolean;
}

function usable(a: string | undefined): a is string {
  return !isPlaceholderAccession(a);
}

/**
 * Mint accessions in the configured format. The number derives from the linked pair's ids, so a re-run
 * mints the same value for the same link (idempotent delivery) and different links almost never collide
 * across runs; a value already in use is skipped by probing to the next number.
 */
function minter(cfg: LinkerConfig['mint'], inUse: Set<string>): (seed: string) => string {
  const modulus = 10n ** BigInt(cfg.digits);
  return (seed) => {
    let n = BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 24)}`) % modulus;
    for (;;) {
      const candidate = `${cfg.prefix}${n.toString().padStart(cfg.digits, '0')}`;
      const key = canonicalAccession(candidate) ?? candidate;
      if (!inUse.has(key)) {
        inUse.add(key);
        return candidate;
      }
      n = (n + 1n) % modulus;
    }
  };
}

/**
 * Decide the final accession of every linked pair. A value is in conflict when another link already
 * ends with it, or an unlinked report holds it (the RIS issued it to that order). Links are served in
 * priority order: pairs that already agree on their accession first, then by probability, so the
 * record that rightfully holds a value keeps it and the others fall back or get a minted one.
 */
export function chooseAccessions(
  links: readonly LinkedPair[],
  scans: readonly Scan[],
  reports: readonly Report[],
  linkedReports: ReadonlySet<number>,
  cfg: LinkerConfig,
): string[] {
  const taken = new Set<string>();
  reports.forEach((r, i) => {
    const k = canonicalAccession(r.accession);
    if (!linkedReports.has(i) && k && usable(r.accession)) taken.add(k);
  });
  const inUse = new Set<string>(taken);
  for (const x of [...scans, ...reports]) {
    const k = canonicalAccession(x.accession);
    if (k) inUse.add(k);
  }
  const mint = minter(cfg.mint, inUse);
  const agreed = links.map((l) => {
    const k = canonicalAccession(scans[l.scan]?.accession);
    return k !== null && k === canonicalAccession(reports[l.report]?.accession);
  });
  const order = links.map((_, i) => i).sort((a, b) =>
    Number(agreed[b]) - Number(agreed[a]) || (links[b]?.probability ?? 0) - (links[a]?.probability ?? 0) || a - b);
  const result = new Array<string>(links.length).fill('');
  for (const i of order) {
    const l = links[i] as LinkedPair;
    const s = scans[l.scan]?.accession;
    const r = reports[l.report]?.accession;
    const options = (cfg.accessionSource === 'report' ? [r, s] : [s, r]).filter(usable);
    const pick = options.find((o) => !taken.has(canonicalAccession(o) ?? ''));
    const final = pick ?? mint(`${scans[l.scan]?.studyInstanceUid ?? ''}\u0000${reports[l.report]?.reportId ?? ''}`);
    taken.add(canonicalAccession(final) ?? final);
    result[i] = final;
  }
  return result;
}

/** Deterministic correction id: the same change on the same record always has the same id (idempotency key). */
export function correctionId(target: string, recordId: string, from: string | null, to: string, field: CorrectableField = 'AccessionNumber'): string {
  return createHash('sha256').update(`${target}\u0000${recordId}\u0000${field}\u0000${from ?? ''}\u0000${to}`).digest('hex').slice(0, 20);
}

/** The corrections needed to make a linked pair carry `final` on both sides. */
export function correctionsFor(scan: Scan, report: Report, final: string, probability: number): Correction[] {
  const out: Correction[] = [];
  const reason =
    final === report.accession ? CorrectionReason.StudyTakesReportAccession
    : final === scan.accession ? CorrectionReason.ReportTakesStudyAccession
    : CorrectionReason.MintedAccession;
  if (scan.accession !== final) {
    const from = scan.accession ?? null;
    out.push({
      id: correctionId('scan', scan.studyInstanceUid, from, final),
      target: 'scan', studyInstanceUid: scan.studyInstanceUid, field: 'AccessionNumber',
      from, to: final, linkedTo: report.reportId, probability, reason,
    });
  }
  if (report.accession !== final) {
    const from = report.accession ?? null;
    out.push({
      id: correctionId('report', report.reportId, from, final),
      target: 'report', reportId: report.reportId, field: 'AccessionNumber',
      from, to: final, linkedTo: scan.studyInstanceUid, probability, reason,
    });
  }
  return out;
}
