/**
 * HL7 v2 files to Reports: ORU^R01 results become `report` records, ORM^O01 and OMI^O23 orders become
 * `order` records (no text). One record per order group (ORC/OBR), so a multi-OBR ORU yields one report
 * per OBR. A message or group that cannot be read becomes an InputRejection; the rest of the file goes on.
 * @see IHE RAD TF-2, RAD-4 Procedure Scheduled / RAD-13 Procedure Update (ORM^O01 2.3.1, OMI^O23 2.5.1)
 * @see IHE RAD TF-2, RAD-28 Structured Report Export and RAD-128 Imaging Result Notification (ORU^R01)
 * @see HL7 v2.5.1 Chapter 7, section 7.3.1 "ORU^R01"; Chapter 4, sections 4.4.1 "ORM^O01", 4.4.8 "OMI^O23"
 */
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import type { InputRejection, PatientIdentity, ReadResult, Report, SourceRef } from '../../model/types.ts';
import { ReportKind } from '../../model/types.ts';
import { unescapeHl7 } from './escape.ts';
import type { OrderGroup } from './groups.ts';
import { findSegment, groupValue, orderGroups } from './groups.ts';
import type { Hl7FieldMapping } from './mapping.ts';
import { DEFAULT_HL7_FIELD_MAPPING } from './mapping.ts';
import type { Hl7MessageType, Hl7Segment } from './message.ts';
import { Hl7Message } from './message.ts';
import type { Hl7Path } from './path.ts';
import { parseHl7Path } from './path.ts';
import { splitHl7Segments } from './split.ts';
import type { Hl7Identifier } from './values.ts';
import { hl7Date, hl7DateTime, hl7Sex, present, readClinician, readIdentifier, readPatientName, readXpn } from './values.ts';

/** Message types read, with the trigger event each must carry (an empty trigger is tolerated). */
export const SUPPORTED_HL7_MESSAGE_TYPES = {
  ORU: { trigger: 'R01', kind: ReportKind.Report },
  ORM: { trigger: 'O01', kind: ReportKind.Order },
  OMI: { trigger: 'O23', kind: ReportKind.Order },
} as const;

/** Value types whose OBX-5 is coded: their text component (else the code) is the line. */
const CODED_VALUE_TYPES: ReadonlySet<string> = new Set(['CE', 'CWE', 'CNE']);

/**
 * Reads every message of an HL7 v2 file.
 * @param text the file's text (the caller decodes bytes, e.g. per MSH-18)
 * @param path the file path recorded in each SourceRef
 * @param mapping where fields are read from; see `mappings/hl7-fields.yaml`
 */
export function hl7ToReports(text: string, path: string, mapping: Hl7FieldMapping = DEFAULT_HL7_FIELD_MAPPING): ReadResult<Report> {
  const result: ReadResult<Report> = { records: [], rejections: [] };
  const split = splitHl7Segments(text);
  const fileRef: SourceRef = { kind: 'hl7', path };
  const stray = split.strayLines;
  if (split.messages.length === 0) {
    result.rejections.push(stray.length === 0
      ? { source: fileRef, code: ErrorCode.Hl7Empty, reason: 'file holds no HL7 message' }
      : { source: fileRef, code: ErrorCode.Hl7NoMsh, reason: `file holds no MSH segment (${stray.length} non-blank line(s))` });
    return result;
  }
  if (stray.length > 0) {
    result.rejections.push({
      source: fileRef,
      code: ErrorCode.Hl7NoMsh,
      severity: 'warning',
      reason: `${stray.length} line(s) outside any message were skipped, the first at line ${stray[0]}`,
    });
  }
  split.messages.forEach((raw, index) => readMessage(raw, { kind: 'hl7', path, index }, mapping, result));
  return result;
}

