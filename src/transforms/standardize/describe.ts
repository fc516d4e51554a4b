/**
 * Standardized procedure views of whole records: a Scan's header fields or a Report's section and
 * procedure text combined into one set of terms. Shaped to serve as the linker's ProcedureDescriber.
 */
import type { Report, Scan } from '../../model/types.ts';
import { compareBodyRegions, extractProcedureTerms, normalizeModality } from './procedure.ts';
import type { ExtractedProcedureTerms, ProcedureTerms, RegionAgreement } from './procedure.ts';
import type { Contrast, Laterality } from './tokens.ts';
import { examSectionText } from '../report-text/label.ts';

/** What a record says about its exam. `modalities` are modality groups (XR, CT, MR, ...). */
export interface ProcedureDescription {
  modalities: string[];
  bodyRegions: string[];
  laterality?: Laterality;
  contrast?: Contrast;
}

/**
 * A study: modalities from the header (SR, KO, PR and other non-image codes drop out), else from the
 * texts; regions, contrast and laterality from Body Part Examined, study description and procedure
 * text. Series descriptions ("Thorax 3.0 B31f", "AX T2 FLAIR") are noisy and only used for regions
 * when nothing else gives one.
 */
export function describeScanProcedure(scan: Scan, terms: ProcedureTerms): ProcedureDescription {
  const texts = [...scan.bodyParts, scan.studyDescription, scan.procedureText].map((t) => extractProcedureTerms(t, terms));
  const merged = merge(texts);
  const header = distinctDefined(scan.modalities.map((m) => normalizeModality(m, terms)));
  const modalities = header.length > 0 ? header : merged.modalities;
  const bodyRegions = merged.bodyRegions.length > 0
    ? merged.bodyRegions
    : merge(scan.seriesDescriptions.map((t) => extractProcedureTerms(t, terms))).bodyRegions;
  return { ...merged, modalities, bodyRegions };
}

/**
 * A report or order: modalities from the explicit modality and the section (OBR-24), else from the
 * procedure text; the rest from the procedure text.
 */
export function describeReportProcedure(report: Report, terms: ProcedureTerms): ProcedureDescription {
  let merged = merge([extractProcedureTerms(report.procedureText, terms)]);
  const stated = distinctDefined([report.modality, report.section].map((m) => normalizeModality(m, terms)));
  // A RIS that sends only procedure codes still dictates the exam into the text ("EXAM: CT CHEST WO").
  if (merged.bodyRegions.length === 0 && merged.modalities.length === 0 && report.text) {
    merged = merge([extractProcedureTerms(examSectionText(report.text, terms), terms)]);
  }
  return { ...merged, modalities: stated.length > 0 ? stated : merged.modalities };
}

/** A describer object in the shape the linker takes (describeScan, describeReport, compareRegions). */
export function createProcedureDescriber(terms: ProcedureTerms): {
  describeScan(scan: Scan): ProcedureDescription;
  describeReport(report: Report): ProcedureDescription;
  compareRegions(a: readonly string[], b: readonly string[]): RegionAgreement;
} {
  return {
    describeScan: (scan) => describeScanProcedure(scan, terms),
    describeReport: (report) => describeReportProcedure(report, terms),
    compareRegions: (a, b) => compareBodyRegions(a, b, terms),
  };
}

/** Several texts about one record: regions and modalities unite; contrast and sides combine as in one text. */
function merge(list: readonly ExtractedProcedureTerms[]): ProcedureDescription {
  const out: ProcedureDescription = {
    modalities: distinctDefined(list.map((t) => t.modality)),
    bodyRegions: distinctDefined(list.flatMap((t) => t.bodyRegions)),
  };
  const contrast = combine(list.map((t) => t.contrast), 'with', 'without', 'with-and-without');
  const laterality = combine(list.map((t) => t.laterality), 'left', 'right', 'bilateral');
  if (contrast !== undefined) out.contrast = contrast;
  if (laterality !== undefined) out.laterality = laterality;
  return out;
}

/** One of two opposite values, or the umbrella when both (or the umbrella itself) occur. */
function combine<T extends string>(values: ReadonlyArray<T | undefined>, one: T, other: T, umbrella: T): T | undefined {
  const seen = new Set(values);
  if (seen.has(umbrella) || (seen.has(one) && seen.has(other))) return umbrella;
  return seen.has(one) ? one : seen.has(other) ? other : undefined;
}

function distinctDefined(values: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(values.filter((v) => v !== undefined))];
}
