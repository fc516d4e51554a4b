/** `acclink label-report`: label the findings of radiology reports (HL7 ORU or plain text) as JSON lines. */
import { decodeText } from '../channels/files/text.ts';
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { listFiles } from '../channels/files/walk.ts';
import { loadConfig, SHIPPED_MAPPINGS_DIR } from '../config/load.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { InputRejection } from '../model/types.ts';
import { hl7ToReports } from '../transforms/hl7/report.ts';
import { labelReport, parseFindingsLexicon } from '../transforms/report-text/index.ts';
import type { FindingState, FindingsLexicon, ReportLabels, ReportTextInput } from '../transforms/report-text/index.ts';
import { parse, strings } from './args.ts';

export const LABEL_REPORT_USAGE = `Usage: acclink label-report (--hl7 PATH | --text PATH)... [--out FILE] [options]

Reads radiology reports and prints one JSON line per report:
  {"reportId": ..., "exam": {modality, bodyRegions, contrast, laterality, views}, "findings": {"effusion": "positive", ...}}
Findings are labelled positive, negative or uncertain from the FINDINGS and IMPRESSION sections (the
impression wins where both speak); indication, history and comparison mentions are not counted. The
findings and their wording are data: mappings/findings.yaml. The exam is read from the procedure text
(HL7 OBR-4) and the EXAM line of the report.

Options:
  --hl7 PATH       HL7 v2 file or folder (ORU^R01 results; orders carry no text and are skipped) (repeatable)
  --text PATH      plain-text report file, or folder of them, one report per file; reportId = file name (repeatable)
  --out FILE       write the JSON lines to FILE instead of stdout ("-" is stdout); a summary line always goes to stderr
  --mentions       also print every mention: finding, state, section, sentence, trigger, character span
  --lexicon FILE   findings lexicon (default: the shipped mappings/findings.yaml)
  --config FILE    YAML configuration, for the HL7 field mapping and procedure terms (as in reconcile)
  -h, --help       this help`;


interface Tally {
  files: number;
  reports: number;
  ordersSkipped: number;
  rejected: number;
  states: Record<FindingState, number>;
}

/** Runs `acclink label-report`; returns the exit code. Usage and mapping problems throw AcclinkError. */
export async function labelReportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    hl7: { type: 'string', multiple: true },
    text: { type: 'string', multiple: true },
    out: { type: 'string' },
    mentions: { type: 'boolean' },
    lexicon: { type: 'string' },
    config: { type: 'string' },
  }, LABEL_REPORT_USAGE);
  if (values.help === true) {
    process.stdout.write(`${LABEL_REPORT_USAGE}\n`);
    return 0;
  }
  const hl7 = strings(values.hl7);
  const text = strings(values.text);
  if (positionals.length > 0) throw usage(`unexpected argument "${positionals[0]}"`);
  if (hl7.length === 0 && text.length === 0) throw usage('give at least one --hl7 or --text input');
  const out = typeof values.out === 'string' && values.out !== '-' ? values.out : undefined;
  const lexicon = await loadLexicon(typeof values.lexicon === 'string' ? values.lexicon : path.join(SHIPPED_MAPPINGS_DIR, 'findings.yaml'));
  const config = await loadConfig(typeof values.config === 'string' ? values.config : undefined);
  const tally: Tally = { files: 0, reports: 0, ordersSkipped: 0, rejected: 0, states: { positive: 0, negative: 0, uncertain: 0 } };
  const hl7Files = await inputFiles(hl7);
  const textFiles = await inputFiles(text);
  const sink = await openSink(out);
  try {
    const emit = async (report: ReportTextInput): Promise<void> => {
      const labels = labelReport(report, lexicon, config.procedureTerms);
      tally.reports++;
      for (const s of Object.values(labels.findings)) tally.states[s]++;
      await sink.write(`${JSON.stringify(line(labels, values.mentions === true))}\n`);
    };
    for (const { file, rel } of hl7Files) {
      tally.files++;
      const r = hl7ToReports(decodeText(await readBytes(file)), rel, config.hl7Fields);
      reportRejections(r.rejections, tally);
      for (const report of r.records) {
        if (report.kind !== 'report') tally.ordersSkipped++;
        else await emit(report);
      }
    }
    for (const { file, rel } of textFiles) {
      tally.files++;
      await emit({ reportId: rel, text: decodeText(await readBytes(file)) });
    }
  } finally {
    await sink.close();
  }
  // The summary goes to stderr so that stdout stays pure JSON lines.
  process.stderr.write(`${summary(tally)}\n`);
  return 0;
}

function usage(message: string): AcclinkError {
  return new AcclinkError(ErrorCode.Usage, `${message}\n\n${LABEL_REPORT_USAGE}`);
}

function line(labels: ReportLabels, withMentions: boolean): Record<string, unknown> {
  return { reportId: labels.reportId, exam: labels.exam, findings: labels.findings, ...(withMentions ? { mentions: labels.mentions } : {}) };
}

async function loadLexicon(file: string): Promise<FindingsLexicon> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, `cannot read findings lexicon ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { cause: e });
  }
  let data: unknown;
  try {
    data = parseYaml(raw);
  } catch (e) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, `findings lexicon ${file} is not valid YAML: ${(e as Error).message}`, { cause: e });
  }
  try {
    return parseFindingsLexicon(data);
  } catch (e) {
    if (e instanceof AcclinkError) throw new AcclinkError(e.code, `${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Every file under the given roots, with its path relative to its root (a file given directly: its name). */
async function inputFiles(roots: readonly string[]): Promise<Array<{ file: string; rel: string }>> {
  const out: Array<{ file: string; rel: string }> = [];
  for (const root of roots) {
    let files: string[];
    try {
      files = await listFiles(root);
    } catch (e) {
      throw usage(`cannot read ${root}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const base = files.length === 1 && files[0] === root ? path.dirname(root) : root;
    for (const file of files) out.push({ file, rel: path.relative(base, file) || path.basename(file) });
  }
  return out;
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    throw usage(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function reportRejections(rejections: readonly InputRejection[], tally: Tally): void {
  for (const r of rejections) {
    tally.rejected++;
    const where = `${r.source.path}${r.source.index === undefined ? '' : `#${r.source.index}`}`;
    process.stderr.write(`acclink label-report: skipped ${where}: ${r.code}: ${r.reason}\n`);
  }
}

interface Sink {
  write(s: string): Promise<void>;
  close(): Promise<void>;
}

async function openSink(file: string | undefined): Promise<Sink> {
  if (file === undefined) {
    return {
      write: (s) => new Promise<void>((resolve, reject) => process.stdout.write(s, (e) => (e ? reject(e) : resolve()))),
      close: () => Promise.resolve(),
    };
  }
  let handle: FileHandle;
  try {
    handle = await open(file, 'w');
  } catch (e) {
    throw usage(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return { write: async (s) => void (await handle.write(s)), close: () => handle.close() };
}

function summary(t: Tally): string {
  const skipped = [t.ordersSkipped > 0 ? `${t.ordersSkipped} order(s) skipped` : '', t.rejected > 0 ? `${t.rejected} input(s) rejected` : ''].filter((x) => x !== '');
  return `label-report: ${t.reports} report(s) from ${t.files} file(s)${skipped.length > 0 ? ` (${skipped.join(', ')})` : ''}; `
    + `findings: ${t.states.positive} positive, ${t.states.negative} negative, ${t.states.uncertain} uncertain`;
}
