/**
 * End to end: `acclink synth` then `acclink reconcile` as a user runs them. The output files exist,
 * every JSONL line has the documented shape, every study and report of the hospital's truth is placed
 * exactly once, corrections agree with their links and with summary.json, and a second run of the same
 * input gives the same results.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, readJsonl, removeDir, runCli, runOk, synth, tempDir, type TruthFile } from './cli.ts';

type Row = Record<string, unknown>;

const RESULT_FILES = ['links.jsonl', 'corrections.jsonl', 'review.jsonl', 'unlinked.jsonl', 'errors.jsonl', 'summary.json', 'outbound/index.jsonl'];
const STATUSES = ['verified', 'missing', 'orphan', 'mismatch', 'duplicate'];
const REASONS = ['study-takes-report-accession', 'report-takes-study-accession', 'minted-accession'];

let root: string | undefined;
let hospital = '';
let truth: TruthFile;
const outA = (): string => path.join(root ?? '', 'out-a');
const outB = (): string => path.join(root ?? '', 'out-b');

function reconcileArgs(out: string): string[] {
  return ['reconcile', '--dicom', path.join(hospital, 'dicom'), '--hl7', path.join(hospital, 'hl7'), '--fhir', path.join(hospital, 'fhir'), '--out', out, '--quiet'];
}

beforeAll(async () => {
  root = await tempDir('reconcile');
  hospital = path.join(root, 'hospital');
  truth = await synth(hospital, 3, 60);
  // Two independent runs of the same input, at the same time.
  const [a, b] = await Promise.all([runCli(reconcileArgs(outA())), runCli(reconcileArgs(outB()))]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
});

afterAll(async () => {
  await removeDir(root);
});

async function results(out: string): Promise<{ links: Row[]; corrections: Row[]; review: Row[]; unlinked: Row[]; errors: Row[] }> {
  const [links, corrections, review, unlinked, errors] = await Promise.all(
    ['links', 'corrections', 'review', 'unlinked', 'errors'].map((n) => readJsonl(path.join(out, `${n}.jsonl`))),
  );
  return { links: links ?? [], corrections: corrections ?? [], review: review ?? [], unlinked: unlinked ?? [], errors: errors ?? [] };
}

/** The object has these keys (and no others than `optional`), with `checks` holding for each present key. */
function expectShape(row: Row, required: Record<string, (v: unknown) => boolean>, optional: Record<string, (v: unknown) => boolean> = {}): void {
  const where = JSON.stringify(row).slice(0, 300);
  for (const [key, ok] of Object.entries(required)) {
    expect(key in row, `missing ${key} in ${where}`).toBe(true);
    expect(ok(row[key]), `bad ${key} in ${where}`).toBe(true);
  }
  for (const key of Object.keys(row)) {
    const check = required[key] ?? optional[key];
    expect(check, `unexpected key ${key} in ${where}`).toBeDefined();
    if (!(key in required)) expect(check?.(row[key]), `bad ${key} in ${where}`).toBe(true);
  }
}

const isString = (v: unknown): boolean => typeof v === 'string' && v !== '';
const isProbability = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const oneOf = (values: readonly string[]) => (v: unknown): boolean => typeof v === 'string' && values.includes(v);
const isEvidence = (v: unknown): boolean => {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (const e of v as unknown[]) {
    if (e === null || typeof e !== 'object') return false;
    expectShape(e as Row, { field: isString, level: isString, weight: isNumber }, { source: isString });
  }
  return true;
};

/** Exactly one of studyInstanceUid / reportId. */
function side(row: Row): 'scan' | 'report' {
  const hasStudy = typeof row.studyInstanceUid === 'string' && row.studyInstanceUid !== '';
  const hasReport = typeof row.reportId === 'string' && row.reportId !== '';
  expect(hasStudy !== hasReport, `exactly one of studyInstanceUid / reportId in ${JSON.stringify(row).slice(0, 200)}`).toBe(true);
  return hasStudy ? 'scan' : 'report';
}

