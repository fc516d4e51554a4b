import { describe, expect, it } from 'vitest';
import { parseContentType, parseMultipart } from './multipart.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

describe('multipart/related reader', () => {
  it('reads the boundary and type of a Content-Type, quoted or not', () => {
    expect(parseContentType('multipart/related; type="application/dicom"; boundary="a;b=c"')).toEqual({
      type: 'multipart/related', params: { type: 'application/dicom', boundary: 'a;b=c' },
    });
    expect(parseContentType('Multipart/Related;Boundary=xyz').params.boundary).toBe('xyz');
  });

  it('splits parts with CRLF line ends, ignoring preamble and epilogue', () => {
    const body = enc('preamble\r\n--B\r\nContent-Type: application/dicom\r\nContent-Length: 3\r\n\r\nabc\r\n--B\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n--B--\r\nepilogue');
    const parts = parseMultipart(body, 'B');
    expect(parts.map((p) => [p.headers['content-type'], dec(p.body)])).toEqual([['application/dicom', 'abc'], ['text/plain', 'line1\r\nline2']]);
    expect(parts[0]?.headers['content-length']).toBe('3');
  });

  it('keeps binary bodies intact, even bytes that look like a delimiter without a line break before them', () => {
    const binary = Uint8Array.of(0, 13, 10, 0x2d, 0x2d, 0x41, 0xff, 0x2d, 0x2d, 0x42, 13);
    const body = new Uint8Array([...enc('--B\r\n\r\n'), ...binary, ...enc('\r\n--B--')]);
    expect([...(parseMultipart(body, 'B')[0]?.body ?? [])]).toEqual([...binary]);
  });

  it('tolerates LF-only line ends and an empty part; a body cut before the closing delimiter keeps the complete parts', () => {
    expect(parseMultipart(enc('--B\nX: 1\n\nhello\n--B\n\n\n--B--'), 'B').map((p) => dec(p.body))).toEqual(['hello', '']);
    expect(parseMultipart(enc('--B\r\n\r\none\r\n--B\r\n\r\ntwo-cut'), 'B').map((p) => dec(p.body))).toEqual(['one']);
    expect(parseMultipart(enc('no boundary here'), 'B')).toEqual([]);
  });
});
