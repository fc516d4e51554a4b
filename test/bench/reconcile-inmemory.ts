/**
 * In-memory parsing for `npm run bench:reconcile`: the same sample of files is parsed by acclink here
 * and by the Python anchors, after every byte is already in memory, so the comparison leaves file I/O out.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readDicomHeader } from '../../src/transforms/dicom/header.ts';
import { hl7ToReports } from '../../src/transforms/hl7/report.ts';
import type { Hl7FieldMapping } from '../../src/transforms/hl7/mapping.ts';
import { splitHl7Messages } from '../../src/transforms/hl7/split.ts';

/** Every regular file under `dir`, as absolute paths in code-unit order. */
export async function listFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** At most `n` items spread evenly over `items` (all of them when there are fewer). */
export function spreadSample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[Math.floor((i * items.length) / n)] as T);
  return out;
}

/** Best (lowest) time of `reps` runs of `fn`, after one untimed warm-up run. */
function bestOf(reps: number, fn: () => void): number {
  fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export interface DicomInMemory {
  files: string[];
  bytes: number;
  ms: number;
  accepted: number;
}

/** readDicomHeader over the whole bytes of each file (as readDicomFolder does for files under 256 KiB). */
export async function timeDicomInMemory(files: string[], reps: number): Promise<DicomInMemory> {
  const blobs = await Promise.all(files.map((f) => readFile(f)));
  const sources = files.map((f) => ({ kind: 'dicom' as const, path: f }));
  let accepted = 0;
  const ms = bestOf(reps, () => {
    accepted = 0;
    for (let i = 0; i < blobs.length; i++) {
      if (readDicomHeader(blobs[i] as Uint8Array, sources[i] as { kind: 'dicom'; path: string }).ok) accepted++;
    }
  });
  return { files, bytes: blobs.reduce((s, b) => s + b.length, 0), ms, accepted };
}

export interface Hl7Sample {
  /** Whole files, in path order, until at least the requested number of messages. */
  files: Array<{ rel: string; text: string }>;
  /** The files' messages, segments joined with `\r`, as python-hl7 expects them. */
  messages: string[];
}

/** Whole HL7 files from the start of the sorted listing until at least `minMessages` messages. */
export async function hl7Sample(hl7Dir: string, minMessages: number): Promise<Hl7Sample> {
  const sample: Hl7Sample = { files: [], messages: [] };
  for (const file of await listFilesUnder(hl7Dir)) {
    if (sample.messages.length >= minMessages) break;
    const text = new TextDecoder('utf-8').decode(await readFile(file));
    sample.files.push({ rel: path.relative(hl7Dir, file), text });
    sample.messages.push(...splitHl7Messages(text).messages);
  }
  return sample;
}

export interface Hl7InMemory {
  messages: number;
  records: number;
  ms: number;
}

/** hl7ToReports over each file's text: splitting, parsing and reading every mapped field of every message. */
export function timeHl7InMemory(sample: Hl7Sample, mapping: Hl7FieldMapping, reps: number): Hl7InMemory {
  let records = 0;
  const ms = bestOf(reps, () => {
    records = 0;
    for (const f of sample.files) records += hl7ToReports(f.text, f.rel, mapping).records.length;
  });
  return { messages: sample.messages.length, records, ms };
}
