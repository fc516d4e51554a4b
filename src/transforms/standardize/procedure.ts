/**
 * Procedure standardization: what a study description, a procedure text or a section code says about
 * the exam (modality group, body regions, contrast, laterality, views), in terms both sides share, so
 * that "CT CHEST W/O CONTRAST" (DICOM) and "CT THORAX WITHOUT CONTRAST" (RIS) compare as equal.
 * The vocabulary is data: `mappings/procedure-terms.yaml`, compiled by parseProcedureTerms.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 * @see https://terminology.hl7.org/CodeSystem-v2-0074.html
 */
import { matchAt, phraseKey, tokenize } from './tokens.ts';
import type { Contrast, Laterality, PhraseMeaning } from './tokens.ts';
import type { ProcedureTerms } from './terms.ts';

export { parseProcedureTerms } from './terms.ts';
export type { ProcedureTerms, RegionInfo } from './terms.ts';
export { Contrast, Laterality, tokenize } from './tokens.ts';

/** What one text says about the exam. `bodyRegions` are canonical region names, in text order. */
export interface ExtractedProcedureTerms {
  modality?: string;
  bodyRegions: string[];
  contrast?: Contrast;
  laterality?: Laterality;
  views?: number;
}

/** Agreement levels. `compatible`/`overlap` are partial agreement: related but not the same. */
export type TermAgreement = 'agree' | 'compatible' | 'disagree' | 'unknown';
export type RegionAgreement = 'agree' | 'overlap' | 'disagree' | 'unknown';

/** Field-by-field comparison of two texts' terms. `unknown` when either side is silent. */
export interface ProcedureComparison {
  modality: TermAgreement;
  bodyRegion: RegionAgreement;
  contrast: TermAgreement;
  laterality: TermAgreement;
  views: 'agree' | 'disagree' | 'unknown';
}

/**
 * Maps a section or modality code (OBR-24, DICOM Modality, FHIR modality, or a word such as
 * "Ultrasound") to its modality group, e.g. CR, DX and XR → XR; MRI and NMR → MR; MAM → MG.
 * Returns undefined for unknown codes and for codes that name no modality (RAD: the whole department).
 */
export function normalizeModality(code: string | undefined, terms: ProcedureTerms): string | undefined {
  if (code === undefined) return undefined;
  const key = phraseKey(code);
  if (key === '') return undefined;
  const known = terms.modalityCodes.get(key);
  if (known !== undefined) return known ?? undefined;
  // A free-text modality name ("Mammogram", "X-ray"): accepted only when the phrase is the whole code.
  const words = key.split(' ');
  const m = matchAt(terms.phrases, words, 0);
  return m !== undefined && m.length === words.length ? m.meaning.modality : undefined;
}

/** What the extractor has seen so far in one text. */
interface Reading {
  modality?: string;
  weakModality?: string;
  regions: string[];
  contrasts: Set<Contrast>;
  mentioned: boolean;
  sides: Set<Laterality>;
  projections: Set<string>;
  views?: number;
}

/**
 * Reads modality, body regions, contrast, laterality and view count from a procedure text.
 * Case, punctuation and separators do not matter ("CHEST PA/LAT", "Thorax^01_Routine (Adult)").
 * The first phrase naming a modality wins; views (PA/LAT, 3V) imply radiography only when nothing
 * names a modality. Saying both left and right is bilateral, both with and without contrast is
 * with-and-without.
 */
export function extractProcedureTerms(text: string | undefined, terms: ProcedureTerms): ExtractedProcedureTerms {
  const words = tokenize(text ?? '');
  const r: Reading = { regions: [], contrasts: new Set(), mentioned: false, sides: new Set(), projections: new Set() };
  for (let i = 0; i < words.length; ) i += readAt(words, i, terms, r);
  return finish(r, terms);
}

/** Reads the phrase or view count at `i`; returns how many words were consumed. */
function readAt(words: readonly string[], i: number, terms: ProcedureTerms, r: Reading): number {
  const m = matchAt(terms.phrases, words, i);
  if (m !== undefined) {
    apply(m.meaning, words.slice(i, i + m.length).join(' '), r);
    if (m.meaning.qualifier === true && qualifiesContrast(words, i + m.length, terms)) r.contrasts.add('with');
    return m.length;
  }
  const word = words[i] ?? '';
  const compact = /^(\d{1,2})([A-Z]+)$/.exec(word);
  if (compact?.[1] !== undefined && terms.countWords.has(compact[2] ?? '')) {
    r.views ??= Number(compact[1]);
    return 1;
  }
  const n = /^\d{1,2}$/.test(word) ? Number(word) : terms.numberWords.get(word);
  if (n !== undefined && n > 0 && terms.countWords.has(words[i + 1] ?? '')) {
    r.views ??= n;
    return 2;
  }
  return 1;
}

