/**
 * What an exam description says, as a comparable signature (modality group, body regions, contrast,
 * side, views), and how it says it, as a style (`MODALITY REGION CONTRAST`). Built on the procedure
 * terms extractor, so vendor spellings of the same exam ("CT HEAD W/O", "Head^01_Routine" on a CT)
 * share a signature. Pure.
 */
import { extractProcedureTerms, normalizeModality, tokenize } from '../procedure.ts';
import type { ExtractedProcedureTerms, ProcedureTerms } from '../procedure.ts';

/** The facets of an exam a description states; absent facets are unstated, not "none". */
export interface ExamSignature {
  modality?: string;
  /** Canonical regions, sorted, with regions dropped that another listed region lies within (spine + lumbar-spine → lumbar-spine). */
  regions: string[];
  contrast?: string;
  laterality?: string;
  views?: number;
}

const UNSTATED = '*';

/** Removes regions that contain another region of the list, and sorts. */
function narrowestRegions(regions: readonly string[], terms: ProcedureTerms): string[] {
  const set = new Set(regions);
  return [...set].filter((r) => ![...set].some((o) => o !== r && terms.regions.get(o)?.ancestors.has(r) === true)).sort();
}

/**
 * The signature of a description. The record's own modality code (DICOM Modality, HL7 section) fills
 * in the modality when the text names none: "KNEE" on an MR study is an MR knee.
 */
export function examSignature(text: string, recordModality: string | undefined, terms: ProcedureTerms): ExamSignature {
  const t = extractProcedureTerms(text, terms);
  const sig: ExamSignature = { regions: narrowestRegions(t.bodyRegions, terms) };
  const modality = t.modality ?? normalizeModality(recordModality, terms);
  if (modality !== undefined) sig.modality = modality;
  if (t.contrast !== undefined) sig.contrast = t.contrast;
  if (t.laterality !== undefined) sig.laterality = t.laterality;
  if (t.views !== undefined) sig.views = t.views;
  return sig;
}

/** A stable key: `CT|head|without|*|*`. */
export function signatureKey(s: ExamSignature): string {
  return [s.modality ?? UNSTATED, s.regions.join('+'), s.contrast ?? UNSTATED, s.laterality ?? UNSTATED, s.views === undefined ? UNSTATED : String(s.views)].join('|');
}

/** Readable form for the report: `CT · head · contrast without`. */
export function describeSignature(s: ExamSignature): string {
  const parts = [s.modality ?? 'modality ?', s.regions.join(' + ')];
  if (s.contrast !== undefined) parts.push(`contrast ${s.contrast}`);
  if (s.laterality !== undefined) parts.push(s.laterality);
  if (s.views !== undefined) parts.push(`${s.views} view${s.views === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** How many facets besides regions are stated. */
export function specificity(s: ExamSignature): number {
  return [s.modality, s.contrast, s.laterality, s.views].filter((x) => x !== undefined).length;
}

/**
 * True when `general` says nothing that `specific` contradicts and is not the same: the same regions,
 * and every stated facet equal. "CHEST" on a CR is a generalization of "CHEST PA/LAT".
 */
export function generalizes(general: ExamSignature, specific: ExamSignature): boolean {
  if (general.regions.length === 0 || general.regions.join('+') !== specific.regions.join('+')) return false;
  const facets = ['modality', 'contrast', 'laterality', 'views'] as const;
  let fewer = false;
  for (const f of facets) {
    const g = general[f];
    const s = specific[f];
    if (g === undefined) {
      if (s !== undefined) fewer = true;
    } else if (g !== s) return false;
  }
  return fewer;
}

/** What a word changed in the reading so far. */
function changeKind(prev: ExtractedProcedureTerms, cur: ExtractedProcedureTerms): string | undefined {
  if (prev.views !== cur.views) return 'VIEWS';
  if (prev.modality !== cur.modality) return 'MODALITY';
  if (cur.bodyRegions.length > prev.bodyRegions.length) return 'REGION';
  if (prev.contrast !== cur.contrast) return 'CONTRAST';
  if (prev.laterality !== cur.laterality) return 'LATERALITY';
  return undefined;
}

/**
 * The order in which a description states its facets, e.g. `MODALITY REGION CONTRAST` for
 * "CT HEAD W/O" and `REGION VIEWS` for "CHEST PA/LAT"; `FREE TEXT` when it states none. Words that
 * state nothing (ROUTINE, 01) are left out.
 */
export function descriptionStyle(text: string, terms: ProcedureTerms): string {
  const words = tokenize(text);
  const kinds: string[] = [];
  let prev = extractProcedureTerms('', terms);
  for (let i = 1; i <= words.length; i++) {
    const cur = extractProcedureTerms(words.slice(0, i).join(' '), terms);
    const kind = changeKind(prev, cur);
    if (kind !== undefined && !kinds.includes(kind)) kinds.push(kind);
    prev = cur;
  }
  return kinds.length === 0 ? 'FREE TEXT' : kinds.join(' ');
}
