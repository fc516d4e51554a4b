/**
 * Console sessions: a random id kept server-side (so that sign-out and idle expiry really end a
 * session), sent as a cookie signed with an HMAC of the configured secret (HttpOnly, SameSite=Strict).
 * Each session has its own CSRF token, checked on every form post, and a one-off flash message.
 * Sessions live in memory: a restart signs everyone out.
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-4.1 (Set-Cookie)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.4.7 (SameSite)
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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
  flash?: { kind: 'ok' | 'error'; text: string };
}

export interface SessionStore {
  create(user: string, role: Role): Session;
  /** The session of a signed cookie value, when the signature holds and it has not expired; touches it. */
  get(cookieValue: string | undefined): Session | undefined;
  destroy(id: string): void;
  /** The cookie value for a session: `id.signature`. */
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

/** In-memory sessions, expiring after `idleMs` without a request and `maxAgeMs` after sign-in. */
export function createSessionStore(o: { secret: string; idleMs: number; maxAgeMs: number; now: () => number }): SessionStore {
  const sessions = new Map<string, Session>();
  const expired = (s: Session, t: number): boolean => t - s.lastSeenMs > o.idleMs || t - s.createdAtMs > o.maxAgeMs;
  const sweep = (t: number): void => {
    for (const [id, s] of sessions) if (expired(s, t)) sessions.delete(id);
  };
  return {
    create(user, role) {
      const t = o.now();
      sweep(t);
      const s: Session = { id: randomToken(), user, role, csrf: randomToken(), createdAtMs: t, lastSeenMs: t };
      sessions.set(s.id, s);
      return s;
    },
    get(cookieValue) {
      if (!cookieValue) return undefined;
      const dot = cookieValue.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const id = cookieValue.slice(0, dot);
      if (!safeEqual(cookieValue.slice(dot + 1), sign(o.secret, `session:${id}`))) return undefined;
      const s = sessions.get(id);
      const t = o.now();
      if (!s || expired(s, t)) {
        sessions.delete(id);
        return undefined;
      }
      s.lastSeenMs = t;
      return s;
    },
    destroy(id) {
      sessions.delete(id);
    },
    cookieValue(s) {
      return `${s.id}.${sign(o.secret, `session:${s.id}`)}`;
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
