/**
 * FHIR inbound endpoint: a fastify plugin (register it with a prefix, e.g. `/fhir`) where a RIS, PACS
 * or interface engine pushes ImagingStudy, DiagnosticReport and ServiceRequest resources:
 * - `POST /<type>` (create) → 201, `PUT /<type>/<id>` (update) → 200;
 * - `POST /` with a `batch`, `transaction` or `collection` Bundle → `batch-response` /
 *   `transaction-response` Bundle (200), or an OperationOutcome for a collection. All or nothing:
 *   one unreadable resource refuses the whole Bundle; resources of other types, and entries that are
 *   not POST or PUT (a DELETE of an old report), are ignored with a warning;
 * - `POST /subscription-hook`: Subscription rest-hook notifications (see notification.ts). Handshakes
 *   and heartbeats are answered 200; `id-only` and `empty` payloads are refused 422 unless a
 *   `fetchResource` is configured to read the notified resources from the server.
 * Every answer comes after `ingest` resolved (the records are stored), so a 2xx means durable; an ingest
 * failure is 503 (`transient`), for the sender to retry. Errors are OperationOutcomes whose
 * diagnostics never quote the request. Bodies are never logged. Authentication is the host's.
 * @see https://hl7.org/fhir/R4/http.html#create
 * @see https://hl7.org/fhir/R4/http.html#update
 * @see https://hl7.org/fhir/R4/http.html#transaction
 * @see https://hl7.org/fhir/R5/subscription.html#notifications
 */
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply } from 'fastify';
import { ErrorCode } from '../../model/errors.ts';
import type { InputRejection } from '../../model/types.ts';
import { FhirError, isTransient } from './client.ts';
import { parseNotification } from './notification.ts';
import type { Notification } from './notification.ts';
import { issueTypeOfStatus, operationOutcome, outcome } from './outcome.ts';
import type { OutcomeIssue } from './outcome.ts';
import { RECORD_TYPES, resourcesToRecords, textToRecords } from './records.ts';
import type { ConvertedResources, FhirIngest, ReceivedResource } from './records.ts';

export interface FhirInboundOptions {
  /** Stores the records; the request is answered only after it resolved. */
  ingest: FhirIngest;
  /**
   * Reads a notified resource by reference (absolute URL or `Type/id`) for id-only notifications;
   * resolves `undefined` when it no longer exists. Without it, id-only notifications are refused (422).
   */
  fetchResource?: (reference: string) => Promise<unknown>;
  /** SourceRef path of the records (default `fhir-inbound`). */
  sourcePath?: string;
  /** Largest accepted body (default 16 MiB). */
  bodyLimitBytes?: number;
}

/** Media types read as FHIR JSON (`application/json+fhir` is the DSTU2 spelling some senders keep). */
export const FHIR_JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir'];
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

interface Answer {
  status: number;
  body: unknown;
}

const fail = (status: number, code: OutcomeIssue['code'], diagnostics: string): Answer => ({ status, body: outcome('error', code, diagnostics) });

function parseBody(body: unknown): { value: unknown; text: string } | Answer {
  if (typeof body !== 'string' || body.trim() === '') return fail(400, 'structure', 'the request has no body');
  try {
    return { value: JSON.parse(body) as unknown, text: body };
  } catch {
    return fail(400, 'structure', 'the body is not valid JSON');
  }
}

const isAnswer = (v: unknown): v is Answer => typeof v === 'object' && v !== null && 'status' in v && 'body' in v;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function rejectionIssue(r: InputRejection, inBundle: boolean, severity: OutcomeIssue['severity']): OutcomeIssue {
  const code = r.code === ErrorCode.FhirMissingField ? 'required' : r.code === ErrorCode.FhirUnsupportedResource ? 'not-supported' : 'invalid';
  const issue: OutcomeIssue = { severity, code, diagnostics: r.reason, errorCode: r.code };
  if (inBundle && r.source.index !== undefined) issue.expression = [`Bundle.entry[${r.source.index}].resource`];
  return issue;
}

function counts(c: ConvertedResources): string {
  return `${c.batch.scans.length} ImagingStudy and ${c.batch.reports.length} report or order resource(s)`;
}

