/**
 * Header standardization over a whole run (issue 4): every study's header checked against the
 * standards profile, changed values as field-level corrections, uncertain ones for a person, and each
 * patient's demographics brought to their consensus. Pure: `today` comes from the caller.
 */
import type { Correction } from '../../model/link.ts';
import { StandardizationReason } from '../../model/link.ts';
import type { Report, Scan } from '../../model/types.ts';
import { normalizePatientId } from '../../linker/features.ts';
import { correctionId } from '../../linker/survivor.ts';
import { correctableFieldOf, headerOfScan, standardizeHeader, type CompiledStandards, type FieldResult } from './header/index.ts';
import { patientConsensus } from './consensus.ts';

/** A header value a person should look at: below the accept threshold, INCONCLUSIVE, invalid, or a low-confidence consensus proposal. */
export interface HeaderReviewItem {
  target: 'scan' | 'report';
  studyInstanceUid?: string;
  reportId?: string;
  field: string;
  value: string | null;
  status: string;
  proposed?: string;
  score?: number;
  alternatives?: Array<{ entry: string; score: number }>;
  basis?: string;
}

/** A study's header as standardized, every ruled field marked with what happened to it. */
export interface StandardizedHeader {
  studyInstanceUid: string;
  fields: Record<string, { original: string | null; value: string | null; status: string }>;
}

export interface StandardizedRecords {
  corrections: Correction[];
  review: HeaderReviewItem[];
  headers: StandardizedHeader[];
  /** Scans with standardized descriptions and body parts, for linking on standard terms. */
  scans: Scan[];
}

/** The accession belongs to the linker; standardization never rewrites it. */
const NOT_STANDARDIZED = new Set(['accessionNumber']);
const CHANGED = new Set(['standardized', 'reformatted', 'filled']);
const FOR_REVIEW = new Set(['review', 'inconclusive', 'invalid']);

function fieldCorrection(scan: Scan, f: FieldResult, profile: string): Correction | undefined {
  const field = correctableFieldOf(f.field);
  if (!field || f.value === undefined || f.value === f.original) return undefined;
  const from = f.original ?? null;
  return {
    id: correctionId('scan', scan.studyInstanceUid, from, f.value, field),
    target: 'scan', studyInstanceUid: scan.studyInstanceUid, field, from, to: f.value,
    linkedTo: `standards:${profile}`, probability: Math.round((f.score ?? 1) * 10000) / 10000,
    reason: f.reason ?? StandardizationReason.StandardEntry,
  };
}

function reviewOf(scan: Scan, f: FieldResult): HeaderReviewItem {
  return {
    target: 'scan', studyInstanceUid: scan.studyInstanceUid, field: f.field, value: f.original ?? null, status: f.status,
    ...(f.value !== undefined && f.value !== f.original ? { proposed: f.value } : {}),
    ...(f.score !== undefined ? { score: f.score } : {}),
    ...(f.alternatives ? { alternatives: f.alternatives } : {}),
  };
}

/** The scan as the linker should see it: standard description and body part where they were standardized. */
function standardView(scan: Scan, fields: readonly FieldResult[]): Scan {
  const get = (name: string): string | undefined => fields.find((f) => f.field === name && CHANGED.has(f.status))?.value;
  const description = get('studyDescription');
  const bodyPart = get('bodyPartExamined');
  return { ...scan, ...(description ? { studyDescription: description } : {}), ...(bodyPart ? { bodyParts: [bodyPart] } : {}) };
}

function consensusCorrections(scans: readonly Scan[], reports: readonly Report[], out: StandardizedRecords): void {
  const byPatient = new Map<string, { scans: Scan[]; reports: Report[] }>();
  const group = (id: string | undefined): { scans: Scan[]; reports: Report[] } | undefined => {
    const k = normalizePatientId(id);
    if (!k) return undefined;
    let g = byPatient.get(k);
    if (!g) byPatient.set(k, (g = { scans: [], reports: [] }));
    return g;
  };
  for (const s of scans) group(s.patient.id)?.scans.push(s);
  for (const r of reports) group(r.patient.id)?.reports.push(r);
  for (const g of byPatient.values()) {
    if (g.scans.length + g.reports.length < 2) continue;
    for (const p of patientConsensus(g).proposals) {
      const recordId = p.target === 'scan' ? p.studyInstanceUid ?? '' : p.reportId ?? '';
      if (!p.autoApply) {
        out.review.push({ target: p.target, ...(p.target === 'scan' ? { studyInstanceUid: recordId } : { reportId: recordId }), field: p.field, value: p.from, status: 'consensus-proposal', proposed: p.to, score: p.confidence, basis: p.basis });
        continue;
      }
      out.corrections.push({
        id: correctionId(p.target, recordId, p.from, p.to, p.field), target: p.target,
        ...(p.target === 'scan' ? { studyInstanceUid: recordId } : { reportId: recordId }),
        field: p.field, from: p.from, to: p.to, linkedTo: `consensus:${p.basis}`, probability: Math.round(p.confidence * 10000) / 10000,
        reason: StandardizationReason.PatientConsensus,
      });
    }
  }
}

