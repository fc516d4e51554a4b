/**
 * What every console route shares: the resolved options, sessions, the signed-in person, opaque ids,
 * form field access and page rendering with the layout.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, layout, type Html, type LayoutOptions } from './html.ts';
import { createMappingsStore, type MappingsStore } from './mappings-store.ts';
import type { ResolvedOptions } from './options.ts';
import { createFlashes, roleAtLeast, sign, type Flash, type Role, type Session, type SessionStore } from './sessions.ts';

/** The person behind a request, with their session (for CSRF and flash messages). */
export interface Principal {
  user: string;
  role: Role;
  session: Session;
}

/** An error with an HTTP status and a message fit for the page (no PHI). */
export class ConsoleHttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'ConsoleHttpError';
    this.statusCode = statusCode;
  }
}

export interface ConsoleContext {
  opts: ResolvedOptions;
  /** Mount point, e.g. `/console` (empty when mounted at the root). */
  base: string;
  sessions: SessionStore;
  /** The standards profiles, when a mappings folder is configured. */
  mappings?: MappingsStore;
  /** The principal of an authenticated request (set by the auth hook). */
  principal(req: FastifyRequest): Principal;
  /** Throws 403 unless the request's principal has at least `role`. */
  requireRole(req: FastifyRequest, role: Role): Principal;
  /** An opaque, stable id for an internal key (HMAC with the secret): safe in URLs, reveals nothing. */
  opaqueId(kind: string, key: string): string;
  /** Renders a full page (layout, navigation, the session's flash message, consumed). */
  page(req: FastifyRequest, reply: FastifyReply, o: Omit<LayoutOptions, 'base' | 'user' | 'flash' | 'queueBoard'> & { status?: number }): FastifyReply;
  /** Sets a one-off message and redirects (303, so the browser follows with GET). */
  redirect(req: FastifyRequest, reply: FastifyReply, path: string, flash?: Flash): FastifyReply;
}

const principals = new WeakMap<FastifyRequest, Principal>();

/** Attaches the authenticated principal to a request (auth hook only). */
export function setPrincipal(req: FastifyRequest, p: Principal): void {
  principals.set(req, p);
}

export function getPrincipal(req: FastifyRequest): Principal | undefined {
  return principals.get(req);
}

export function createContext(opts: ResolvedOptions, base: string, sessions: SessionStore): ConsoleContext {
  const principal = (req: FastifyRequest): Principal => {
    const p = principals.get(req);
    if (!p) throw new ConsoleHttpError(401, 'Sign in first.');
    return p;
  };
  // Five minutes: a message is shown on the page right after the redirect, or not at all.
  const flashes = createFlashes({ ttlMs: 5 * 60_000, now: () => opts.decisions.clock().getTime() });
  const mappings = opts.mappings ? createMappingsStore(opts.mappings, opts.decisions.store, opts.decisions.clock) : undefined;
  return {
    opts,
    base,
    sessions,
    ...(mappings ? { mappings } : {}),
    principal,
    requireRole(req, role) {
      const p = principal(req);
      if (!roleAtLeast(p.role, role)) throw new ConsoleHttpError(403, `This needs the ${role} role; you are signed in as ${p.role}.`);
      return p;
    },
    opaqueId: (kind, key) => sign(opts.secret, `${kind}\u0000${key}`).slice(0, 22),
    page(req, reply, o) {
      const p = principals.get(req);
      const flash = p ? flashes.take(p.session.id) : undefined;
      const body = layout({
        ...o, base,
        ...(p ? { user: { name: p.user, role: p.role, csrf: p.session.csrf } } : {}),
        ...(flash ? { flash } : {}),
        ...(opts.queueBoard && p ? { queueBoard: opts.queueBoard } : {}),
      });
      return reply.code(o.status ?? 200).type('text/html; charset=utf-8').send(body.value);
    },
    redirect(req, reply, path, flash) {
      const p = principals.get(req);
      if (p && flash) flashes.put(p.session.id, flash);
      return reply.code(303).header('location', `${base}${path}`).send();
    },
  };
}

/** A single-valued form field (the first when repeated), trimmed; undefined when absent. */
export function formField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const v = (body as Record<string, unknown>)[name];
  const first = Array.isArray(v) ? (v as unknown[])[0] : v;
  return typeof first === 'string' ? first.trim() : undefined;
}

/** A small page body with a heading and a paragraph, for errors and notices. */
export function messageBody(title: string, text: string): Html {
  return html`<h1>${title}</h1><p>${text}</p>`;
}
