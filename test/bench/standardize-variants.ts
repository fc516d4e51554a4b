/**
 * Header variants for bench:standardize, made by the transformations real feeds apply to a standard
 * entry (never by looking up the profile's own synonyms, which would measure a table lookup): word
 * order, abbreviations, typos, vendor suffixes, case and punctuation; plus entries that match nothing.
 */
import type { Rng } from '../../src/model/ports.ts';

export interface Variant {
  text: string;
  /** The standard entry it should map to, or null when it should not map (INCONCLUSIVE or left). */
  expected: string | null;
  kind: string;
}

const ABBREVIATIONS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/\bWITHOUT CONTRAST\b/, ['W/O', 'WO', 'WO CONTRAST', 'NON CONTRAST', 'W/O CON']],
  [/\bWITH AND WITHOUT CONTRAST\b/, ['W/WO', 'W+WO', 'W AND W/O CONTRAST', 'WWO']],
  [/\bWITH CONTRAST\b/, ['W/', 'W CONTRAST', 'W/ CON', 'IV CONTRAST']],
  [/\bXR CHEST\b/, ['CXR', 'CHEST X-RAY', 'X-RAY CHEST']],
  [/^XR\b/, ['X-RAY', 'RAD', 'XRAY']],
  [/^MR\b/, ['MRI']],
  [/^US\b/, ['ULTRASOUND', 'SONO']],
  [/^MG\b/, ['MAMMO', 'MAMMOGRAM']],
  [/\bABDOMEN\b/, ['ABD']],
  [/\bBILATERAL\b/, ['BILAT', 'BIL']],
  [/\bLEFT\b/, ['LT', 'L']],
  [/\bRIGHT\b/, ['RT', 'R']],
  [/\b2 VIEWS\b/, ['PA/LAT', 'PA AND LATERAL', '2V']],
];

const SUFFIXES = [' (ADULT)', ' ROUTINE', ' PORTABLE', '^01_ROUTINE', ' - OUTPATIENT'];
const UNRELATED = ['RESEARCH PHANTOM QA', 'TEST PATIENT DO NOT READ', 'OUTSIDE FILMS', 'SCANNED DOCUMENT', 'DOSE REPORT', 'CD IMPORT'];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng.next() * xs.length)] as T;
}

function typo(rng: Rng, s: string): string {
  const letters = [...s].map((c, i) => (/[A-Z]/.test(c) ? i : -1)).filter((i) => i >= 0);
  const i = pick(rng, letters);
  const kind = Math.floor(rng.next() * 3);
  if (kind === 0 && i + 1 < s.length && /[A-Z]/.test(s[i + 1] ?? '')) return s.slice(0, i) + (s[i + 1] ?? '') + (s[i] ?? '') + s.slice(i + 2);
  if (kind === 1) return s.slice(0, i) + s.slice(i + 1);
  return s.slice(0, i) + String.fromCharCode(65 + Math.floor(rng.next() * 26)) + s.slice(i + 1);
}

function abbreviate(rng: Rng, s: string): string {
  const applicable = ABBREVIATIONS.filter(([re]) => re.test(s));
  if (applicable.length === 0) return s;
  const [re, options] = pick(rng, applicable);
  return s.replace(re, pick(rng, options));
}

function reorder(s: string): string {
  const words = s.split(' ');
  if (words.length < 2) return s;
  const [modality, ...rest] = words;
  return `${rest.join(' ')} ${modality ?? ''}`.trim();
}

function recase(rng: Rng, s: string): string {
  return rng.next() < 0.5 ? s.toLowerCase() : s.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase());
}

/** `perEntry` variants of each standard entry, plus unrelated entries (about a tenth of the total). */
export function makeVariants(entries: readonly string[], perEntry: number, rng: Rng): Variant[] {
  const out: Variant[] = [];
  const transforms: ReadonlyArray<readonly [string, (s: string) => string]> = [
    ['abbreviation', (s) => abbreviate(rng, s)],
    ['word-order', (s) => reorder(s)],
    ['typo', (s) => typo(rng, s)],
    ['vendor-suffix', (s) => s + pick(rng, SUFFIXES)],
    ['case', (s) => recase(rng, s)],
    ['abbreviation+case', (s) => recase(rng, abbreviate(rng, s))],
  ];
  for (const entry of entries) {
    for (let i = 0; i < perEntry; i++) {
      const [kind, f] = transforms[i % transforms.length] ?? transforms[0]!;
      const text = f(entry);
      if (text !== entry) out.push({ text, expected: entry, kind });
    }
  }
  const unrelated = Math.max(6, Math.round(out.length / 10));
  for (let i = 0; i < unrelated; i++) out.push({ text: `${pick(rng, UNRELATED)}${i >= UNRELATED.length ? ` ${i}` : ''}`, expected: null, kind: 'unrelated' });
  return out;
}

/**
 * Held-out variants: transformations written after the matcher was tuned, so they measure what it
 * does on styles it was not shaped by. Region and modality synonyms, CPT-like code prefixes, hyphens,
 * DICOM component separators and stray spacing.
 */
const HELD_OUT_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bCHEST\b/, 'THORAX'],
  [/\bHEAD\b/, 'BRAIN'],
  [/\bABDOMEN\b/, 'ABDO'],
  [/\bWITHOUT CONTRAST\b/, 'NONCONTRAST'],
  [/\bWITH CONTRAST\b/, 'C+'],
  [/^CT\b/, 'CAT SCAN'],
];

export function makeHeldOutVariants(entries: readonly string[], rng: Rng): Variant[] {
  const out: Variant[] = [];
  for (const entry of entries) {
    const words = HELD_OUT_WORDS.filter(([re]) => re.test(entry));
    if (words.length > 0) {
      const [re, to] = pick(rng, words);
      out.push({ text: entry.replace(re, to), expected: entry, kind: 'held-out:synonym' });
    }
    out.push({ text: `${String(70000 + Math.floor(rng.next() * 9999))} ${entry}`, expected: entry, kind: 'held-out:code-prefix' });
    out.push({ text: entry.replace(' ', '-'), expected: entry, kind: 'held-out:hyphen' });
    out.push({ text: entry.replace(/ /g, '^').toLowerCase(), expected: entry, kind: 'held-out:components' });
    out.push({ text: `  ${entry.replace(/ /g, '  ')} `, expected: entry, kind: 'held-out:spacing' });
  }
  return out;
}
