/**
 * FHIR R4 data types mapped onto the shared model: dateTime, CodeableConcept/Coding, HumanName, Patient.
 * @see https://hl7.org/fhir/R4/datatypes.html
 * @see https://hl7.org/fhir/R4/patient.html
 */
import type { LocalDateTime, PatientIdentity, PersonName, Sex } from '../../model/types.ts';
import { findTypedIdentifier, identifierIssuer, IdentifierTypeCode } from './codes.ts';
import { arr, isObject, objects, obj, str } from './json.ts';
import type { JsonObject } from './json.ts';

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A FHIR dateTime/instant as a LocalDateTime. The offset is dropped, not applied: the wall-clock time at
 * the source is what DICOM StudyTime holds too. Year-only and year-month values are not a LocalDateTime
 * and yield undefined.
 */
export function toLocalDateTime(v: unknown): LocalDateTime | undefined {
  const m = DATE_TIME.exec(str(v)?.trim() ?? '');
  if (m === null) return undefined;
  const [, date, hh, mm, ss] = m;
  if (date === undefined) return undefined;
  return hh === undefined || mm === undefined ? date : `${date}T${hh}:${mm}:${ss ?? '00'}`;
}

/** A FHIR date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) as-is when well formed. */
export function toBirthDate(v: unknown): string | undefined {
  const s = str(v)?.trim();
  return s !== undefined && /^\d{4}(-\d{2}(-\d{2})?)?$/.test(s) ? s : undefined;
}

/** The code of a Coding, or of the first coding of a CodeableConcept (R4 uses Coding where R5 uses CC). */
export function codingCode(v: unknown): string | undefined {
  const o = obj(v);
  if (o === undefined) return undefined;
  return str(o['code']) ?? objects(o['coding']).map((c) => str(c['code'])).find((c) => c !== undefined);
}

/** Human-readable text of a CodeableConcept: its `text`, else the first coding display. */
export function conceptText(v: unknown): string | undefined {
  const o = obj(v);
  if (o === undefined) return undefined;
  return str(o['text']) ?? objects(o['coding']).map((c) => str(c['display'])).find((d) => d !== undefined);
}

/** Human-readable text of a Coding: display, else code. */
export function codingText(v: unknown): string | undefined {
  const o = obj(v);
  return o === undefined ? undefined : (str(o['display']) ?? str(o['code']));
}

const SEX_OF_GENDER: Readonly<Record<string, Sex>> = { male: 'M', female: 'F', other: 'O', unknown: 'U' };

/** FHIR AdministrativeGender as the model's Sex. */
export function genderToSex(v: unknown): Sex | undefined {
  const g = str(v)?.trim().toLowerCase();
  return g === undefined ? undefined : SEX_OF_GENDER[g];
}

/** Names used for matching, in preference order; `old`/`maiden` names describe a past identity. */
const NAME_USE_RANK: Readonly<Record<string, number>> = { official: 0, usual: 1, old: 9, maiden: 9 };

/** The best HumanName of a list, as a PersonName. */
export function humanNameToPersonName(names: unknown): PersonName | undefined {
  const ranked = objects(names)
    .map((n, i) => ({ n, rank: NAME_USE_RANK[str(n['use']) ?? ''] ?? 5, i }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  for (const { n } of ranked) {
    const name = fromHumanName(n);
    if (name !== undefined) return name;
  }
  return undefined;
}

function fromHumanName(n: JsonObject): PersonName | undefined {
  const family = str(n['family']);
  const given = arr(n['given']).map(str).filter((g) => g !== undefined);
  if (family === undefined && given.length === 0) {
    const text = str(n['text']);
    return text === undefined ? undefined : parseDisplayName(text);
  }
  const name: PersonName = { family: family ?? '', given: given[0] ?? '' };
  if (given[1] !== undefined) name.middle = given.slice(1).join(' ');
  const prefix = joined(n['prefix']);
  const suffix = joined(n['suffix']);
  if (prefix !== undefined) name.prefix = prefix;
  if (suffix !== undefined) name.suffix = suffix;
  return name;
}

function joined(v: unknown): string | undefined {
  const parts = arr(v).map(str).filter((p) => p !== undefined);
  return parts.length === 0 ? undefined : parts.join(' ');
}

/**
 * A name given only as display text. Understands DICOM PN (`Family^Given^Middle^Prefix^Suffix`, which
 * DICOM-to-FHIR bridges often copy verbatim), `Family, Given Middle` and `Given Middle Family`.
 */
export function parseDisplayName(text: string): PersonName | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (t.includes('^')) {
    const [family = '', given = '', middle, prefix, suffix] = t.split('^').map((p) => p.trim());
    return withOptional({ family, given }, middle, prefix, suffix);
  }
  const comma = t.indexOf(',');
  if (comma >= 0) {
    const [given = '', ...rest] = t.slice(comma + 1).trim().split(/\s+/);
    return withOptional({ family: t.slice(0, comma).trim(), given }, rest.join(' '));
  }
  const words = t.split(/\s+/);
  if (words.length === 1) return { family: t, given: '' };
  const family = words.pop() ?? '';
  const [given = '', ...middle] = words;
  return withOptional({ family, given }, middle.join(' '));
}

function withOptional(name: PersonName, middle?: string, prefix?: string, suffix?: string): PersonName {
  if (middle) name.middle = middle;
  if (prefix) name.prefix = prefix;
  if (suffix) name.suffix = suffix;
  return name;
}

/** A Patient resource as a PatientIdentity; the MR-typed identifier is preferred over other identifiers. */
export function patientFromResource(patient: JsonObject): PatientIdentity {
  const identity: PatientIdentity = {};
  const mr = findTypedIdentifier(patient, IdentifierTypeCode.MedicalRecord);
  const identifier = mr?.value !== undefined ? mr.identifier : objects(patient['identifier']).find((i) => str(i['value']));
  if (identifier !== undefined) Object.assign(identity, identifierIdentity(identifier));
  const name = humanNameToPersonName(patient['name']);
  const birthDate = toBirthDate(patient['birthDate']);
  const sex = genderToSex(patient['gender']);
  if (name !== undefined) identity.name = name;
  if (birthDate !== undefined) identity.birthDate = birthDate;
  if (sex !== undefined) identity.sex = sex;
  return identity;
}

/** The id/issuer pair of an Identifier. */
export function identifierIdentity(identifier: JsonObject): PatientIdentity {
  const identity: PatientIdentity = {};
  const id = str(identifier['value']);
  const issuer = identifierIssuer(identifier);
  if (id !== undefined) identity.id = id;
  if (issuer !== undefined) identity.issuer = issuer;
  return identity;
}

/** What a Reference says about its target by itself: logical `identifier` and `display`. */
export function patientFromReference(ref: unknown): PatientIdentity {
  if (!isObject(ref)) return {};
  const identifier = obj(ref['identifier']);
  const identity = identifier === undefined ? {} : identifierIdentity(identifier);
  const display = str(ref['display']);
  const name = display === undefined ? undefined : parseDisplayName(display);
  if (name !== undefined) identity.name = name;
  return identity;
}
