/** `acclink reconcile`: the batch driver. */
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { runReconcile } from '../app/reconcile-batch.ts';
import { formatSummary } from '../app/summary.ts';
import { parse, INPUT_OPTIONS, inputPaths } from './args.ts';
import { terminalProgress } from './progress.ts';

export const RECONCILE_USAGE = `Usage: acclink reconcile --out DIR [--dicom PATH]... [--hl7 PATH]... [--fhir PATH]... [options]

Reads DICOM Part 10 files (any names, nested folders), HL7 v2 ORU^R01 / ORM^O01 / OMI^O23 files and FHIR
R4 ImagingStudy / DiagnosticReport / ServiceRequest (ndjson or Bundle), links every study to its report,
and writes to DIR: links.jsonl, corrections.jsonl, review.jsonl, unlinked.jsonl, errors.jsonl,
summary.json and outbound/ (the HL7 and FHIR PATCH messages that would be sent; nothing is sent); with
--standardize also header-review.jsonl and headers.jsonl.

Options:
  --dicom PATH     DICOM file or folder of files, nested folders included (repeatable)
  --hl7 PATH       HL7 file or folder of files (repeatable)
  --fhir PATH      FHIR ndjson/Bundle file or folder (repeatable)
  --out DIR        output folder (created; existing result files are replaced)
  --config FILE    YAML configuration (thresholds, policy, mappings, outbound addressing)
  --learn          estimate the m probabilities by EM from this run's own candidate pairs and print them
  --standardize PROFILE
                   also check and correct every study header against a standards profile: "global" (the
                   shipped mappings/standards/global.yaml) or a YAML file (e.g. one made by "mappings learn"
                   and reviewed); field-level corrections join corrections.jsonl, uncertain values go to
                   header-review.jsonl, and outbound/ gains DICOM attribute updates and ADT^A08 messages
  --quiet          no progress line and no summary table
  -h, --help       this help`;

export async function reconcileCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...INPUT_OPTIONS,
    out: { type: 'string' },
    config: { type: 'string' },
    learn: { type: 'boolean' },
    standardize: { type: 'string' },
    quiet: { type: 'boolean' },
  }, RECONCILE_USAGE);
  if (values.help) {
    process.stdout.write(`${RECONCILE_USAGE}\n`);
    return 0;
  }
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (!out) throw new AcclinkError(ErrorCode.Usage, `--out is required\n\n${RECONCILE_USAGE}`);
  const paths = inputPaths(values, RECONCILE_USAGE);
  const quiet = values.quiet === true;
  const run = await runReconcile({
    paths, out, learn: values.learn === true, progress: terminalProgress({ quiet }),
    ...(typeof values.config === 'string' ? { configPath: values.config } : {}),
    ...(typeof values.standardize === 'string' ? { standardize: values.standardize } : {}),
  });
  if (!quiet) {
    if (run.learnedTable) process.stdout.write(`${run.learnedTable}\n\n`);
    process.stdout.write(`${formatSummary(run.summary)}\n\nResults in ${out}\n`);
  }
  return 0;
}
