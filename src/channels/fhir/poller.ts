/**
 * FHIR poller: asks a FHIR server for the ImagingStudy, DiagnosticReport and ServiceRequest resources
 * changed since the last poll and ingests them, for servers that cannot push (no Subscriptions).
 *
 * Each type is searched with `_lastUpdated=ge<mark>&_sort=_lastUpdated&_count=<pageSize>` (everything
 * when there is no mark yet), `_include`s of the subject (and a report's order) so references resolve,
 * and its `next` links are followed. After each page is ingested, that type's mark advances to the
 * greatest `meta.lastUpdated` seen; a failing ingest (or search) stops the poll and leaves the mark.
 *
 * Why `ge` and a mark per type:
 * - several resources can share one `lastUpdated` instant (bulk loads, millisecond clocks), and a page
 *   boundary can fall between them: `gt` would lose the rest. `ge` finds them again, and the ids
 *   (`id@versionId`) already seen at exactly the mark instant are skipped;
 * - one mark for all types would lose a study updated while the report search was running once a
 *   later report moved the shared mark past it.
 * The checkpoint string is therefore a small JSON document, `{"ImagingStudy":{"at":"…","ids":["…"]},…}`.
 * A plain instant (e.g. an operator's "from now on") is read as the starting mark of every type.
 *
 * Limits: offset-paged servers (medplum) can shift a result across a page boundary when a resource is
 * updated during paging; servers that page a stored result set (HAPI `_getpages`) do not.
 * @see https://hl7.org/fhir/R4/search.html#lastUpdated
 * @see https://hl7.org/fhir/R4/search.html#_sort
 * @see https://hl7.org/fhir/R4/http.html#paging
 */
import type { Client, FhirResource, RequestOptions, SearchParams } from 'fhir-kit-client';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { InputRejection } from '../../model/types.ts';
import type { FhirEndpoint } from './client.ts';
import { createFhirClient, DEFAULT_FHIR_TIMEOUT_MS, endpointName, fhirCall, FhirError, isResource } from './client.ts';
import { RECORD_TYPES, resourcesToRecords } from './records.ts';
import type { FhirIngest, ReceivedResource, RecordType } from './records.ts';

/** Where the poller keeps its position (the engine backs it with `Store.getCheckpoint`/`putCheckpoint`). */
export interface PollCheckpoint {
  get(): Promise<string | undefined>;
  set(value: string): Promise<void>;
}

export interface FhirPollerOptions extends FhirEndpoint {
  /** Types to poll (default all three). */
  types?: RecordType[];
  checkpoint: PollCheckpoint;
  ingest: FhirIngest;
  /** `_count` of each search page (default 100). */
  pageSize?: number;
  /** Bound of each request (default 10 s). */
  timeoutMs?: number;
  /** Ask for the subject (and a report's `basedOn`) with `_include` (default true; off for servers that refuse it). */
  include?: boolean;
  /** Resources that could not be read (no UID, no id): they are skipped, and reported here (codes and reasons only). */
  onRejected?: (rejections: InputRejection[]) => void;
  /** Failures of background polls started with `start` (FhirError or the ingest's error). */
  onError?: (error: unknown) => void;
}

/** What one poll did. */
export interface PollSummary {
  pages: number;
  /** Changed resources received (after skipping those seen at the mark instant). */
  resources: number;
  scans: number;
  reports: number;
}

export interface FhirPoller {
  /** One pass over every type; resolves after the last page is ingested and the checkpoint written. */
  pollOnce(): Promise<PollSummary>;
  /** Polls now and then every `intervalMs` after the previous pass ended. */
  start(intervalMs: number): void;
  /** Stops polling; resolves once a pass in progress has ended. */
  stop(): Promise<void>;
}

/** Per type: the greatest `lastUpdated` seen, and the resources (`id@versionId`) seen at exactly it. */
export interface PollMark {
  at: string;
  ids: string[];
}
export type PollMarks = Partial<Record<RecordType, PollMark>>;

