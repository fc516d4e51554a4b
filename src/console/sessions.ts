/**
 * Console sessions, stateless: the cookie itself carries the session (id, user, role, CSRF token,
 * sign-in and last-seen times) as base64url JSON plus an HMAC-SHA256 of the configured secret, so any
 * `acclink serve` process with the same secret accepts it, and a restart signs nobody out. Idle expiry
 * slides by re-issuing the cookie (at most once a minute, not on every request). Sign-out and re-login
 * revoke the session id in the engine's store, which every process reads, so a copied cookie dies with
 * its session. Each session has its own CSRF token, checked on every form post.
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-4.1 (Set-Cookie)
 * @see https://www.rfc-editor.org/rfc/rfc2104 (HMAC)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.4.7 (SameSite)
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../model/store.ts';

/** Console roles, weakest first: viewers read, reviewers decide, admins also undo, retry and edit mappings. */
export const ROLES = ['viewer', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** True when `have` is at least `need`. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export interface Session {
  id: string;
  user: string;
  role: Role;
  csrf: string;
  createdAtMs: number;
  lastSeenMs: number;
}

/** A verified session; `renewed` is a fresh cookie value when its last-seen time was moved on. */
export interface SessionLookup {
  session: Session;
  renewed?: string;
}

export interface SessionStore {
  /** A new session (fresh id and CSRF token), signed in now. Nothing is stored: the cookie is the session. */
  create(user: string, role: Role): Session;
  /** The session of a cookie value, when the signature holds, it has not expired and was not revoked. */
  get(cookieValue: string | undefined): Promise<SessionLookup | undefined>;
  /** Revokes a session for every process sharing the store (sign-out, re-login). */
  destroy(session: Session): Promise<void>;
  /** The cookie value for a session: `base64url(JSON).signature`. */
  cookieValue(session: Session): string;
}

/** Sign a value with the secret (HMAC-SHA256, base64url). */
export function sign(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

/** Constant-time string equality (false for different lengths). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Checkpoint name of a revoked session id; its value is when the session would have ended anyway (ms). */
export function revokedKey(sid: string): string {
  return `console:revoked:${sid}`;
}

/** The fields of a session cookie's JSON, checked field by field (only after the signature held). */
function parsePayload(json: string): Session | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string' && x !== '';
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!str(o.sid) || !str(o.user) || !isRole(o.role) || !str(o.csrf) || !num(o.createdAtMs) || !num(o.lastSeenMs)) return undefined;
  return { id: o.sid, user: o.user, role: o.role, csrf: o.csrf, createdAtMs: o.createdAtMs, lastSeenMs: o.lastSeenMs };
}

/**
 * Signed cookie sessions, expiring after `idleMs` without a request and `maxAgeMs` after sign-in.
 * The cookie is re-issued when its last-seen time is older than `refreshMs` (default 60 s, at most half
 * of `idleMs`), so idle expiry counts from the last re-issue: up to `refreshMs` early, never late.
 * Revoked ids are checkpoints of `revocations` (the engine's store).
 */
export function createSessionStore(o: {
  secret: string;
  idleMs: number;
  maxAgeMs: number;
  now: () => number;
  revocations: Pick<Store, 'getCheckpoint' | 'putCheckpoint'>;
  refreshMs?: number;
}): SessionStore {
  const refreshMs = Math.min(o.refreshMs ?? 60_000, Math.floor(o.idleMs / 2));
  const expired = (s: Session, t: number): boolean => t - s.lastSeenMs > o.idleMs || t - s.createdAtMs > o.maxAgeMs;
  // Domain-separated from the other HMACs made with the same secret (opaque ids).
  const mac = (payload: string): string => sign(o.secret, `session:${payload}`);
  const cookieValue = (s: Session): string => {
    const payload = Buffer.from(JSON.stringify({
      sid: s.id, user: s.user, role: s.role, csrf: s.csrf, createdAtMs: s.createdAtMs, lastSeenMs: s.lastSeenMs,
    })).toString('base64url');
    return `${payload}.${mac(payload)}`;
  };
  return {
    create(user, role) {
      const t = o.now();
      return { id: randomToken(), user, role, csrf: randomToken(), createdAtMs: t, lastSeenMs: t };
    },
    async get(value) {
      if (!value) return undefined;
      const dot = value.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const payload = value.slice(0, dot);
      if (!safeEqual(value.slice(dot + 1), mac(payload))) return undefined;
      const s = parsePayload(Buffer.from(payload, 'base64url').toString('utf8'));
      const t = o.now();
      if (!s || expired(s, t)) return undefined;
      if ((await o.revocations.getCheckpoint(revokedKey(s.id))) !== undefined) return undefined;
      if (t - s.lastSeenMs < refreshMs) return { session: s };
      const renewed = { ...s, lastSeenMs: t };
      return { session: renewed, renewed: cookieValue(renewed) };
    },
    async destroy(s) {
      // The row is kept after the session would have expired anyway (its value says when): one small row
      // per sign-out, harmless for correctness, so nothing sweeps it.
      await o.revocations.putCheckpoint(revokedKey(s.id), String(s.createdAtMs + o.maxAgeMs));
    },
    cookieValue,
  };
}

/** A one-off message shown on the next page. */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/**
 * One-off messages per session id, kept in this process only: they may name accession numbers, which
 * stay out of cookies, and losing one (a restart, or the next request served by another process) only
 * loses a confirmation line. Entries not shown within `ttlMs` are dropped.
 */
export function createFlashes(o: { ttlMs: number; now: () => number }): { put(sid: string, flash: Flash): void; take(sid: string): Flash | undefined } {
  const byId = new Map<string, { flash: Flash; atMs: number }>();
  return {
    put(sid, flash) {
      const t = o.now();
      for (const [id, e] of byId) if (t - e.atMs > o.ttlMs) byId.delete(id);
      byId.set(sid, { flash, atMs: t });
    },
    take(sid) {
      const e = byId.get(sid);
      byId.delete(sid);
      return e && o.now() - e.atMs <= o.ttlMs ? e.flash : undefined;
    },
  };
}

/** Cookies of a request header, by name (first occurrence wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !out.has(name)) {
      try {
        out.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
      } catch {
        // A malformed value is treated as absent.
      }
    }
  }
  return out;
}

/** A Set-Cookie value; `maxAgeS` 0 clears the cookie. */
export function setCookie(name: string, value: string, o: { path: string; secure: boolean; maxAgeS?: number }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${o.path}`, 'HttpOnly', 'SameSite=Strict'];
  if (o.secure) parts.push('Secure');
  if (o.maxAgeS !== undefined) parts.push(`Max-Age=${o.maxAgeS}`);
  return parts.join('; ');
}

/**
 * Failed sign-ins per user name: after `max` failures within `windowMs`, further attempts are refused
 * until the window has passed, which makes guessing passwords slow without locking anyone out for long.
 */
export function createLoginThrottle(o: { max: number; windowMs: number; now: () => number }): { blocked(user: string): boolean; fail(user: string): void; reset(user: string): void } {
  const fails = new Map<string, number[]>();
  const recent = (user: string): number[] => {
    const t = o.now();
    const list = (fails.get(user) ?? []).filter((at) => t - at < o.windowMs);
    if (list.length === 0) fails.delete(user);
    else fails.set(user, list);
    return list;
  };
  return {
    blocked: (user) => recent(user).length >= o.max,
    fail: (user) => {
      fails.set(user, [...recent(user), o.now()]);
    },
    reset: (user) => {
      fails.delete(user);
    },
  };
}
