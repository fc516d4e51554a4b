/**
 * fhir-kit-client with acclink's error vocabulary: every call is bounded by a timeout, and failures
 * become {@link FhirError}s with stable codes: `FHIR_UNAVAILABLE` when no HTTP answer came (refused,
 * reset, timed out), `FHIR_REQUEST_FAILED` with the HTTP status otherwise. Messages name the operation,
 * the status and the errno only: FHIR servers echo resource content (PHI) in their OperationOutcomes,
 * and request URLs may carry search values, so neither is quoted.
 * @see https://hl7.org/fhir/R4/http.html (RESTful API)
 * @see https://github.com/Vermonster/fhir-kit-client
 */
import { Client } from 'fhir-kit-client';
import type { FhirResource, RequestOptions } from 'fhir-kit-client';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';

export type { FhirResource } from 'fhir-kit-client';

/** Where a FHIR server is and how to authenticate. */
export interface FhirEndpoint {
  /** Service base URL, e.g. `https://fhir.example.org/r4`. */
  baseUrl: string;
  /** OAuth2 access token, sent as `Authorization: Bearer <token>`. */
  token?: string;
}

/** Default bound of one request. */
export const DEFAULT_FHIR_TIMEOUT_MS = 10_000;

/** A failed FHIR call; `status` is set for `FHIR_REQUEST_FAILED`, `errno` when the transport named one. */
export class FhirError extends AcclinkError {
  readonly status: number | undefined;
  readonly errno: string | undefined;
  readonly timedOut: boolean;
  constructor(code: ErrorCode, message: string, extra: { status?: number; errno?: string; timedOut?: boolean; cause?: unknown } = {}) {
    super(code, message, { cause: extra.cause });
    this.name = 'FhirError';
    this.status = extra.status;
    this.errno = extra.errno;
    this.timedOut = extra.timedOut ?? false;
  }
}

/**
 * A fhir-kit-client for one endpoint.
 * @throws AcclinkError CONFIG_INVALID when `baseUrl` is not an absolute http(s) URL (caught here, so a
 *   typo is not mistaken later for a transport failure worth retrying).
 */
export function createFhirClient(endpoint: FhirEndpoint): Client {
  if (!URL.canParse(endpoint.baseUrl) || !/^https?:$/.test(new URL(endpoint.baseUrl).protocol)) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, 'FHIR base URL must be an absolute http(s) URL');
  }
  return new Client({ baseUrl: endpoint.baseUrl, ...(endpoint.token === undefined ? {} : { bearerToken: endpoint.token }) });
}

/** `fhir:https://host/base` without credentials or query, for logs and sink names. */
export function endpointName(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    return `fhir:${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return 'fhir:(invalid base URL)';
  }
}

/**
 * Runs one client call with an abort signal after `timeoutMs`, and maps its failure to a FhirError.
 * Errors that are neither HTTP answers nor transport failures (programming errors) propagate unchanged.
 * @param operation short name for messages: `read`, `patch`, `search`.
 */
export async function fhirCall<T>(operation: string, timeoutMs: number, run: (options: RequestOptions) => Promise<T>): Promise<T> {
  try {
    return await run({ signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw toFhirError(operation, timeoutMs, e);
  }
}

function toFhirError(operation: string, timeoutMs: number, e: unknown): unknown {
  const status = httpStatus(e);
  if (status !== undefined) {
    return new FhirError(ErrorCode.FhirRequestFailed, `FHIR ${operation} answered HTTP ${status}`, { status, cause: e });
  }
  if (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return new FhirError(ErrorCode.FhirUnavailable, `FHIR ${operation} timed out after ${timeoutMs} ms`, { timedOut: true, cause: e });
  }
  const errno = transportErrno(e);
  if (errno !== undefined) {
    return new FhirError(ErrorCode.FhirUnavailable, `FHIR ${operation} got no answer (${errno})`, { errno, cause: e });
  }
  return e;
}

/** fhir-kit-client rejects non-2xx answers (and unparsable bodies) with `response.status`. */
function httpStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null || !('response' in e)) return undefined;
  const response = (e as { response?: { status?: unknown } }).response;
  return typeof response?.status === 'number' ? response.status : undefined;
}

/** fetch rejects transport failures with a TypeError whose cause carries the errno (ECONNREFUSED...). */
function transportErrno(e: unknown): string | undefined {
  if (!(e instanceof TypeError)) return undefined;
  const cause = e.cause as { code?: unknown; name?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : typeof cause?.name === 'string' ? cause.name : undefined;
  return code !== undefined && /^[A-Za-z0-9_]{1,40}$/.test(code) ? code : 'FETCH_FAILED';
}

/** True for failures worth another try later: no answer, 408, 429 and 5xx. */
export function isTransient(e: FhirError): boolean {
  const s = e.status;
  return s === undefined || s === 408 || s === 429 || s >= 500;
}

/** `FHIR_REQUEST_FAILED: HTTP 404 on read` / `FHIR_UNAVAILABLE: timed out on patch`: codes and statuses only. */
export function describeFhirError(e: FhirError, operation: string): string {
  if (e.status !== undefined) return `${e.code}: HTTP ${e.status} on ${operation}`;
  if (e.timedOut) return `${e.code}: timed out on ${operation}`;
  return `${e.code}: no answer on ${operation} (${e.errno ?? 'unknown'})`;
}

/** Type guard for plain FHIR resources as the client returns them. */
export function isResource(value: unknown): value is FhirResource {
  return typeof value === 'object' && value !== null && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

/**
 * Reads resources by reference for id-only notifications: `Type/id`, or an absolute URL on this
 * endpoint's base (any other host is refused, so the token never leaves for a URL a sender chose).
 * Resolves `undefined` for 404/410 (deleted meanwhile); other failures reject with a FhirError.
 */
export function createResourceReader(endpoint: FhirEndpoint, timeoutMs = DEFAULT_FHIR_TIMEOUT_MS): (reference: string) => Promise<unknown> {
  const client = createFhirClient(endpoint);
  const base = endpoint.baseUrl.replace(/\/$/, '');
  return async (reference) => {
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(reference);
    if (absolute && !reference.startsWith(`${base}/`)) {
      throw new FhirError(ErrorCode.FhirRequestFailed, 'FHIR read refused: the reference is not on the configured server', { status: 400 });
    }
    if (!absolute && !/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(reference)) {
      throw new FhirError(ErrorCode.FhirRequestFailed, 'FHIR read refused: the reference is not Type/id', { status: 400 });
    }
    try {
      return await fhirCall('read', timeoutMs, (options) => client.request(reference, { options }));
    } catch (e) {
      if (e instanceof FhirError && (e.status === 404 || e.status === 410)) return undefined;
      throw e;
    }
  };
}
