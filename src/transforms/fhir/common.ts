/**
 * Helpers shared by the resource mappers: the mapping context, patient and practitioner resolution.
 * @see https://hl7.org/fhir/R4/references.html
 */
import type { PatientIdentity, PersonName } from '../../model/types.ts';
import { humanNameToPersonName, parseDisplayName, patientFromReference, patientFromResource } from './datatypes.ts';
import { obj, str } from './json.ts';
import type { JsonObject } from './json.ts';
import { resolveReference } from './resolve.ts';
import type { ResourceIndex } from './resolve.ts';

/** What a resource mapper needs besides the resource. */
export interface MapContext {
  path: string;
  index: ResourceIndex;
}

/** Sets only the defined values, so that absent fields stay absent rather than `undefined`. */
export function assignDefined<T extends object>(target: T, values: Partial<T>): void {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
}

/**
 * The patient of a resource's `subject`: the Patient resource when it is in the input, else what the
 * Reference itself carries (logical identifier, display).
 */
export function subjectPatient(resource: JsonObject, ctx: MapContext): PatientIdentity {
  const subject = resource['subject'];
  const patient = resolveReference(subject, resource, ctx.index, 'Patient');
  return patient !== undefined ? patientFromResource(patient) : patientFromReference(subject);
}

/** A practitioner's name: the Practitioner resource when in the input, else the Reference display. */
export function practitionerName(ref: unknown, container: JsonObject, ctx: MapContext): PersonName | undefined {
  const practitioner = resolveReference(ref, container, ctx.index, 'Practitioner');
  if (practitioner !== undefined) {
    const name = humanNameToPersonName(practitioner['name']);
    if (name !== undefined) return name;
  }
  const display = str(obj(ref)?.['display']);
  return display === undefined ? undefined : parseDisplayName(display);
}
