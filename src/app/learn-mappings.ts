/**
 * `acclink mappings learn`: read a site's archive (DICOM folders, HL7 files, optionally FHIR), turn it
 * into learn records, learn the standardization proposal and write it as YAML with an HTML report.
 *
 * Raw formats (how dates, times and names are written) are not kept by the model, so one DICOM file
 * per study and every HL7 message are read a second time for them. Patient names, identifiers and
 * birth dates are turned into format classes as soon as they are read: no such value reaches the
 * learner, the YAML or the report.
 */
import { decodeText } from '../channels/files/text.ts';
import { open, readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataSet } from 'dicom-parser';
import type { Progress } from '../cli/progress.ts';
import { listFiles } from '../channels/files/walk.ts';
import { HEADER_PREFIX_BYTES } from '../channels/files/dicom-folder.ts';
import { loadConfig } from '../config/load.ts';
import type { Report, Scan } from '../model/types.ts';
import { decoderFor } from '../transforms/dicom/charset.ts';
import { parseDataSet } from '../transforms/dicom/parse.ts';
import { cleanValue } from '../transforms/dicom/values.ts';
import type { Hl7FieldMapping } from '../transforms/hl7/mapping.ts';
import { Hl7Message } from '../transforms/hl7/message.ts';
import { splitHl7Messages } from '../transforms/hl7/split.ts';
import { normalizeModality } from '../transforms/standardize/procedure.ts';
import type { ProcedureTerms } from '../transforms/standardize/procedure.ts';
import { learnMappings, renderEvidenceYaml, renderLearnHtml, renderProposalYaml } from '../transforms/standardize/learn/index.ts';
import type { LearnOptions, LearnRecord, LearnResult, NameScheme } from '../transforms/standardize/learn/index.ts';
import { dateClass, dateTimeClass, identifierClass, nameClass, nameClassKey, timeClass } from '../transforms/standardize/learn/index.ts';
import { readInputs, type InputPaths } from './read-inputs.ts';

/** Raw-format values of one source record, already reduced to classes (sex stays as written). */
type RawFormats = Record<string, string[]>;

/** What {@link runLearnMappings} reads and where it writes. */
export interface LearnRunOptions {
  paths: InputPaths;
  /** The proposal YAML; the HTML report goes beside it with `.html`. */
  out: string;
  configPath?: string;
  progress: Progress;
  options?: Partial<LearnOptions>;
  /** Report date stamped into the YAML header (default: now). */
  now?: Date;
}

/** What a learn run produced: the result, the files written and input counts for the summary. */
export interface LearnRun {
  result: LearnResult;
  yamlPath: string;
  htmlPath: string;
  evidencePath: string;
  counts: { studies: number; reports: number; rejected: number; dicomFiles: number; hl7Files: number; fhirFiles: number };
}

/** `proposal.yaml` → `proposal.html`; a name without a YAML extension gets `.html` appended. */
export function htmlPathFor(out: string): string {
  return /\.ya?ml$/i.test(out) ? out.replace(/\.ya?ml$/i, '.html') : `${out}.html`;
}

/** `proposal.yaml` → `proposal.evidence.yaml`. */
export function evidencePathFor(out: string): string {
  return /\.ya?ml$/i.test(out) ? out.replace(/\.(ya?ml)$/i, '.evidence.$1') : `${out}.evidence.yaml`;
}

/** The profile name for an output file: its base name in lower case, letters, digits and dashes. */
function profileName(out: string): string {
  const base = path.basename(out).replace(/\.ya?ml$/i, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return base === '' ? 'learned' : base;
}

const TAGS = {
  charset: 'x00080005', studyDate: 'x00080020', studyTime: 'x00080030', referring: 'x00080090',
  patientName: 'x00100010', birthDate: 'x00100030', sex: 'x00100040',
} as const;

function elementBytes(ds: DataSet, tag: string): Uint8Array | undefined {
  const e = ds.elements[tag];
  if (e === undefined || e.length === 0 || e.hadUndefinedLength || e.dataOffset + e.length > ds.byteArray.length) return undefined;
  return ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length);
}

