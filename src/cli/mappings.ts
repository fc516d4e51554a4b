/** `acclink mappings <subcommand>`: work on the standardization data. `learn` proposes it from a site's archive. */
import { stat } from 'node:fs/promises';
import { evidencePathFor, htmlPathFor, runLearnMappings } from '../app/learn-mappings.ts';
import type { LearnRun } from '../app/learn-mappings.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { proposalSummary, reviewCount } from '../transforms/standardize/learn/index.ts';
import { parse, INPUT_OPTIONS, inputPaths } from './args.ts';
import { table, terminalProgress } from './progress.ts';

/** Help of `acclink mappings`. */
export const MAPPINGS_USAGE = `Usage: acclink mappings <subcommand> [options]

Subcommands:
  learn   Learn a site's standardization data (standard values and synonyms, formats, mandatory fields,
          dependency rules) from its own DICOM and HL7 archive, as a YAML proposal and an HTML report

Run "acclink mappings learn --help" for its options.`;

/** Help of `acclink mappings learn`. */
export const LEARN_USAGE = `Usage: acclink mappings learn --out FILE [--dicom DIR]... [--hl7 PATH]... [--fhir PATH]... [options]

Reads the archive and proposes the site's standards: per field the values seen and their counts, standard
values with the variants grouped under them (vendor spellings of one exam group by what they say: modality,
body region, contrast, side, views), formats of names, dates, times and accession numbers, fill rates (a field
filled in 98% of records is proposed mandatory) and rules on which values occur together (MG → BREAST).
Every item has a count and a confidence; doubtful ones are marked for review. Nothing is applied. Patient
names, identifiers and birth dates appear only as formats. Writes, for --out site.yaml:
  site.yaml            the proposal: a standards profile (the format of mappings/standards/*.yaml) with
                       counts and confidences as comments
  site.evidence.yaml   every variant's count, confidence and reason, and the fields outside the profile
  site.html            the report: tables and bar charts, doubtful items marked

Options:
  --dicom DIR      DICOM file or folder, nested folders included (repeatable)
  --hl7 PATH       HL7 file or folder of files (repeatable)
  --fhir PATH      FHIR ndjson/Bundle file or folder (repeatable)
  --out FILE       proposal YAML to write, e.g. site.yaml (then also site.evidence.yaml and site.html)
  --config FILE    YAML configuration (HL7 field positions, procedure terms)
  --quiet          no progress line and no summary table
  -h, --help       this help`;

/** The short table printed at the end: per field its fill rate, proposal and what needs a look. */
export function formatLearnSummary(run: LearnRun): string {
  const r = run.result;
  const o = r.options;
  const rows = r.fields.map((f) => [
    f.spec.name, `${(f.histogram.fillRate * 100).toFixed(1)}%`, f.mandatory ? 'yes' : 'no', f.histogram.entries.length, proposalSummary(f), reviewCount(f, o),
  ]);
  const rules = r.dependencies.length;
  const twoWay = r.dependencies.filter((d) => d.direction === 'both').length;
  const c = run.counts;
  return [
    table(['field', 'filled', 'mandatory', 'distinct', 'proposal', 'review'], rows),
    '',
    `${c.studies} studies, ${c.reports} reports/orders read (${c.dicomFiles} DICOM, ${c.hl7Files} HL7, ${c.fhirFiles} FHIR files; ${c.rejected} inputs rejected)`,
    `${rules} dependency rule${rules === 1 ? '' : 's'} (${twoWay} both ways)`,
    '',
    `Proposal: ${run.yamlPath}`,
    `Evidence: ${run.evidencePath}`,
    `Report:   ${run.htmlPath}`,
  ].join('\n');
}

async function learnCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...INPUT_OPTIONS,
    out: { type: 'string' },
    config: { type: 'string' },
    quiet: { type: 'boolean' },
  }, LEARN_USAGE);
  if (values.help) {
    process.stdout.write(`${LEARN_USAGE}\n`);
    return 0;
  }
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (!out) throw new AcclinkError(ErrorCode.Usage, `--out is required\n\n${LEARN_USAGE}`);
  const paths = inputPaths(values, LEARN_USAGE);
  for (const [flag, list] of Object.entries(paths)) {
    for (const p of list) {
      if (!(await stat(p).then(() => true, () => false))) throw new AcclinkError(ErrorCode.Usage, `--${flag} ${p} does not exist`);
    }
  }
  for (const target of [out, htmlPathFor(out), evidencePathFor(out)]) {
    if ((await stat(target).then((s) => s.isDirectory(), () => false))) throw new AcclinkError(ErrorCode.Usage, `${target} is a folder; --out names the proposal file to write`);
  }
  const quiet = values.quiet === true;
  const run = await runLearnMappings({
    paths, out, progress: terminalProgress({ quiet }),
    ...(typeof values.config === 'string' ? { configPath: values.config } : {}),
  });
  if (!quiet) process.stdout.write(`${formatLearnSummary(run)}\n`);
  return 0;
}

/**
 * `acclink mappings <subcommand> ...`.
 * @returns the exit code; usage errors are thrown as AcclinkError USAGE (main prints them, exit 2)
 */
export async function mappingsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new AcclinkError(ErrorCode.Usage, `a subcommand is required\n\n${MAPPINGS_USAGE}`);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`${MAPPINGS_USAGE}\n`);
    return 0;
  }
  if (sub === 'learn') return learnCommand(rest);
  throw new AcclinkError(ErrorCode.Usage, `unknown subcommand "${sub}"\n\n${MAPPINGS_USAGE}`);
}
