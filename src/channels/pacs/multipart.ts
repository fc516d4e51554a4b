/**
 * A small reader of `multipart/related` bodies, as WADO-RS answers a retrieve of DICOM instances
 * (`Accept: multipart/related; type="application/dicom"`): splits the body at the boundary named in the
 * Content-Type and returns each part's headers and bytes. Bytes stay bytes (Part 10 files are binary);
 * only the part headers are read as text. Pure, never throws for a bad body: it returns what it found.
 * @see https://www.rfc-editor.org/rfc/rfc2046#section-5.1.1 (multipart body syntax)
 * @see https://www.rfc-editor.org/rfc/rfc2387 (multipart/related)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part18/sect_8.6.html (DICOMweb multipart payloads)
 */

/** One body part: lower-cased header names, the raw content. */
export interface MultipartPart {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A Content-Type split into its media type (lower case) and parameters (names lower case, values unquoted). */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = splitOutsideQuotes(value, ';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const raw = p.slice(eq + 1).trim();
    params[p.slice(0, eq).trim().toLowerCase()] = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return { type: type.trim().toLowerCase(), params };
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (c === '"' && value.charAt(i - 1) !== '\\') quoted = !quoted;
    if (c === separator && !quoted) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(first ?? 0, from); i !== -1 && i <= last; i = haystack.indexOf(first ?? 0, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The header block ends at the first empty line; LF-only line ends are tolerated (some servers). */
function splitPart(part: Uint8Array): MultipartPart {
  // No headers at all: the part starts with the empty line.
  if (part[0] === 10) return { headers: {}, body: part.subarray(1) };
  if (part[0] === 13 && part[1] === 10) return { headers: {}, body: part.subarray(2) };
  const crlf = indexOf(part, Uint8Array.of(13, 10, 13, 10), 0);
  const lf = indexOf(part, Uint8Array.of(10, 10), 0);
  const [end, gap] = crlf !== -1 && (lf === -1 || crlf < lf) ? [crlf, 4] : lf !== -1 ? [lf, 2] : [-1, 0];
  if (end === -1) return { headers: {}, body: part };
  return { headers: parseHeaders(new TextDecoder('latin1').decode(part.subarray(0, end))), body: part.subarray(end + gap) };
}

/**
 * Splits a multipart body. A delimiter is `--boundary` at the start of the body or after a line break;
 * the line break before a delimiter belongs to it, not to the part. Text before the first delimiter
 * (preamble) and after the closing one (epilogue) is ignored; a body cut before its closing delimiter
 * yields the parts that were complete.
 * @returns the parts in order; empty when the boundary never occurs
 */
export function parseMultipart(body: Uint8Array, boundary: string): MultipartPart[] {
  const dash = new TextEncoder().encode(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let at = body.length >= dash.length && indexOf(body.subarray(0, dash.length), dash, 0) === 0 ? 0 : findDelimiter(body, dash, 0);
  while (at !== -1) {
    let start = at + dash.length;
    if (body[start] === 45 && body[start + 1] === 45) break; // `--boundary--`: the closing delimiter
    // The rest of the delimiter line (transport padding) up to its line break.
    const lineEnd = body.indexOf(10, start);
    if (lineEnd === -1) break;
    start = lineEnd + 1;
    const next = findDelimiter(body, dash, start);
    if (next === -1) break;
    // `next` is the dashes; the LF (and a CR) before them belong to the delimiter.
    let end = next - 1;
    if (end > start && body[end - 1] === 13) end--;
    parts.push(splitPart(body.subarray(start, Math.max(start, end))));
    at = next;
  }
  return parts;
}

/** The next `\n--boundary`, as the index of the dashes. */
function findDelimiter(body: Uint8Array, dash: Uint8Array, from: number): number {
  const needle = new Uint8Array(dash.length + 1);
  needle[0] = 10;
  needle.set(dash, 1);
  const i = indexOf(body, needle, Math.max(0, from - 1));
  return i === -1 ? -1 : i + 1;
}
