/**
 * End to end: bad input is listed in errors.jsonl with a stable code and a reason, and the run goes
 * on: exit 0 and the good records in the results. Synthetic DICOM mixed with an empty file, a text
 * file and a truncated copy; an HL7 file mixing a good ORU with broken and unsupported messages and
 * stray lines; and pydicom's sample files (../shared/data/dicom-samples).
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hl7Message } from '../../src/transforms/hl7/message.ts';
import { splitHl7Messages } from '../../src/transforms/hl7/split.ts';
import { filesUnder, readJson, readJsonl, removeDir, runCli, synth, tempDir, type CliRun, type TruthFile } from './cli.ts';
import { DICOM_SAMPLES } from '../support/shared-data.ts';

type Row = Record<string, unknown>;
interface ErrorRow { source: { kind: string; path: string; index?: number; id?: string }; code: string; severity: 'error' | 'warning'; reason: string }

const SAMPLES = `${DICOM_SAMPLES}/`;

let root: string | undefined;
let truth: TruthFile;
let run: CliRun;
let out = '';
let goodReport: { reportId: string; studyInstanceUid: string };

const BAD_ENCODING = ['MSH|^~|RIS|NUC|ACCLINK|NUC|20260303101500||ORU^R01|BADENC01|P|2.5.1', 'PID|1||999^^^NUC^MR||Nobody^Ann', 'OBR|1||BADENC-REPORT|||||||||||||||A9999999'].join('\r');
const ADT = ['MSH|^~\\&|ADT|NUC|ACCLINK|NUC|20260303101500||ADT^A08^ADT_A01|ADT00001|P|2.5.1', 'EVN|A08|20260303101500', 'PID|1||999^^^NUC^MR||Nobody^Ann||19700101|F', 'PV1|1|O'].join('\r');

beforeAll(async () => {
  root = await tempDir('bad-input');
  const hospital = path.join(root, 'hospital');
  truth = await synth(hospital, 5, 12);

  // DICOM: the hospital's files plus three bad ones.
  const dicom = path.join(hospital, 'dicom');
  const first = (await filesUnder(dicom))[0] ?? '';
  await writeFile(path.join(dicom, 'empty.dcm'), new Uint8Array(0));
  await writeFile(path.join(dicom, 'notes.txt'), 'Patient list exported from the scheduler\nnothing to see here\n');
  await writeFile(path.join(dicom, 'truncated.dcm'), (await readFile(path.join(dicom, first))).subarray(0, 200));

  // HL7: one good ORU of a clean, linked report from the hospital (small hospitals have few `clean`
  // ones; a `prior` is a clean older exam), then broken messages and stray lines.
  const clean = new Map(truth.reports.filter((r) => (r.category === 'clean' || r.category === 'prior') && !r.expectReview && r.studyInstanceUid !== null).map((r) => [r.reportId, r.studyInstanceUid ?? '']));
  let good: string | undefined;
  const hl7Dir = path.join(hospital, 'hl7');
  for (const f of await readdir(hl7Dir)) {
    for (const m of splitHl7Messages(await readFile(path.join(hl7Dir, f), 'utf8')).messages) {
      const msg = Hl7Message.parse(m);
      if (good === undefined && msg.type.code === 'ORU' && clean.has(msg.get('OBR-3'))) {
        good = m;
        goodReport = { reportId: msg.get('OBR-3'), studyInstanceUid: clean.get(msg.get('OBR-3')) ?? '' };
      }
    }
  }
  if (good === undefined) throw new Error('no clean ORU in the synthetic hospital');
  const bad = path.join(root, 'bad-hl7');
  await mkdir(bad);
  await writeFile(path.join(bad, 'mixed.hl7'), ['this line is not HL7', '--- export end ---', good, BAD_ENCODING, ADT, ''].join('\r\n'));
  await writeFile(path.join(bad, 'garbage.hl7'), 'lorem ipsum\n\x00\x01\x02 binary junk\nPIDX nothing here\n');

  out = path.join(root, 'out');
  run = await runCli(['reconcile', '--dicom', dicom, '--hl7', bad, '--out', out, '--quiet']);
});

afterAll(async () => {
  await removeDir(root);
});

describe('acclink reconcile with bad input', () => {
  it('exits 0 and writes every result file', async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect((await filesUnder(out)).filter((f) => !f.startsWith('outbound/'))).toEqual(
      ['corrections.jsonl', 'errors.jsonl', 'links.jsonl', 'review.jsonl', 'summary.json', 'unlinked.jsonl'],
    );
  });

  it('lists each bad DICOM file with its code and a reason', async () => {
    const errors = (await readJsonl(path.join(out, 'errors.jsonl'))) as unknown as ErrorRow[];
    const dicom = errors.filter((e) => e.source.kind === 'dicom');
    // Paths are given under the --dicom folder as passed on the command line.
    const byPath = Object.fromEntries(dicom.map((e) => [path.basename(e.source.path), e.code]));
    expect(byPath).toEqual({ 'empty.dcm': 'DICOM_EMPTY', 'notes.txt': 'DICOM_NOT_DICOM', 'truncated.dcm': 'DICOM_TRUNCATED' });
    for (const e of dicom) expect(e.reason.length).toBeGreaterThan(5);
  });

  it('lists each bad HL7 message and stray lines with its code, place and a reason', async () => {
    const errors = (await readJsonl(path.join(out, 'errors.jsonl'))) as unknown as ErrorRow[];
    const hl7 = errors.filter((e) => e.source.kind === 'hl7');
    for (const e of hl7) expect(typeof e.reason === 'string' && e.reason.length > 5, JSON.stringify(e)).toBe(true);
    const find = (code: string, file: string): ErrorRow[] => hl7.filter((e) => e.code === code && path.basename(e.source.path) === file);
    expect(find('HL7_NO_MSH', 'garbage.hl7')).toHaveLength(1);
    expect(find('HL7_NO_MSH', 'mixed.hl7')).toHaveLength(1);
    expect(find('HL7_NO_MSH', 'mixed.hl7')[0]?.reason).toMatch(/2 line/);
    // Stray lines around good messages lose nothing: a warning, not a rejection.
    expect(find('HL7_NO_MSH', 'mixed.hl7')[0]?.severity).toBe('warning');
    expect(find('HL7_NO_MSH', 'garbage.hl7')[0]?.severity).toBe('error');
    const enc = find('HL7_BAD_ENCODING_CHARACTERS', 'mixed.hl7');
    expect(enc).toHaveLength(1);
    expect(enc[0]?.source.index).toBe(1);
    const adt = find('HL7_UNSUPPORTED_MESSAGE_TYPE', 'mixed.hl7');
    expect(adt).toHaveLength(1);
    expect(adt[0]?.source).toMatchObject({ index: 2, id: 'ADT00001' });
    expect(adt[0]?.reason).toContain('ADT');
    expect(hl7).toHaveLength(4);
    // No PHI from the rejected messages in the reasons.
    expect(JSON.stringify(errors)).not.toMatch(/Nobody|scheduler|lorem/);
  });

  it('keeps the good records: every study and the good report are in the results', async () => {
    const [links, review, unlinked] = await Promise.all(['links', 'review', 'unlinked'].map((n) => readJsonl(path.join(out, `${n}.jsonl`))));
    const placed = new Set<unknown>([
      ...(links ?? []).flatMap((l) => [l.studyInstanceUid, l.reportId]),
      ...(review ?? []).flatMap((i) => [i.studyInstanceUid ?? i.reportId, ...(i.candidates as Row[]).map((c) => c.id)]),
      ...(unlinked ?? []).map((u) => u.studyInstanceUid ?? u.reportId),
    ]);
    for (const s of truth.studies) expect(placed.has(s.studyInstanceUid), s.studyInstanceUid).toBe(true);
    const link = (links ?? []).find((l) => l.reportId === goodReport.reportId);
    expect(link?.studyInstanceUid).toBe(goodReport.studyInstanceUid);
    expect(placed.has('BADENC-REPORT')).toBe(false);
    const summary = await readJson<{ inputs: { studies: number; reportRecords: number; dicomFiles: number; dicomInstances: number; rejected: number; warnings: number }; rejectedByCode: Record<string, number> }>(path.join(out, 'summary.json'));
    expect(summary.inputs.studies).toBe(truth.studies.length);
    expect(summary.inputs.reportRecords).toBe(1);
    expect(summary.inputs.dicomFiles).toBe(summary.inputs.dicomInstances + 3);
    expect(summary.inputs.rejected).toBe(6);
    expect(summary.inputs.warnings).toBe(1);
    expect(summary.rejectedByCode).toEqual({
      DICOM_EMPTY: 1, DICOM_NOT_DICOM: 1, DICOM_TRUNCATED: 1, HL7_BAD_ENCODING_CHARACTERS: 1, HL7_NO_MSH: 2, HL7_UNSUPPORTED_MESSAGE_TYPE: 1,
    });
  });
});

describe('acclink reconcile on the pydicom sample files', () => {
  let samplesRun: CliRun;
  let samplesOut = '';
  beforeAll(async () => {
    samplesOut = path.join(root ?? '', 'samples-out');
    samplesRun = await runCli(['reconcile', '--dicom', SAMPLES, '--out', samplesOut]);
  });

  it('exits 0 and accounts for every file: read as an instance or listed in errors.jsonl', async () => {
    expect(samplesRun.code, samplesRun.stderr).toBe(0);
    const files = await filesUnder(SAMPLES);
    const errors = (await readJsonl(path.join(samplesOut, 'errors.jsonl'))) as unknown as ErrorRow[];
    const rejected = errors.filter((e) => e.source.kind === 'dicom' && e.severity !== 'warning');
    expect(rejected.length).toBeGreaterThan(0);
    const paths = rejected.map((e) => path.relative(SAMPLES, e.source.path));
    expect(new Set(paths).size).toBe(paths.length);
    for (const e of rejected) {
      expect(files, e.source.path).toContain(path.relative(SAMPLES, e.source.path));
      expect(e.code).toMatch(/^DICOM_[A-Z_]+$/);
      expect(e.reason.length).toBeGreaterThan(5);
    }
    const summary = await readJson<{ inputs: { dicomFiles: number; dicomInstances: number; rejected: number } }>(path.join(samplesOut, 'summary.json'));
    expect(summary.inputs.dicomFiles).toBe(files.length);
    expect(summary.inputs.dicomInstances + rejected.length).toBe(files.length);
    expect(summary.inputs.rejected).toBe(errors.filter((e) => e.severity !== 'warning').length);
    // Files that are plainly not DICOM are among them.
    const code = Object.fromEntries(rejected.map((e) => [path.relative(SAMPLES, e.source.path), e.code]));
    expect(code['ABOUT.md']).toBe('DICOM_NOT_DICOM');
    expect(code['zipMR.gz']).toBe('DICOM_NOT_DICOM');
    expect(code['dicomdirtests/DICOMDIR']).toBe('DICOM_MISSING_STUDY_UID');
    expect(samplesRun.stdout).toContain(`inputs rejected`);
  });
});
