/**
 * The synthetic hospital of the end-to-end engine test, read back the way its peers would see it: DICOM
 * headers with dcmtk's `dcmdump` (independent of acclink's reader), HL7 messages split per message with
 * their report id and accession, FHIR resources from the ndjson, and `truth.json`. From the truth and the
 * observed values it derives what must change where, without looking at what the engine did.
 * @see https://support.dcmtk.org/docs/dcmdump.html
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { canonicalAccession } from '../../src/linker/accession.ts';
import type { Truth } from '../../src/synth/model.ts';
import { splitHl7Messages } from '../../src/transforms/hl7/split.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../bin/acclink.js');

/** One study as its DICOM files show it. */
export interface ObservedStudy {
  uid: string;
  accession: string;
  seriesUids: string[];
  sopUids: string[];
  files: string[];
}

/** One HL7 message of the feed, with what identifies its record. */
export interface ObservedMessage {
  /** OBR-3 (ORC-3 when empty). */
  reportId: string;
  /** IPC-1 for OMI^O23, else OBR-18 (first component). */
  accession: string;
  /** MSH-9, e.g. `ORU^R01^ORU_R01`. */
  messageType: string;
  /** Segments joined with `\r`. */
  text: string;
  /** MSH-7 as epoch ms (a time without offset read as UTC): the order a RIS sends them in. */
  sentAt: number;
}

export interface FhirResourceJson {
  resourceType: string;
  id: string;
  [key: string]: unknown;
}

export interface Hospital {
  dir: string;
  truth: Truth;
  studies: Map<string, ObservedStudy>;
  messages: ObservedMessage[];
  fhir: FhirResourceJson[];
  /** Given and family names as the HL7 feed, the DICOM files and the FHIR Patients spell them. */
  names: Set<string>;
}

