/**
 * End to end: the outbound dry run of `acclink reconcile`. Every index entry points at a file, every
 * correction is carried to its owner, and the HL7 and FHIR documents are well formed as read back with
 * acclink's own HL7 parser: procedure updates to the PACS (ORC-1 XO, in the OMI^O23 default and the
 * ORM^O01 dialect chosen by configuration) and corrected results to the RIS (OBR-25 C).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hl7Message } from '../../src/transforms/hl7/message.ts';
import { filesUnder, readJsonl, removeDir, runOk, synth, tempDir } from './cli.ts';

type Row = Record<string, unknown>;

interface Run {
  out: string;
  corrections: Map<string, Row>;
  index: Row[];
}

let root: string | undefined;
const runs: Record<'omi' | 'orm', Run> = { omi: { out: '', corrections: new Map(), index: [] }, orm: { out: '', corrections: new Map(), index: [] } };

beforeAll(async () => {
  root = await tempDir('outbound');
  const hospital = path.join(root, 'hospital');
  await synth(hospital, 3, 60);
  const config = path.join(root, 'orm.yaml');
  await writeFile(config, 'outbound:\n  pacsMessage: ORM^O01\n  pacs: { application: OLDPACS, facility: RAD }\n');
  const inputs = ['--dicom', path.join(hospital, 'dicom'), '--hl7', path.join(hospital, 'hl7'), '--fhir', path.join(hospital, 'fhir'), '--quiet'];
  await Promise.all([
    runOk(['reconcile', ...inputs, '--out', path.join(root, 'omi')]),
    runOk(['reconcile', ...inputs, '--out', path.join(root, 'orm'), '--config', config]),
  ]);
  for (const name of ['omi', 'orm'] as const) {
    const out = path.join(root, name);
    const corrections = await readJsonl(path.join(out, 'corrections.jsonl'));
    runs[name] = { out, corrections: new Map(corrections.map((c) => [c.id as string, c])), index: await readJsonl(path.join(out, 'outbound', 'index.jsonl')) };
  }
});

afterAll(async () => {
  await removeDir(root);
});

async function body(run: Run, entry: Row): Promise<string> {
  return readFile(path.join(run.out, 'outbound', entry.file as string), 'utf8');
}

describe.each(['omi', 'orm'] as const)('acclink reconcile outbound messages (%s)', (name) => {
  it('indexes exactly the files written, and every index entry belongs to a correction', async () => {
    const run = runs[name];
    expect(run.index.length).toBeGreaterThan(0);
    for (const e of run.index) {
      expect(typeof e.file).toBe('string');
      expect(['pacs', 'ris', 'fhir']).toContain(e.destination);
      expect((e.file as string).startsWith(`${e.destination as string}/`)).toBe(true);
      expect(run.corrections.has(e.correctionId as string), `index entry for unknown correction ${String(e.correctionId)}`).toBe(true);
    }
    const written = (await filesUnder(path.join(run.out, 'outbound'))).filter((f) => f !== 'index.jsonl' && f !== 'skipped.jsonl');
    expect(written).toEqual(run.index.map((e) => e.file as string).sort());
  });

  it('sends every study correction to the PACS and report corrections only to the RIS or FHIR', () => {
    const run = runs[name];
    for (const c of run.corrections.values()) {
      const dest = run.index.filter((e) => e.correctionId === c.id).map((e) => e.destination);
      if (c.target === 'scan') {
        expect(dest.filter((d) => d === 'pacs'), `correction ${String(c.id)}`).toHaveLength(1);
        expect(dest.filter((d) => d !== 'pacs' && d !== 'fhir')).toEqual([]);
      } else {
        expect(dest.filter((d) => d === 'pacs')).toEqual([]);
        expect(dest.filter((d) => d === 'ris').length).toBeLessThanOrEqual(1);
      }
    }
    expect(run.index.some((e) => e.destination === 'ris')).toBe(true);
  });

  it('writes HL7 v2 files that acclink\'s own parser reads back with the correction in them', async () => {
    const run = runs[name];
    const controlIds: string[] = [];
    for (const e of run.index.filter((x) => x.destination !== 'fhir')) {
      const text = await body(run, e);
      const c = run.corrections.get(e.correctionId as string) ?? {};
      const to = c.to as string;
      expect(text.startsWith('MSH|^~\\&|'), e.file as string).toBe(true);
      expect(text.includes('\n'), `${String(e.file)} uses \\n`).toBe(false);
      expect(text.split('\r').filter((s) => s !== '').length).toBeGreaterThan(3);
      expect(text).toContain(to);
      const msg = Hl7Message.parse(text);
      controlIds.push(msg.controlId);
      expect(msg.controlId).not.toBe('');
      if (e.destination === 'pacs') {
        expect(c.target).toBe('scan');
        expect(text).toContain(c.studyInstanceUid as string);
        expect(e.target).toBe(c.studyInstanceUid);
        expect(msg.get('ORC-1')).toBe('XO');
        expect(msg.get('OBR-18')).toBe(to);
        expect(msg.get('MSH-5')).toBe(name === 'orm' ? 'OLDPACS' : 'PACS');
        expect(`${msg.type.code}^${msg.type.trigger}`).toBe(name === 'orm' ? 'ORM^O01' : 'OMI^O23');
        expect(e.messageType).toBe(name === 'orm' ? 'ORM^O01' : 'OMI^O23');
      } else {
        expect(c.target).toBe('report');
        expect(e.target).toBe(c.reportId);
        expect(msg.get('OBR-25')).toBe('C');
        expect(msg.get('OBR-3')).toBe(c.reportId);
        expect(msg.get('OBR-18')).toBe(to);
        expect(`${msg.type.code}^${msg.type.trigger}`).toBe('ORU^R01');
        for (const obx of msg.segments('OBX')) expect(obx.value(11)).toBe('C');
      }
    }
    expect(controlIds.length).toBeGreaterThan(0);
    expect(new Set(controlIds).size).toBe(controlIds.length);
  });

  it('writes FHIR PATCH requests whose first operation tests the value being replaced', async () => {
    const run = runs[name];
    const patches = run.index.filter((x) => x.destination === 'fhir');
    expect(patches.length).toBeGreaterThan(0);
    for (const e of patches) {
      const req = JSON.parse(await body(run, e)) as { method?: unknown; url?: unknown; body?: unknown };
      const c = run.corrections.get(e.correctionId as string) ?? {};
      expect(req.method).toBe('PATCH');
      expect(typeof req.url).toBe('string');
      expect((req.url as string).endsWith(e.target as string)).toBe(true);
      expect(Array.isArray(req.body)).toBe(true);
      const ops = req.body as Array<{ op?: unknown; path?: unknown; value?: unknown }>;
      expect(ops[0]?.op).toBe('test');
      const replace = ops.filter((o) => o.op === 'replace' || o.op === 'add');
      expect(replace.length).toBeGreaterThan(0);
      expect(JSON.stringify(replace)).toContain(c.to as string);
      if (typeof c.from === 'string') {
        // The value being replaced is tested first, so a PATCH against a changed resource fails instead of overwriting.
        expect(ops.some((o) => o.op === 'test' && o.value === c.from)).toBe(true);
      }
    }
  });
});
