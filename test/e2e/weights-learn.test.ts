/**
 * End to end: `acclink weights learn-reviews`. A synthetic hospital whose RIS sends the order time in
 * OBR-7 (2 h to 3 days before the exam) is linked with thresholds that send every unverified pair to
 * review; the review items, with the linker's own candidates and evidence, go into a PGlite store, and a
 * reviewer answers each through the engine's decision path (`linkByPerson`, `noneOfThese`) from the
 * hospital's truth. The real CLI then reads that store and writes a proposed table, which must load as a
 * weight table and have learned what the answers show: matches lie hours to days apart, so `examTime
 * <=3d` weighs more. No patient value reaches the output.
 */
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFromStore } from '../../src/app/review-learning.ts';
import { readInputs } from '../../src/app/read-inputs.ts';
import { writeSynthHospital } from '../../src/channels/files/write-synth.ts';
import type { Progress } from '../../src/cli/progress.ts';
import { loadConfig, SHIPPED_MAPPINGS_DIR, type LoadedConfig } from '../../src/config/load.ts';
import { linkByPerson, noneOfThese, type DecisionDeps } from '../../src/engine/decisions.ts';
import { reconcile } from '../../src/linker/reconcile.ts';
import { labelAnswers } from '../../src/linker/review-learning.ts';
import { parseWeightTable, levelWeight, type WeightTable } from '../../src/linker/weights.ts';
import type { ReviewItem } from '../../src/model/link.ts';
import { seededRng } from '../../src/model/ports.ts';
import type { Store } from '../../src/model/store.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createPgliteStore } from '../../src/store/pglite.ts';
import { generateHospital } from '../../src/synth/index.ts';
import { createProcedureDescriber } from '../../src/transforms/standardize/describe.ts';
import { SCENARIOS } from '../bench/perturb.ts';
import { removeDir, runCli, tempDir } from './cli.ts';

const quiet: Progress = { update: () => undefined, done: () => undefined };
const clock = (): Date => new Date(Date.UTC(2026, 2, 20, 12));

let root: string | undefined;
let config: LoadedConfig;
let scans: Scan[] = [];
let reports: Report[] = [];
const answered = { linked: 0, none: 0 };

/** Answers every open item from the truth, as a reviewer would in the console. */
async function answerAll(deps: DecisionDeps, items: readonly ReviewItem[], truth: { study: Map<string, string | null>; report: Map<string, string | null> }): Promise<void> {
  for (const item of items) {
    const current = await deps.store.listReviewItems(item.studyInstanceUid !== undefined ? { studyInstanceUid: item.studyInstanceUid } : { reportId: item.reportId ?? '' });
    if (current.every((i) => i.state === 'resolved')) continue; // resolved by an earlier decision about its counterpart
    const counterpart = item.studyInstanceUid !== undefined ? truth.study.get(item.studyInstanceUid) : truth.report.get(item.reportId ?? '');
    if (counterpart && item.candidates.some((c) => c.id === counterpart)) {
      const pair = item.studyInstanceUid !== undefined ? { studyInstanceUid: item.studyInstanceUid, reportId: counterpart } : { studyInstanceUid: counterpart, reportId: item.reportId ?? '' };
      await linkByPerson(deps, { ...pair, actor: 'rita' });
      answered.linked++;
    } else {
      await noneOfThese(deps, { ...(item.studyInstanceUid !== undefined ? { studyInstanceUid: item.studyInstanceUid } : { reportId: item.reportId ?? '' }), mark: 'leave', actor: 'rita' });
      answered.none++;
    }
  }
}

