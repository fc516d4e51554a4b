/**
 * Outbound HL7 v2 messages that carry accession corrections: a Procedure Update for the PACS side
 * (keyed by Study Instance UID) and a corrected result for the report side. The core only builds the
 * text; timestamps and control ids are passed in, and sending is an adapter's job.
 * @see IHE RAD TF-2, RAD-13 Procedure Update (OMI^O23 in HL7 2.5.1, ORM^O01 in HL7 2.3.1)
 * @see IHE RAD TF-2, RAD-28 / RAD-128 (ORU^R01)
 * @see HL7 v2.5.1 Chapter 4, section 4.5.12 "IPC - imaging procedure control segment"
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { Report, Scan } from '../../model/types.ts';
import { comp, esc, hasNonAscii, message, msh, pid, segment, cnn, compRaw } from './encode.ts';
import { isHl7Ts, toHl7Ts } from './values.ts';

/** Message header values and dialect, all injected so that building is deterministic. */
export interface Hl7BuildOptions {
  /** `2.5.1` builds OMI^O23 / ORU^R01^ORU_R01; `2.3.1` builds ORM^O01 (ZDS) / ORU^R01. */
  version: '2.5.1' | '2.3.1';
  /** MSH-10. */
  controlId: string;
  /** MSH-7 (and ORC-9, OBR-22 where used), an HL7 TS such as `20240305120000` or `20240305120000+0100`. */
  timestamp: string;
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  /** MSH-11 processing id; default `P`. */
  processingId?: 'P' | 'T' | 'D';
  /** Write an NTE after the OBR saying which accession replaced which; default true. */
  note?: boolean;
}

/** A scan whose accession changes, and the order identifiers the receiver may need to find the order. */
export interface ProcedureUpdateInput {
  scan: Scan;
  newAccession: string;
  oldAccession: string | null;
  /** EI namespace of the new accession (IPC-1.2); default the scan's issuer. */
  accessionIssuer?: string;
  /** ORC-2 / OBR-2. */
  placerOrderNumber?: string;
  /** ORC-3 / OBR-3. */
  fillerOrderNumber?: string;
  /** IPC-2 / OBR-19. */
  requestedProcedureId?: string;
  /** IPC-4 / OBR-20. */
  scheduledProcedureStepId?: string;
  /** OBR-4.1; OBR-4.2 is the scan's procedure text or study description. */
  procedureCode?: string;
  /** ORC-5 order status (table 0038); default `CM`, since images exist. */
  orderStatus?: string;
}

/** A report whose accession changes. */
export interface ReportCorrectionInput {
  report: Report;
  newAccession: string;
  oldAccession: string | null;
}

/** OBX-3 of the report text lines: LOINC 18782-3 "Radiology Study observation (narrative)". */
export const REPORT_TEXT_OBSERVATION = { code: '18782-3', text: 'Radiology Study observation', system: 'LN' } as const;
/** OBX-3 of the Study Instance UID observation, as in IHE SINR: DCM 113014 "DICOM Study". */
export const STUDY_UID_OBSERVATION = { code: '113014', text: 'DICOM Study', system: 'DCM' } as const;

/** Modalities that are not acquisitions (reports, key images, presentation states) and so not IPC-5. */
const NON_ACQUISITION_MODALITIES: ReadonlySet<string> = new Set(['SR', 'KO', 'PR', 'DOC', 'OT', 'REG', 'SEG']);

function usage(reason: string): AcclinkError {
  return new AcclinkError(ErrorCode.Usage, reason);
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value.trim() === '') throw usage(`${name} must not be empty`);
  return value.trim();
}

/** The MSH values every builder needs. */
export type MessageHeaderOptions = Pick<Hl7BuildOptions, 'version' | 'controlId' | 'timestamp' | 'sendingApplication' | 'sendingFacility' | 'receivingApplication' | 'receivingFacility' | 'processingId'>;

/** Validates the header options shared by every builder (USAGE errors, values never echoed). */
export function checkMessageOptions(opts: MessageHeaderOptions): void {
  if (opts.version !== '2.5.1' && opts.version !== '2.3.1') throw usage('version must be 2.5.1 or 2.3.1');
  required(opts.controlId, 'controlId');
  if (!isHl7Ts(opts.timestamp)) throw usage('timestamp must be an HL7 TS such as 20240305120000');
}

/** The complete message: MSH (with MSH-18 when the body needs it) followed by `body`. */
export function assembleMessage(opts: MessageHeaderOptions, messageType: string, body: string[]): string {
  const header = msh({
    ...opts,
    messageType,
    processingId: opts.processingId ?? 'P',
    ...(body.some(hasNonAscii) ? { characterSet: 'UNICODE UTF-8' } : {}),
  });
  return message([header, ...body]);
}

function noteSegment(opts: Hl7BuildOptions, oldAccession: string | null, newAccession: string): string[] {
  if (opts.note === false) return [];
  const text = oldAccession === null || oldAccession.trim() === ''
    ? `Accession number ${newAccession} assigned by reconciliation`
    : `Accession number corrected from ${oldAccession} to ${newAccession} by reconciliation`;
  return [segment('NTE', { 1: '1', 3: esc(text) })];
}

function birthTs(birthDate: string | undefined): string | undefined {
  return birthDate === undefined ? undefined : toHl7Ts(birthDate);
}