function readMessage(raw: readonly string[], base: SourceRef, mapping: Hl7FieldMapping, out: ReadResult<Report>): void {
  let msg: Hl7Message;
  try {
    msg = Hl7Message.fromSegments(raw);
  } catch (e) {
    if (!isAcclinkError(e)) throw e;
    out.rejections.push({ source: base, code: e.code, reason: e.message });
    return;
  }
  const controlId = msg.controlId;
  const source: SourceRef = controlId === '' ? base : { ...base, id: controlId };
  const reject = (code: string, reason: string): void => {
    out.rejections.push({ source, code, reason });
  };
  const type = msg.type;
  const kind = messageKind(type);
  if (kind === undefined) {
    reject(ErrorCode.Hl7UnsupportedMessageType,
      `message type ${describeType(type)} is not supported (expected ORU^R01, ORM^O01 or OMI^O23)`);
    return;
  }
  const groups = orderGroups(msg);
  if (groups.length === 0) {
    reject(ErrorCode.Hl7MissingField, 'message has no ORC or OBR segment');
    return;
  }
  const ctx: GroupReader = { mapping, kind, source, version: msg.version };
  for (const group of groups) {
    const record = readGroup(group, ctx);
    if ('reason' in record) {
      const where = groups.length > 1 ? `order group ${group.number} of ${groups.length}: ` : '';
      reject(record.code, where + record.reason);
    } else {
      out.records.push(record);
    }
  }
}

function messageKind(type: Hl7MessageType): ReportKind | undefined {
  const code = type.code.toUpperCase();
  if (!Object.hasOwn(SUPPORTED_HL7_MESSAGE_TYPES, code)) return undefined;
  const entry = SUPPORTED_HL7_MESSAGE_TYPES[code as keyof typeof SUPPORTED_HL7_MESSAGE_TYPES];
  const trigger = type.trigger.toUpperCase();
  return trigger === '' || trigger === entry.trigger ? entry.kind : undefined;
}

/**
 * `ADT^A08`. Only values shaped like table 0076/0003 codes are repeated: a sender that shifted fields
 * could put anything into MSH-9, and a rejection reason must never carry PHI.
 */
function describeType(type: Hl7MessageType): string {
  const code = /^[A-Z0-9]{3}$/i;
  if (type.code === '' && type.trigger === '') return '(empty MSH-9)';
  if (!code.test(type.code) || (type.trigger !== '' && !code.test(type.trigger))) return '(unrecognised MSH-9 value)';
  return type.trigger === '' ? type.code : `${type.code}^${type.trigger}`;
}

interface GroupReader {
  mapping: Hl7FieldMapping;
  kind: ReportKind;
  source: SourceRef;
  version: string;
}

type GroupRejection = Pick<InputRejection, 'code' | 'reason'>;

/** The first non-empty value among positions. */
function first(group: OrderGroup, paths: readonly string[]): string {
  for (const p of paths) {
    const v = groupValue(group, parseHl7Path(p));
    if (v !== '') return v;
  }
  return '';
}

/** The first value a composite reader gets from the segment each whole-field position names. */
function firstOf<T>(group: OrderGroup, paths: readonly string[], read: (seg: Hl7Segment, p: Hl7Path) => T | undefined): T | undefined {
  for (const text of paths) {
    const p = parseHl7Path(text);
    const seg = findSegment(group, p.segment, p.occurrence);
    const v = seg === undefined ? undefined : read(seg, p);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Sets `key` only for a real value, so records carry no `undefined` or empty-string properties. */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined && value !== '') target[key] = value;
}

function readGroup(group: OrderGroup, ctx: GroupReader): Report | GroupRejection {
  const f = ctx.mapping.fields;
  const reportId = first(group, f.reportId);
  if (reportId === '') {
    return { code: ErrorCode.Hl7MissingField, reason: `no report id (${f.reportId.join(', ')} are empty)` };
  }
  const report: Report = { reportId, kind: ctx.kind, patient: readPatient(group, ctx.mapping), sources: [{ ...ctx.source }] };
  put(report, 'accession', first(group, f.accession));
  put(report, 'accessionIssuer', first(group, f.accessionIssuer));
  put(report, 'examDateTime', hl7DateTime(first(group, f.examDateTime)));
  put(report, 'reportDateTime', hl7DateTime(first(group, f.reportDateTime)));
  put(report, 'procedureCode', first(group, f.procedureCode));
  put(report, 'procedureText', first(group, f.procedureText));
  const section = first(group, f.section);
  put(report, 'section', section);
  put(report, 'modality', first(group, f.modality) || ctx.mapping.sectionModalities[section.toUpperCase()]);
  put(report, 'resultStatus', first(group, f.resultStatus));
  put(report, 'interpreter', firstOf(group, f.interpreter, (seg, p) => readClinician(seg, p.field, p.repetition)));
  put(report, 'institution', first(group, f.institution));
  const obx = readObservations(group, ctx);
  put(report, 'text', obx.text);
  put(report, 'studyInstanceUid', first(group, f.studyInstanceUid) || obx.studyUid);
  put(report, 'hl7Version', ctx.version);
  return report;
}

