/** `acclink synth`: write a synthetic hospital with known truth. */
import path from 'node:path';
import { writeSynthHospital } from '../channels/files/write-synth.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { generateHospital } from '../synth/hospital.ts';
import { assertOutputFolder, integer, parse } from './args.ts';
import { table, terminalProgress } from './progress.ts';

export const SYNTH_USAGE = `Usage: acclink synth --out DIR [--seed N] [--patients P] [--days D] [--base-date YYYY-MM-DD] [--instances-per-study N]

Writes a synthetic hospital to DIR: dicom/ (Part 10 files), hl7/ (ORU^R01 and some ORM/OMI orders in several
vendor styles), fhir/imaging-studies.ndjson (Patient + ImagingStudy for about a third of the studies) and
truth.json (for every study and report: its true counterpart, error category and expected accession).
Injected errors: accession typos of each kind on either side, missing on either or both sides, swaps between
patients, same-day duplicates, orphan reports, pending studies, priors, same-name and twin patients, format
noise, and cases a person must decide. All patients are invented.

Options:
  --out DIR                 output folder (required)
  --seed N                  random seed (default 1); the same seed writes the same bytes
  --patients P              number of patients (default 200)
  --days D                  length of the period in days (default 30)
  --base-date YYYY-MM-DD    first day of the period (default 2026-03-02)
  --instances-per-study N   DICOM instances per study (default: 1-3 series of 1-2 instances)
  --quiet                   no progress line and no summary
  -h, --help                this help`;

export async function synthCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    out: { type: 'string' }, seed: { type: 'string' }, patients: { type: 'string' }, days: { type: 'string' },
    'base-date': { type: 'string' }, 'instances-per-study': { type: 'string' }, quiet: { type: 'boolean' },
  }, SYNTH_USAGE);
  if (values.help) {
    process.stdout.write(`${SYNTH_USAGE}\n`);
    return 0;
  }
  if (typeof values.out !== 'string') throw new AcclinkError(ErrorCode.Usage, `--out is required\n\n${SYNTH_USAGE}`);
  const baseDate = typeof values['base-date'] === 'string' ? values['base-date'] : '2026-03-02';
  const parsed = new Date(`${baseDate}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(baseDate) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== baseDate) {
    throw new AcclinkError(ErrorCode.Usage, `--base-date must be a real date like 2026-03-02, got "${baseDate}"`);
  }
  const perStudy = values['instances-per-study'] === undefined ? undefined : integer(values['instances-per-study'], 'instances-per-study', 1, 1);
  await assertOutputFolder(values.out);
  const started = performance.now();
  const written = await synthesize({
    out: values.out, seed: integer(values.seed, 'seed', 1), patients: integer(values.patients, 'patients', 200, 1),
    days: integer(values.days, 'days', 30, 1), baseDate, quiet: values.quiet === true, ...(perStudy ? { instancesPerStudy: perStudy } : {}),
  });
  if (values.quiet !== true) {
    process.stdout.write(`${table(['synthetic hospital', ''], [
      ['studies', written.studies], ['reports and orders', written.reports], ['DICOM files', written.dicomFiles],
      ['HL7 files', written.hl7Files], ['FHIR files', written.fhirFiles], ['time (ms)', Math.round(performance.now() - started)],
    ])}\n\nWritten to ${values.out} (truth in ${path.join(values.out, 'truth.json')})\n`);
  }
  return 0;
}

export interface SynthesizeOptions {
  out: string;
  seed: number;
  patients: number;
  days: number;
  baseDate: string;
  quiet: boolean;
  instancesPerStudy?: number;
}

/** Generate and write a hospital, with a progress line. Shared by `synth`, `demo` and the benchmarks. */
export async function synthesize(o: SynthesizeOptions): Promise<Awaited<ReturnType<typeof writeSynthHospital>>> {
  const hospital = generateHospital({ seed: o.seed, patients: o.patients, baseDate: o.baseDate, days: o.days });
  const progress = terminalProgress({ quiet: o.quiet });
  const written = await writeSynthHospital(o.out, hospital, {
    onProgress: (d, t) => progress.update('writing hospital', d, t),
    ...(o.instancesPerStudy ? { instancesPerStudy: o.instancesPerStudy } : {}),
  });
  progress.done();
  return written;
}