const one = (v: string | undefined): string[] => (v === undefined ? [] : [v]);
const nameKey = (raw: string | undefined, scheme: NameScheme): string[] => {
  const c = raw === undefined ? undefined : nameClass(raw, scheme);
  return c === undefined ? [] : [nameClassKey(c)];
};

/** Raw formats of one DICOM file: PN layouts, DA/TM patterns, sex as written. Undefined when unreadable. */
async function sampleDicom(file: string): Promise<RawFormats | undefined> {
  let bytes: Uint8Array;
  let size: number;
  try {
    const handle = await open(file, 'r');
    try {
      size = (await handle.stat()).size;
      const buffer = new Uint8Array(Math.min(size, HEADER_PREFIX_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      bytes = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  const outcome = parseDataSet(bytes, bytes.length < size);
  if (!outcome.ok) return undefined;
  const ds = outcome.parsed.dataSet;
  const ascii = (tag: string): string | undefined => {
    const b = elementBytes(ds, tag);
    return b === undefined ? undefined : cleanValue(String.fromCharCode(...b.subarray(0, 256)));
  };
  const decode = decoderFor(ascii(TAGS.charset));
  const text = (tag: string): string | undefined => {
    const b = elementBytes(ds, tag);
    return b === undefined ? undefined : cleanValue(decode(b));
  };
  const date = ascii(TAGS.studyDate);
  const time = ascii(TAGS.studyTime);
  const birth = ascii(TAGS.birthDate);
  return {
    patientName: nameKey(text(TAGS.patientName), 'pn'),
    referringPhysician: nameKey(text(TAGS.referring), 'pn'),
    birthDate: one(birth === undefined ? undefined : dateClass(birth)),
    studyDate: one(date === undefined ? undefined : dateClass(date)),
    studyTime: one(time === undefined ? undefined : timeClass(time)),
    patientSex: one(ascii(TAGS.sex)),
  };
}


/** The first non-empty raw value at the mapping's positions. */
function rawAt(msg: Hl7Message, paths: readonly string[]): string | undefined {
  for (const p of paths) {
    try {
      const v = msg.getRaw(p).trim();
      if (v !== '') return v;
    } catch {
      // A position the message cannot hold (malformed path) reads as empty.
    }
  }
  return undefined;
}

/** Raw formats of every HL7 message, by `path#index` as in the reports' sources. */
async function sampleHl7(roots: readonly string[], mapping: Hl7FieldMapping, progress: Progress): Promise<Map<string, RawFormats>> {
  const out = new Map<string, RawFormats>();
  const files: string[] = [];
  for (const root of roots) files.push(...(await listFiles(root)));
  const f = mapping.fields;
  for (const [i, file] of files.entries()) {
    progress.update('sampling HL7', i + 1, files.length);
    let text: string;
    try {
      text = decodeText(await readFile(file));
    } catch {
      continue;
    }
    splitHl7Messages(text).messages.forEach((raw, index) => {
      let msg: Hl7Message;
      try {
        msg = Hl7Message.parse(raw);
      } catch {
        return;
      }
      const dt = (paths: readonly string[]): string[] => one(((v) => (v === undefined ? undefined : dateTimeClass(v)))(rawAt(msg, paths)));
      const interpreter = rawAt(msg, f.interpreter)?.split(msg.encoding.component)[0];
      const sex = rawAt(msg, f.sex);
      out.set(`${file}#${index}`, {
        reportPatientName: nameKey(rawAt(msg, f.patientName), 'xpn'),
        interpreter: nameKey(interpreter, 'cnn'),
        reportBirthDate: dt(f.birthDate),
        examDateTime: dt(f.examDateTime),
        reportDateTime: dt(f.reportDateTime),
        reportPatientSex: one(sex?.split(msg.encoding.component)[0]?.trim() || undefined),
      });
    });
  }
  return out;
}

/** The record modality: the first modality code the procedure terms know, else the first. */
function recordModality(codes: ReadonlyArray<string | undefined>, terms: ProcedureTerms): string | undefined {
  const present = codes.filter((c): c is string => c !== undefined && c !== '');
  return present.find((c) => normalizeModality(c, terms) !== undefined) ?? present[0];
}

function scanRecord(scan: Scan, raw: RawFormats | undefined, terms: ProcedureTerms): LearnRecord {
  const modality = recordModality(scan.modalities, terms);
  return {
    side: 'dicom',
    ...(modality === undefined ? {} : { modality }),
    values: {
      studyDescription: one(scan.studyDescription),
      seriesDescription: scan.seriesDescriptions,
      bodyPartExamined: scan.bodyParts,
      modality: scan.modalities,
      institutionName: one(scan.institution),
      accessionNumber: one(scan.accession === undefined ? undefined : identifierClass(scan.accession)),
      ...raw,
    },
  };
}

function reportRecord(report: Report, raw: RawFormats | undefined, terms: ProcedureTerms): LearnRecord {
  const modality = recordModality([report.modality, report.section], terms);
  return {
    side: 'hl7',
    ...(modality === undefined ? {} : { modality }),
    values: {
      procedureText: one(report.procedureText),
      section: one(report.section),
      sendingFacility: one(report.institution),
      reportAccession: one(report.accession === undefined ? undefined : identifierClass(report.accession)),
      ...raw,
    },
  };
}

/** Reads the inputs, learns, writes `out` (YAML) and the HTML report beside it. */
export async function runLearnMappings(o: LearnRunOptions): Promise<LearnRun> {
  const config = await loadConfig(o.configPath);
  const terms = config.procedureTerms;
  const inputs = await readInputs(o.paths, config.hl7Fields, o.progress);
  const records: LearnRecord[] = [];
  for (const [i, scan] of inputs.scans.entries()) {
    o.progress.update('sampling DICOM', i + 1, inputs.scans.length);
    const source = scan.sources.find((s) => s.kind === 'dicom');
    records.push(scanRecord(scan, source === undefined ? undefined : await sampleDicom(source.path), terms));
  }
  const hl7 = await sampleHl7(o.paths.hl7, config.hl7Fields, o.progress);
  for (const report of inputs.reports) {
    const s = report.sources.find((x) => x.kind === 'hl7');
    records.push(reportRecord(report, s === undefined ? undefined : hl7.get(`${s.path}#${s.index ?? 0}`), terms));
  }
  o.progress.update('learning', 0, 1);
  const result = learnMappings(records, terms, o.options);
  o.progress.done();
  const yamlPath = o.out;
  const htmlPath = htmlPathFor(o.out);
  const evidencePath = evidencePathFor(o.out);
  const stamp = (o.now ?? new Date()).toISOString().slice(0, 10);
  const sources = { dicom: o.paths.dicom.length, hl7: o.paths.hl7.length, fhir: o.paths.fhir.length };
  const files = { htmlFile: path.basename(htmlPath), evidenceFile: path.basename(evidencePath) };
  await mkdir(path.dirname(path.resolve(yamlPath)), { recursive: true });
  await writeFile(yamlPath, renderProposalYaml(result, { date: stamp, name: profileName(yamlPath), ...files }));
  await writeFile(evidencePath, renderEvidenceYaml(result, { date: stamp, proposalFile: path.basename(yamlPath) }));
  await writeFile(htmlPath, renderLearnHtml(result, { date: stamp, yamlFile: path.basename(yamlPath), evidenceFile: files.evidenceFile, sources }));
  return {
    result, yamlPath, htmlPath, evidencePath,
    counts: {
      studies: inputs.scans.length, reports: inputs.reports.length, rejected: inputs.rejections.length,
      dicomFiles: inputs.counts.dicomFiles, hl7Files: inputs.counts.hl7Files, fhirFiles: inputs.counts.fhirFiles,
    },
  };
}
