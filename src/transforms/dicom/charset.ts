/**
 * Decoding of text values according to Specific Character Set (0008,0005).
 *
 * Only the VRs affected by the character set (PN, LO, SH, ST, LT, UC, UT) go through here; UIDs,
 * codes, dates and times are always the default repertoire.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_6.html (character repertoires)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.12.html#sect_C.12.1.1.2 (defined terms)
 */

/** Turns the bytes of one value into a string. */
export type TextDecodeFn = (bytes: Uint8Array) => string;

/**
 * Single-byte and multi-byte sets without code extensions, mapped to WHATWG encoding labels.
 * ISO 2022 variants of the single-byte sets map to the same table: the escape sequences they allow
 * only switch between ASCII and that set's G1, which a plain decoder already covers.
 */
const LABELS: Readonly<Record<string, string>> = {
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
  'ISO 2022 IR 101': 'iso-8859-2',
  'ISO 2022 IR 109': 'iso-8859-3',
  'ISO 2022 IR 110': 'iso-8859-4',
  'ISO 2022 IR 144': 'iso-8859-5',
  'ISO 2022 IR 127': 'iso-8859-6',
  'ISO 2022 IR 126': 'iso-8859-7',
  'ISO 2022 IR 138': 'iso-8859-8',
  'ISO 2022 IR 148': 'iso-8859-9',
  'ISO 2022 IR 203': 'iso-8859-15',
  'ISO 2022 IR 166': 'windows-874',
  // JIS X 0208 is reached by ESC $ B, exactly what the iso-2022-jp decoder implements.
  'ISO 2022 IR 87': 'iso-2022-jp',
  'ISO 2022 IR 159': 'iso-2022-jp',
};

/**
 * Latin-1 by code point. Used for the default repertoire and ISO_IR 100: TextDecoder('latin1') is
 * windows-1252 per WHATWG, which differs in 0x80–0x9F, and this is also faster for short values.
 */
const decodeLatin1: TextDecodeFn = (bytes) => {
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
};

const cache = new Map<string, TextDecodeFn>();

function decoderForLabel(label: string): TextDecodeFn {
  const cached = cache.get(label);
  if (cached !== undefined) return cached;
  let fn: TextDecodeFn;
  try {
    const decoder = new TextDecoder(label, { fatal: false });
    fn = (bytes) => decoder.decode(bytes);
  } catch {
    // A runtime without full ICU lacks some legacy tables; Latin-1 keeps ASCII parts readable.
    fn = decodeLatin1;
  }
  cache.set(label, fn);
  return fn;
}

/**
 * Chooses a decoder for the (possibly multi-valued, backslash-separated) Specific Character Set.
 * UTF-8 wins when present anywhere; otherwise the first value naming a known set decides; unknown or
 * absent sets decode as Latin-1, a superset of the ASCII default that never fails.
 */
export function decoderFor(specificCharacterSet: string | undefined): TextDecodeFn {
  const terms = (specificCharacterSet ?? '')
    .split('\\')
    .map((t) => t.replaceAll('\0', '').trim().toUpperCase());
  if (terms.includes('ISO_IR 192')) return decoderForLabel('utf-8');
  for (const term of terms) {
    const label = LABELS[term];
    if (label !== undefined) return decoderForLabel(label);
  }
  return decodeLatin1;
}
