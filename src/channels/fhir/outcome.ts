/**
 * OperationOutcome answers of the FHIR inbound endpoint. Diagnostics name structure (types, fields,
 * entry positions) and error codes only: never a value from the request, which may be patient data.
 * @see https://hl7.org/fhir/R4/operationoutcome.html
 * @see https://hl7.org/fhir/R4/valueset-issue-type.html
 */

/** The issue-type codes (FHIR value set `issue-type`) this endpoint answers with. */
export type IssueType =
  | 'invalid' | 'structure' | 'required' | 'value' | 'not-supported' | 'too-long' | 'not-found'
  | 'processing' | 'transient' | 'exception' | 'informational';

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface OutcomeIssue {
  severity: IssueSeverity;
  code: IssueType;
  diagnostics: string;
  /** FHIRPath of the offending element, e.g. `Bundle.entry[2].resource`. */
  expression?: string[];
  /** acclink's stable error code, as `details.coding` (system `urn:acclink:error`). */
  errorCode?: string;
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: {
    severity: IssueSeverity;
    code: IssueType;
    diagnostics: string;
    expression?: string[];
    details?: { coding: { system: string; code: string }[] };
  }[];
}

/** Code system of acclink error codes in `issue.details`. */
export const ACCLINK_ERROR_SYSTEM = 'urn:acclink:error';

export function operationOutcome(issues: readonly OutcomeIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map(({ errorCode, ...i }) => ({
      ...i,
      ...(errorCode === undefined ? {} : { details: { coding: [{ system: ACCLINK_ERROR_SYSTEM, code: errorCode }] } }),
    })),
  };
}

/** One-issue outcome. */
export function outcome(severity: IssueSeverity, code: IssueType, diagnostics: string): OperationOutcome {
  return operationOutcome([{ severity, code, diagnostics }]);
}

/** The issue type of an HTTP client error status, for errors raised by the HTTP layer itself. */
export function issueTypeOfStatus(status: number): IssueType {
  if (status === 413) return 'too-long';
  if (status === 415 || status === 405) return 'not-supported';
  if (status === 404) return 'not-found';
  if (status >= 500) return 'exception';
  return 'invalid';
}