beforeAll(async () => {
  root = await tempDir('weights-learn');
  config = await loadConfig();
  const hospital = generateHospital({ seed: 5, patients: 60, baseDate: '2026-03-01' });
  await writeSynthHospital(path.join(root, 'site'), hospital, { instancesPerStudy: 1 });
  const read = await readInputs({ dicom: [path.join(root, 'site', 'dicom')], hl7: [path.join(root, 'site', 'hl7')], fhir: [] }, config.hl7Fields, quiet);
  const orderTime = SCENARIOS.find((s) => s.name === 'OBR-7 is order time');
  if (!orderTime) throw new Error('scenario missing');
  ({ scans, reports } = orderTime.apply(read.scans, read.reports, seededRng(5)));
  const result = reconcile(scans, reports, {
    config: { ...config.linker, thresholds: { auto: 0.999999999, verify: 0.999999999, review: 0.02, candidate: 0.02, marginBits: 30 }, uFromRandomPairs: { ...config.linker.uFromRandomPairs, enabled: false } },
    weights: config.weights, describer: createProcedureDescriber(config.procedureTerms), rng: seededRng(config.seed),
  });
  const store = await createPgliteStore({ dataDir: path.join(root, 'data') });
  try {
    await store.migrate();
    for (const s of scans) await store.putScan(s);
    for (const r of result.reports) await store.putReport(r);
    for (const item of result.review) await store.putReviewItem({ ...item, state: 'open', openedAt: clock().toISOString() });
    const queue = createMemoryQueue();
    const deps: DecisionDeps = { store, queue, config, clock, destinations: new Set() };
    await answerAll(deps, result.review, {
      study: new Map(hospital.truth.studies.map((s) => [s.studyInstanceUid, s.reportId])),
      report: new Map(hospital.truth.reports.map((r) => [r.reportId, r.studyInstanceUid])),
    });
    await queue.close();
  } finally {
    await store.close();
  }
  // The prior comes from the config, as a site's own table would.
  await copyFile(path.join(SHIPPED_MAPPINGS_DIR, 'linker-weights.yaml'), path.join(root, 'site-weights.yaml'));
  await writeFile(path.join(root, 'acclink.yaml'), 'engine:\n  database:\n    dataDir: data\nmappings:\n  linkerWeights: site-weights.yaml\n');
}, 120_000);

afterAll(async () => {
  await removeDir(root);
});

const dir = (): string => root ?? '';

