/**
 * The RIS/ADT-side message for corrected demographics: a Patient Update (ADT^A08) that carries the
 * patient's full corrected identity, keyed by the unchanged patient identifier. Like the other builders,
 * it only builds text: the control id and timestamp are passed in, and sending is an adapter's job.
 * @see HL7 v2.5.1 Chapter 3, section 3.3.8 "ADT/ACK - update patient information (event A08)"
 * @see IHE RAD TF-2, section 4.12 "Patient Update [RAD-12]"
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { PatientIdentity } from '../../model/types.ts';
import { esc, pid, segment } from './encode.ts';
import { toHl7Ts } from './values.ts';
import { assembleMessage, checkMessageOptions, type MessageHeaderOptions } from './build.ts';
import { normalizePatientId } from '../../linker/features.ts';

/** MSH values (shared with every builder) plus the A08's own choices, all injected so that building is deterministic. */
export interface PatientUpdateOptions extends MessageHeaderOptions {
  /**
   * PV1-2 patient class. The update is about the person, not a visit, so PV1 is minimal: default `N`
   * (not applicable) in 2.5.1 and `U` (unknown) in 2.3.1, whose table 0004 has no `N`.
   */
  patientClass?: 'N' | 'U';
  /** EVN-4 event reason code (table 0062), e.g. `O` (other); left out by default. */
  eventReason?: string;
}

export interface PatientUpdateInput {
  /** The corrected demographics. Fields it leaves out are taken from `previous`. */
  patient: PatientIdentity;
  /** The identity as the receiver holds it now: fills what `patient` leaves out, and must name the same patient. */
  previous?: PatientIdentity;
}

function usage(reason: string): AcclinkError {
  return new AcclinkError(ErrorCode.Usage, reason);
}

function checkOptions(opts: PatientUpdateOptions): void {
  checkMessageOptions(opts);
  if (opts.patientClass !== undefined && opts.patientClass !== 'N' && opts.patientClass !== 'U') throw usage('patientClass must be N or U');
}

/**
 * The identity to send: `previous` overlaid with `patient`'s name, birth date and sex, field by field (a
 * name is replaced as a whole, never merged component by component, so a corrected name cannot inherit a
 * wrong middle name). The identifier and its issuer are `previous`'s when it has them.
 */
function mergeIdentity(patient: PatientIdentity, previous: PatientIdentity | undefined): PatientIdentity {
  if (previous === undefined) return patient;
  const merged: PatientIdentity = { ...previous };
  for (const key of ['name', 'birthDate', 'sex'] as const) {
    if (patient[key] !== undefined) Object.assign(merged, { [key]: patient[key] });
  }
  // The receiver finds the patient by the identifier as it holds it: keep that spelling (`00123` stays `00123`).
  merged.id = previous.id ?? patient.id;
  merged.issuer = previous.issuer ?? patient.issuer;
  if (merged.id === undefined) delete merged.id;
  if (merged.issuer === undefined) delete merged.issuer;
  return merged;
}

/** A08 updates a patient in place; changing the identifier itself is a merge or move (A40 / A47), not an update. */
function checkSamePatient(patient: PatientIdentity, previous: PatientIdentity | undefined): void {
  if (previous === undefined) return;
  if (patient.id !== undefined && previous.id !== undefined && normalizePatientId(patient.id) !== normalizePatientId(previous.id)) {
    throw usage('an A08 cannot change the patient identifier (use A47 or a merge)');
  }
  if (patient.issuer !== undefined && previous.issuer !== undefined && patient.issuer.trim().toUpperCase() !== previous.issuer.trim().toUpperCase()) {
    throw usage('an A08 cannot change the assigning authority of the patient identifier');
  }
}

/**
 * An ADT^A08^ADT_A01 Patient Update with MSH, EVN, PID and a minimal PV1:
 * EVN-1 `A08` (2.3.1 only) and EVN-2 the timestamp; PID-3 `id^^^issuer^MR`, PID-5 XPN
 * (family^given^middle^suffix^prefix), PID-7 birth date, PID-8 sex; PV1-2 the patient class.
 * MSH-18 is `UNICODE UTF-8` when a value is not ASCII (accented names are common here).
 * @throws AcclinkError USAGE when there is no patient identifier, `previous` names another patient,
 * a birth date is not a date, or the control id, timestamp or patient class is unusable.
 * @see HL7 v2.5.1 Chapter 3, sections 3.3.8 (A08), 3.4.1 "EVN", 3.4.2 "PID", 3.4.3 "PV1"
 * @see IHE RAD TF-2, section 4.12 "Patient Update [RAD-12]"
 */
export function buildPatientUpdate(input: PatientUpdateInput, opts: PatientUpdateOptions): string {
  checkOptions(opts);
  checkSamePatient(input.patient, input.previous);
  const patient = mergeIdentity(input.patient, input.previous);
  if (patient.id === undefined || patient.id.trim() === '') throw usage('patient.id must not be empty: the receiver finds the patient by it');
  const birth = patient.birthDate === undefined ? undefined : toHl7Ts(patient.birthDate);
  if (patient.birthDate !== undefined && birth === undefined) throw usage('patient.birthDate must be YYYY-MM-DD, YYYY-MM or YYYY');
  const v251 = opts.version === '2.5.1';
  const body = [
    segment('EVN', { 1: v251 ? undefined : 'A08', 2: esc(opts.timestamp), 4: esc(opts.eventReason) }),
    pid({ ...patient, id: patient.id.trim() }, birth),
    segment('PV1', { 1: '1', 2: opts.patientClass ?? (v251 ? 'N' : 'U') }),
  ];
  return assembleMessage(opts, 'ADT^A08^ADT_A01', body);
}
