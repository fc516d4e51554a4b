/**
 * The engine's structured logger (pino, JSON lines) with PHI kept out by construction:
 * - every key that could carry patient data or a secret, at any of the first four nesting levels, is
 *   replaced by `[redacted]` (a backstop for mistakes, not a licence to log records);
 * - errors are serialized by type, code and stack frames; their message text is kept only for the
 *   core's own {@link AcclinkError}s, whose messages are PHI-free by contract (a driver or library
 *   message may quote input, e.g. a database's "duplicate key (patient_id)=(...)");
 * - identifiers that an operator must correlate (accession numbers, MRNs) are logged through
 *   {@link hashId}, never in clear.
 * @see HIPAA Safe Harbor, 45 CFR 164.514(b)(2): the identifiers kept out of logs
 */
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';
import { isAcclinkError } from '../model/errors.ts';

export type { Logger } from 'pino';

/** Keys whose values are never written, wherever they appear in a logged object (depth ≤ 3). */
export const REDACTED_KEYS: readonly string[] = [
  // patient identity (DICOM Patient module, HL7 PID, FHIR Patient)
  'patient', 'patients', 'patientName', 'patientId', 'patientIds', 'otherPatientIds', 'mrn', 'name', 'names',
  'family', 'given', 'prefix', 'suffix', 'birthDate', 'birthTime', 'dob', 'dateOfBirth', 'address',
  'telecom', 'phone', 'email', 'ssn',
  // order / study identifiers that are linkable to a patient
  'accession', 'accessionNumber', 'accessions', 'accessionKeys', 'issuer',
  // message and document content
  'body', 'payload', 'text', 'raw', 'hl7', 'report', 'reportText', 'conclusion', 'note', 'resource',
  'before', 'after',
  // secrets
  'authorization', 'cookie', 'set-cookie', 'x-api-key', 'token', 'tokens', 'password', 'secret',
];

const MAX_DEPTH = 3;

/** `key`, `*.key`, `*.*.key`…: pino paths matching `key` at every depth up to {@link MAX_DEPTH}. */
function redactPaths(keys: readonly string[]): string[] {
  const paths: string[] = [];
  for (const key of keys) {
    const leaf = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const prefix = '*.'.repeat(depth);
      paths.push(leaf.startsWith('[') ? (depth === 0 ? leaf : `${prefix.slice(0, -1)}${leaf}`) : `${prefix}${leaf}`);
    }
  }
  return paths;
}

/** An error as logged: no message text unless it is one of the core's own (PHI-free) messages. */
export interface SafeError {
  type: string;
  code?: string;
  message?: string;
  /** Stack frames only (the first line repeats the message). */
  stack?: string;
  cause?: SafeError;
}

/** Serializes an error without its message text (unless an AcclinkError); errno-like codes are kept. */
export function safeError(value: unknown, depth = 0): SafeError | undefined {
  if (!(value instanceof Error)) return value === undefined ? undefined : { type: typeof value };
  const out: SafeError = { type: value.name };
  const code = (value as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code)) out.code = code;
  if (isAcclinkError(value)) out.message = value.message;
  if (value.stack !== undefined) out.stack = value.stack.split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
  if (value.cause !== undefined && depth < 3) {
    const cause = safeError(value.cause, depth + 1);
    if (cause !== undefined) out.cause = cause;
  }
  return out;
}

/** A request as logged: method and path, never the query string (search parameters carry identifiers). */
function safeRequest(req: { method?: string; url?: string }): { method?: string; path?: string } {
  return { method: req.method, path: req.url?.split('?')[0] };
}

export interface LoggerConfig {
  /** pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  level: string;
  /**
   * Where JSON lines go: a stream, or a file path (created with its folders, appended to, written
   * synchronously so that the last lines before a crash are kept); default standard output.
   */
  destination?: DestinationStream | string;
  /** Bindings on every line, e.g. `{ service: 'acclink' }`. */
  base?: Record<string, string>;
}

/**
 * Creates the logger. Every line is redacted (see {@link REDACTED_KEYS}); `err`, `error` and `req`
 * keys go through PHI-safe serializers. Pass it to fastify as `loggerInstance`.
 */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level,
    ...(config.base === undefined ? {} : { base: config.base }),
    redact: { paths: redactPaths(REDACTED_KEYS), censor: '[redacted]' },
    serializers: { err: safeError, error: safeError, req: safeRequest },
  };
  const destination = typeof config.destination === 'string'
    ? pino.destination({ dest: config.destination, append: true, sync: true, mkdir: true })
    : config.destination ?? pino.destination(1);
  return pino(options, destination);
}

/**
 * A short, stable pseudonym of an identifier for logs: the first 16 hex digits of
 * SHA-256(salt ‖ 0x00 ‖ value). Without a secret salt, small identifier spaces (MRNs, accession numbers)
 * can be recovered by hashing every candidate, so production logging should pass a site secret.
 */
export function hashId(value: string, salt = ''): string {
  return createHash('sha256').update(salt).update('\u0000').update(value).digest('hex').slice(0, 16);
}
