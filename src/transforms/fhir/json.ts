/**
 * Narrow guards for untrusted FHIR JSON. Real feeds carry malformed fields; reading is lenient per field
 * (a bad field is ignored) so that one odd element does not cost the whole resource.
 */

/** A parsed JSON object whose members are not yet trusted. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The string itself when it has non-blank content; values are kept untouched (accessions are compared raw). */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** The array, or an empty one for anything else (FHIR omits empty arrays, feeds sometimes send `null`). */
export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The object members of an array, skipping anything malformed. */
export function objects(v: unknown): JsonObject[] {
  return arr(v).filter(isObject);
}

/** The object, or undefined. */
export function obj(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

/** A non-negative integer (FHIR unsignedInt), or undefined. */
export function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** Distinct non-empty strings in first-seen order. */
export function distinct(values: Iterable<string | undefined>): string[] {
  const out: string[] = [];
  for (const v of values) if (v !== undefined && v !== '' && !out.includes(v)) out.push(v);
  return out;
}
