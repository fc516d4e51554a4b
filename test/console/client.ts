import { expect } from 'vitest';
/**
 * A tiny browser stand-in for API tests over real HTTP: a cookie jar, no automatic redirects, and the
 * CSRF token of the last page read, added to every form post.
 */
import { PASSWORD } from './world.ts';

export interface Page {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
}

export class ConsoleClient {
  readonly origin: string;
  readonly cookies = new Map<string, string>();
  /** Extra request headers (e.g. proxy identity). */
  readonly extra: Record<string, string>;
  csrf = '';

  constructor(origin: string, extra: Record<string, string> = {}) {
    this.origin = origin;
    this.extra = extra;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private async read(res: Response): Promise<Page> {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (/Max-Age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body);
    if (token?.[1]) this.csrf = token[1];
    return { status: res.status, headers: res.headers, body, location: res.headers.get('location') };
  }

  async get(path: string): Promise<Page> {
    const res = await fetch(`${this.origin}${path}`, { redirect: 'manual', headers: { cookie: this.cookieHeader(), ...this.extra } });
    return this.read(res);
  }

  async getBytes(path: string): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
    const res = await fetch(`${this.origin}${path}`, { redirect: 'manual', headers: { cookie: this.cookieHeader(), ...this.extra } });
    return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
  }

  /** Posts a form; `_csrf` is the last token seen unless the form gives one (or `null` to send none). */
  async post(path: string, form: Record<string, string | null>): Promise<Page> {
    const body = new URLSearchParams();
    const withToken = '_csrf' in form ? form : { ...form, _csrf: this.csrf };
    for (const [k, v] of Object.entries(withToken)) if (v !== null) body.set(k, v);
    const res = await fetch(`${this.origin}${path}`, {
      method: 'POST', redirect: 'manual', body,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...this.extra },
    });
    return this.read(res);
  }

  /** Signs in (login page for the form token, then the post); returns the post's answer. */
  async login(user: string, password = PASSWORD): Promise<Page> {
    await this.get('/console/login');
    return this.post('/console/login', { user, password });
  }
}

/** Every URL in links, forms, images and scripts of a page. */
export function urlsOf(body: string): string[] {
  return [...body.matchAll(/\b(?:href|action|src)="([^"]*)"/g)].map((m) => m[1] ?? '');
}

/** The opaque review item ids linked from a page, in order. */
export function itemIds(body: string): string[] {
  return [...body.matchAll(/href="\/console\/review\/([A-Za-z0-9_-]+)"/g)].map((m) => m[1] ?? '');
}

/** A client signed in as `user` (the world's password), landing on the review queue. */
export async function signedIn(origin: string, user: string): Promise<ConsoleClient> {
  const c = new ConsoleClient(origin);
  const r = await c.login(user);
  expect(r.status).toBe(303);
  expect(r.location).toBe('/console/queue');
  return c;
}
