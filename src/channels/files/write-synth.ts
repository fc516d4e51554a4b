/**
 * Writes a synthetic hospital to a folder: `dicom/…` (Part 10 files, some without extension),
 * `hl7/*.hl7`, `fhir/imaging-studies.ndjson` and `truth.json`. DICOM files are rendered lazily and
 * written with bounded concurrency, so 100k studies never sit in memory at once.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Hospital } from '../../synth/model.ts';
import type { DicomRenderOptions, RenderedFile } from '../../synth/render-dicom.ts';
import { countDicomInstances, renderDicomFiles } from '../../synth/render-dicom.ts';
import { renderFhirFiles } from '../../synth/render-fhir.ts';
import type { RenderedText } from '../../synth/render-hl7.ts';
import { renderHl7Files } from '../../synth/render-hl7.ts';
import { truthToJson } from '../../synth/truth-json.ts';

/** Options of {@link writeSynthHospital}. */
export interface WriteSynthOptions extends DicomRenderOptions {
  /** Files written at the same time (default 32). */
  concurrency?: number;
  /** Called after each file: `done` and `total` count DICOM files, HL7 messages, FHIR resources and truth.json. */
  onProgress?: (done: number, total: number) => void;
}

/** What was written. */
export interface WriteSynthResult {
  dicomFiles: number;
  hl7Files: number;
  fhirFiles: number;
  studies: number;
  reports: number;
}

/** Creates each directory once, however many files go into it. */
function dirMaker(): (dir: string) => Promise<void> {
  const made = new Map<string, Promise<void>>();
  return (dir) => {
    let p = made.get(dir);
    if (p === undefined) {
      p = mkdir(dir, { recursive: true }).then(() => undefined);
      made.set(dir, p);
    }
    return p;
  };
}

/** A file to write and how many progress units it stands for. */
interface OutFile {
  path: string;
  data: Uint8Array | string;
  units: number;
}

function* dicomOut(files: Iterable<RenderedFile>): Generator<OutFile> {
  for (const f of files) yield { path: f.path, data: f.bytes, units: 1 };
}

function* textOut(files: Iterable<RenderedText>): Generator<OutFile> {
  for (const f of files) yield { path: f.path, data: f.text, units: f.records };
}

/** Drains a lazy sequence of files with at most `concurrency` writes in flight. */
async function writeAll(outDir: string, files: Iterator<OutFile>, concurrency: number, onFile: (units: number) => void): Promise<number> {
  const ensureDir = dirMaker();
  let written = 0;
  const worker = async (): Promise<void> => {
    // Workers share one synchronous iterator: each `next()` hands out a different file.
    for (let n = files.next(); n.done !== true; n = files.next()) {
      const path = join(outDir, ...n.value.path.split('/'));
      await ensureDir(dirname(path));
      await writeFile(path, n.value.data);
      written++;
      onFile(n.value.units);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return written;
}

/** Writes the hospital under `outDir` (created if needed; existing files of the same names are replaced). */
export async function writeSynthHospital(outDir: string, hospital: Hospital, opts: WriteSynthOptions = {}): Promise<WriteSynthResult> {
  const dicomOpts: DicomRenderOptions = {};
  if (opts.instancesPerStudy !== undefined) dicomOpts.instancesPerStudy = opts.instancesPerStudy;
  if (opts.image !== undefined) dicomOpts.image = opts.image;
  const fhir = renderFhirFiles(hospital, dicomOpts);
  const total = countDicomInstances(hospital, dicomOpts) + hospital.reports.length + fhir.reduce((s, f) => s + f.records, 0) + 1;
  let done = 0;
  const progress = (n: number): void => {
    done += n;
    opts.onProgress?.(done, total);
  };

  const concurrency = opts.concurrency ?? 32;
  const dicomFiles = await writeAll(outDir, dicomOut(renderDicomFiles(hospital, dicomOpts)), concurrency, progress);
  const hl7Files = await writeAll(outDir, textOut(renderHl7Files(hospital)), concurrency, progress);
  const fhirFiles = await writeAll(outDir, textOut(fhir), concurrency, progress);
  await writeAll(outDir, textOut([{ path: 'truth.json', text: truthToJson(hospital.truth), records: 1 }]), 1, progress);
  return { dicomFiles, hl7Files, fhirFiles, studies: hospital.studies.length, reports: hospital.reports.length };
}
