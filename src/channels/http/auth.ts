/**
 * Bearer-token authentication for the engine's HTTP surface (metrics, queue board, later the FHIR
 * endpoint and the review console).
 *
 * - Several tokens may be configured at once, so a token can be rotated without downtime (add the new
 *   one, move the clients, remove the old one).
 * - Comparison is constant-time: both sides are hashed with SHA-256 (equal lengths for
 *   `timingSafeEqual`, and the token's length does not leak) and every configured token is compared,
 *   without early exit.
 * - A missing or wrong token gets 401 with a `WWW-Authenticate: Bearer` challenge and an
 *   `application/problem+json` body that never echoes what was sent.
 * - Under `basicPathPrefixes` (the queue board, opened in a browser), HTTP Basic with any user name and
 *   a token as password is accepted too, with a Basic challenge, so that the browser asks for it.
 * @see RFC 6750 "The OAuth 2.0 Authorization Framework: Bearer Token Usage", sections 2.1 and 3
 * @see RFC 7617 "The 'Basic' HTTP Authentication Scheme"
 * @see RFC 9457 "Problem Details for HTTP APIs"
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';

/** Shortest token accepted in configuration: 16 characters of a random token carry ≥ 96 bits. */
export const MIN_TOKEN_LENGTH = 16;

/** RFC 6750 `b64token` characters. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** SHA-256 of a token, the form in which tokens are held and compared. Never log tokens, nor this. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * A short public id of a token, for logs ("which token is still in use?" during rotation). Derived
 * with a different prefix from {@link hashToken}, so it tells nothing about the compared digest.
 */
export function tokenId(token: string): string {
  return createHash('sha256').update('acclink-token-id\u0000').update(token, 'utf8').digest('hex').slice(0, 8);
}

/**
 * Checks configured tokens and returns a matcher: the presented token's {@link tokenId}, or undefined.
 * @throws AcclinkError CONFIG_INVALID for no token, a short token, or one with characters outside b64token.
 */
export function tokenMatcher(tokens: readonly string[]): (presented: string) => string | undefined {
  if (tokens.length === 0) throw new AcclinkError(ErrorCode.ConfigInvalid, 'at least one HTTP bearer token is required');
  tokens.forEach((t, i) => {
    // The message names the position, never the token.
    if (t.length < MIN_TOKEN_LENGTH) throw new AcclinkError(ErrorCode.ConfigInvalid, `HTTP bearer token #${i + 1} is shorter than ${MIN_TOKEN_LENGTH} characters`);
    if (!B64TOKEN.test(t)) throw new AcclinkError(ErrorCode.ConfigInvalid, `HTTP bearer token #${i + 1} has characters outside RFC 6750 b64token`);
  });
  const digests = tokens.map(hashToken);
  const ids = tokens.map(tokenId);
  return (presented) => {
    const digest = hashToken(presented);
    let match = -1;
    // No early exit: the time taken does not depend on which (if any) token matched.
    for (let i = 0; i < digests.length; i++) {
      const equal = timingSafeEqual(digest, digests[i] as Buffer);
      match = equal && match < 0 ? i : match;
    }
    return match < 0 ? undefined : ids[match];
  };
}

/** Options of {@link bearerAuth}. */
export interface BearerAuthOptions {
  /** Accepted tokens (several during a rotation). */
  tokens: readonly string[];
  /** Route paths served without authentication (matched against the route, not the raw URL); default `['/health']`. */
  publicPaths?: readonly string[];
  /** Path prefixes where HTTP Basic (password = a token) is also accepted, for browsers; default none. */
  basicPathPrefixes?: readonly string[];
  /**
   * Path prefixes whose routes authenticate people themselves (the review console's sessions): the
   * bearer check does not apply there. Default none.
   */
  ownAuthPrefixes?: readonly string[];
  /** Realm named in challenges; default `acclink`. */
  realm?: string;
}

/** The {@link tokenId} a request was authenticated with (undefined for public paths). */
const authenticated = new WeakMap<FastifyRequest, string>();

/** The {@link tokenId} that authenticated `request`, for request logs. */
export function tokenIdOf(request: FastifyRequest): string | undefined {
  return authenticated.get(request);
}

interface Credential {
  scheme: 'bearer' | 'basic';
  token: string;
}

/** The credential in an Authorization header: a bearer token, or a Basic password where allowed. */
function presentedCredential(header: string | undefined, basicAllowed: boolean): Credential | undefined {
  if (header === undefined) return undefined;
  const m = /^([A-Za-z]+) +(\S+) *$/.exec(header);
  if (m === null) return undefined;
  const scheme = (m[1] as string).toLowerCase();
  const value = m[2] as string;
  if (scheme === 'bearer') return { scheme, token: value };
  if (scheme !== 'basic' || !basicAllowed) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { scheme, token: decoded.slice(colon + 1) };
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True for a write sent by a browser from another site. Basic credentials are ambient (the browser
 * adds them by itself), so another site's page could make the browser send them with a forged request;
 * bearer tokens are not, so only Basic requests are checked.
 * @see https://fetch.spec.whatwg.org/#origin-header; https://w3c.github.io/webappsec-fetch-metadata/
 */
function crossSiteWrite(request: FastifyRequest): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false; // not sent by a browser
  const host = request.headers.host;
  return host === undefined || (origin !== `http://${host}` && origin !== `https://${host}`);
}

/** Sends a problem body with `status`. */
function problem(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return reply.code(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/** Sends 401 with the challenges (Basic too where it is accepted, so that a browser asks for it). */
function unauthorized(reply: FastifyReply, realm: string, basic: boolean, invalid: boolean): FastifyReply {
  const bearer = invalid ? `Bearer realm="${realm}", error="invalid_token"` : `Bearer realm="${realm}"`;
  void reply.header('WWW-Authenticate', basic ? [bearer, `Basic realm="${realm}", charset="UTF-8"`] : [bearer]);
  return problem(reply, 401, 'Unauthorized', invalid ? 'The credentials presented are not valid' : 'A bearer token is required');
}

/**
 * A fastify `onRequest` hook that admits requests carrying a configured token (constant-time check).
 * Register it on the root instance, before any route plugin, so that every route (and the 404
 * handler) is behind it. Cross-site writes with Basic credentials get 403.
 * @see RFC 6750, section 3 "The WWW-Authenticate Response Header Field"
 */
export function bearerAuth(opts: BearerAuthOptions): onRequestAsyncHookHandler {
  const match = tokenMatcher(opts.tokens);
  const publicPaths = new Set(opts.publicPaths ?? ['/health']);
  const basicPrefixes = opts.basicPathPrefixes ?? [];
  const ownAuth = (opts.ownAuthPrefixes ?? []).map((p) => p.replace(/\/+$/, ''));
  const realm = opts.realm ?? 'acclink';
  return async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && publicPaths.has(route)) return undefined;
    const path = request.url.split('?')[0] ?? '';
    if (ownAuth.some((p) => path === p || path.startsWith(`${p}/`))) return undefined;
    const basic = basicPrefixes.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
    const credential = presentedCredential(request.headers.authorization, basic);
    const id = credential === undefined ? undefined : match(credential.token);
    // Returning the sent reply ends the request here: fastify runs no handler.
    if (id === undefined) return unauthorized(reply, realm, basic, credential !== undefined);
    if (credential?.scheme === 'basic' && crossSiteWrite(request)) {
      return problem(reply, 403, 'Forbidden', 'Cross-site requests with browser credentials are refused');
    }
    authenticated.set(request, id);
    return undefined;
  };
}
