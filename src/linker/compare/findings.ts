/**
 * Inference-based comparison (seed claims 1, 7, 20): findings a model inferred from a study's pixels
 * against findings the report text states. Agreement supports the pair; a confident disagreement on the
 * diagnosis makes it compare unfavorably. Pure: the inferences and labels are computed elsewhere and
 * handed in, so the scorer sees this provider like any header comparator.
 */
import type { Evidence } from '../../model/link.ts';
import type { Report, Scan } from '../../model/types.ts';
import { levelWeight, type WeightTable } from '../weights.ts';
import type { EvidenceProvider } from './index.ts';

export const FindingState = { Positive: 'positive', Negative: 'negative', Uncertain: 'uncertain' } as const;
export type FindingState = (typeof FindingState)[keyof typeof FindingState];

/** What an image model concluded about one finding in one study. */
export interface ImageFinding {
  finding: string;
  state: FindingState;
  probability: number;
  /** Model name and version, for the evidence trail. */
  model: string;
  /** Report findings this verdict speaks to (a pneumonia model speaks to consolidation too); default: `finding`. */
  lexicon?: readonly string[];
}

/**
 * What a report says about the findings an image verdict speaks to: positive if any is positive, else
 * uncertain if any is, else negative (stated, or implied by a report that describes the region without it).
 */
export function reportStateFor(codes: readonly string[], reportFindings: Readonly<Record<string, FindingState>>): FindingState {
  const states = codes.map((c) => reportFindings[c]);
  if (states.includes(FindingState.Positive)) return FindingState.Positive;
  if (states.includes(FindingState.Uncertain)) return FindingState.Uncertain;
  return FindingState.Negative;
}

/** Agreement levels between an image finding and the report's statement of the same finding. */
export const FindingLevel = { Agree: 'agree', Disagree: 'disagree', Uncertain: 'uncertain' } as const;

/** Compare one finding: uncertain on either side says little; opposite definite states disagree. */
export function compareFinding(image: FindingState, report: FindingState | undefined): string | undefined {
  if (report === undefined) return undefined;
  if (image === FindingState.Uncertain || report === FindingState.Uncertain) return FindingLevel.Uncertain;
  return image === report ? FindingLevel.Agree : FindingLevel.Disagree;
}

/**
 * Findings evidence for a pair. An image finding the report does not mention at all is read as
 * negative when the report has text (radiologists name what they see), and gives no evidence otherwise.
 * Weights come from `finding:<name>` in the weight table, else the shared `finding` entry.
 */
export function findingsEvidence(
  image: readonly ImageFinding[],
  reportFindings: Readonly<Record<string, FindingState>> | undefined,
  weights: WeightTable,
): Evidence[] {
  if (!reportFindings) return [];
  const out: Evidence[] = [];
  for (const f of image) {
    const level = compareFinding(f.state, reportStateFor(f.lexicon ?? [f.finding], reportFindings));
    if (!level) continue;
    const key = weights.fields[`finding:${f.finding}`] ? `finding:${f.finding}` : 'finding';
    out.push({ field: `finding:${f.finding}`, level, weight: Math.round(levelWeight(weights, key, level) * 100) / 100, source: f.model });
  }
  return out;
}

/**
 * An evidence provider over precomputed inferences (by Study Instance UID) and report labels (by report id).
 * Both maps may be partial: inference runs only where it can change a decision.
 */
export function findingsProvider(
  imageByStudy: ReadonlyMap<string, readonly ImageFinding[]>,
  labelsByReport: ReadonlyMap<string, Readonly<Record<string, FindingState>>>,
  weights: WeightTable,
): EvidenceProvider {
  return {
    name: 'findings',
    evaluate(scan: Scan, report: Report): Evidence[] {
      const image = imageByStudy.get(scan.studyInstanceUid);
      return image ? findingsEvidence(image, labelsByReport.get(report.reportId), weights) : [];
    },
  };
}
