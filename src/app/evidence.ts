/**
 * Inference-based evidence for the batch run (issue 5): report findings from the labeler and image
 * findings from the ONNX models, computed only for the studies and reports a header-only pass left
 * undecided (in review), since elsewhere they cannot change a decision.
 */
import { createImageFindingsProvider } from '../inference/provider.ts';
import { openModelSession } from '../inference/session.ts';
import { findingsProvider, type FindingState, type ImageFinding } from '../linker/compare/findings.ts';
import type { EvidenceProvider } from '../linker/compare/index.ts';
import type { ReconcileResult } from '../linker/reconcile.ts';
import type { WeightTable } from '../linker/weights.ts';
import type { Report, Scan } from '../model/types.ts';
import { labelReport, type FindingsLexicon } from '../transforms/report-text/index.ts';
import type { ProcedureTerms } from '../transforms/standardize/procedure.ts';

export interface EvidenceStats {
  studiesConsidered: number;
  studiesWithImageFinding: number;
  reportsLabelled: number;
  /** Why some considered studies have no image finding (not CR/DX chest, pixels skipped, ...), by code. */
  noImageFinding: Record<string, number>;
}

export interface EvidenceSetup {
  /** Model folders (each with model.json and model.onnx); empty disables image evidence. */
  modelDirs: readonly string[];
  lexicon: FindingsLexicon;
  procedureTerms: ProcedureTerms;
  weights: WeightTable;
}

/** Studies and reports a person would otherwise have to decide: review items and their candidates. */
function undecided(first: ReconcileResult): { studies: Set<string>; reports: Set<string> } {
  const studies = new Set<string>();
  const reports = new Set<string>();
  for (const item of first.review) {
    if (item.studyInstanceUid) studies.add(item.studyInstanceUid);
    if (item.reportId) reports.add(item.reportId);
    for (const c of item.candidates) (c.kind === 'scan' ? studies : reports).add(c.id);
  }
  return { studies, reports };
}

function labelsFor(reports: readonly Report[], lexicon: FindingsLexicon, terms: ProcedureTerms): Map<string, Record<string, FindingState>> {
  const out = new Map<string, Record<string, FindingState>>();
  for (const r of reports) if (r.text) out.set(r.reportId, labelReport(r, lexicon, terms).findings);
  return out;
}

async function imageFindings(scans: readonly Scan[], modelDirs: readonly string[], stats: EvidenceStats): Promise<Map<string, ImageFinding[]>> {
  const byStudy = new Map<string, ImageFinding[]>();
  for (const dir of modelDirs) {
    const session = await openModelSession(dir);
    try {
      const provider = createImageFindingsProvider({ session });
      await provider.prepare(scans);
      for (const s of scans) {
        const r = provider.lookup(s.studyInstanceUid);
        if (r && !r.ok) stats.noImageFinding[r.code] = (stats.noImageFinding[r.code] ?? 0) + 1;
      }
      for (const [uid, findings] of provider.findingsByStudy()) byStudy.set(uid, [...(byStudy.get(uid) ?? []), ...findings]);
    } finally {
      await session.close();
    }
  }
  stats.studiesWithImageFinding = byStudy.size;
  return byStudy;
}

/** Evidence providers for a second pass, or none when the first pass left nothing undecided. */
export async function inferenceEvidence(
  scans: readonly Scan[],
  first: ReconcileResult,
  setup: EvidenceSetup,
): Promise<{ providers: EvidenceProvider[]; stats: EvidenceStats }> {
  const want = undecided(first);
  const stats: EvidenceStats = { studiesConsidered: want.studies.size, studiesWithImageFinding: 0, reportsLabelled: 0, noImageFinding: {} };
  if (want.studies.size === 0 || setup.modelDirs.length === 0) return { providers: [], stats };
  const labels = labelsFor(first.reports.filter((r) => want.reports.has(r.reportId)), setup.lexicon, setup.procedureTerms);
  stats.reportsLabelled = labels.size;
  const images = await imageFindings(scans.filter((s) => want.studies.has(s.studyInstanceUid)), setup.modelDirs, stats);
  if (images.size === 0) return { providers: [], stats };
  return { providers: [findingsProvider(images, labels, setup.weights)], stats };
}