/** `acclink synth` through the real CLI (one instance per study keeps the Orthanc upload short). */
export async function synthesizeHospital(out: string, seed: number, patients: number): Promise<void> {
  await run(process.execPath, [BIN, 'synth', '--out', out, '--seed', String(seed), '--patients', String(patients), '--instances-per-study', '1', '--quiet'], { timeout: 60_000 });
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** `[value]` of one dcmdump line, '' for "(no value available)". */
function dumped(line: string): string {
  return /\[(.*)\]/.exec(line)?.[1]?.trim() ?? '';
}

/** Headers of every file with one `dcmdump` run: accession, the UIDs and the patient name. */
async function readDicom(files: readonly string[], names: Set<string>): Promise<Map<string, ObservedStudy>> {
  const { stdout } = await run('dcmdump', ['-q', '+F', '+P', '0008,0050', '+P', '0020,000d', '+P', '0020,000e', '+P', '0008,0018', '+P', '0010,0010', ...files], { maxBuffer: 64 * 1024 * 1024 });
  const studies = new Map<string, ObservedStudy>();
  const blocks = stdout.split(/^# dcmdump \(\d+\/\d+\): /m).slice(1);
  for (const block of blocks) {
    const lines = block.split('\n');
    const tag = (t: string): string => dumped(lines.find((l) => l.startsWith(`(${t})`)) ?? '');
    const uid = tag('0020,000d');
    const s = studies.get(uid) ?? { uid, accession: tag('0008,0050'), seriesUids: [], sopUids: [], files: [] };
    if (!s.seriesUids.includes(tag('0020,000e'))) s.seriesUids.push(tag('0020,000e'));
    s.sopUids.push(tag('0008,0018'));
    s.files.push((lines[0] ?? '').trim());
    studies.set(uid, s);
    for (const n of tag('0010,0010').split('^')) if (n.trim().length > 1) names.add(n.trim());
  }
  return studies;
}

function field(segment: string | undefined, n: number): string {
  return segment?.split('|')[n] ?? '';
}

/** HL7 DTM (`YYYYMMDDHHMM[SS][+/-ZZZZ]`) as epoch ms; NaN when unreadable. */
function hl7Instant(ts: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(ts);
  if (!m) return Number.NaN;
  const [, y, mo, d, hh, mi, ss, zone] = m;
  const offset = zone ? `${zone.slice(0, 3)}:${zone.slice(3)}` : 'Z';
  return Date.parse(`${y}-${mo}-${d}T${hh}:${mi}:${ss ?? '00'}${offset}`);
}

/** Reads one message's identifiers; field positions as in mappings/hl7-fields.yaml (IHE SWF defaults). */
function readMessage(text: string, names: Set<string>): ObservedMessage {
  const segs = text.split('\r');
  const seg = (id: string): string | undefined => segs.find((s) => s.startsWith(`${id}|`));
  const messageType = field(seg('MSH'), 8);
  const first = (v: string): string => v.split('^')[0] ?? '';
  const reportId = first(field(seg('OBR'), 3)) || first(field(seg('ORC'), 3));
  const accession = messageType.startsWith('OMI') ? first(field(seg('IPC'), 1)) : first(field(seg('OBR'), 18));
  for (const part of field(seg('PID'), 5).split(/[\^,]/)) if (part.trim().length > 1) names.add(part.trim());
  return { reportId, accession, messageType, text, sentAt: hl7Instant(field(seg('MSH'), 6)) };
}

/** Reads the hospital written by {@link synthesizeHospital}. */
export async function readHospital(dir: string): Promise<Hospital> {
  const names = new Set<string>();
  const truth = JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8')) as Truth;
  const studies = await readDicom(await walk(path.join(dir, 'dicom')), names);
  const messages: ObservedMessage[] = [];
  for (const f of await walk(path.join(dir, 'hl7'))) {
    for (const m of splitHl7Messages(await readFile(f, 'utf8')).messages) messages.push(readMessage(m, names));
  }
  const fhir: FhirResourceJson[] = [];
  for (const f of await walk(path.join(dir, 'fhir'))) {
    for (const line of (await readFile(f, 'utf8')).split('\n')) if (line.trim() !== '') fhir.push(JSON.parse(line) as FhirResourceJson);
  }
  for (const r of fhir.filter((x) => x.resourceType === 'Patient')) {
    for (const n of (r['name'] as { family?: string; given?: string[] }[] | undefined) ?? []) {
      for (const part of [n.family ?? '', ...(n.given ?? [])]) if (part.trim().length > 1) names.add(part.trim());
    }
  }
  return { dir, truth, studies, messages, fhir, names };
}

/** What must become of one record's accession, from the truth and the observed value only. */
export interface Expectation {
  target: 'study' | 'report';
  /** Study Instance UID or report id. */
  id: string;
  /** The truth category of the record (its injected error, or a confounder / clean label). */
  category: string;
  observed: string;
  /** The value it must end with; null: a new accession must be minted (the same on both sides). */
  expected: string | null;
  /** True when the observed value is not the expected one: a correction is due. */
  mustChange: boolean;
  /** The truth says a person must decide (the engine must not change it on its own). */
  review: boolean;
  /** The record on the other side of the true pair, if any (study UID or report id). */
  counterpart: string | null;
}

const same = (a: string | null, b: string | null): boolean => canonicalAccession(a) === canonicalAccession(b);

/**
 * `format-noise`: the archive shows the right number in another format (zeros stripped, lower case);
 * the truth counts both forms as right, so writing the RIS's form is allowed but not due.
 */
const due = (category: string, observed: string, expected: string | null): boolean =>
  expected === null || (category !== 'format-noise' && !same(observed, expected));

/**
 * One expectation per study (its accession in the archive and on the FHIR server) and per report (the
 * RIS's view). A study's expected accession is the truth's; a report's is its study's. Orphan reports
 * and reports of pending studies keep theirs.
 */
export function expectations(h: Hospital): Expectation[] {
  const out: Expectation[] = [];
  const byStudy = new Map(h.truth.studies.map((t) => [t.studyInstanceUid, t]));
  for (const t of h.truth.studies) {
    const observed = h.studies.get(t.studyInstanceUid)?.accession ?? '';
    out.push({
      target: 'study', id: t.studyInstanceUid, category: t.category, observed, expected: t.expectedAccession,
      mustChange: due(t.category, observed, t.expectedAccession), review: t.expectReview, counterpart: t.reportId,
    });
  }
  for (const r of h.truth.reports) {
    const observed = h.messages.find((m) => m.reportId === r.reportId)?.accession ?? '';
    const study = r.studyInstanceUid === null ? undefined : byStudy.get(r.studyInstanceUid);
    const expected = study === undefined ? observed : study.expectedAccession;
    out.push({
      target: 'report', id: r.reportId, category: r.category, observed, expected,
      mustChange: due(r.category, observed, expected), review: r.expectReview, counterpart: r.studyInstanceUid,
    });
  }
  return out;
}

/** How one record ended, judged against its expectation. */
export type Verdict = 'corrected' | 'left' | 'wrong' | 'kept' | 'normalized' | 'changed';

/**
 * `corrected`: a due change was made to the right value; `left`: a due change was not made (review,
 * unlinked); `wrong`: changed to any other value; `kept`: nothing was due and nothing changed;
 * `normalized`: nothing was due, and the value took exactly the expected form (format noise);
 * `changed`: nothing was due but the value changed to anything else.
 * For a minted accession, `mintedPeer` is the final value of the counterpart, which must be the same.
 */
export function judge(e: Expectation, final: string, mintedPeer?: string): Verdict {
  if (!e.mustChange) return final === e.observed ? 'kept' : final === e.expected ? 'normalized' : 'changed';
  if (final === e.observed) return 'left';
  if (e.expected === null) return final !== '' && final === mintedPeer ? 'corrected' : 'wrong';
  return final === e.expected ? 'corrected' : 'wrong';
}