describe('acclink weights learn-reviews', () => {
  let table: WeightTable;
  let stdout = '';
  let yamlText = '';

  beforeAll(async () => {
    const r = await runCli(['weights', 'learn-reviews', '--config', path.join(dir(), 'acclink.yaml'), '--out', path.join(dir(), 'learned.yaml'), '--strength', '20']);
    expect(r.code, r.stderr).toBe(0);
    stdout = r.stdout;
    yamlText = await readFile(path.join(dir(), 'learned.yaml'), 'utf8');
    table = parseWeightTable(parseYaml(yamlText));
  }, 60_000);

  it('the reviewer answered enough items for a test that can fail', () => {
    expect(answered.linked).toBeGreaterThanOrEqual(15);
    expect(answered.none).toBeGreaterThanOrEqual(1);
  });

  it('learns from the answers that matches lie hours to days apart: <=3d weighs more; <=1h, which no answer showed, stays', () => {
    const w = (t: WeightTable, level: string): number => levelWeight(t, 'examTime', level);
    expect(w(table, '<=3d')).toBeGreaterThan(w(config.weights, '<=3d') + 0.5);
    expect(table.fields.examTime?.['<=3d']?.m).toBeGreaterThan(config.weights.fields.examTime?.['<=3d']?.m ?? 1);
    expect(table.fields.examTime?.['<=1h']).toEqual(config.weights.fields.examTime?.['<=1h']);
    // u of a blocking field is held; fields no answer reached are the prior's.
    expect(table.fields.examTime?.['<=3d']?.u).toBe(config.weights.fields.examTime?.['<=3d']?.u);
    expect(table.fields.patientId?.exact?.u).toBe(config.weights.fields.patientId?.exact?.u);
    expect(table.fields.studyUid).toEqual(config.weights.fields.studyUid);
    expect(Object.keys(table.fields)).toEqual(Object.keys(config.weights.fields));
  });

  it('writes the same format as the shipped table, with a header saying where it came from, and loads as mappings.linkerWeights', async () => {
    expect(yamlText).toMatch(/^# Fellegi–Sunter m\/u proposed by `acclink weights learn-reviews`/);
    expect(yamlText).toContain(`from ${answered.linked + answered.none} answered review items (${answered.linked} linked, ${answered.none} none of these)`);
    expect(yamlText).toContain('site-weights.yaml (mappings.linkerWeights of');
    expect(yamlText).toMatch(/^ {4}<=3d: \{ m: [0-9.e-]+, u: [0-9.e-]+ \} {2}# \d+\/\d+; /m);
    await writeFile(path.join(dir(), 'use.yaml'), 'mappings:\n  linkerWeights: learned.yaml\n');
    expect((await loadConfig(path.join(dir(), 'use.yaml'))).weights).toEqual(table);
  });

  it('prints the table of levels the answers reached and a one-line summary, with no patient values', () => {
    expect(stdout).toMatch(/field\s+level\s+answers \(match\/non-match\)\s+weight \(bits\) before → after/);
    expect(stdout).toMatch(/^examTime \(u held\)\s+<=3d\s+\d+\/\d+\s+[+-]\d+\.\d → [+-]\d+\.\d/m);
    expect(stdout).toMatch(new RegExp(`^Learned from ${answered.linked + answered.none} answers \\(${answered.linked} linked, ${answered.none} none of these\\) by 1 reviewer: \\d+ match and \\d+ non-match pairs`, 'm'));
    const phi = new Set([...scans, ...reports].flatMap((r) => [r.patient.id, r.patient.name?.family, r.patient.birthDate, r.accession]).filter((v): v is string => v !== undefined && v.length >= 4));
    expect(phi.size).toBeGreaterThan(20);
    for (const v of phi) {
      expect(stdout.includes(v), 'a patient value in the output').toBe(false);
      expect(yamlText.includes(v), 'a patient value in the YAML').toBe(false);
    }
  });

  it('with no answers: exit 0, says there is nothing to learn, writes nothing', async () => {
    // An engine that ran but whose reviewers answered nothing yet.
    const empty = path.join(dir(), 'empty-data');
    const store = await createPgliteStore({ dataDir: empty });
    await store.migrate();
    await store.close();
    const out = path.join(dir(), 'none.yaml');
    const r = await runCli(['weights', 'learn-reviews', '--data', empty, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to learn');
    expect(r.stdout).toContain('Nothing written');
    expect(await stat(out).then(() => true, () => false)).toBe(false);
  }, 60_000);

  it('without a durable store, or without --out, is a usage error (exit 2) that creates nothing', async () => {
    const noStore = await runCli(['weights', 'learn-reviews', '--out', path.join(dir(), 'x.yaml')]);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toContain('no store to read');
    const notPglite = path.join(dir(), 'not-a-store');
    await mkdir(notPglite);
    const wrongDir = await runCli(['weights', 'learn-reviews', '--data', notPglite, '--out', path.join(dir(), 'x.yaml')]);
    expect(wrongDir.code).toBe(2);
    expect(wrongDir.stderr).toContain('is not a PGlite data folder');
    expect(await readdir(notPglite)).toEqual([]);
    const noOut = await runCli(['weights', 'learn-reviews', '--data', path.join(dir(), 'data')]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out is required');
  });
});

describe('answers read from the store', () => {
  it('a report\'s item takes its chosen study from the decision\'s audit row; one decision counts each pair once', async () => {
    const store: Store = createMemoryStore();
    const s = scans[0];
    const other = scans[1];
    const r = reports.find((x) => x.patient.id === s?.patient.id) ?? reports[0];
    if (!s || !other || !r) throw new Error('no records');
    await store.putScan(s);
    await store.putScan(other);
    await store.putReport(r);
    const ev = (level: string): ReviewItem['candidates'][number]['evidence'] => [{ field: 'modality', level, weight: 0 }];
    await store.putReviewItem({ studyInstanceUid: s.studyInstanceUid, reason: 'x', status: 'missing', state: 'open', candidates: [{ id: r.reportId, kind: 'report', probability: 0.5, matchWeight: 1, evidence: ev('agree') }] });
    await store.putReviewItem({
      reportId: r.reportId, reason: 'x', status: 'missing', state: 'open',
      candidates: [
        { id: other.studyInstanceUid, kind: 'scan', probability: 0.6, matchWeight: 2, evidence: ev('differs') },
        { id: s.studyInstanceUid, kind: 'scan', probability: 0.5, matchWeight: 1, evidence: ev('agree') },
      ],
    });
    const queue = createMemoryQueue();
    await linkByPerson({ store, queue, config, clock, destinations: new Set() }, { studyInstanceUid: s.studyInstanceUid, reportId: r.reportId, actor: 'ana' });
    await queue.close();
    const found = await answersFromStore(store);
    expect(found.counts).toEqual({ items: 2, linked: 2, none: 0, skipped: 0, reviewers: 1 });
    expect(found.answers.map((a) => a.linkedTo).sort()).toEqual([r.reportId, s.studyInstanceUid].sort());
    expect(labelAnswers(found.answers).map((l) => [l.evidence[0]?.level, l.match]).sort()).toEqual([['agree', true], ['differs', false]]);
  });
});
