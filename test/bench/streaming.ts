/**
 * `npm run bench:streaming`: accuracy of the streaming engine against the batch linker on the same
 * synthetic hospitals. The engine (memory store and queue, recording sinks) receives every study first
 * (as a PACS poller would), then the reports one at a time in report-time order, each settled before the
 * next: the order a RIS result feed produces, and the hardest one for a streaming linker, because a
 * report arrives before the other reports that compete for its study. Correctness is judged against
 * truth.json by the same evaluation as bench:accuracy.
 * Options after `--`: --patients P (default 40), --seeds a,b,c (default 1..8).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { baselineLinks, evaluate, type Evaluation } from '../../src/app/evaluate.ts';
import { readInputs } from '../../src/app/read-inputs.ts';
import { createMemorySink } from '../../src/channels/sinks/memory.ts';
import { synthesize } from '../../src/cli/synth.ts';
import { table, terminalProgress } from '../../src/cli/progress.ts';
import { loadConfig, type LoadedConfig } from '../../src/config/load.ts';
import { startEngine } from '../../src/engine/engine.ts';
import { reconcile } from '../../src/linker/reconcile.ts';
import { seededRng } from '../../src/model/ports.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import type { Correction, Link, ReviewItem } from '../../src/model/link.ts';
import { canonicalAccession } from '../../src/linker/accession.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import type { Truth } from '../../src/synth/model.ts';
import { createProcedureDescriber } from '../../src/transforms/standardize/describe.ts';
import { SCENARIOS } from './perturb.ts';

/** The streaming run of one hospital: studies first, then reports one by one, each settled. */
export async function streamHospital(scans: readonly Scan[], reports: readonly Report[], config: LoadedConfig): Promise<{ links: Link[]; review: ReviewItem[]; corrections: Correction[] }> {
  const store = createMemoryStore();
  const queue = createMemoryQueue({ backoffMs: 1 });
  // The archive applies each accession change, and its poller brings the changed study back, as Orthanc does.
  const repolled: Scan[] = [];
  const archive = createMemorySink({
    respond: (m) => {
      const u = JSON.parse(m.body) as { studyInstanceUid: string; to: string };
      const scan = byUid.get(u.studyInstanceUid);
      if (scan) {
        scan.accession = u.to;
        repolled.push(structuredClone(scan));
      }
      return { outcome: 'delivered', detail: 'applied' };
    },
  });
  const byUid = new Map(scans.map((s) => [s.studyInstanceUid, structuredClone(s)]));
  const engine = await startEngine({ store, queue, config, clock: () => new Date('2026-04-01T00:00:00Z'), sinks: { pacs: createMemorySink(), ris: createMemorySink(), archive }, sweepIntervalMs: 0 });
  const idle = async (): Promise<void> => {
    for (;;) {
      const counts = await Promise.all((['link', 'deliver:pacs', 'deliver:ris', 'deliver:archive'] as const).map((q) => queue.counts(q)));
      if (repolled.length > 0) {
        await engine.ingest({ scans: repolled.splice(0), reports: [] });
        continue;
      }
      if (counts.every((c) => c.waiting + c.active + c.failed === 0)) return;
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  try {
    await engine.ingest({ scans, reports: [] });
    await idle();
    const ordered = [...reports].sort((a, b) => (a.reportDateTime ?? a.examDateTime ?? '').localeCompare(b.reportDateTime ?? b.examDateTime ?? ''));
    for (const r of ordered) {
      await engine.ingest({ scans: [], reports: [r] });
      await idle();
    }
    return { links: await store.listLinks(), review: (await store.listReviewItems()).filter((i) => i.state !== 'resolved'), corrections: await store.listCorrections() };
  } finally {
    await engine.stop();
    await queue.close();
  }
}

/**
 * Accession corrections that carry a value the truth does not expect: a study or report changed to
 * another record's accession, or a record that should have stayed as it was. Every one of these was sent.
 */
export function wrongCorrections(corrections: readonly Correction[], truth: Truth): number {
  const study = new Map(truth.studies.map((t) => [t.studyInstanceUid, t]));
  const reportStudy = new Map(truth.reports.map((t) => [t.reportId, t.studyInstanceUid]));
  let wrong = 0;
  for (const c of corrections) {
    if (c.field !== 'AccessionNumber' || c.reason === 'minted-accession') continue;
    const uid = c.target === 'scan' ? c.studyInstanceUid : reportStudy.get(c.reportId ?? '');
    const t = uid ? study.get(uid) : undefined;
    if (!t || t.expectedAccession === null) {
      if (c.target === 'report') wrong++;
      continue;
    }
    if (canonicalAccession(c.to) !== canonicalAccession(t.expectedAccession)) wrong++;
  }
  return wrong;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { patients: { type: 'string' }, seeds: { type: 'string' }, scenarios: { type: 'boolean' } } });
  const patients = Number(values.patients ?? 40);
  const seeds = (values.seeds ?? '1,2,3,4,5,6,7,8').split(',').map(Number);
  const config = await loadConfig();
  const describer = createProcedureDescriber(config.procedureTerms);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const correct = (e: Evaluation): number => e.categories.reduce((a, c) => a + c.correct, 0) / Math.max(1, e.categories.reduce((a, c) => a + c.studies, 0));
  const rows: Array<Array<string | number>> = [];
  let wrongStream = 0;
  let wrongBatch = 0;
  let wrongSent = 0;
  for (const seed of seeds) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acclink-bench-streaming-'));
    try {
      await synthesize({ out: dir, seed, patients, days: 30, baseDate: '2026-03-02', quiet: true });
      const inputs = await readInputs({ dicom: [path.join(dir, 'dicom')], hl7: [path.join(dir, 'hl7')], fhir: [] }, config.hl7Fields, terminalProgress({ quiet: true }));
      const truth = JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8')) as Truth;
      for (const scenario of values.scenarios ? SCENARIOS : SCENARIOS.slice(0, 1)) {
      const { scans, reports } = scenario.apply(structuredClone(inputs.scans), structuredClone(inputs.reports), seededRng(seed));
      const baseline = baselineLinks(scans, reports);
      const batch = evaluate(truth, reconcile(scans, reports, { config: config.linker, weights: config.weights, describer, rng: seededRng(config.seed) }), baseline);
      const streamed = await streamHospital(scans, reports, config);
      const stream = evaluate(truth, streamed, baseline);
      const sent = wrongCorrections(streamed.corrections, truth);
      wrongSent += sent;
      wrongStream += stream.wrongAutoLinks;
      wrongBatch += batch.wrongAutoLinks;
      rows.push([seed, scenario.name, truth.studies.length, pct(correct(batch)), batch.wrongAutoLinks, pct(correct(stream)), stream.wrongAutoLinks, streamed.corrections.length, sent, pct(stream.reviewRate)]);
      }
      process.stderr.write(`seed ${seed} done\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${table(['seed', 'scenario', 'studies', 'batch correct', 'batch wrong links', 'streaming correct', 'streaming wrong links', 'corrections sent', 'wrong values sent', 'streaming review rate'], rows)}\n`);
  process.stdout.write(`\nbench:streaming: ${seeds.length} hospitals of ${patients} patients; wrong automatic links: batch ${wrongBatch}, streaming ${wrongStream}; corrections sent with a wrong value: ${wrongSent}\n`);
}
