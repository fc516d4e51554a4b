/**
 * `npm run bench:reconcile`: reconciles synthetic sets of 10k and 100k studies/reports (one instance per
 * study) and prints header-reading, HL7-parsing and total rates, with pydicom and python-hl7 as anchors
 * on the same files. A benchmark, not a test: it prints tables and always exits 0 unless it crashes.
 *
 * Options after `--`: --sizes 10000,100000  --seed N  --dicom-sample N (5000)  --hl7-sample N (20000)  --reps N (3)
 * Targets (from the issue): header reading ≥ 3x pydicom, HL7 parsing ≥ 3x python-hl7, 100k x 100k
 * reconcile ≤ 60 s on a 2-core machine, near-linear growth from 10k to 100k.
 */
import os from 'node:os';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { runReconcile } from '../../src/app/reconcile-batch.ts';
import { synthesize } from '../../src/cli/synth.ts';
import { table } from '../../src/cli/progress.ts';
import { loadConfig } from '../../src/config/load.ts';
import { pydicomAnchor, pythonHl7Anchor, type Anchor } from './reconcile-anchors.ts';
import { hl7Sample, listFilesUnder, spreadSample, timeDicomInMemory, timeHl7InMemory, type DicomInMemory, type Hl7InMemory } from './reconcile-inmemory.ts';
import {
  createLog, fmtInt, machineBusyMs, fmtMiB, fmtMs, fmtRate, fmtRatio, fmtSeconds, parseBenchArgs, phaseLines, rate, scratchFolder, sizeLabel,
  type BenchOptions,
} from './reconcile-util.ts';

/** The generator writes about this many studies per patient. */
const STUDIES_PER_PATIENT = 2.04;
const TARGET_RATIO = 3;
const TARGET_100K_MS = 60_000;
/** Growth counts as near-linear while the per-study cost grows by at most this factor. */
const NEAR_LINEAR = 1.3;

interface SizeResult {
  size: number;
  label: string;
  patients: number;
  days: number;
  generateMs: number;
  studies: number;
  dicomInstances: number;
  hl7Files: number;
  hl7Records: number;
  fhirFiles: number;
  rejected: number;
  timing: Record<string, number>;
  heapAfterMiB: string;
  candidatePairs: number;
  comparisons: number;
  /** user + system CPU of this process during runReconcile. */
  reconcileCpuMs: number;
  /** CPU used by other processes during runReconcile, as a share of the whole machine (all CPUs). */
  othersShare: number;
  dicom: DicomInMemory;
  hl7: Hl7InMemory;
  pydicom: Anchor;
  pyhl7: Anchor;
}

const started = performance.now();
const log = createLog(started);

