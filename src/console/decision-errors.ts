/**
 * HTTP statuses for the errors of the decision path (`src/engine/decisions.ts`), matched by code.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5 (client error status codes)
 */
import { ErrorCode, isAcclinkError } from '../model/errors.ts';

/** 404 for an unknown subject or correction, 409 for a conflict with what is stored, 422 for a bad request or mapping; undefined otherwise. */
export function statusOfDecisionError(e: unknown): { status: number; text: string } | undefined {
  if (isAcclinkError(e, ErrorCode.NotFound)) return { status: 404, text: `Not found: ${e.message}.` };
  if (isAcclinkError(e, ErrorCode.DecisionConflict)) return { status: 409, text: `That conflicts with what is stored: ${e.message}.` };
  if (isAcclinkError(e, ErrorCode.Usage, ErrorCode.MappingInvalid)) return { status: 422, text: e.message };
  return undefined;
}
