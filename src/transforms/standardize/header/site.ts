/**
 * Site profiles keep their own primary standard and name, per entry, the global entry it stands for.
 * These helpers translate a site-standard header into the global profile's terms for internal use.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import { phraseKey } from '../tokens.ts';
import type { FieldName, HeaderValues } from './fields.ts';
import { standardsOf } from './profile-check.ts';
import type { StandardsProfile } from './profile.ts';

/**
 * The global entry that a site profile's entry stands for; undefined when the value is no site entry or
 * the entry names none.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function toGlobalValue(site: StandardsProfile, field: FieldName, value: string): string | undefined {
  const key = phraseKey(value);
  return standardsOf(site, field).find((e) => phraseKey(e.entry) === key)?.global;
}

/**
 * A header in global terms: every value that is a mapped site entry replaced by its global entry, the
 * rest unchanged. Standardize with the site profile first, then translate the result's values.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function toGlobalHeader(site: StandardsProfile, header: HeaderValues): HeaderValues {
  const out: HeaderValues = { ...header };
  for (const [field, value] of Object.entries(header) as Array<[FieldName, string | undefined]>) {
    if (value === undefined) continue;
    const global = toGlobalValue(site, field, value);
    if (global !== undefined) out[field] = global;
  }
  return out;
}