const INCLUDES: Record<RecordType, string[]> = {
  ImagingStudy: ['ImagingStudy:subject'],
  DiagnosticReport: ['DiagnosticReport:subject', 'DiagnosticReport:based-on'],
  ServiceRequest: ['ServiceRequest:subject'],
};

function badCheckpoint(): AcclinkError {
  return new AcclinkError(ErrorCode.Usage, 'FHIR poller checkpoint is neither an instant nor a checkpoint document');
}

/** Reads a checkpoint string: a JSON document of marks, or one instant for every type. */
export function parseCheckpoint(value: string | undefined, types: readonly RecordType[] = RECORD_TYPES): PollMarks {
  if (value === undefined || value.trim() === '') return {};
  if (!value.trim().startsWith('{')) {
    if (Number.isNaN(Date.parse(value))) throw badCheckpoint();
    return Object.fromEntries(types.map((t) => [t, { at: value.trim(), ids: [] }]));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    throw badCheckpoint();
  }
  const marks: PollMarks = {};
  for (const t of RECORD_TYPES) {
    const m = (doc as Record<string, { at?: unknown; ids?: unknown } | undefined>)[t];
    if (m === undefined) continue;
    if (typeof m.at !== 'string' || Number.isNaN(Date.parse(m.at)) || !Array.isArray(m.ids)) throw badCheckpoint();
    marks[t] = { at: m.at, ids: m.ids.filter((i): i is string => typeof i === 'string') };
  }
  return marks;
}

export function formatCheckpoint(marks: PollMarks): string {
  return JSON.stringify(marks);
}

const lastUpdated = (r: FhirResource): string | undefined => {
  const v = (r['meta'] as { lastUpdated?: unknown } | undefined)?.lastUpdated;
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : undefined;
};
const versionKey = (r: FhirResource): string => {
  const v = (r['meta'] as { versionId?: unknown } | undefined)?.versionId;
  return typeof v === 'string' ? `${String(r['id'])}@${v}` : String(r['id']);
};
/** Instants compare by time, not text (`+00:00` vs `Z`); sub-millisecond digits count as equal, which only re-reads. */
const cmp = (a: string, b: string): number => Date.parse(a) - Date.parse(b);

/** The mark after these resources: the greatest instant, with every id seen at it. */
export function advanceMark(mark: PollMark | undefined, resources: readonly FhirResource[]): PollMark | undefined {
  let m = mark === undefined ? undefined : { at: mark.at, ids: [...mark.ids] };
  for (const r of resources) {
    const at = lastUpdated(r);
    if (at === undefined) continue;
    if (m === undefined || cmp(at, m.at) > 0) m = { at, ids: [versionKey(r)] };
    else if (cmp(at, m.at) === 0 && !m.ids.includes(versionKey(r))) m.ids.push(versionKey(r));
  }
  return m;
}

interface Page {
  matches: FhirResource[];
  context: ReceivedResource[];
}

function splitPage(bundle: FhirResource, type: RecordType): Page {
  const page: Page = { matches: [], context: [] };
  for (const e of Array.isArray(bundle['entry']) ? (bundle['entry'] as Record<string, unknown>[]) : []) {
    const r = e['resource'];
    if (!isResource(r)) continue;
    const mode = (e['search'] as { mode?: unknown } | undefined)?.mode;
    const fullUrl = typeof e['fullUrl'] === 'string' ? e['fullUrl'] : undefined;
    if (r.resourceType === type && mode !== 'include' && mode !== 'outcome') page.matches.push(r);
    else if (mode !== 'outcome') page.context.push(fullUrl === undefined ? { resource: r } : { resource: r, fullUrl });
  }
  return page;
}

