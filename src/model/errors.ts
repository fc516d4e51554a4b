/**
 * The core's error vocabulary: typed errors with stable codes. Match on `code`, never on message text.
 */
export const ErrorCode = {
  // DICOM Part 10 reading
  DicomEmpty: 'DICOM_EMPTY',
  DicomNotDicom: 'DICOM_NOT_DICOM',
  DicomTruncated: 'DICOM_TRUNCATED',
  DicomUnreadable: 'DICOM_UNREADABLE',
  DicomMissingStudyUid: 'DICOM_MISSING_STUDY_UID',
  DicomConflict: 'DICOM_CONFLICT',
  // HL7 v2
  Hl7NoMsh: 'HL7_NO_MSH',
  Hl7BadEncodingCharacters: 'HL7_BAD_ENCODING_CHARACTERS',
  Hl7MissingField: 'HL7_MISSING_FIELD',
  Hl7UnsupportedMessageType: 'HL7_UNSUPPORTED_MESSAGE_TYPE',
  Hl7Empty: 'HL7_EMPTY',
  // FHIR
  FhirInvalidJson: 'FHIR_INVALID_JSON',
  FhirUnsupportedResource: 'FHIR_UNSUPPORTED_RESOURCE',
  FhirMissingField: 'FHIR_MISSING_FIELD',
  // FHIR REST (channels/fhir): no answer (refused, reset, timed out), or an HTTP error status
  FhirUnavailable: 'FHIR_UNAVAILABLE',
  FhirRequestFailed: 'FHIR_REQUEST_FAILED',
  // Files
  FileUnreadable: 'FILE_UNREADABLE',
  // MLLP transport (channels/mllp): the peer's ACK or the connection failed
  MllpTimeout: 'MLLP_TIMEOUT',
  MllpConnection: 'MLLP_CONNECTION',
  MllpClosed: 'MLLP_CLOSED',
  MllpBadAck: 'MLLP_BAD_ACK',
  // Health checks (channels/http): a dependency did not answer in time, could not be reached, or answered badly
  HealthTimeout: 'HEALTH_TIMEOUT',
  HealthUnreachable: 'HEALTH_UNREACHABLE',
  HealthBadStatus: 'HEALTH_BAD_STATUS',
  // PACS REST (channels/pacs): no answer (refused, timed out), or an HTTP error status
  PacsUnavailable: 'PACS_UNAVAILABLE',
  PacsRequestFailed: 'PACS_REQUEST_FAILED',
  // Decisions by people (console, acclink undo): the subject, record or correction is unknown, or the
  // request conflicts with what is stored (already decided, not a candidate, nothing to undo)
  NotFound: 'NOT_FOUND',
  DecisionConflict: 'DECISION_CONFLICT',
  // Configuration and usage
  ConfigInvalid: 'CONFIG_INVALID',
  MappingInvalid: 'MAPPING_INVALID',
  Usage: 'USAGE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base error of the core. `code` is stable and documented; `message` is for people. */
export class AcclinkError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AcclinkError';
    this.code = code;
  }
}

/** True when `e` is an AcclinkError with one of the given codes (or any code when none given). */
export function isAcclinkError(e: unknown, ...codes: ErrorCode[]): e is AcclinkError {
  return e instanceof AcclinkError && (codes.length === 0 || codes.includes(e.code));
}
