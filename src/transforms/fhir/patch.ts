/**
 * JSON Patch documents that change the accession number of an ImagingStudy, DiagnosticReport or
 * ServiceRequest on a FHIR server, guarded so that they fail rather than clobber a concurrent change.
 * @see https://hl7.org/fhir/R4/http.html#patch
 * @see https://hl7.org/fhir/R4/http.html#concurrency
 * @see https://www.rfc-editor.org/rfc/rfc6902
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import { findAccessionIdentifier, FhirSystem, IdentifierTypeCode } from './codes.ts';
import type { IndexedIdentifier } from './codes.ts';
import { isObject, obj, str } from './json.ts';
import type { JsonObject } from './json.ts';

/** The RFC 6902 operations these builders emit. */
export type JsonPatchOp =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown };

/** Resource types whose accession can be patched. */
export const PatchableType = {
  ImagingStudy: 'ImagingStudy',
  DiagnosticReport: 'DiagnosticReport',
  ServiceRequest: 'ServiceRequest',
} as const;
export type PatchableType = (typeof PatchableType)[keyof typeof PatchableType];

/** Extra content for an accession identifier that has to be created. */
export interface AccessionPatchOptions {
  /** Identifier.system of the accession namespace. */
  system?: string;
  /** Identifier.assigner.display, the issuer name the reader reports as `accessionIssuer`. */
  assigner?: string;
}

/**
 * Builds the JSON Patch that changes a resource's accession from `oldAccession` to `newAccession`.
 * `resource` must be the JSON as last read: identifier positions and guards are taken from it.
 *
 * Guards, so the patch is rejected by the server (RFC 6902 §5) if the resource changed meanwhile:
 * - accession identifier present: `test` its `type` (still the ACSN identifier at that index) and its
 *   `value` (still the old accession), then `replace` the value;
 * - ACSN identifier present without a value: `test` the whole identifier, then `add` the value;
 * - no ACSN identifier, `identifier` array present: `test` the whole array (nobody added an accession
 *   or reordered identifiers), then `add` at `/identifier/-`;
 * - no `identifier` at all: JSON Patch cannot test that a member is absent, and `add /identifier` would
 *   overwrite one added meanwhile. `meta.versionId` is tested instead (servers change it on every
 *   update), or, without one, the whole document (`test ""`).
 *
 * A DiagnosticReport may have no ACSN identifier while `oldAccession` is set: the reader took it from
 * the `basedOn` ServiceRequest. The patch then gives the report its own accession identifier.
 * Returns `[]` when old and new are equal.
 * @throws AcclinkError USAGE when the resource is not a patchable type, or does not hold `oldAccession`.
 */
export function buildAccessionPatch(
  resource: unknown,
  oldAccession: string | null,
  newAccession: string,
  options: AccessionPatchOptions = {},
): JsonPatchOp[] {
  const { r, type } = patchable(resource);
  if (newAccession.trim() === '') throw usage('the new accession is empty');
  if (oldAccession === newAccession) return [];
  const acsn = findAccessionIdentifier(r);
  if (acsn?.value !== undefined) return replaceValue(acsn, acsn.value, oldAccession, newAccession);
  // Only a DiagnosticReport can show an accession without holding one (taken from basedOn).
  if (oldAccession !== null && type !== PatchableType.DiagnosticReport) throw stale();
  if (acsn !== undefined) return fillValue(acsn, newAccession);
  return addIdentifier(r, accessionIdentifier(newAccession, options));
}

function patchable(resource: unknown): { r: JsonObject; type: PatchableType } {
  if (!isObject(resource)) throw usage('the resource is not a JSON object');
  const type = str(resource['resourceType']);
  const known = Object.values(PatchableType).find((t) => t === type);
  if (known === undefined) throw usage('only ImagingStudy, DiagnosticReport and ServiceRequest accessions are patched');
  return { r: resource, type: known };
}

function replaceValue(acsn: IndexedIdentifier, current: string, oldAccession: string | null, next: string): JsonPatchOp[] {
  if (oldAccession !== current) throw stale();
  const at = `/identifier/${acsn.index}`;
  return [
    { op: 'test', path: `${at}/type`, value: acsn.identifier['type'] },
    { op: 'test', path: `${at}/value`, value: current },
    { op: 'replace', path: `${at}/value`, value: next },
  ];
}

function fillValue(acsn: IndexedIdentifier, next: string): JsonPatchOp[] {
  const at = `/identifier/${acsn.index}`;
  return [
    { op: 'test', path: at, value: acsn.identifier },
    { op: 'add', path: `${at}/value`, value: next },
  ];
}

function addIdentifier(r: JsonObject, identifier: JsonObject): JsonPatchOp[] {
  const list = r['identifier'];
  if (Array.isArray(list)) {
    return [
      { op: 'test', path: '/identifier', value: list },
      { op: 'add', path: '/identifier/-', value: identifier },
    ];
  }
  if (list !== undefined) throw usage('the resource identifier element is not an array');
  const versionId = str(obj(r['meta'])?.['versionId']);
  const guard: JsonPatchOp = versionId === undefined
    ? { op: 'test', path: '', value: r }
    : { op: 'test', path: '/meta/versionId', value: versionId };
  return [guard, { op: 'add', path: '/identifier', value: [identifier] }];
}

/** A new accession Identifier, typed ACSN so that readers (this one included) recognise it. */
export function accessionIdentifier(value: string, options: AccessionPatchOptions = {}): JsonObject {
  const identifier: JsonObject = {
    type: { coding: [{ system: FhirSystem.IdentifierType, code: IdentifierTypeCode.Accession, display: 'Accession ID' }] },
  };
  if (options.system !== undefined) identifier['system'] = options.system;
  identifier['value'] = value;
  if (options.assigner !== undefined) identifier['assigner'] = { display: options.assigner };
  return identifier;
}

/** An HTTP request a FHIR client can send as-is (relative URL, resolved against the server base). */
export interface FhirPatchRequest {
  method: 'PATCH';
  url: string;
  headers: Record<string, string>;
  body: JsonPatchOp[];
}

/**
 * The accession patch as a FHIR PATCH interaction: `PATCH [type]/[id]` with
 * `Content-Type: application/json-patch+json`, and `If-Match` on the version read when there is one
 * (a second, HTTP-level guard). Returns undefined when there is nothing to change.
 * @throws AcclinkError USAGE as buildAccessionPatch, or when the resource has no id.
 */
export function buildAccessionPatchRequest(
  resource: unknown,
  oldAccession: string | null,
  newAccession: string,
  options: AccessionPatchOptions = {},
): FhirPatchRequest | undefined {
  const { r, type } = patchable(resource);
  const body = buildAccessionPatch(r, oldAccession, newAccession, options);
  if (body.length === 0) return undefined;
  const id = str(r['id']);
  if (id === undefined) throw usage('the resource has no id to address');
  const headers: Record<string, string> = { 'Content-Type': 'application/json-patch+json' };
  const versionId = str(obj(r['meta'])?.['versionId']);
  if (versionId !== undefined) headers['If-Match'] = `W/"${versionId}"`;
  return { method: 'PATCH', url: `${type}/${encodeURIComponent(id)}`, headers, body };
}

function usage(message: string): AcclinkError {
  return new AcclinkError(ErrorCode.Usage, `Cannot build accession patch: ${message}`);
}

/** The correction was computed from a different state than the resource passed in. */
function stale(): AcclinkError {
  return usage("the resource's accession is not the correction's old value; re-read the resource");
}
