/**
 * HL7 v2 for acclink: parsing, splitting, field mapping, reading reports/orders and building corrections.
 * @see HL7 v2.5.1 Chapter 2 (control), 4 (orders), 7 (observations); IHE RAD TF-2 RAD-4, RAD-13, RAD-28
 */
export type { Hl7Encoding } from './escape.ts';
export { DEFAULT_HL7_ENCODING, escapeHl7, unescapeHl7 } from './escape.ts';
export type { Hl7Path } from './path.ts';
export { parseHl7Path, tryParseHl7Path } from './path.ts';
export type { Hl7MessageType } from './message.ts';
export { Hl7Message, Hl7Segment, readEncoding } from './message.ts';
export type { Hl7SegmentSplit, Hl7Split } from './split.ts';
export { splitHl7Messages, splitHl7Segments } from './split.ts';
export type { Hl7FieldMapping, Hl7FieldPaths } from './mapping.ts';
export { DEFAULT_HL7_FIELD_MAPPING, parseHl7FieldMapping } from './mapping.ts';
export { hl7ToReports, SUPPORTED_HL7_MESSAGE_TYPES } from './report.ts';
export type { Hl7BuildOptions, ProcedureUpdateInput, ReportCorrectionInput } from './build.ts';
export { buildProcedureUpdate, buildReportCorrection, REPORT_TEXT_OBSERVATION, STUDY_UID_OBSERVATION } from './build.ts';
export { hl7Date, hl7DateTime, hl7Sex, toHl7Ts, HL7_SEX } from './values.ts';