function headerRecord(scan: Scan, fields: readonly FieldResult[]): StandardizedHeader {
  return {
    studyInstanceUid: scan.studyInstanceUid,
    fields: Object.fromEntries(fields.filter((f) => !NOT_STANDARDIZED.has(f.field)).map((f) => [f.field, { original: f.original ?? null, value: f.value ?? null, status: f.status }])),
  };
}

/**
 * After linking: a study whose mandatory description or body part is empty takes it from its linked
 * report's procedure, when the link is confident (the patent's "null fields filled from reliable sources").
 */
export function fillFromLinkedReports(
  scans: readonly Scan[],
  links: ReadonlyArray<{ studyInstanceUid: string; reportId: string; probability: number }>,
  reports: readonly Report[],
  standards: CompiledStandards,
  opts: { profileName: string; today: string; minProbability: number },
): Correction[] {
  const scanOf = new Map(scans.map((s) => [s.studyInstanceUid, s]));
  const reportOf = new Map(reports.map((r) => [r.reportId, r]));
  const out: Correction[] = [];
  for (const link of links) {
    const scan = scanOf.get(link.studyInstanceUid);
    const procedure = reportOf.get(link.reportId)?.procedureText;
    if (!scan || !procedure || link.probability < opts.minProbability) continue;
    const header = headerOfScan(scan);
    if (header.studyDescription && header.bodyPartExamined) continue;
    const offer = [{ value: procedure, confidence: link.probability, source: `report:${link.reportId}` }];
    const { fields } = standardizeHeader(header, standards, { today: opts.today, fill: { studyDescription: offer } });
    for (const f of fields) {
      const field = correctableFieldOf(f.field);
      if (f.status !== 'filled' || !field || f.value === undefined) continue;
      out.push({
        id: correctionId('scan', scan.studyInstanceUid, null, f.value, field), target: 'scan', studyInstanceUid: scan.studyInstanceUid,
        field, from: null, to: f.value, linkedTo: link.reportId, probability: Math.round((f.score ?? link.probability) * 10000) / 10000,
        reason: StandardizationReason.FilledFromLinkedRecord,
      });
    }
  }
  return out;
}

/** Standardize every study header and every patient's demographics. */
export function standardizeRecords(
  scans: readonly Scan[],
  reports: readonly Report[],
  standards: CompiledStandards,
  opts: { profileName: string; today: string },
): StandardizedRecords {
  const out: StandardizedRecords = { corrections: [], review: [], headers: [], scans: [] };
  for (const scan of scans) {
    const { fields } = standardizeHeader(headerOfScan(scan), standards, { today: opts.today });
    for (const f of fields) {
      if (NOT_STANDARDIZED.has(f.field) || f.original === undefined) continue;
      if (CHANGED.has(f.status)) {
        const c = fieldCorrection(scan, f, opts.profileName);
        if (c) out.corrections.push(c);
      } else if (FOR_REVIEW.has(f.status)) {
        out.review.push(reviewOf(scan, f));
      }
    }
    out.scans.push(standardView(scan, fields));
    out.headers.push(headerRecord(scan, fields));
  }
  consensusCorrections(scans, reports, out);
  // One value per field and record: the patient's consensus (a real correction) wins over the profile's
  // reformatting of the same field, which would otherwise send the PACS two values for one attribute.
  const byConsensus = new Set(out.corrections.filter((c) => c.reason === StandardizationReason.PatientConsensus).map(fieldKey));
  out.corrections = out.corrections.filter((c) => c.reason === StandardizationReason.PatientConsensus || !byConsensus.has(fieldKey(c)));
  return out;
}

function fieldKey(c: Correction): string {
  return `${c.target}|${c.studyInstanceUid ?? c.reportId ?? ''}|${c.field}`;
}