function readPatient(group: OrderGroup, mapping: Hl7FieldMapping): PatientIdentity {
  const f = mapping.fields;
  const patient: PatientIdentity = {};
  const id = firstOf<Hl7Identifier>(group, f.patientId, (seg, p) =>
    readIdentifier(seg, p.field, mapping.patientIdTypes, p.repetition > 1 ? p.repetition : undefined));
  if (id !== undefined) {
    patient.id = id.id;
    put(patient, 'issuer', id.issuer);
  }
  put(patient, 'name', firstOf(group, f.patientName, (seg, p) =>
    p.repetition > 1 ? readXpn(seg, p.field, p.repetition) : readPatientName(seg, p.field)));
  put(patient, 'birthDate', hl7Date(first(group, f.birthDate)));
  put(patient, 'sex', hl7Sex(first(group, f.sex)));
  return patient;
}

interface ObservationSpec {
  field: number;
  valueTypes: ReadonlySet<string>;
  uidNames: ReadonlySet<string>;
}

// Mappings are frozen and reused for whole files: derive the lookup sets once per mapping.
const observationSpecs = new WeakMap<Hl7FieldMapping, ObservationSpec>();

function observationSpec(mapping: Hl7FieldMapping): ObservationSpec {
  let spec = observationSpecs.get(mapping);
  if (spec === undefined) {
    spec = {
      field: parseHl7Path(mapping.text.field).field,
      valueTypes: new Set(mapping.text.valueTypes.map((t) => t.toUpperCase())),
      uidNames: new Set(mapping.studyUidObservations.map((t) => t.toUpperCase())),
    };
    observationSpecs.set(mapping, spec);
  }
  return spec;
}

/** Report text lines and the Study Instance UID observation from the group's OBX segments. */
function readObservations(group: OrderGroup, ctx: GroupReader): { text?: string; studyUid?: string } {
  const { field, valueTypes, uidNames } = observationSpec(ctx.mapping);
  const lines: string[] = [];
  let studyUid: string | undefined;
  for (const seg of group.segments) {
    if (seg.name !== 'OBX') continue;
    if (uidNames.has(present(seg.value(3, 1, 1)).toUpperCase()) || uidNames.has(present(seg.value(3, 1, 2)).toUpperCase())) {
      // HD-typed values put a UID in the universal id (component 2) as often as in component 1.
      studyUid ??= present(seg.value(5, 1, 1)) || present(seg.value(5, 1, 2)) || undefined;
      continue;
    }
    const valueType = present(seg.value(2)).toUpperCase();
    if (ctx.kind === ReportKind.Report && valueTypes.has(valueType)) lines.push(...textLines(seg, field, valueType));
  }
  const text = lines.join('\n').trim();
  return { ...(text === '' ? {} : { text }), ...(studyUid === undefined ? {} : { studyUid }) };
}

/**
 * The lines of one OBX value. Text types are unescaped whole, so a component separator a sender forgot
 * to escape stays in the text instead of cutting it; repetitions are lines.
 */
function textLines(seg: Hl7Segment, field: number, valueType: string): string[] {
  const out: string[] = [];
  const reps = seg.rawRepetitions(field);
  reps.forEach((raw, i) => {
    const line = CODED_VALUE_TYPES.has(valueType)
      ? present(seg.value(field, i + 1, 2)) || present(seg.value(field, i + 1, 1))
      : unescapeHl7(raw, seg.encoding);
    for (const l of line.split('\n')) out.push(l.trimEnd());
  });
  // An OBX with an empty value is a blank line (paragraph break), as the sender laid it out.
  return reps.length === 0 ? [''] : out;
}