/** Creates a poller for one server. */
export function createFhirPoller(opts: FhirPollerOptions): FhirPoller {
  const client = createFhirClient(opts);
  const types = opts.types ?? [...RECORD_TYPES];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_FHIR_TIMEOUT_MS;
  const path = endpointName(opts.baseUrl);
  const origin = new URL(opts.baseUrl).origin;

  const firstPage = (type: RecordType, mark: PollMark | undefined): Promise<FhirResource> => {
    const searchParams: SearchParams = { _sort: '_lastUpdated', _count: opts.pageSize ?? 100 };
    if (mark !== undefined) searchParams['_lastUpdated'] = `ge${mark.at}`;
    if (opts.include !== false) searchParams['_include'] = INCLUDES[type];
    return fhirCall('search', timeoutMs, (options) => client.resourceSearch({ resourceType: type, searchParams, options }));
  };

  const pollType = async (type: RecordType, marks: PollMarks, sum: PollSummary): Promise<void> => {
    const start = marks[type];
    const seen = new Set(start?.ids ?? []);
    let bundle: FhirResource | undefined = await firstPage(type, start);
    while (bundle !== undefined) {
      if (bundle.resourceType !== 'Bundle') throw new FhirError(ErrorCode.FhirRequestFailed, 'FHIR search answered something other than a Bundle', { status: 502 });
      sum.pages += 1;
      const page = splitPage(bundle, type);
      const fresh = page.matches.filter((r) => !(start !== undefined && lastUpdated(r) !== undefined && cmp(lastUpdated(r) ?? '', start.at) === 0 && seen.has(versionKey(r))));
      if (fresh.length > 0) {
        const keep = new Set(fresh.map((r) => `${type}/${String(r['id'])}`));
        const converted = resourcesToRecords([...fresh.map((resource) => ({ resource })), ...page.context], path, keep);
        if (converted.rejections.length > 0) opts.onRejected?.(converted.rejections);
        if (converted.batch.scans.length + converted.batch.reports.length > 0) await opts.ingest(converted.batch);
        Object.assign(sum, { resources: sum.resources + fresh.length, scans: sum.scans + converted.batch.scans.length, reports: sum.reports + converted.batch.reports.length });
        const mark = advanceMark(marks[type], fresh);
        if (mark !== undefined) {
          marks[type] = mark;
          await opts.checkpoint.set(formatCheckpoint(marks));
        }
      }
      bundle = await nextPage(client, bundle, origin, timeoutMs);
    }
  };

  let running: Promise<PollSummary> | undefined;
  const pollOnce = (): Promise<PollSummary> => {
    // One pass at a time: a manual poll during a background one waits for it, then runs.
    const previous = running ?? Promise.resolve(undefined);
    const pass = previous.catch(() => undefined).then(async () => {
      const marks = parseCheckpoint(await opts.checkpoint.get(), types);
      const sum: PollSummary = { pages: 0, resources: 0, scans: 0, reports: 0 };
      for (const type of types) await pollType(type, marks, sum);
      return sum;
    });
    running = pass;
    void pass.catch(() => undefined).finally(() => {
      if (running === pass) running = undefined;
    });
    return pass;
  };

  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  const loop = (intervalMs: number): void => {
    pollOnce()
      .catch((e: unknown) => opts.onError?.(e))
      .finally(() => {
        if (!stopped) timer = setTimeout(() => loop(intervalMs), intervalMs);
      });
  };
  return {
    pollOnce,
    start: (intervalMs) => {
      if (!stopped) return;
      stopped = false;
      loop(intervalMs);
    },
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

/** The `next` page, when the server links one on its own origin (the token is not sent elsewhere). */
async function nextPage(client: Client, bundle: FhirResource, origin: string, timeoutMs: number): Promise<FhirResource | undefined> {
  const links = Array.isArray(bundle['link']) ? (bundle['link'] as { relation?: unknown; url?: unknown }[]) : [];
  const next = links.find((l) => l.relation === 'next');
  if (typeof next?.url !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(next.url);
  } catch {
    throw new FhirError(ErrorCode.FhirRequestFailed, 'FHIR search next link is not an absolute URL', { status: 502 });
  }
  if (url.origin !== origin) throw new FhirError(ErrorCode.FhirRequestFailed, 'FHIR search next link points to another server', { status: 502 });
  const b = { ...bundle, link: [{ relation: 'next', url: next.url }] };
  return fhirCall('search', timeoutMs, (options: RequestOptions) => client.nextPage({ bundle: b, options }) ?? Promise.resolve(undefined));
}
