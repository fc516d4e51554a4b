/**
 * PACS source for any archive with DICOMweb: searches studies with QIDO-RS by Study Date and turns every
 * study not seen before into a {@link Scan}, read through the same header reader and aggregation as the
 * batch path (dicom-folder.ts) and the Orthanc poller.
 *
 * Per new study: its series (QIDO-RS, with their instance counts), the first instance of each series
 * (QIDO-RS, `limit=1`), that instance retrieved as Part 10 bytes (WADO-RS, multipart/related) and read by
 * `readDicomHeader`, then `aggregateStudies`. The header reader takes Part 10 bytes only, so the DICOM
 * JSON metadata route is not used: it would need a second header reader that could drift from the batch one.
 *
 * Checkpoint (JSON `{ "date": "YYYYMMDD", "seen": [StudyInstanceUID...] }`): the Study Date searched
 * from, and the studies already handed to `onScan` dated on or after it. New studies are handled in
 * (date, UID) order and the checkpoint moves after each `onScan` resolved, so a crash or a failing
 * `onScan` makes the next poll read that study again (at-least-once).
 *
 * Deliberate limits: a study is ingested once per UID; instances that arrive later (a growing study) or
 * edited headers do not bring it again (Orthanc's /changes poller does that, via StableStudy). A study
 * that reaches the archive dated before the checkpoint date (a late import of an old study) is not
 * searched for, nor is one without a Study Date once a dated study has been handled. The checkpoint date
 * never passes today (local date), so one study dated in the future cannot hide the studies of today.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part18/sect_10.6.html (QIDO-RS search)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part18/sect_10.4.html (WADO-RS retrieve)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part18/chapter_F.html (DICOM JSON model)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part04/sect_C.2.2.2.5.html (range matching)
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { InputRejection, Scan } from '../../model/types.ts';
import { aggregateStudies } from '../../transforms/dicom/aggregate.ts';
import type { DicomInstanceHeader } from '../../transforms/dicom/header.ts';
import { readDicomHeader } from '../../transforms/dicom/header.ts';
import { parseContentType, parseMultipart } from './multipart.ts';
import { failureName, PacsError, type OrthancCredentials } from './orthanc-client.ts';
import type { PollCheckpoint } from './orthanc-poller.ts';
import { createPollLoop } from '../poll-loop.ts';
import { handOverStudy, type ReadStudy } from './hand-over.ts';

export interface QidoPollerOptions {
  /** DICOMweb root, e.g. `http://127.0.0.1:8042/dicom-web` (must not hold credentials). */
  baseUrl: string;
  credentials?: OrthancCredentials;
  checkpoint: PollCheckpoint;
  /** Called once per new study; the checkpoint records the study only after it resolves. */
  onScan: (scan: Scan) => Promise<void>;
  /** Instances that could not be read (skipped), and study-level warnings (instances disagree). */
  onRejected?: (rejection: InputRejection) => void;
  /** Errors of polls run by `start` (a `pollOnce` caller gets them thrown instead); the loop goes on. */
  onError?: (error: unknown) => void;
  /** Studies asked for per QIDO-RS request (`limit`, default 100). */
  pageSize?: number;
  /** Bound of every request (default 10 s). */
  timeoutMs?: number;
  /** Today, for capping the checkpoint date (default: the system clock). */
  now?: () => Date;
}

export interface QidoPollResult {
  /** Scans handed to `onScan`. */
  studies: number;
  /** Rejections reported through `onRejected`. */
  rejected: number;
  /** The checkpoint date after the poll (`YYYYMMDD`), undefined while no dated study was handled. */
  date: string | undefined;
}

export interface QidoPoller {
  /** Searches from the checkpoint and handles every new study; rejects with the first `onScan` or archive error. */
  pollOnce(): Promise<QidoPollResult>;
  /** Polls now and then every `intervalMs` after each poll ends; no-op when running. */
  start(intervalMs: number): void;
  /** Stops the loop and waits for a poll in progress (it ends after its current study). */
  stop(): Promise<void>;
}

interface QidoState {
  date: string | undefined;
  seen: string[];
}

/** One QIDO-RS study match. `date` is `YYYYMMDD`, or '' when the study has none. */
interface StudyRow {
  uid: string;
  date: string;
  instances: number | undefined;
}

type DicomJson = Record<string, unknown>;

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Safety stop for servers that ignore `offset` and answer the same page forever. */
const MAX_PAGES = 1000;
const TAG = { studyDate: '00080020', studyUid: '0020000D', seriesUid: '0020000E', sopUid: '00080018', studyInstances: '00201208', seriesInstances: '00201209' } as const;
const DICOM_PART = 'application/dicom';

