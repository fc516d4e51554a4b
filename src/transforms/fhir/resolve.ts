/**
 * Resolves References against the resources of the same input: contained (`#id`), relative
 * (`Patient/123`), absolute (`https://server/fhir/Patient/123`) and Bundle fullUrl (`urn:uuid:...`).
 * @see https://hl7.org/fhir/R4/references.html
 * @see https://hl7.org/fhir/R4/bundle.html#references
 */
import type { FhirEntry } from './entries.ts';
import { isObject, objects, str } from './json.ts';
import type { JsonObject } from './json.ts';

/** Resources of one input addressable by reference. */
export interface ResourceIndex {
  readonly byKey: ReadonlyMap<string, JsonObject>;
}

const RELATIVE = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/** Indexes entries by `Type/id` and by fullUrl. The first resource wins when an input repeats one. */
export function indexResources(entries: readonly FhirEntry[]): ResourceIndex {
  const byKey = new Map<string, JsonObject>();
  const put = (key: string | undefined, r: JsonObject): void => {
    if (key !== undefined && !byKey.has(key)) byKey.set(key, r);
  };
  for (const e of entries) {
    const id = str(e.resource['id']);
    if (id !== undefined) put(`${e.resourceType}/${id}`, e.resource);
    put(e.fullUrl, e.resource);
  }
  return { byKey };
}

/**
 * The resource a Reference points to, when it is in the input and of the expected type. An absolute URL
 * is matched by its `Type/id` tail: inputs come from one server, and a foreign URL with the same tail is
 * far less likely than a server base written differently from the fullUrl.
 */
export function resolveReference(
  ref: unknown,
  container: JsonObject,
  index: ResourceIndex,
  expectedType: string,
): JsonObject | undefined {
  const target = isObject(ref) ? str(ref['reference'])?.trim() : undefined;
  if (target === undefined) return undefined;
  const found = target.startsWith('#') ? containedById(container, target.slice(1)) : lookup(target, index);
  return found !== undefined && str(found['resourceType']) === expectedType ? found : undefined;
}

function lookup(target: string, index: ResourceIndex): JsonObject | undefined {
  const exact = index.byKey.get(target);
  if (exact !== undefined) return exact;
  const m = RELATIVE.exec(target);
  return m === null ? undefined : index.byKey.get(`${m[1]}/${m[2]}`);
}

function containedById(container: JsonObject, id: string): JsonObject | undefined {
  return objects(container['contained']).find((c) => str(c['id']) === id);
}