/**
 * Stores what was read, or says why not: unreadable resources → 422 (nothing stored); ingest failure →
 * 503; else `success` (called with the informational issues).
 */
async function store(c: ConvertedResources, inBundle: boolean, ingest: FhirIngest, log: FastifyBaseLogger, success: (issues: OutcomeIssue[]) => Answer): Promise<Answer> {
  if (c.rejections.length > 0) {
    return { status: 422, body: operationOutcome(c.rejections.map((r) => rejectionIssue(r, inBundle, 'error'))) };
  }
  const issues = [
    ...c.ignored.map((r) => rejectionIssue(r, inBundle, 'warning')),
    { severity: 'information' as const, code: 'informational' as const, diagnostics: `accepted ${counts(c)}` },
  ];
  if (c.batch.scans.length + c.batch.reports.length > 0) {
    try {
      await ingest(c.batch);
    } catch (e) {
      const code = isObj(e) && typeof e['code'] === 'string' ? e['code'] : undefined;
      log.warn({ err: { type: e instanceof Error ? e.name : typeof e, code } }, 'FHIR inbound: ingest failed; answered 503');
      return fail(503, 'transient', 'the records could not be stored; retry later');
    }
  }
  return success(issues);
}

/** `POST /<type>` and `PUT /<type>/<id>`: one resource of the URL's type. */
async function oneResource(body: unknown, type: string, id: string | undefined, o: Required<Pick<FhirInboundOptions, 'ingest' | 'sourcePath'>>, log: FastifyBaseLogger): Promise<Answer> {
  const parsed = parseBody(body);
  if (isAnswer(parsed)) return parsed;
  if (!isObj(parsed.value) || parsed.value['resourceType'] !== type) return fail(400, 'invalid', `the body is not a ${type} resource`);
  if (id !== undefined && parsed.value['id'] !== id) return fail(400, 'invalid', 'the resource id does not match the URL');
  const converted = textToRecords(parsed.text, o.sourcePath);
  return store(converted, false, o.ingest, log, (issues) => ({ status: id === undefined ? 201 : 200, body: operationOutcome(issues) }));
}

/** `POST /`: a batch, transaction or collection Bundle, all or nothing. */
async function bundle(body: unknown, o: Required<Pick<FhirInboundOptions, 'ingest' | 'sourcePath'>>, log: FastifyBaseLogger): Promise<Answer> {
  const parsed = parseBody(body);
  if (isAnswer(parsed)) return parsed;
  const b = parsed.value;
  if (!isObj(b) || b['resourceType'] !== 'Bundle') return fail(400, 'invalid', 'POST to the base takes a Bundle');
  const type = b['type'];
  if (type !== 'batch' && type !== 'transaction' && type !== 'collection') {
    return fail(422, 'not-supported', 'only batch, transaction and collection Bundles are accepted here');
  }
  const entries = Array.isArray(b['entry']) ? (b['entry'] as unknown[]) : [];
  const methods = entries.map((e) => (isObj(e) && isObj(e['request']) ? e['request']['method'] : undefined));
  const converted = textToRecords(parsed.text, o.sourcePath);
  return store(converted, true, o.ingest, log, (issues) => {
    if (type === 'collection') return { status: 200, body: operationOutcome(issues) };
    return { status: 200, body: { resourceType: 'Bundle', type: `${type}-response`, entry: methods.map(entryResponse) } };
  });
}

/** Entries other than POST and PUT (DELETE, GET...) carry nothing to read: answered, with a warning, and ignored. */
function entryResponse(method: unknown): { response: { status: string; outcome?: unknown } } {
  if (method === 'POST') return { response: { status: '201 Created' } };
  if (method === 'PUT') return { response: { status: '200 OK' } };
  return { response: { status: '200 OK', outcome: outcome('warning', 'not-supported', 'entry ignored: only POST and PUT entries are read here') } };
}

