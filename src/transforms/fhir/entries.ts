/**
 * Splits FHIR input text into resources: ndjson (bulk data export), a Bundle, or one resource.
 * @see https://hl7.org/fhir/R4/nd-json.html
 * @see https://hl7.org/fhir/R4/bundle.html
 */
import { ErrorCode } from '../../model/errors.ts';
import type { InputRejection, SourceRef } from '../../model/types.ts';
import { isObject, objects, str } from './json.ts';
import type { JsonObject } from './json.ts';

/** One resource found in the input, with where it was found. */
export interface FhirEntry {
  resource: JsonObject;
  resourceType: string;
  /** 1-based ndjson line, or 0-based Bundle entry index (matching the `/entry/<i>` JSON pointer). */
  index?: number;
  /** Bundle.entry.fullUrl, the target of `urn:uuid:` references inside transaction bundles. */
  fullUrl?: string;
}

/** The resources of an input and the parts of it that could not be read. */
export interface FhirEntries {
  entries: FhirEntry[];
  rejections: InputRejection[];
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function tryParse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Reads FHIR text. A document that parses as a whole is a Bundle or a single resource; anything else is
 * ndjson, read line by line so that one bad line costs only that line. A pretty-printed document that
 * fails to parse (first line a lone `{` or `[`) is one rejection, not one per line.
 */
export function splitFhirText(text: string, path: string): FhirEntries {
  const body = text.replace(/^\uFEFF/, '');
  const out: FhirEntries = { entries: [], rejections: [] };
  if (body.trim() === '') return out;
  const whole = tryParse(body);
  if (whole.ok) {
    addDocument(whole.value, 1, path, out, true);
    return out;
  }
  const lines = body.split(/\r?\n/);
  const first = lines.find((l) => l.trim() !== '')?.trim();
  if (first === '{' || first === '[') {
    out.rejections.push(reject({ kind: 'fhir', path }, ErrorCode.FhirInvalidJson, 'document is not valid JSON'));
    return out;
  }
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = tryParse(line);
    if (parsed.ok) addDocument(parsed.value, i + 1, path, out, false);
    else out.rejections.push(reject({ kind: 'fhir', path, index: i + 1 }, ErrorCode.FhirInvalidJson, `line ${i + 1} is not valid JSON`));
  });
  return out;
}

/**
 * Adds one parsed JSON value. Bundle entries of a whole-file Bundle are indexed by entry position; a
 * Bundle on an ndjson line keeps the line number, and its resources are told apart by their ids.
 */
function addDocument(value: unknown, index: number, path: string, out: FhirEntries, topLevel: boolean): void {
  const resourceType = isObject(value) ? str(value['resourceType']) : undefined;
  if (!isObject(value) || resourceType === undefined) {
    const what = Array.isArray(value) ? 'a JSON array' : isObject(value) ? 'an object without resourceType' : `a JSON ${typeof value}`;
    out.rejections.push(reject({ kind: 'fhir', path, index }, ErrorCode.FhirUnsupportedResource, `input holds ${what}, not a FHIR resource`));
    return;
  }
  if (resourceType !== 'Bundle') {
    out.entries.push({ resource: value, resourceType, index });
    return;
  }
  objects(value['entry']).forEach((entry, i) => {
    const resource = entry['resource'];
    // Entries without a resource (transaction DELETEs, response-only entries) carry nothing to read.
    if (!isObject(resource)) return;
    const type = str(resource['resourceType']);
    const at = topLevel ? i : index;
    if (type === 'Bundle') return addDocument(resource, at, path, out, false);
    if (type === undefined) {
      out.rejections.push(reject({ kind: 'fhir', path, index: at }, ErrorCode.FhirUnsupportedResource, 'bundle entry resource has no resourceType'));
      return;
    }
    const fullUrl = str(entry['fullUrl']);
    out.entries.push({ resource, resourceType: type, index: at, ...(fullUrl === undefined ? {} : { fullUrl }) });
  });
}

/** The SourceRef of an entry: `Type/id` when the resource has an id. */
export function sourceOf(entry: FhirEntry, path: string): SourceRef {
  const ref: SourceRef = { kind: 'fhir', path };
  if (entry.index !== undefined) ref.index = entry.index;
  const id = str(entry.resource['id']);
  if (id !== undefined) ref.id = `${entry.resourceType}/${id}`;
  return ref;
}

/** An InputRejection; reasons name structure (lines, types, fields), never values, so they hold no PHI. */
export function reject(source: SourceRef, code: ErrorCode, reason: string): InputRejection {
  return { source, code, reason };
}
