/**
 * Accession number normalization and variants, for grouping and for blocking (seed figure 13B).
 * DICOM AccessionNumber (0008,0050) is SH: up to 16 characters; HL7 OBR-18 / IPC-1 are free strings.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html#table_C.7-3
 */
import type { AccessionNumber } from '../model/types.ts';
import { deletionKeys, osaDistance } from './strings.ts';

/** Canonical form: upper case without white space or punctuation. `"acc-00123 "` → `"ACC00123"`. Empty → null. */
export function canonicalAccession(a: AccessionNumber | null | undefined): string | null {
  if (a == null) return null;
  const c = a.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return c.length > 0 ? c : null;
}

/** Numeric core: the digits with leading zeros removed, when there are at least four digits.
 * Catches the commonest re-keyings: a dropped alphabetic prefix, zero padding added or lost. */
export function numericCore(a: AccessionNumber | null | undefined): string | null {
  if (a == null) return null;
  const digits = a.replace(/[^0-9]/g, '');
  if (digits.length < 4) return null;
  const core = digits.replace(/^0+/, '');
  return core.length >= 3 ? core : null;
}

/**
 * Digit groups without their leading zeros: `ACC-2026-000123` and `acc-2026-123` both give `2026.123`.
 * Some systems strip or pad zeros per segment, which changes the numeric core by several digits.
 */
export function digitGroups(a: AccessionNumber | null | undefined): string | null {
  const groups = a?.match(/[0-9]+/g)?.map((g) => g.replace(/^0+(?=.)/, '')) ?? [];
  return groups.length >= 2 && groups.join('').length >= 4 ? groups.join('.') : null;
}

/** True when the value is present but cannot be a real accession (placeholders some modalities send). */
export function isPlaceholderAccession(a: AccessionNumber | null | undefined): boolean {
  const c = canonicalAccession(a);
  if (c == null) return true;
  return /^0+$/.test(c) || ['UNKNOWN', 'NONE', 'NA', 'NULL', 'TBD', 'INCONCLUSIVE'].includes(c);
}

/** Blocking keys: every string one edit away from the canonical form or the numeric core shares a key. */
export function accessionBlockingKeys(a: AccessionNumber | null | undefined): string[] {
  const keys: string[] = [];
  const c = canonicalAccession(a);
  if (c != null && !isPlaceholderAccession(a)) for (const k of deletionKeys(c)) keys.push(`a:${k}`);
  const n = numericCore(a);
  if (n != null) for (const k of deletionKeys(n)) keys.push(`n:${k}`);
  const g = digitGroups(a);
  if (g != null) keys.push(`g:${g}`);
  return keys;
}

/** Accession comparison levels, strongest first. */
export const AccessionLevel = {
  Exact: 'exact',
  Normalized: 'normalized',
  OneEdit: 'one-edit',
  TwoEdits: 'two-edits',
  Differs: 'differs',
  Missing: 'missing',
} as const;
export type AccessionLevel = (typeof AccessionLevel)[keyof typeof AccessionLevel];

/** Compare two accessions: exact (canonical equal), normalized (same numeric core), one or two edits, or differs. */
export function compareAccessions(a: AccessionNumber | null | undefined, b: AccessionNumber | null | undefined): AccessionLevel {
  if (isPlaceholderAccession(a) || isPlaceholderAccession(b)) return AccessionLevel.Missing;
  const ca = canonicalAccession(a) ?? '';
  const cb = canonicalAccession(b) ?? '';
  if (ca === cb) return AccessionLevel.Exact;
  const na = numericCore(a);
  if (na != null && na === numericCore(b)) return AccessionLevel.Normalized;
  const ga = digitGroups(a);
  if (ga != null && ga === digitGroups(b)) return AccessionLevel.Normalized;
  const d = osaDistance(ca, cb, 2);
  if (d === 1) return AccessionLevel.OneEdit;
  if (d === 2) return AccessionLevel.TwoEdits;
  if (na != null) {
    const nb = numericCore(b);
    if (nb != null && osaDistance(na, nb, 1) === 1) return AccessionLevel.OneEdit;
  }
  return AccessionLevel.Differs;
}