/** Resources of an id-only notification, read from the server; `undefined` entries no longer exist. */
async function fetchAll(n: Notification, fetchResource: (reference: string) => Promise<unknown>, log: FastifyBaseLogger): Promise<ReceivedResource[] | Answer> {
  const out: ReceivedResource[] = [];
  for (const ref of n.references) {
    try {
      const resource = await fetchResource(ref);
      if (resource !== undefined) out.push({ resource });
    } catch (e) {
      if (e instanceof FhirError && !isTransient(e)) {
        return fail(422, 'processing', `a notified resource could not be read (${e.code}${e.status === undefined ? '' : ` HTTP ${e.status}`})`);
      }
      log.warn({ err: { type: e instanceof Error ? e.name : typeof e } }, 'FHIR inbound: reading a notified resource failed; answered 503');
      return fail(503, 'transient', 'a notified resource could not be read from its server; retry later');
    }
  }
  return out;
}

/** `POST /subscription-hook`. */
async function notification(body: unknown, o: Required<Pick<FhirInboundOptions, 'ingest' | 'sourcePath'>> & Pick<FhirInboundOptions, 'fetchResource'>, log: FastifyBaseLogger): Promise<Answer> {
  const parsed = parseBody(body);
  if (isAnswer(parsed)) return parsed;
  const n = parseNotification(parsed.value);
  if (typeof n === 'string') return fail(400, 'invalid', n);
  if (n.type !== 'event-notification' && n.type !== 'query-event') {
    return { status: 200, body: outcome('information', 'informational', `${n.type} received`) };
  }
  const emptyPayload = n.resources.length === 0 && n.references.length === 0 && n.eventCount > 0;
  if ((n.references.length > 0 || emptyPayload) && o.fetchResource === undefined) {
    return fail(422, 'not-supported', 'full-resource notification payloads are required (id-only and empty payloads are not read)');
  }
  if (emptyPayload) return fail(422, 'not-supported', 'the notification names no resource to read; full-resource payloads are required');
  const fetched = o.fetchResource === undefined ? [] : await fetchAll(n, o.fetchResource, log);
  if (isAnswer(fetched)) return fetched;
  const converted = resourcesToRecords([...n.resources, ...fetched], o.sourcePath);
  return store(converted, true, o.ingest, log, (issues) => ({ status: 200, body: operationOutcome(issues) }));
}

/** Fixed texts for errors the HTTP layer raises (their own messages may echo request headers). */
function httpErrorText(status: number): string {
  if (status === 415) return `the content type must be one of ${FHIR_JSON_TYPES.join(', ')}`;
  if (status === 413) return 'the request body is too large';
  if (status >= 500) return 'internal error';
  return 'the request was rejected';
}

/**
 * The plugin. Not wrapped in fastify-plugin on purpose: its content-type parsers, error and not-found
 * handlers stay inside its prefix.
 */
export function fhirInbound(opts: FhirInboundOptions): FastifyPluginAsync {
  const o = { ingest: opts.ingest, sourcePath: opts.sourcePath ?? 'fhir-inbound', fetchResource: opts.fetchResource };
  return (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(FHIR_JSON_TYPES, { parseAs: 'string', bodyLimit: opts.bodyLimitBytes ?? 16 * 1024 * 1024 }, (_req, body, done) => {
      done(null, body);
    });
    const send = (reply: FastifyReply, a: Answer): FastifyReply => reply.code(a.status).type(FHIR_JSON).send(a.body);
    app.setErrorHandler((err: { statusCode?: number; code?: string; name?: string }, req, reply) => {
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      if (status >= 500) req.log.error({ err: { type: err.name, code: err.code } }, 'FHIR inbound: request failed');
      return send(reply, fail(status, issueTypeOfStatus(status), httpErrorText(status)));
    });
    app.setNotFoundHandler((_req, reply) => send(reply, fail(404, 'not-supported', 'no such interaction: POST or PUT ImagingStudy, DiagnosticReport, ServiceRequest, a Bundle, or a notification')));
    for (const type of RECORD_TYPES) {
      app.post(`/${type}`, async (req, reply) => send(reply, await oneResource(req.body, type, undefined, o, req.log)));
      app.put<{ Params: { id: string } }>(`/${type}/:id`, async (req, reply) => send(reply, await oneResource(req.body, type, req.params.id, o, req.log)));
    }
    app.post('/', async (req, reply) => send(reply, await bundle(req.body, o, req.log)));
    app.post('/subscription-hook', async (req, reply) => send(reply, await notification(req.body, o, req.log)));
    return Promise.resolve();
  };
}
