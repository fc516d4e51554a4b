import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { generateHospital } from '../../synth/hospital.ts';
import type { Truth } from '../../synth/model.ts';
import { countDicomInstances } from '../../synth/render-dicom.ts';
import { writeSynthHospital } from './write-synth.ts';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
}

describe('writeSynthHospital', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('writes DICOM, HL7, FHIR and truth.json, reporting progress up to the total', async () => {
    const out = await mkdtemp(join(tmpdir(), 'acclink-synth-'));
    dirs.push(out);
    const h = generateHospital({ seed: 5, patients: 40, baseDate: '2026-01-05' });
    const seen: [number, number][] = [];
    const result = await writeSynthHospital(out, h, { concurrency: 4, onProgress: (done, total) => seen.push([done, total]) });

    expect(result.studies).toBe(h.studies.length);
    expect(result.reports).toBe(h.reports.length);
    expect(result.dicomFiles).toBe(countDicomInstances(h));
    expect(result.fhirFiles).toBe(1);
    const files = await listFiles(out);
    expect(files.filter((f) => f.startsWith('dicom/')).length).toBe(result.dicomFiles);
    expect(files.filter((f) => f.startsWith('hl7/') && f.endsWith('.hl7')).length).toBe(result.hl7Files);
    expect(files).toContain('fhir/imaging-studies.ndjson');
    expect(files).toContain('truth.json');

    const truth = JSON.parse(await readFile(join(out, 'truth.json'), 'utf8')) as Truth;
    expect(truth).toEqual(h.truth);

    const last = seen[seen.length - 1];
    expect(last?.[0]).toBe(last?.[1]);
    expect(seen.every(([d], i) => i === 0 || d >= (seen[i - 1]?.[0] ?? 0))).toBe(true);

    const dcm = files.find((f) => f.startsWith('dicom/')) ?? '';
    const ds = dicomParser.parseDicom(new Uint8Array(await readFile(join(out, dcm))));
    expect(h.studies.map((s) => s.studyInstanceUid)).toContain(ds.string('x0020000d'));
  });

  it('writes one instance per study on request, identically for the same seed', async () => {
    const h = generateHospital({ seed: 9, patients: 15, baseDate: '2026-01-05' });
    const a = await mkdtemp(join(tmpdir(), 'acclink-synth-'));
    const b = await mkdtemp(join(tmpdir(), 'acclink-synth-'));
    dirs.push(a, b);
    const ra = await writeSynthHospital(a, h, { instancesPerStudy: 1 });
    await writeSynthHospital(b, generateHospital({ seed: 9, patients: 15, baseDate: '2026-01-05' }), { instancesPerStudy: 1 });
    expect(ra.dicomFiles).toBe(h.studies.length);
    const fa = (await listFiles(a)).sort();
    expect((await listFiles(b)).sort()).toEqual(fa);
    for (const f of fa) expect(await readFile(join(b, f)), f).toEqual(await readFile(join(a, f)));
  });
});
