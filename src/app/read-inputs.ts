/**
 * Reading the batch inputs: DICOM folders, HL7 files or folders, FHIR ndjson/Bundle files or folders.
 * Nothing here decides anything; it turns files into the model and lists what it could not read.
 */
import { decodeText } from '../channels/files/text.ts';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readDicomFolder } from '../channels/files/dicom-folder.ts';
import { listFiles } from '../channels/files/walk.ts';
import type { InputRejection, Report, Scan, SourceRef } from '../model/types.ts';
import { ErrorCode } from '../model/errors.ts';
import { aggregateStudies } from '../transforms/dicom/aggregate.ts';
import type { DicomInstanceHeader } from '../transforms/dicom/header.ts';
import { fhirToRecords } from '../transforms/fhir/read.ts';
import { splitFhirText } from '../transforms/fhir/entries.ts';
import { hl7ToReports } from '../transforms/hl7/report.ts';
import type { Hl7FieldMapping } from '../transforms/hl7/mapping.ts';
import { mergeScans } from '../transforms/merge.ts';
import type { Progress } from '../cli/progress.ts';

export interface Inputs {
  scans: Scan[];
  reports: Report[];
  rejections: InputRejection[];
  /** FHIR resources as read, by `Type/id`, for building PATCH documents against the state we saw. */
  fhirResources: Map<string, unknown>;
  counts: { dicomFiles: number; dicomInstances: number; hl7Files: number; fhirFiles: number };
  timingMs: { dicom: number; hl7: number; fhir: number };
}

export interface InputPaths {
  dicom: readonly string[];
  hl7: readonly string[];
  fhir: readonly string[];
}


async function readText(file: string, rejections: InputRejection[], kind: 'hl7' | 'fhir', rel: string): Promise<string | undefined> {
  try {
    return decodeText(await readFile(file));
  } catch (e) {
    rejections.push({ source: { kind, path: rel }, code: ErrorCode.FileUnreadable, reason: `cannot read file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
    return undefined;
  }
}

/** Files below each root; `rel` is the path as the user would write it (root as given, joined). */
async function filesUnder(roots: readonly string[]): Promise<Array<{ file: string; rel: string }>> {
  const out: Array<{ file: string; rel: string }> = [];
  for (const root of roots) for (const file of await listFiles(root)) out.push({ file, rel: file });
  return out;
}

/** Read every input; progress per phase; rejections collected, never thrown. */
export async function readInputs(paths: InputPaths, mapping: Hl7FieldMapping, progress: Progress): Promise<Inputs> {
  const rejections: InputRejection[] = [];
  const t0 = performance.now();
  const instances: DicomInstanceHeader[] = [];
  let dicomFiles = 0;
  for (const dir of paths.dicom) {
    const r = await readDicomFolder(dir, { onProgress: (d, t) => progress.update('reading DICOM', d, t) });
    dicomFiles += r.records.length + r.rejections.length;
    // Paths under the folder as given, so that files of several --dicom folders stay apart; a single file
    // is read relative to its own folder.
    const base = (await stat(dir)).isFile() ? path.dirname(dir) : dir;
    const under = (s: SourceRef): SourceRef => ({ ...s, path: path.join(base, s.path) });
    for (const i of r.records) instances.push({ ...i, source: under(i.source) });
    for (const e of r.rejections) rejections.push({ ...e, source: under(e.source) });
  }
  const studies = aggregateStudies(instances);
  rejections.push(...studies.rejections);
  const t1 = performance.now();

  const reports: Report[] = [];
  const hl7Files = await filesUnder(paths.hl7);
  for (const [i, { file, rel }] of hl7Files.entries()) {
    progress.update('reading HL7', i + 1, hl7Files.length);
    const text = await readText(file, rejections, 'hl7', rel);
    if (text === undefined) continue;
    const r = hl7ToReports(text, rel, mapping);
    reports.push(...r.records);
    rejections.push(...r.rejections);
  }
  const t2 = performance.now();

  const fhirScans: Scan[] = [];
  const fhirResources = new Map<string, unknown>();
  const fhirFiles = await filesUnder(paths.fhir);
  for (const [i, { file, rel }] of fhirFiles.entries()) {
    progress.update('reading FHIR', i + 1, fhirFiles.length);
    const text = await readText(file, rejections, 'fhir', rel);
    if (text === undefined) continue;
    const r = fhirToRecords(text, rel);
    fhirScans.push(...r.scans.records);
    reports.push(...r.reports.records);
    rejections.push(...r.scans.rejections, ...r.reports.rejections);
    for (const e of splitFhirText(text, rel).entries) {
      const id = e.resource['id'];
      if (typeof id === 'string') fhirResources.set(`${e.resourceType}/${id}`, e.resource);
    }
  }
  progress.done();
  const t3 = performance.now();
  return {
    scans: mergeScans(studies.records, fhirScans),
    reports,
    rejections,
    fhirResources,
    counts: { dicomFiles, dicomInstances: instances.length, hl7Files: hl7Files.length, fhirFiles: fhirFiles.length },
    timingMs: { dicom: t1 - t0, hl7: t2 - t1, fhir: t3 - t2 },
  };
}
