/** Reading text files whose encoding is not declared up front (HL7 v2 feeds, plain-text reports). */
import { readFile } from 'node:fs/promises';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** UTF-8 when the bytes are valid UTF-8; otherwise ISO 8859-1, which many HL7 v2 feeds still send. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

/** A file's text, decoded as above. */
export async function readTextFile(file: string): Promise<string> {
  return decodeText(await readFile(file));
}