/**
 * A Procedure Update telling the image manager that a study's accession number changed.
 * 2.5.1: OMI^O23 with MSH, PID, PV1, ORC (`XO`), TQ1, OBR (OBR-18 accession), [NTE], IPC
 * (IPC-1 accession, IPC-2 requested procedure id, IPC-3 Study Instance UID, IPC-4 SPS id, IPC-5 modality).
 * 2.3.1: ORM^O01 with MSH, PID, PV1, ORC (`XO`), OBR, [NTE], ZDS (`<uid>^^Application^DICOM`).
 * @throws AcclinkError USAGE when the accession, Study Instance UID, control id or timestamp is unusable.
 * @see IHE RAD TF-2, section 4.13 "Procedure Updated [RAD-13]"
 */
export function buildProcedureUpdate(input: ProcedureUpdateInput, opts: Hl7BuildOptions): string {
  checkMessageOptions(opts);
  const { scan } = input;
  const accession = required(input.newAccession, 'newAccession');
  const uid = required(scan.studyInstanceUid, 'scan.studyInstanceUid');
  const v251 = opts.version === '2.5.1';
  const start = scan.studyDateTime === undefined ? undefined : toHl7Ts(scan.studyDateTime);
  const modality = scan.modalities.find((m) => !NON_ACQUISITION_MODALITIES.has(m.toUpperCase())) ?? scan.modalities[0];
  // Before TQ1 (2.5), timing is the TQ data type in ORC-7 / OBR-27, its start in component 4.
  const timing = v251 || start === undefined ? undefined : comp('', '', '', start);
  const placer = esc(input.placerOrderNumber);
  const filler = esc(input.fillerOrderNumber);
  const body = [
    pid(scan.patient, birthTs(scan.patient.birthDate)),
    segment('PV1', { 1: '1', 2: 'U' }),
    segment('ORC', { 1: 'XO', 2: placer, 3: filler, 5: esc(input.orderStatus ?? 'CM'), 7: timing, 9: esc(opts.timestamp) }),
    ...(v251 ? [segment('TQ1', { 1: '1', 7: esc(start) })] : []),
    segment('OBR', {
      1: '1', 2: placer, 3: filler,
      4: comp(input.procedureCode, scan.procedureText ?? scan.studyDescription),
      18: esc(accession), 19: esc(input.requestedProcedureId), 20: esc(input.scheduledProcedureStepId),
      24: esc(modality), 27: timing,
    }),
    ...noteSegment(opts, input.oldAccession, accession),
    v251
      ? segment('IPC', {
        1: comp(accession, input.accessionIssuer ?? scan.accessionIssuer),
        2: esc(input.requestedProcedureId), 3: esc(uid), 4: esc(input.scheduledProcedureStepId), 5: esc(modality),
      })
      : segment('ZDS', { 1: comp(uid, '', 'Application', 'DICOM') }),
  ];
  return assembleMessage(opts, v251 ? 'OMI^O23^OMI_O23' : 'ORM^O01', body);
}

/**
 * A corrected result (OBR-25 and OBX-11 `C`) carrying the new accession in OBR-18, the report id in
 * OBR-3/ORC-3, the Study Instance UID (when known) and the report text as TX lines.
 * @throws AcclinkError USAGE when the accession, report id, control id or timestamp is unusable.
 * @see HL7 v2.5.1 Chapter 7, section 7.3.1 "ORU^R01"; Table 0123 "Result status" (C = correction)
 */
export function buildReportCorrection(input: ReportCorrectionInput, opts: Hl7BuildOptions): string {
  checkMessageOptions(opts);
  const r = input.report;
  const accession = required(input.newAccession, 'newAccession');
  const reportId = required(r.reportId, 'report.reportId');
  const obx: string[] = [];
  const observation = (valueType: string, id: typeof REPORT_TEXT_OBSERVATION | typeof STUDY_UID_OBSERVATION, value: string): void => {
    obx.push(segment('OBX', {
      1: String(obx.length + 1), 2: valueType, 3: comp(id.code, id.text, id.system), 4: '1', 5: esc(value), 11: 'C',
    }));
  };
  if (r.studyInstanceUid !== undefined) observation('HD', STUDY_UID_OBSERVATION, r.studyInstanceUid);
  const text = r.text ?? '';
  if (text.trim() !== '') for (const line of text.split(/\r\n|\r|\n/)) observation('TX', REPORT_TEXT_OBSERVATION, line);
  const body = [
    pid(r.patient, birthTs(r.patient.birthDate)),
    segment('ORC', { 1: 'RE', 3: esc(reportId) }),
    segment('OBR', {
      1: '1', 3: esc(reportId), 4: comp(r.procedureCode, r.procedureText),
      7: esc(r.examDateTime === undefined ? undefined : toHl7Ts(r.examDateTime)),
      18: esc(accession), 22: esc(opts.timestamp), 24: esc(r.section), 25: 'C', 32: compRaw(cnn(r.interpreter)),
    }),
    ...noteSegment(opts, input.oldAccession, accession),
    ...obx,
  ];
  return assembleMessage(opts, opts.version === '2.5.1' ? 'ORU^R01^ORU_R01' : 'ORU^R01', body);
}
