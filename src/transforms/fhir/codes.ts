/**
 * FHIR code systems and identifier lookups shared by the reader and the patch builder, so that both
 * agree on which identifier is "the accession".
 * @see https://hl7.org/fhir/R4/imagingstudy.html
 * @see https://terminology.hl7.org/CodeSystem-v2-0203.html
 */
import { arr, isObject, objects, str } from './json.ts';
import type { JsonObject } from './json.ts';

/** Systems this reader understands. */
export const FhirSystem = {
  /** Identifier system for DICOM UIDs; values are `urn:oid:<uid>`. */
  DicomUid: 'urn:dicom:uid',
  /** HL7 v2 table 0203, identifier type. */
  IdentifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  /** HL7 v2 table 0074, diagnostic service section id. */
  DiagnosticServiceSection: 'http://terminology.hl7.org/CodeSystem/v2-0074',
} as const;

/**
 * Other spellings of table 0203 seen in the wild: the STU3 URL, and no system at all. Accepted so that
 * older exports still yield their accession; the code itself (`ACSN`) is specific enough.
 */
const IDENTIFIER_TYPE_SYSTEMS: ReadonlySet<string | undefined> = new Set([
  FhirSystem.IdentifierType,
  'http://hl7.org/fhir/v2/0203',
  undefined,
]);

/** Identifier type codes used here (table 0203). */
export const IdentifierTypeCode = {
  Accession: 'ACSN',
  MedicalRecord: 'MR',
  Placer: 'PLAC',
  Filler: 'FILL',
} as const;
export type IdentifierTypeCode = (typeof IdentifierTypeCode)[keyof typeof IdentifierTypeCode];

/** True when the identifier's `type` carries the given table-0203 code. */
export function hasIdentifierType(identifier: JsonObject, code: IdentifierTypeCode): boolean {
  const type = identifier['type'];
  if (!isObject(type)) return false;
  return objects(type['coding']).some(
    (c) => str(c['code']) === code && IDENTIFIER_TYPE_SYSTEMS.has(str(c['system'])),
  );
}

/** An identifier together with its position in `resource.identifier`, needed for JSON Patch paths. */
export interface IndexedIdentifier {
  index: number;
  identifier: JsonObject;
  value?: string;
}

/**
 * The accession identifier of a resource: the first ACSN-typed identifier with a value, else the first
 * ACSN-typed identifier without one (so a patch can fill it in rather than add a second).
 */
export function findAccessionIdentifier(resource: JsonObject): IndexedIdentifier | undefined {
  return findTypedIdentifier(resource, IdentifierTypeCode.Accession);
}

/** The first identifier of a type, preferring one with a value. */
export function findTypedIdentifier(resource: JsonObject, code: IdentifierTypeCode): IndexedIdentifier | undefined {
  let valueless: IndexedIdentifier | undefined;
  const list = arr(resource['identifier']);
  for (let index = 0; index < list.length; index++) {
    const identifier = list[index];
    if (!isObject(identifier) || !hasIdentifierType(identifier, code)) continue;
    const value = str(identifier['value']);
    if (value !== undefined) return { index, identifier, value };
    valueless ??= { index, identifier };
  }
  return valueless;
}

/** Who issued an identifier: the assigner's display (a namespace name, like HL7 CX-4) or the system URI. */
export function identifierIssuer(identifier: JsonObject): string | undefined {
  const assigner = identifier['assigner'];
  const display = isObject(assigner) ? str(assigner['display']) : undefined;
  return display ?? str(identifier['system']);
}

/** The DICOM Study Instance UID from `urn:dicom:uid` identifiers, with the `urn:oid:` prefix removed. */
export function studyUidOf(resource: JsonObject): string | undefined {
  for (const identifier of objects(resource['identifier'])) {
    if (str(identifier['system']) !== FhirSystem.DicomUid) continue;
    const value = str(identifier['value'])?.trim();
    if (value !== undefined) return value.replace(/^urn:oid:/i, '');
  }
  return undefined;
}
