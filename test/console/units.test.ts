/**
 * The console's building blocks: password hashes, signed sessions, HTML escaping, the PNG encoder,
 * report highlighting and the histogram.
 */
import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { histogram } from '../../src/console/charts.ts';
import { hashPasswordFromStream } from '../../src/console/hash-password.ts';
import { highlightText, labelsOf } from '../../src/console/highlight.ts';
import { html, raw } from '../../src/console/html.ts';
import { hashPassword, verifyPassword } from '../../src/console/passwords.ts';
import { encodeGreyPng } from '../../src/console/png.ts';
import { createLoginThrottle, createSessionStore, parseCookies } from '../../src/console/sessions.ts';
import { fitSize } from '../../src/console/thumbnail.ts';
import { createMemoryStore } from '../../src/store/memory.ts';

const FAST = { N: 1024, r: 8, p: 1 };

describe('passwords', () => {
  it('verifies the right password only, and rejects malformed hashes', async () => {
    const hash = await hashPassword('s3cret pass', FAST);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('s3cret pass', hash)).toBe(true);
    expect(await verifyPassword('s3cret pasS', hash)).toBe(false);
    expect(await hashPassword('s3cret pass', FAST)).not.toBe(hash);
    for (const bad of ['', 'plain', 'scrypt$1024$8$1$$', hash.replace('scrypt', 'bcrypt'), hash.slice(0, -4)]) expect(await verifyPassword('s3cret pass', bad)).toBe(false);
    await expect(hashPassword('')).rejects.toThrow(RangeError);
  });

  it('hashes a password read from standard input (the CLI helper), dropping the trailing newline', async () => {
    const hash = await hashPasswordFromStream(Readable.from([Buffer.from('from stdin\n')]));
    expect(await verifyPassword('from stdin', hash)).toBe(true);
    const script = fileURLToPath(new URL('../../src/console/hash-password.ts', import.meta.url));
    const printed = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [script], (err, stdout) => (err ? reject(new Error(err.message)) : resolve(stdout)));
      child.stdin?.end('piped\n');
    });
    expect(await verifyPassword('piped', printed.trim())).toBe(true);
  });
});

describe('sessions', () => {
  it('accepts only correctly signed cookies of live sessions, and expires idle ones', async () => {
    let now = 1_000_000;
    const revocations = createMemoryStore();
    const s = createSessionStore({ secret: 'x'.repeat(32), idleMs: 1000, maxAgeMs: 5000, now: () => now, revocations });
    const session = s.create('ada', 'admin');
    let cookie = s.cookieValue(session);
    expect((await s.get(cookie))?.session.user).toBe('ada');
    expect(await s.get(`${cookie.split('.')[0] ?? ''}.forged`)).toBeUndefined();
    expect(await s.get(`other.${cookie.split('.')[1] ?? ''}`)).toBeUndefined();
    expect(await createSessionStore({ secret: 'y'.repeat(32), idleMs: 1000, maxAgeMs: 5000, now: () => now, revocations }).get(cookie)).toBeUndefined();
    now += 900;
    cookie = (await s.get(cookie))?.renewed ?? '';
    expect(cookie).not.toBe('');
    now += 1001;
    expect(await s.get(cookie)).toBeUndefined();
    let again = s.cookieValue(s.create('ada', 'admin'));
    for (let i = 0; i < 6; i++) {
      now += 900;
      again = (await s.get(again))?.renewed ?? again;
    }
    expect(await s.get(again)).toBeUndefined();
  });

  it('parses cookie headers and throttles failed sign-ins per user', () => {
    expect(parseCookies('a=1; b=x%20y; a=2; bad; c=%E0')).toEqual(new Map([['a', '1'], ['b', 'x y']]));
    let now = 0;
    const t = createLoginThrottle({ max: 2, windowMs: 100, now: () => now });
    t.fail('u');
    expect(t.blocked('u')).toBe(false);
    t.fail('u');
    expect(t.blocked('u')).toBe(true);
    expect(t.blocked('v')).toBe(false);
    now = 150;
    expect(t.blocked('u')).toBe(false);
  });
});

describe('html', () => {
  it('escapes interpolated text in content and attributes, and keeps nested markup', () => {
    const evil = `"><script>alert('x')</script>&`;
    const out = html`<p title="${evil}">${evil}${html`<b>${'ok'}</b>`}${raw('<i>r</i>')}${[1, null, false, 'two']}</p>`.value;
    expect(out).toBe('<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;<b>ok</b><i>r</i>1two</p>');
  });
});

describe('png', () => {
  it('encodes 8-bit greyscale with valid chunk CRCs and the exact pixels', () => {
    const pixels = Uint8Array.from({ length: 5 * 3 }, (_, i) => i * 17);
    const png = encodeGreyPng(5, 3, pixels);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const chunks: Array<{ type: string; data: Buffer }> = [];
    for (let at = 8; at < png.length;) {
      const len = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      const data = png.subarray(at + 8, at + 8 + len);
      expect(png.readUInt32BE(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)) >>> 0);
      chunks.push({ type, data });
      at += 12 + len;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = chunks[0]?.data ?? Buffer.alloc(0);
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([5, 3, 8, 0]);
    const rows = inflateSync(chunks[1]?.data ?? Buffer.alloc(0));
    expect(rows.length).toBe(3 * 6);
    for (let y = 0; y < 3; y++) {
      expect(rows[y * 6]).toBe(0);
      expect([...rows.subarray(y * 6 + 1, y * 6 + 6)]).toEqual([...pixels.subarray(y * 5, y * 5 + 5)]);
    }
    expect(() => encodeGreyPng(2, 2, new Uint8Array(3))).toThrow(RangeError);
  });

  it('fits thumbnails into a square, keeping the aspect ratio', () => {
    expect(fitSize(2048, 1024, 160)).toEqual({ rows: 160, columns: 80 });
    expect(fitSize(8, 8, 160)).toEqual({ rows: 160, columns: 160 });
  });
});

describe('report highlighting', () => {
  it('marks positive, negated and uncertain findings with their triggers, escaping the text', async () => {
    const config = await loadConfig();
    const text = 'FINDINGS:\nNo pleural effusion. Right lower lobe consolidation <b>.\nIMPRESSION:\nPneumonia cannot be excluded.';
    const labels = labelsOf({ reportId: 'R1', kind: 'report', patient: {}, text, sources: [] }, config.findingsLexicon, config.procedureTerms);
    const out = highlightText(text, labels?.mentions ?? []).value;
    expect(out).toMatch(/<mark class="finding finding-negative" title="effusion: negative \(“no”\) in FINDINGS">pleural effusion<span class="tag">negated: no<\/span><\/mark>/);
    expect(out).toMatch(/<mark class="finding finding-positive"[^>]*>consolidation<span class="tag">present<\/span><\/mark>/);
    expect(out).toMatch(/<mark class="finding finding-uncertain"[^>]*>Pneumonia<span class="tag">uncertain: cannot be excluded<\/span><\/mark>/);
    expect(out).toContain('&lt;b&gt;');
    expect(out.replace(/<span class="tag">[^<]*<\/span>/g, '').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>')).toBe(text);
  });
});

describe('histogram', () => {
  it('counts values in equal bins over [0, 1], 1 in the last', () => {
    expect(histogram([0, 0.5, 0.99, 1, Number.NaN], 4)).toEqual([1, 0, 1, 2]);
  });
});