async function benchSize(size: number, opts: BenchOptions, root: string): Promise<SizeResult> {
  const label = sizeLabel(size);
  const patients = Math.max(1, Math.round(size / STUDIES_PER_PATIENT));
  // Same studies per day at every size (about 270/day, a large hospital): bigger sets cover longer periods.
  const days = Math.max(30, Math.round((365 * size) / 100_000));
  const dir = path.join(root, `size-${size}`);
  const hospital = path.join(dir, 'hospital');
  try {
    log(`${label}: generating ${fmtInt(patients)} patients over ${days} days`);
    const g0 = performance.now();
    const written = await synthesize({ out: hospital, seed: opts.seed, patients, days, baseDate: '2026-03-02', quiet: true, instancesPerStudy: 1 });
    const generateMs = performance.now() - g0;
    log(`${label}: generated ${fmtInt(written.studies)} studies, ${fmtInt(written.reports)} reports/orders in ${fmtSeconds(generateMs)}`);

    log(`${label}: reconciling`);
    const busy0 = machineBusyMs();
    const cpu0 = process.cpuUsage();
    const run = await runReconcile({
      paths: { dicom: [path.join(hospital, 'dicom')], hl7: [path.join(hospital, 'hl7')], fhir: [path.join(hospital, 'fhir')] },
      out: path.join(dir, 'out'),
      progress: phaseLines(log, `${label}:`),
      now: new Date('2026-06-01T12:00:00Z'),
    });
    const cpu = process.cpuUsage(cpu0);
    const s = run.summary;
    const reconcileCpuMs = (cpu.user + cpu.system) / 1000;
    const othersShare = Math.max(0, machineBusyMs() - busy0 - reconcileCpuMs) / ((s.timingMs.total ?? 1) * os.cpus().length);
    const hl7Records = run.inputs.reports.filter((r) => r.sources[0]?.kind === 'hl7').length;
    const heapAfterMiB = fmtMiB(process.memoryUsage().heapUsed);
    log(`${label}: reconciled in ${fmtSeconds(s.timingMs.total ?? 0)}`);

    log(`${label}: in-memory parsing (acclink)`);
    const dicom = await timeDicomInMemory(spreadSample(await listFilesUnder(path.join(hospital, 'dicom')), opts.dicomSample), opts.reps);
    const sample = await hl7Sample(path.join(hospital, 'hl7'), opts.hl7Sample);
    const hl7 = timeHl7InMemory(sample, (await loadConfig()).hl7Fields, opts.reps);
    log(`${label}: anchors (pydicom on ${fmtInt(dicom.files.length)} files, python-hl7 on ${fmtInt(sample.messages.length)} messages)`);
    const pydicom = await pydicomAnchor(dicom.files, dir, opts.reps);
    const pyhl7 = await pythonHl7Anchor(sample.messages, dir, opts.reps);
    return {
      size, label, patients, days, generateMs, studies: s.inputs.studies, dicomInstances: s.inputs.dicomInstances,
      hl7Files: s.inputs.hl7Files, hl7Records, fhirFiles: s.inputs.fhirFiles, rejected: s.inputs.rejected, timing: s.timingMs,
      heapAfterMiB, candidatePairs: run.result.counts.candidatePairs, comparisons: run.result.counts.comparisons,
      reconcileCpuMs, othersShare, dicom, hl7, pydicom, pyhl7,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sizeTable(r: SizeResult): string {
  const t = (k: string): number => r.timing[k] ?? 0;
  const head = `== ${r.label}: ${fmtInt(r.studies)} studies (${fmtInt(r.dicomInstances)} DICOM files), ${fmtInt(r.hl7Records)} HL7 messages in ${fmtInt(r.hl7Files)} files, `
    + `${r.fhirFiles} FHIR file(s), ${fmtInt(r.rejected)} rejected; ${fmtInt(r.patients)} patients over ${r.days} days ==`;
  const rows: Array<[string, string, string]> = [
    ['generate synthetic set (not in total)', fmtMs(r.generateMs), fmtRate(r.studies, r.generateMs, 'studies')],
    ['read DICOM headers', fmtMs(t('readDicom')), fmtRate(r.dicomInstances, t('readDicom'), 'studies')],
    ['read HL7', fmtMs(t('readHl7')), fmtRate(r.hl7Records, t('readHl7'), 'msgs')],
    ['read FHIR', fmtMs(t('readFhir')), ''],
    ['link', fmtMs(t('link')), fmtRate(r.studies, t('link'), 'studies')],
    ['write results', fmtMs(t('write')), ''],
    ['total reconcile', fmtMs(t('total')), fmtRate(r.studies, t('total'), 'studies')],
    ['  CPU used by reconcile (user+sys)', fmtMs(r.reconcileCpuMs), `${((100 * r.reconcileCpuMs) / Math.max(1, t('total'))).toFixed(0)}% of one core`],
    [`in-memory header parse (${fmtInt(r.dicom.files.length)} files)`, fmtMs(r.dicom.ms), fmtRate(r.dicom.files.length, r.dicom.ms, 'files')],
    [`in-memory HL7 parse (${fmtInt(r.hl7.messages)} msgs)`, fmtMs(r.hl7.ms), fmtRate(r.hl7.messages, r.hl7.ms, 'msgs')],
  ];
  const pairs = `linker: ${fmtInt(r.candidatePairs)} candidate pairs from blocking (${(r.candidatePairs / Math.max(1, r.studies)).toFixed(2)} per study), ${fmtInt(r.comparisons)} comparisons`;
  const others = `other processes used ${(100 * r.othersShare).toFixed(0)}% of the machine's ${os.cpus().length} CPUs during reconcile`;
  return `${head}\n${table(['phase', 'ms', 'rate'], rows)}\n${pairs}; heap used after reconcile: ${r.heapAfterMiB}\n${others}`;
}

interface Verdict {
  ratio: number | undefined;
  row: string[];
}

/** One anchor row: ours vs the anchor, as rates; `target` undefined for information rows. */
function anchorRow(label: string, measure: string, ours: number, unit: string, anchor: Anchor, anchorMs: (a: Extract<Anchor, { available: true }>) => number, target?: number): Verdict {
  const oursText = `${fmtInt(ours)} ${unit}/s`;
  if (!anchor.available) return { ratio: undefined, row: [label, measure, oursText, `not available (${anchor.why})`, '-', target ? `≥${target}x` : '', target ? 'n/a' : ''] };
  const theirs = rate(anchor.timing.items, anchorMs(anchor));
  const ratio = ours / theirs;
  const result = target === undefined ? 'info' : ratio >= target ? 'PASS' : 'FAIL';
  return { ratio, row: [label, measure, oursText, `${fmtInt(theirs)} ${unit}/s`, fmtRatio(ratio), target ? `≥${target}x` : '', result] };
}

function anchorVerdicts(r: SizeResult): { dicom: Verdict; hl7: Verdict; info: Verdict[] } {
  const oursDicom = rate(r.dicom.files.length, r.dicom.ms);
  const oursHl7 = rate(r.hl7.messages, r.hl7.ms);
  const pyd = r.pydicom.available ? `pydicom ${r.pydicom.timing.version}` : 'pydicom';
  const pyh = r.pyhl7.available ? `python-hl7 ${r.pyhl7.timing.version}` : 'python-hl7';
  return {
    dicom: anchorRow(r.label, `header parse vs ${pyd} dcmread(stop_before_pixels), ${fmtInt(r.dicom.files.length)} files`, oursDicom, 'files', r.pydicom, (a) => a.timing.parseMs, TARGET_RATIO),
    hl7: anchorRow(r.label, `HL7 parse vs ${pyh} hl7.parse + MSH-10/PID-3/OBR-3/OBR-18, ${fmtInt(r.hl7.messages)} msgs`, oursHl7, 'msgs', r.pyhl7, (a) => a.timing.parseAndFieldsMs, TARGET_RATIO),
    info: [
      anchorRow(r.label, `header parse vs ${pyd} dcmread + str() of 20 header fields`, oursDicom, 'files', r.pydicom, (a) => a.timing.parseAndFieldsMs),
      anchorRow(r.label, `end-to-end DICOM read (files, 8 in flight) vs ${pyd} in-memory dcmread`, rate(r.dicomInstances, r.timing['readDicom'] ?? 0), 'files', r.pydicom, (a) => a.timing.parseMs),
      anchorRow(r.label, `HL7 parse vs ${pyh} hl7.parse only`, oursHl7, 'msgs', r.pyhl7, (a) => a.timing.parseMs),
      anchorRow(r.label, `end-to-end HL7 read (files) vs ${pyh} in-memory parse + fields`, rate(r.hl7Records, r.timing['readHl7'] ?? 0), 'msgs', r.pyhl7, (a) => a.timing.parseAndFieldsMs),
    ],
  };
}

function scaling(a: SizeResult, b: SizeResult): { line: string; perStudy: number; table: string } {
  const sizeRatio = b.studies / a.studies;
  const phases = ['readDicom', 'readHl7', 'readFhir', 'link', 'write', 'total'];
  const rows = phases.map((p) => {
    const ta = a.timing[p] ?? 0;
    const tb = b.timing[p] ?? 0;
    return [p, fmtMs(ta), fmtMs(tb), ta > 0 ? fmtRatio(tb / ta) : '-', ta > 0 ? fmtRatio(tb / ta / sizeRatio) : '-'];
  });
  const timeRatio = (b.timing['total'] ?? 0) / (a.timing['total'] ?? 1);
  const perStudy = timeRatio / sizeRatio;
  const line = `scaling ${a.label}→${b.label}: studies x${sizeRatio.toFixed(2)}, total reconcile time x${timeRatio.toFixed(2)}, per-study cost x${perStudy.toFixed(2)} `
    + `(near-linear means ≤ ${NEAR_LINEAR}x: ${perStudy <= NEAR_LINEAR ? 'PASS' : 'FAIL'})`;
  return { line, perStudy, table: table(['phase', `${a.label} ms`, `${b.label} ms`, 'time ratio', 'per-study cost ratio'], rows) };
}

function worst(verdicts: Verdict[], what: string): string {
  const ratios = verdicts.map((v) => v.ratio).filter((x): x is number => x !== undefined);
  if (ratios.length === 0) return `${what}: anchor not available`;
  const min = Math.min(...ratios);
  return `${what}: ${min >= TARGET_RATIO ? 'PASS' : 'FAIL'} (lowest ${fmtRatio(min)} over ${ratios.length} size(s))`;
}

function report(results: SizeResult[]): string {
  const parts: string[] = results.map(sizeTable);
  const verdicts = results.map(anchorVerdicts);
  const anchorRows = verdicts.flatMap((v) => [v.dicom.row, v.hl7.row, ...v.info.map((i) => i.row)]);
  parts.push(`== anchors (in memory: every file read before timing; best of the passes; same files and messages for both sides) ==\n${
    table(['size', 'measure', 'ours', 'anchor', 'ratio', 'target', 'result'], anchorRows)}`);
  const summary: string[] = [
    worst(verdicts.map((v) => v.dicom), `header reading ≥ ${TARGET_RATIO}x pydicom`),
    worst(verdicts.map((v) => v.hl7), `HL7 parsing ≥ ${TARGET_RATIO}x python-hl7`),
  ];
  const big = results.filter((r) => r.size >= 100_000);
  summary.push(big.length === 0
    ? `100k x 100k reconcile ≤ ${TARGET_100K_MS / 1000} s: not measured (largest size ${sizeLabel(results.at(-1)?.size ?? 0)}; run the default sizes)`
    : big.map((r) => `${r.label} x ${r.label} reconcile ≤ ${TARGET_100K_MS / 1000} s: ${(r.timing['total'] ?? 0) <= TARGET_100K_MS ? 'PASS' : 'FAIL'} (${fmtSeconds(r.timing['total'] ?? 0)})`).join('\n'));
  const first = results[0];
  const last = results.at(-1);
  if (first !== undefined && last !== undefined && first !== last) {
    const sc = scaling(first, last);
    parts.push(`== scaling ==\n${sc.table}\n${sc.line}`);
    summary.push(`near-linear growth ${first.label}→${last.label}: ${sc.perStudy <= NEAR_LINEAR ? 'PASS' : 'FAIL'} (per-study cost x${sc.perStudy.toFixed(2)})`);
  } else {
    summary.push('near-linear growth: not measured (one size only)');
  }
  const busiest = Math.max(...results.map((r) => r.othersShare));
  if (busiest > 0.1) {
    summary.push(`note: other processes used up to ${(100 * busiest).toFixed(0)}% of the machine's CPU during a reconcile: wall-clock figures are pessimistic`);
  }
  summary.push(`peak RSS ${fmtMiB(process.resourceUsage().maxRSS * 1024)}; ${os.cpus().length} CPU(s); Node ${process.version}; whole benchmark ${fmtSeconds(performance.now() - started)}`);
  parts.push(`== summary ==\n${summary.join('\n')}`);
  return parts.join('\n\n');
}

const opts = parseBenchArgs(process.argv.slice(2));
const scratch = await scratchFolder('acclink-bench-reconcile-');
try {
  log(`sizes ${opts.sizes.map(sizeLabel).join(', ')}; scratch folder ${scratch.dir}`);
  const results: SizeResult[] = [];
  for (const size of opts.sizes) results.push(await benchSize(size, opts, scratch.dir));
  process.stdout.write(`${report(results)}\n`);
} finally {
  await scratch.dispose();
}