describe('acclink reconcile on a synthetic hospital', () => {
  it('exits 0, prints nothing with --quiet, and writes every result file', async () => {
    const out = path.join(root ?? '', 'out-quiet');
    const r = await runCli(reconcileArgs(out));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    for (const f of RESULT_FILES) expect((await stat(path.join(out, f))).isFile(), f).toBe(true);
  });

  it('writes links.jsonl lines with the documented keys and types', async () => {
    const { links } = await results(outA());
    expect(links.length).toBeGreaterThan(truth.studies.length / 2);
    for (const l of links) {
      expectShape(l, {
        studyInstanceUid: isString, reportId: isString, accession: isString,
        status: oneOf(['verified', 'corrected']), probability: isProbability, evidence: isEvidence,
      }, {
        matchWeight: isNumber,
        mergedReportIds: (v) => Array.isArray(v) && v.length > 0 && v.every(isString),
      });
    }
    expect(new Set(links.map((l) => l.studyInstanceUid)).size).toBe(links.length);
    expect(new Set(links.map((l) => l.reportId)).size).toBe(links.length);
    expect(links.some((l) => l.status === 'corrected')).toBe(true);
  });

  it('writes corrections, review and unlinked lines with the documented keys and types', async () => {
    const { corrections, review, unlinked } = await results(outA());
    expect(corrections.length).toBeGreaterThan(0);
    for (const c of corrections) {
      expectShape(c, {
        id: isString, target: oneOf(['scan', 'report']), field: (v) => v === 'AccessionNumber',
        from: (v) => v === null || typeof v === 'string', to: isString, linkedTo: isString, probability: isProbability, reason: oneOf(REASONS),
      }, { studyInstanceUid: isString, reportId: isString });
      expect(side(c)).toBe(c.target);
      expect(c.from).not.toBe(c.to);
    }
    expect(new Set(corrections.map((c) => c.id)).size).toBe(corrections.length);
    expect(review.length + unlinked.length).toBeGreaterThan(0);
    for (const i of review) {
      const s = side(i);
      expectShape(i, {
        reason: isString,
        candidates: (v) => Array.isArray(v) && v.length > 0 && v.every((c) => {
          expectShape(c as Row, { id: isString, probability: isProbability, evidence: isEvidence }, { kind: oneOf(['scan', 'report']), matchWeight: isNumber });
          return (c as Row).kind === undefined || (c as Row).kind !== s;
        }),
      }, { studyInstanceUid: isString, reportId: isString, status: oneOf(STATUSES) });
    }
    for (const u of unlinked) {
      side(u);
      expectShape(u, { status: oneOf(STATUSES), reason: isString }, {
        studyInstanceUid: isString, reportId: isString, accession: (v) => v === null || typeof v === 'string',
      });
    }
  });

  it('places every study and every report of the truth in exactly one of links, review and unlinked', async () => {
    const { links, review, unlinked } = await results(outA());
    const places = new Map<string, Set<string>>();
    const put = (id: unknown, where: string): void => {
      expect(typeof id).toBe('string');
      const s = places.get(id as string) ?? new Set<string>();
      s.add(where);
      places.set(id as string, s);
    };
    for (const l of links) {
      put(l.studyInstanceUid, 'links');
      put(l.reportId, 'links');
      for (const m of (l.mergedReportIds as unknown[] | undefined) ?? []) put(m, 'links');
    }
    for (const i of review) {
      put(i.studyInstanceUid ?? i.reportId, 'review');
      for (const c of i.candidates as Row[]) put(c.id, 'review');
    }
    for (const u of unlinked) put(u.studyInstanceUid ?? u.reportId, 'unlinked');
    const ids = [...truth.studies.map((s) => s.studyInstanceUid), ...truth.reports.map((r) => r.reportId)];
    const misplaced = ids.map((id) => [id, [...(places.get(id) ?? [])]] as const).filter(([, w]) => w.length !== 1);
    expect(misplaced).toEqual([]);
    // Nothing is placed that the hospital does not hold.
    const known = new Set(ids);
    expect([...places.keys()].filter((id) => !known.has(id))).toEqual([]);
    // Each study and report is a link's subject at most once, and an unlinked record only once.
    const unlinkedIds = unlinked.map((u) => u.studyInstanceUid ?? u.reportId);
    expect(new Set(unlinkedIds).size).toBe(unlinkedIds.length);
  });

  it('keeps corrections consistent with their links', async () => {
    const { links, corrections } = await results(outA());
    const linkOfStudy = new Map(links.map((l) => [l.studyInstanceUid as string, l]));
    const linkOfReport = new Map<string, Row>();
    for (const l of links) {
      linkOfReport.set(l.reportId as string, l);
      for (const m of (l.mergedReportIds as string[] | undefined) ?? []) linkOfReport.set(m, l);
    }
    const correctionsOf = new Map<Row, Row[]>();
    for (const c of corrections) {
      const link = c.target === 'scan' ? linkOfStudy.get(c.studyInstanceUid as string) : linkOfReport.get(c.reportId as string);
      expect(link, `correction ${String(c.id)} has no link`).toBeDefined();
      if (!link) continue;
      expect(c.to, `correction ${String(c.id)}`).toBe(link.accession);
      expect(c.linkedTo).toBe(c.target === 'scan' ? link.reportId : link.studyInstanceUid);
      correctionsOf.set(link, [...(correctionsOf.get(link) ?? []), c]);
    }
    for (const l of links) {
      const n = correctionsOf.get(l)?.length ?? 0;
      if (l.status === 'corrected') expect(n, `corrected link ${String(l.studyInstanceUid)}`).toBeGreaterThanOrEqual(1);
      else expect(n, `verified link ${String(l.studyInstanceUid)}`).toBe(0);
    }
  });

  it('agrees with summary.json and lists no rejected input for a clean synthetic hospital', async () => {
    const { links, corrections, review, unlinked, errors } = await results(outA());
    const s = await readJson<{
      inputs: { studies: number; rejected: number };
      links: { verified: number; corrected: number };
      corrections: { scan: number; report: number };
      review: { items: number };
      unlinked: { studies: number; reports: number };
      outbound: Record<string, number>;
    }>(path.join(outA(), 'summary.json'));
    expect(s.inputs.studies).toBe(truth.studies.length);
    expect(s.inputs.rejected).toBe(errors.length);
    expect(errors).toEqual([]);
    expect(s.links).toEqual({ verified: links.filter((l) => l.status === 'verified').length, corrected: links.filter((l) => l.status === 'corrected').length });
    expect(s.corrections.scan).toBe(corrections.filter((c) => c.target === 'scan').length);
    expect(s.corrections.report).toBe(corrections.filter((c) => c.target === 'report').length);
    expect(s.review.items).toBe(review.length);
    expect(s.unlinked.studies + s.unlinked.reports).toBe(unlinked.length);
    const index = await readJsonl(path.join(outA(), 'outbound', 'index.jsonl'));
    expect(Object.values(s.outbound).reduce((a, b) => a + b, 0)).toBe(index.length);
  });

  it('gives identical results and correction ids when the same input is reconciled again', async () => {
    for (const f of ['links.jsonl', 'corrections.jsonl', 'review.jsonl', 'unlinked.jsonl', 'errors.jsonl', 'outbound/index.jsonl']) {
      const [a, b] = await Promise.all([readFile(path.join(outA(), f), 'utf8'), readFile(path.join(outB(), f), 'utf8')]);
      expect(b, f).toBe(a);
    }
    const ids = async (out: string): Promise<unknown[]> => (await readJsonl(path.join(out, 'corrections.jsonl'))).map((c) => c.id);
    expect(await ids(outB())).toEqual(await ids(outA()));
  });

  it('replaces, not appends to, the results of an earlier run in the same folder', async () => {
    const before = await Promise.all(['links.jsonl', 'corrections.jsonl', 'outbound/index.jsonl'].map((f) => readFile(path.join(outB(), f), 'utf8')));
    await runOk(reconcileArgs(outB()));
    const after = await Promise.all(['links.jsonl', 'corrections.jsonl', 'outbound/index.jsonl'].map((f) => readFile(path.join(outB(), f), 'utf8')));
    expect(after).toEqual(before);
  });
});