function apply(meaning: PhraseMeaning, phrase: string, r: Reading): void {
  if (meaning.modality !== undefined) r.modality ??= meaning.modality;
  if (meaning.weakModality !== undefined) r.weakModality ??= meaning.weakModality;
  for (const region of meaning.regions ?? []) if (!r.regions.includes(region)) r.regions.push(region);
  if (meaning.contrast !== undefined) r.contrasts.add(meaning.contrast);
  if (meaning.mention === true) r.mentioned = true;
  if (meaning.laterality !== undefined) r.sides.add(meaning.laterality);
  if (meaning.projection === true) r.projections.add(phrase);
}

/**
 * A bare W/WITH means contrast only when what follows is about contrast too, or nothing follows:
 * "W CONTRAST", "W/WO", "WITH AND WITHOUT", "CT HEAD W" — but not "W/ TOMO" or "WITH CAD".
 */
function qualifiesContrast(words: readonly string[], next: number, terms: ProcedureTerms): boolean {
  let j = next;
  while (words[j] === '+') j++;
  if (j >= words.length) return true;
  const m = matchAt(terms.phrases, words, j)?.meaning;
  return m !== undefined && (m.contrast !== undefined || m.mention === true || m.qualifier === true || m.joiner === true);
}

function finish(r: Reading, terms: ProcedureTerms): ExtractedProcedureTerms {
  const out: ExtractedProcedureTerms = { bodyRegions: r.regions };
  const viewsSeen = r.views !== undefined || r.projections.size > 0;
  const modality = r.modality ?? r.weakModality ?? (viewsSeen ? terms.impliedModality : undefined);
  if (modality !== undefined) out.modality = modality;
  const contrast = combineContrast(r.contrasts) ?? (r.mentioned ? 'with' : undefined);
  if (contrast !== undefined) out.contrast = contrast;
  const laterality = combineSides(r.sides);
  if (laterality !== undefined) out.laterality = laterality;
  const views = r.views ?? (r.projections.size > 0 ? r.projections.size : undefined);
  if (views !== undefined) out.views = views;
  return out;
}

function combineContrast(c: ReadonlySet<Contrast>): Contrast | undefined {
  if (c.has('with-and-without') || (c.has('with') && c.has('without'))) return 'with-and-without';
  return c.has('with') ? 'with' : c.has('without') ? 'without' : undefined;
}

function combineSides(s: ReadonlySet<Laterality>): Laterality | undefined {
  if (s.has('bilateral') || (s.has('left') && s.has('right'))) return 'bilateral';
  return s.has('left') ? 'left' : s.has('right') ? 'right' : undefined;
}

/**
 * Body-region agreement: `agree` for the same set; `overlap` when a region is shared, one contains the
 * other (knee vs lower-limb, heart vs chest) or one side covers the whole body; `disagree` otherwise.
 * Region names unknown to `terms` compare by equality only.
 */
export function compareBodyRegions(a: readonly string[], b: readonly string[], terms: ProcedureTerms): RegionAgreement {
  if (a.length === 0 || b.length === 0) return 'unknown';
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size === sb.size && [...sa].every((x) => sb.has(x))) return 'agree';
  return a.some((x) => b.some((y) => regionsRelated(x, y, terms))) ? 'overlap' : 'disagree';
}

function regionsRelated(x: string, y: string, terms: ProcedureTerms): boolean {
  if (x === y) return true;
  const rx = terms.regions.get(x);
  const ry = terms.regions.get(y);
  if (rx === undefined || ry === undefined) return false;
  return rx.encompassesAll || ry.encompassesAll || rx.ancestors.has(y) || ry.ancestors.has(x);
}

/** Modality-group agreement: same group, compatible groups (PET vs CT, XR vs MG), or different. */
export function compareModalities(a: string | undefined, b: string | undefined, terms: ProcedureTerms): TermAgreement {
  if (a === undefined || b === undefined) return 'unknown';
  if (a === b) return 'agree';
  return terms.compatible.get(a)?.has(b) === true ? 'compatible' : 'disagree';
}

/** Compares what two texts say. with-and-without vs with (or without) and bilateral vs one side are `compatible`. */
export function compareProcedureTerms(a: ExtractedProcedureTerms, b: ExtractedProcedureTerms, terms: ProcedureTerms): ProcedureComparison {
  return {
    modality: compareModalities(a.modality, b.modality, terms),
    bodyRegion: compareBodyRegions(a.bodyRegions, b.bodyRegions, terms),
    contrast: compareWithUmbrella(a.contrast, b.contrast, 'with-and-without'),
    laterality: compareWithUmbrella(a.laterality, b.laterality, 'bilateral'),
    views: a.views === undefined || b.views === undefined ? 'unknown' : a.views === b.views ? 'agree' : 'disagree',
  };
}

/** Equal values agree; a value against the umbrella value that includes it is compatible. */
function compareWithUmbrella<T extends string>(a: T | undefined, b: T | undefined, umbrella: T): TermAgreement {
  if (a === undefined || b === undefined) return 'unknown';
  if (a === b) return 'agree';
  return a === umbrella || b === umbrella ? 'compatible' : 'disagree';
}
