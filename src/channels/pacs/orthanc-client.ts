/**
 * A small typed client for the Orthanc REST API, over the global `fetch`: the calls the archive sink and
 * the change poller need, nothing more. Every call is bounded by a timeout (AbortSignal.timeout).
 *
 * Errors are {@link PacsError}s with stable codes: `PACS_UNAVAILABLE` when no HTTP answer came (refused,
 * reset, timed out), `PACS_REQUEST_FAILED` with the HTTP status otherwise. Messages name the operation
 * and the status only: response bodies are never quoted, since Orthanc echoes tag values (PHI) in them.
 * @see https://orthanc.uclouvain.be/book/users/rest.html (REST API)
 * @see https://orthanc.uclouvain.be/api/ (OpenAPI reference of the endpoints used here)
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';

/** Basic-auth credentials (Orthanc `RegisteredUsers`). */
export interface OrthancCredentials {
  username: string;
  password: string;
}

export interface OrthancClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8042` (a path prefix behind a proxy is kept). */
  url: string;
  credentials?: OrthancCredentials;
  /** Bound of every call except modify (default 10 s). */
  timeoutMs?: number;
  /** Bound of a study modification, which rewrites every instance (default 5 min). */
  modifyTimeoutMs?: number;
}

/** `GET /system`: what health checks need. */
export interface OrthancSystem {
  Version: string;
  Name: string;
  DicomAet: string;
  DicomPort: number;
  ApiVersion: number;
}

/** One entry of `GET /changes`. */
export interface OrthancChange {
  Seq: number;
  /** `NewInstance`, `StableStudy`, `Deleted`, ... */
  ChangeType: string;
  /** `Instance`, `Series`, `Study` or `Patient`. */
  ResourceType: string;
  /** Orthanc id of the resource. */
  ID: string;
  Path: string;
  Date: string;
}

/** `GET /changes?since=&limit=`: `Last` is the Seq of the last change returned (or the newest one when none). */
export interface OrthancChanges {
  Changes: OrthancChange[];
  Done: boolean;
  Last: number;
}

/** One entry of `GET /studies/{id}/instances`. */
export interface OrthancInstance {
  ID: string;
  ParentSeries: string;
  MainDicomTags: Record<string, string>;
}

/** Body of `POST /studies/{id}/modify`. `Replace` values are strings or, for sequences, arrays of items. */
export interface OrthancModifyBody {
  Replace?: Record<string, unknown>;
  Remove?: string[];
  Keep?: string[];
  Force?: boolean;
}

/** Answer of `POST /studies/{id}/modify`: `ID` is the resulting study (the same one when its UIDs are kept). */
export interface OrthancModifyResult {
  ID: string;
  Path: string;
}

export interface OrthancClient {
  /** Base URL without a trailing slash; for names in logs. */
  readonly url: string;
  system(): Promise<OrthancSystem>;
  /** Orthanc id of the study with this Study Instance UID, or undefined when the archive has none. */
  lookupStudy(studyInstanceUid: string): Promise<string | undefined>;
  /** Study-level main DICOM tags as indexed (`AccessionNumber`, `StudyInstanceUID`, ...). */
  studyMainTags(id: string): Promise<Record<string, string>>;
  modifyStudy(id: string, body: OrthancModifyBody): Promise<OrthancModifyResult>;
  /**
   * Re-indexes the study's main tags from its instances. Needed after a modification that kept the UIDs:
   * Orthanc 1.10 replaces the instances but leaves the study-level tags (REST and C-FIND) as they were.
   */
  reconstructStudy(id: string): Promise<void>;
  deleteStudy(id: string): Promise<void>;
  changes(since: number, limit: number): Promise<OrthancChanges>;
  studyInstances(id: string): Promise<OrthancInstance[]>;
  /** The stored DICOM Part 10 file. */
  instanceFile(id: string): Promise<Uint8Array>;
  /** All tags of an instance in Orthanc's simplified JSON (keyword → string or array of items). */
  instanceTags(id: string): Promise<Record<string, unknown>>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MODIFY_TIMEOUT_MS = 300_000;

/** A failed Orthanc call: the operation, the HTTP status when there was one, never the response body. */
export class PacsError extends AcclinkError {
  /** HTTP status of the answer; undefined for `PACS_UNAVAILABLE`. */
  readonly status: number | undefined;
  /** The operation, e.g. `modify`, for details and logs. */
  readonly operation: string;
  constructor(code: ErrorCode, operation: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.name = 'PacsError';
    this.operation = operation;
    this.status = options.status;
  }

  /** True for failures worth retrying: no answer, or a 5xx / 408 / 429 status. */
  get transient(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** `ECONNREFUSED`, `TimeoutError`...: the errno or error name of a fetch failure, without its message. */
/** A transport failure's code (`ECONNREFUSED`, `TimeoutError`…) for error messages: never text that could quote data. */
export function failureName(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(cause.code)) return cause.code;
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) ? name : 'unknown';
}

type Expect = 'json' | 'bytes' | 'none';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasStrings = (v: unknown, ...keys: string[]): boolean => isObject(v) && keys.every((k) => typeof v[k] === 'string');

/** Minimal shape checks: a proxy or another server answering on the URL must not pass as Orthanc. */
const SHAPES = {
  system: (v: unknown) => hasStrings(v, 'Version'),
  lookup: (v: unknown) => Array.isArray(v) && v.every((r) => hasStrings(r, 'ID', 'Type')),
  study: (v: unknown) => isObject(v) && (v.MainDicomTags === undefined || isObject(v.MainDicomTags)),
  modify: (v: unknown) => hasStrings(v, 'ID'),
  changes: (v: unknown) => isObject(v) && Array.isArray(v.Changes) && typeof v.Done === 'boolean' && typeof v.Last === 'number'
    && v.Changes.every((c) => hasStrings(c, 'ChangeType', 'ResourceType', 'ID') && typeof (c as { Seq?: unknown }).Seq === 'number'),
  instances: (v: unknown) => Array.isArray(v) && v.every((i) => hasStrings(i, 'ID', 'ParentSeries')),
  tags: isObject,
} as const;

/**
 * Creates a client. Paths are built from Orthanc ids and fixed segments only; ids are URI-encoded.
 * @throws AcclinkError CONFIG_INVALID when the URL holds a user name or password
 * @see https://orthanc.uclouvain.be/book/users/rest.html
 */
export function createOrthancClient(opts: OrthancClientOptions): OrthancClient {
  const base = opts.url.replace(/\/+$/, '');
  // The URL ends up in sink names and logs; a password inside it would too (and fetch refuses it anyway).
  if (URL.canParse(base) && new URL(base).username !== '') {
    throw new AcclinkError(ErrorCode.ConfigInvalid, 'the Orthanc URL must not hold credentials; pass them as `credentials`');
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const modifyTimeoutMs = opts.modifyTimeoutMs ?? DEFAULT_MODIFY_TIMEOUT_MS;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.credentials) {
    const token = Buffer.from(`${opts.credentials.username}:${opts.credentials.password}`, 'utf8').toString('base64');
    headers.Authorization = `Basic ${token}`;
  }

  async function call(operation: string, method: string, path: string, expect: Expect, init: { body?: string; timeoutMs?: number; shape?: (v: unknown) => boolean } = {}): Promise<unknown> {
    const limitMs = init.timeoutMs ?? timeoutMs;
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: init.body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(limitMs),
      });
    } catch (e) {
      throw new PacsError(ErrorCode.PacsUnavailable, operation, `Orthanc ${operation}: no answer (${failureName(e)})`, { cause: e });
    }
    try {
      if (!response.ok) {
        // Drain without reading: Orthanc's error bodies may quote the request's tag values.
        await response.body?.cancel();
        throw new PacsError(ErrorCode.PacsRequestFailed, operation, `Orthanc ${operation}: HTTP ${response.status}`, { status: response.status });
      }
      if (expect === 'bytes') return new Uint8Array(await response.arrayBuffer());
      if (expect === 'none') {
        await response.body?.cancel();
        return undefined;
      }
      const value: unknown = await response.json();
      if (init.shape && !init.shape(value)) throw new PacsError(ErrorCode.PacsUnavailable, operation, `Orthanc ${operation}: unexpected answer`);
      return value;
    } catch (e) {
      if (e instanceof PacsError) throw e;
      // The body stopped (timeout, reset) or was not JSON: no usable answer either way.
      throw new PacsError(ErrorCode.PacsUnavailable, operation, `Orthanc ${operation}: answer unreadable (${failureName(e)})`, { cause: e });
    }
  }

  const id = (v: string): string => encodeURIComponent(v);

  return {
    url: base,
    system: async () => (await call('system', 'GET', '/system', 'json', { shape: SHAPES.system })) as OrthancSystem,
    lookupStudy: async (studyInstanceUid) => {
      // /tools/lookup answers every level whose identifier matches; only a Study entry counts.
      const found = (await call('lookup', 'POST', '/tools/lookup', 'json', { body: studyInstanceUid, shape: SHAPES.lookup })) as Array<{ ID: string; Type: string }>;
      return found.find((r) => r.Type === 'Study')?.ID;
    },
    studyMainTags: async (studyId) => {
      const study = (await call('study', 'GET', `/studies/${id(studyId)}`, 'json', { shape: SHAPES.study })) as { MainDicomTags?: Record<string, string> };
      return study.MainDicomTags ?? {};
    },
    modifyStudy: async (studyId, body) =>
      (await call('modify', 'POST', `/studies/${id(studyId)}/modify`, 'json', { body: JSON.stringify(body), timeoutMs: modifyTimeoutMs, shape: SHAPES.modify })) as OrthancModifyResult,
    reconstructStudy: async (studyId) => {
      await call('reconstruct', 'POST', `/studies/${id(studyId)}/reconstruct`, 'none', { body: '{}', timeoutMs: modifyTimeoutMs });
    },
    deleteStudy: async (studyId) => {
      await call('delete', 'DELETE', `/studies/${id(studyId)}`, 'none');
    },
    changes: async (since, limit) => (await call('changes', 'GET', `/changes?since=${Math.trunc(since)}&limit=${Math.trunc(limit)}`, 'json', { shape: SHAPES.changes })) as OrthancChanges,
    studyInstances: async (studyId) => (await call('instances', 'GET', `/studies/${id(studyId)}/instances`, 'json', { shape: SHAPES.instances })) as OrthancInstance[],
    instanceFile: async (instanceId) => (await call('file', 'GET', `/instances/${id(instanceId)}/file`, 'bytes')) as Uint8Array,
    instanceTags: async (instanceId) => (await call('tags', 'GET', `/instances/${id(instanceId)}/tags?simplify`, 'json', { shape: SHAPES.tags })) as Record<string, unknown>,
  };
}