function parseCheckpoint(value: string | undefined): QidoState {
  if (value === undefined || value === '') return { date: undefined, seen: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    raw = undefined;
  }
  const r = raw as { date?: unknown; seen?: unknown } | undefined;
  const dateOk = r?.date === undefined || (typeof r.date === 'string' && /^\d{8}$/.test(r.date));
  if (typeof r !== 'object' || r === null || !dateOk || !Array.isArray(r.seen) || !r.seen.every((u) => typeof u === 'string')) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, 'the DICOMweb poll checkpoint is not a { date, seen } JSON object');
  }
  return { date: r.date as string | undefined, seen: r.seen };
}

/** First value of an attribute of a DICOM JSON object; keys are upper-case hex, lower case tolerated. */
function value(obj: DicomJson, tag: string): unknown {
  const attr = (obj[tag] ?? obj[tag.toLowerCase()]) as { Value?: unknown } | undefined;
  return Array.isArray(attr?.Value) ? (attr.Value as unknown[])[0] : undefined;
}

function text(obj: DicomJson, tag: string): string | undefined {
  const v = value(obj, tag);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** IS values are numbers in DICOM JSON; some servers send strings. */
function count(obj: DicomJson, tag: string): number | undefined {
  const v = value(obj, tag);
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function localDate(d: Date): string {
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

interface DicomWeb {
  search(operation: string, path: string): Promise<DicomJson[]>;
  retrieve(path: string): Promise<Uint8Array | undefined>;
}

/**
 * The two DICOMweb calls the poller needs. Errors are {@link PacsError}s (PACS_UNAVAILABLE without an
 * answer, PACS_REQUEST_FAILED with the status); bodies are never quoted, they may hold patient data.
 */
function createDicomWeb(base: string, credentials: OrthancCredentials | undefined, timeoutMs: number): DicomWeb {
  const auth: Record<string, string> = credentials
    ? { Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}` }
    : {};
  async function call<T>(operation: string, path: string, accept: string, read: (r: Response) => Promise<T>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { headers: { ...auth, Accept: accept }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new PacsError(ErrorCode.PacsUnavailable, operation, `DICOMweb ${operation}: no answer (${failureName(e)})`, { cause: e });
    }
    try {
      if (!response.ok) {
        await response.body?.cancel();
        throw new PacsError(ErrorCode.PacsRequestFailed, operation, `DICOMweb ${operation}: HTTP ${response.status}`, { status: response.status });
      }
      return await read(response);
    } catch (e) {
      if (e instanceof PacsError) throw e;
      throw new PacsError(ErrorCode.PacsUnavailable, operation, `DICOMweb ${operation}: answer unreadable (${failureName(e)})`, { cause: e });
    }
  }
  return {
    // 204 No Content is how QIDO-RS may say "no matches".
    search: (operation, path) => call(operation, path, 'application/dicom+json', async (r) => {
      if (r.status === 204) return [];
      const body: unknown = await r.json();
      if (!Array.isArray(body) || !body.every((o) => typeof o === 'object' && o !== null && !Array.isArray(o))) {
        throw new PacsError(ErrorCode.PacsUnavailable, operation, `DICOMweb ${operation}: unexpected answer`);
      }
      return body as DicomJson[];
    }),
    retrieve: (path) => call('retrieve', path, `multipart/related; type="${DICOM_PART}"`, async (r) => {
      const { type, params } = parseContentType(r.headers.get('content-type') ?? '');
      const bytes = new Uint8Array(await r.arrayBuffer());
      if (type !== 'multipart/related' || params.boundary === undefined) throw new PacsError(ErrorCode.PacsUnavailable, 'retrieve', 'DICOMweb retrieve: not a multipart/related answer');
      const parts = parseMultipart(bytes, params.boundary);
      return parts.find((p) => parseContentType(p.headers['content-type'] ?? DICOM_PART).type === DICOM_PART)?.body;
    }),
  };
}

const enc = (uid: string): string => encodeURIComponent(uid);

/** The study as a Scan plus rejections; undefined when it vanished meanwhile (404) or has no instance left. */
async function readStudy(web: DicomWeb, row: StudyRow): Promise<ReadStudy | undefined> {
  const study = `/studies/${enc(row.uid)}`;
  try {
    const series = await web.search('series', `${study}/series?includefield=${TAG.seriesInstances}`);
    const headers: DicomInstanceHeader[] = [];
    const rejections: InputRejection[] = [];
    let summed: number | undefined = 0;
    for (const s of series) {
      const seriesUid = text(s, TAG.seriesUid);
      if (seriesUid === undefined) continue;
      const n = count(s, TAG.seriesInstances);
      summed = summed === undefined || n === undefined ? undefined : summed + n;
      const path = `${study}/series/${enc(seriesUid)}`;
      const sop = text((await web.search('instances', `${path}/instances?limit=1`))[0] ?? {}, TAG.sopUid);
      if (sop === undefined) continue;
      const source = { kind: 'dicom' as const, path: `dicomweb${path}/instances/${sop}` };
      const bytes = await web.retrieve(`${path}/instances/${enc(sop)}`);
      const result = readDicomHeader(bytes ?? new Uint8Array(0), source);
      if (result.ok) headers.push(result.instance);
      else rejections.push(result.rejection);
    }
    const aggregated = aggregateStudies(headers);
    rejections.push(...aggregated.rejections);
    const first = aggregated.records[0];
    if (first === undefined) return { rejections };
    // Counts come from the archive: only one instance per series was read.
    const instanceCount = row.instances ?? summed ?? first.instanceCount;
    return { scan: { ...first, seriesCount: series.length, instanceCount }, rejections };
  } catch (e) {
    if (e instanceof PacsError && e.status === 404) return undefined;
    throw e;
  }
}

/** Every study matching the date range, page by page (`limit`/`offset`). */
async function searchStudies(web: DicomWeb, date: string | undefined, pageSize: number): Promise<StudyRow[]> {
  const rows = new Map<string, StudyRow>();
  const range = date === undefined ? '' : `StudyDate=${date}-&`;
  for (let page = 0, offset = 0; page < MAX_PAGES; page++) {
    const fields = `includefield=${TAG.studyDate}&includefield=${TAG.studyInstances}`;
    const found = await web.search('search', `/studies?${range}${fields}&limit=${pageSize}&offset=${offset}`);
    let fresh = 0;
    for (const o of found) {
      const uid = text(o, TAG.studyUid);
      if (uid === undefined || rows.has(uid)) continue;
      const studyDate = text(o, TAG.studyDate) ?? '';
      rows.set(uid, { uid, date: /^\d{8}$/.test(studyDate) ? studyDate : '', instances: count(o, TAG.studyInstances) });
      fresh++;
    }
    // A server may cap `limit` below ours, so only an empty (or all-repeated) page ends the search.
    if (found.length === 0 || fresh === 0) break;
    offset += found.length;
  }
  return [...rows.values()];
}

/** The state after handling `row`: the date moves up to the study's (capped at today), `seen` keeps the UIDs still in range. */
function advance(state: QidoState, row: StudyRow, today: string, dates: ReadonlyMap<string, string>): QidoState {
  const date = row.date === '' ? state.date : row.date < today ? row.date : today;
  if (date === undefined || (state.date !== undefined && date <= state.date)) return { date: state.date, seen: [...state.seen, row.uid] };
  return { date, seen: [...state.seen.filter((u) => (dates.get(u) ?? '') >= date), row.uid] };
}

/**
 * Creates a poller over a DICOMweb root. Polls never overlap; the checkpoint never moves backwards.
 * @throws AcclinkError CONFIG_INVALID when the URL holds a user name or password
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part18/sect_10.6.html
 */
export function createQidoPoller(opts: QidoPollerOptions): QidoPoller {
  const base = opts.baseUrl.replace(/\/+$/, '');
  if (URL.canParse(base) && new URL(base).username !== '') {
    throw new AcclinkError(ErrorCode.ConfigInvalid, 'the DICOMweb URL must not hold credentials; pass them as `credentials`');
  }
  const web = createDicomWeb(base, opts.credentials, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const pageSize = Math.max(1, Math.trunc(opts.pageSize ?? DEFAULT_PAGE_SIZE));
  const now = opts.now ?? ((): Date => new Date());

  const run = async (): Promise<QidoPollResult> => {
    let state = parseCheckpoint(await opts.checkpoint.get());
    const rows = await searchStudies(web, state.date, pageSize);
    const dates = new Map(rows.map((r) => [r.uid, r.date]));
    const seen = new Set(state.seen);
    // Rows dated before the checkpoint are skipped too, in case a server ignores the date range.
    const fresh = rows
      .filter((r) => !seen.has(r.uid) && (state.date === undefined || r.date >= state.date))
      .sort((a, b) => (a.date === b.date ? (a.uid < b.uid ? -1 : 1) : a.date < b.date ? -1 : 1));
    const result: QidoPollResult = { studies: 0, rejected: 0, date: state.date };
    const today = localDate(now());
    for (const row of fresh) {
      if (loop.stopping) break;
      const read = await readStudy(web, row);
      await handOverStudy(read, opts, result);
      state = advance(state, row, today, dates);
      await opts.checkpoint.set(JSON.stringify(state));
    }
    result.date = state.date;
    return result;
  };

  const loop = createPollLoop(run, opts.onError);
  return loop;
}
