/**
 * ADT messages the engine listens to: A08 (update patient information) and A31 (update person
 * information) carry corrected demographics that later linking should use; A40 (merge patient, patient
 * identifier list) says one patient id now stands for another and is recorded for people and re-linking.
 * @see HL7 v2.5.1 Chapter 3, sections 3.3.8 "ADT/ACK - Update Patient Information (Event A08)",
 *   3.3.31 "ADT/ACK - Update Person Information (Event A31)", 3.3.40 "ADT/ACK - Merge Patient - Patient
 *   Identifier List (Event A40)"; 3.4.3 "MRG - Merge Patient Information Segment"
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { PatientIdentity } from '../../model/types.ts';
import type { Hl7FieldMapping } from './mapping.ts';
import { DEFAULT_HL7_FIELD_MAPPING } from './mapping.ts';
import type { Hl7Message } from './message.ts';
import { hl7Date, hl7Sex, readIdentifier, readPatientName } from './values.ts';

/** ADT trigger events acclink reads. */
export const AdtEvent = { A08: 'A08', A31: 'A31', A40: 'A40' } as const;
export type AdtEvent = (typeof AdtEvent)[keyof typeof AdtEvent];

/** One ADT message, read. */
export interface AdtUpdate {
  event: AdtEvent;
  /** PID: the patient as the message now describes them. */
  patient: PatientIdentity;
  /** A40: MRG-1, the prior patient id that is merged into `patient.id`. */
  priorPatientId?: string;
}

/** True for an ADT message (MSH-9.1 = ADT), whatever its event. */
export function isAdt(message: Hl7Message): boolean {
  return message.type.code === 'ADT';
}

/**
 * Reads A08/A31/A40.
 * @throws AcclinkError HL7_UNSUPPORTED_MESSAGE_TYPE for other ADT events, HL7_MISSING_FIELD without a
 *   patient id (or, for A40, without MRG-1).
 */
export function readAdt(message: Hl7Message, mapping: Hl7FieldMapping = DEFAULT_HL7_FIELD_MAPPING): AdtUpdate {
  const trigger = message.type.trigger || message.segment('EVN')?.value(1).trim() || '';
  if (!(trigger in AdtEvent)) throw new AcclinkError(ErrorCode.Hl7UnsupportedMessageType, `ADT^${trigger} is not read (A08, A31, A40 are)`);
  const event = trigger as AdtEvent;
  const pid = message.segment('PID');
  const id = pid ? readIdentifier(pid, 3, mapping.patientIdTypes) : undefined;
  if (!pid || !id) throw new AcclinkError(ErrorCode.Hl7MissingField, `ADT^${event} without a patient id (PID-3)`);
  const patient: PatientIdentity = { id: id.id };
  if (id.issuer !== undefined) patient.issuer = id.issuer;
  const name = readPatientName(pid, 5);
  if (name) patient.name = name;
  const birthDate = hl7Date(pid.value(7));
  if (birthDate) patient.birthDate = birthDate;
  const sex = hl7Sex(pid.value(8));
  if (sex) patient.sex = sex;
  if (event !== AdtEvent.A40) return { event, patient };
  const mrg = message.segment('MRG');
  const prior = mrg ? readIdentifier(mrg, 1, mapping.patientIdTypes) : undefined;
  if (!prior) throw new AcclinkError(ErrorCode.Hl7MissingField, 'ADT^A40 without a prior patient id (MRG-1)');
  return { event, patient, priorPatientId: prior.id };
}

/**
 * A record's patient after an A08/A31: the message's values where it has them, the record's elsewhere
 * (an ADT that omits a field does not erase it).
 */
export function applyDemographics(current: PatientIdentity, update: PatientIdentity): PatientIdentity {
  return { ...current, ...update };
}
