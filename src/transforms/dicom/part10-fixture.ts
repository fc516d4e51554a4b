/**
 * A minimal DICOM encoder for tests and synthetic inputs: builds Part 10 files and bare data sets
 * in each uncompressed transfer syntax, so readers can be tested on bytes whose content is known.
 * Not a general writer: no VR dictionary (the caller names each VR), strings padded per PS3.5.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_7.html (data element encoding)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html (Part 10 file format)
 */
import { deflateRawSync } from 'node:zlib';
import { type Encoding, encodingOf, TransferSyntax } from './syntax.ts';

/** One data element. `items` makes it a sequence; `value` bytes are written as given. */
export interface FixtureElement {
  /** `0xGGGGEEEE`. */
  tag: number;
  vr: string;
  value?: string | Uint8Array;
  items?: FixtureElement[][];
  /** Write the sequence (and its items) with undefined length and delimiters. */
  undefinedLength?: boolean;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

/** The parts' bytes back to back. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function uint(value: number, bytes: 2 | 4, little: boolean): Uint8Array {
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  if (bytes === 2) view.setUint16(0, value, little);
  else view.setUint32(0, value, little);
  return out;
}

const tagBytes = (tag: number, little: boolean): Uint8Array => concat([uint(tag >>> 16, 2, little), uint(tag & 0xffff, 2, little)]);

/** Latin-1 bytes of a string, padded to even length: NUL for UI, space for text. */
function valueBytes(el: FixtureElement): Uint8Array {
  if (el.value === undefined) return new Uint8Array(0);
  const raw = typeof el.value === 'string' ? Uint8Array.from(el.value, (c) => c.charCodeAt(0) & 0xff) : el.value;
  if (raw.length % 2 === 0) return raw;
  return concat([raw, Uint8Array.of(el.vr === 'UI' || el.vr === 'OB' ? 0 : 0x20)]);
}

function itemBytes(item: FixtureElement[], enc: Encoding, undefinedLength: boolean): Uint8Array {
  const body = encodeDataSet(item, enc);
  const head = concat([tagBytes(0xfffee000, enc.littleEndian), uint(undefinedLength ? UNDEFINED : body.length, 4, enc.littleEndian)]);
  if (!undefinedLength) return concat([head, body]);
  return concat([head, body, tagBytes(0xfffee00d, enc.littleEndian), uint(0, 4, enc.littleEndian)]);
}

function elementBytes(el: FixtureElement, enc: Encoding): Uint8Array {
  const undefinedLength = el.items !== undefined && el.undefinedLength === true;
  let value = el.items === undefined ? valueBytes(el) : concat(el.items.map((item) => itemBytes(item, enc, undefinedLength)));
  if (undefinedLength) value = concat([value, tagBytes(0xfffee0dd, enc.littleEndian), uint(0, 4, enc.littleEndian)]);
  const length = undefinedLength ? UNDEFINED : value.length;
  const tag = tagBytes(el.tag, enc.littleEndian);
  if (!enc.explicitVr) return concat([tag, uint(length, 4, enc.littleEndian), value]);
  const vr = Uint8Array.from(el.vr, (c) => c.charCodeAt(0));
  if (LONG_VRS.has(el.vr)) return concat([tag, vr, new Uint8Array(2), uint(length, 4, enc.littleEndian), value]);
  return concat([tag, vr, uint(length, 2, enc.littleEndian), value]);
}

/** Encodes elements (sorted by tag, as PS3.5 requires) as a bare data set. */
export function encodeDataSet(elements: FixtureElement[], enc: Encoding): Uint8Array {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  return concat(sorted.map((el) => elementBytes(el, enc)));
}

/** Options for {@link part10File}. */
export interface Part10Options {
  transferSyntax: string;
  /** Leave out the 128-byte preamble and `DICM` (meta group first). */
  noPreamble?: boolean;
  /** Leave out File Meta Information entirely (a bare data set). */
  noMeta?: boolean;
  /** Override (0002,0002); defaults to the data set's SOP Class UID. */
  mediaStorageSopClass?: string;
  /** Encode the data set in this encoding whatever the declared syntax says (a writer bug to test). */
  actualEncoding?: Encoding;
}

function stringOf(elements: FixtureElement[], tag: number): string {
  const value = elements.find((e) => e.tag === tag)?.value;
  return typeof value === 'string' ? value : '';
}

function metaGroup(elements: FixtureElement[], opts: Part10Options): Uint8Array {
  const le: Encoding = { explicitVr: true, littleEndian: true };
  const rest = encodeDataSet(
    [
      { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
      { tag: 0x00020002, vr: 'UI', value: opts.mediaStorageSopClass ?? stringOf(elements, 0x00080016) },
      { tag: 0x00020003, vr: 'UI', value: stringOf(elements, 0x00080018) },
      { tag: 0x00020010, vr: 'UI', value: opts.transferSyntax },
    ],
    le,
  );
  const length = elementBytes({ tag: 0x00020000, vr: 'UL', value: uint(rest.length, 4, true) }, le);
  return concat([length, rest]);
}

/** Builds a Part 10 file (or, with `noMeta`, a bare data set) from the elements. */
export function part10File(elements: FixtureElement[], opts: Part10Options): Uint8Array {
  const deflated = opts.transferSyntax === TransferSyntax.DeflatedExplicitLittle;
  const encoding = opts.actualEncoding ?? encodingOf(opts.transferSyntax);
  let dataSet = encodeDataSet(elements, encoding);
  if (deflated) dataSet = deflateRawSync(dataSet);
  if (opts.noMeta === true) return dataSet;
  const preamble = opts.noPreamble === true ? new Uint8Array(0) : concat([new Uint8Array(128), Uint8Array.from('DICM', (c) => c.charCodeAt(0))]);
  return concat([preamble, metaGroup(elements, opts), dataSet]);
}
