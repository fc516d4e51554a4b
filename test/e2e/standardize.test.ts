/** `reconcile --standardize global` on a synthetic hospital: header corrections, review items, PACS updates. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, removeDir, runCli, tempDir } from './cli.ts';

describe('acclink reconcile --standardize', () => {
  let dir = '';
  let out = '';
  beforeAll(async () => {
    dir = await tempDir('std');
    out = path.join(dir, 'out');
    const synth = await runCli(['synth', '--out', path.join(dir, 'h'), '--patients', '60', '--seed', '4', '--quiet']);
    expect(synth.code, synth.stderr).toBe(0);
    const r = await runCli(['reconcile', '--dicom', path.join(dir, 'h', 'dicom'), '--hl7', path.join(dir, 'h', 'hl7'), '--out', out, '--standardize', 'global', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('writes field-level corrections to standard entries next to accession corrections', async () => {
    const corrections = await readJsonl(path.join(out, 'corrections.jsonl'));
    const descriptions = corrections.filter((c) => c.field === 'StudyDescription');
    expect(descriptions.length).toBeGreaterThan(10);
    for (const c of descriptions) {
      expect(c.target).toBe('scan');
      expect(['standard-entry', 'reformatted']).toContain(c.reason);
      expect(String(c.to)).toMatch(/^[A-Z0-9 ]+$/);
      expect(c.to).not.toBe(c.from);
    }
    expect(corrections.some((c) => c.field === 'AccessionNumber')).toBe(true);
    const ids = corrections.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sends one DICOM attribute update per corrected study, with the old values kept', async () => {
    const index = await readJsonl(path.join(out, 'outbound', 'index.jsonl'));
    const updates = index.filter((m) => m.messageType === 'DICOM attribute update');
    expect(updates.length).toBeGreaterThan(0);
    expect(new Set(updates.map((u) => u.target)).size).toBe(updates.length);
    const first = JSON.parse(await readFile(path.join(out, 'outbound', String(updates[0]?.file)), 'utf8')) as { replace: Record<string, string>; orthanc: { Keep: string[]; Force: boolean }; originalAttributes: unknown };
    expect(Object.keys(first.replace).length).toBeGreaterThan(0);
    expect(first.orthanc.Keep).toContain('StudyInstanceUID');
    expect(first.orthanc.Force).toBe(true);
    expect(first.originalAttributes).toBeDefined();
  });

  it("writes each study's standardized header with every field marked", async () => {
    const headers = await readJsonl(path.join(out, 'headers.jsonl'));
    expect(headers.length).toBeGreaterThan(50);
    const statuses = new Set(headers.flatMap((h) => Object.values(h.fields as Record<string, { status: string }>).map((f) => f.status)));
    expect(statuses).toContain('unchanged');
    expect(statuses).toContain('standardized');
  });

  it('lists what it could not decide in header-review.jsonl and never changes an accession there', async () => {
    const review = await readJsonl(path.join(out, 'header-review.jsonl'));
    for (const r of review) {
      expect(r.field).not.toBe('accessionNumber');
      expect(['review', 'inconclusive', 'invalid', 'consensus-proposal']).toContain(r.status);
    }
  });
});
