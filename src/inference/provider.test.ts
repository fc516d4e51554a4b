/**
 * provider.ts: the representative-instance rule, the thresholds, and prepare/lookup over scans
 * whose DICOM files are on disk.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageAt, loadSplit, uidFor } from '../../models/pneumonia-cxr/train/dataset.ts';
import type { Scan } from '../model/types.ts';
import { writeDicomPart10 } from '../transforms/dicom/write.ts';
import { PNEUMONIA_CXR_DIR } from './manifest.ts';
import { createImageFindingsProvider, pickRepresentative, stateOf } from './provider.ts';
import { openModelSession } from './session.ts';

const TEST = loadSplit('test');
const work = mkdtempSync(path.join(tmpdir(), 'acclink-provider-'));
const session = openModelSession(PNEUMONIA_CXR_DIR);
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await (await session).close();
});

interface Instance {
  name: string;
  study: string;
  modality: string;
  bodyPart?: string;
  series: number;
  instance: number;
  /** Test split image index. */
  image: number;
}

/** Writes the instances and returns one Scan per study, sources relative to `work`. */
function scans(instances: Instance[]): Scan[] {
  const byStudy = new Map<string, Scan>();
  for (const i of instances) {
    const uid = uidFor(`provider/${i.name}`);
    writeFileSync(
      path.join(work, i.name),
      writeDicomPart10({
        sopClassUid: '1.2.840.10008.5.1.4.1.1.1',
        sopInstanceUid: uid,
        studyInstanceUid: i.study,
        seriesInstanceUid: `${i.study}.${i.series}`,
        modality: i.modality,
        ...(i.bodyPart === undefined ? {} : { bodyPartExamined: i.bodyPart }),
        seriesNumber: i.series,
        instanceNumber: i.instance,
        image: { rows: 28, columns: 28, pixels: imageAt(TEST, i.image) },
      }),
    );
    const scan = byStudy.get(i.study) ?? { studyInstanceUid: i.study, patient: {}, modalities: [], bodyParts: [], seriesDescriptions: [], seriesCount: 1, instanceCount: 0, sources: [] };
    if (!scan.modalities.includes(i.modality)) scan.modalities.push(i.modality);
    scan.sources.push({ kind: 'dicom', path: i.name, id: uid });
    byStudy.set(i.study, scan);
  }
  return [...byStudy.values()];
}

describe('image findings provider', () => {
  it('picks the first CR/DX chest instance by series and instance number', async () => {
    const { manifest } = await session;
    const pick = pickRepresentative(manifest, [
      { id: 'ct', info: { modality: 'CT', bodyPartExamined: 'CHEST', seriesNumber: 0 } },
      { id: 'hand', info: { modality: 'CR', bodyPartExamined: 'HAND', seriesNumber: 0 } },
      { id: 's2', info: { modality: 'DX', bodyPartExamined: 'CHEST', seriesNumber: 2, instanceNumber: 1 } },
      { id: 's1i2', info: { modality: 'CR', seriesNumber: 1, instanceNumber: 2 } },
      { id: 's1i1', info: { modality: 'CR', bodyPartExamined: 'CHEST', seriesNumber: 1, instanceNumber: 1 } },
    ]);
    expect(pick?.id).toBe('s1i1');
  });

  it('maps probabilities to states with the manifest thresholds', async () => {
    const { manifest } = await session;
    const { positive, negative } = manifest.thresholds;
    expect(stateOf(manifest, positive)).toBe('positive');
    expect(stateOf(manifest, negative)).toBe('negative');
    expect(stateOf(manifest, (positive + negative) / 2)).toBe('uncertain');
  });

  it('prepares findings for scans, batched, and answers lookups synchronously', async () => {
    // Test image 4 is pneumonia (p ~ 1), test image 3 normal (p ~ 0), per parity.json.
    const all = scans([
      { name: 'a-ct', study: '2.25.100', modality: 'CT', bodyPart: 'CHEST', series: 1, instance: 1, image: 3 },
      { name: 'a-cr2', study: '2.25.100', modality: 'CR', bodyPart: 'CHEST', series: 2, instance: 1, image: 3 },
      { name: 'a-cr1', study: '2.25.100', modality: 'CR', bodyPart: 'CHEST', series: 1, instance: 5, image: 4 },
      { name: 'b-dx', study: '2.25.200', modality: 'DX', series: 1, instance: 1, image: 3 },
      { name: 'c-mr', study: '2.25.300', modality: 'MR', series: 1, instance: 1, image: 4 },
      { name: 'd-hand', study: '2.25.400', modality: 'CR', bodyPart: 'HAND', series: 1, instance: 1, image: 4 },
    ]);
    all.push({ ...(all[0] as Scan), studyInstanceUid: '2.25.500', modalities: ['CR'], sources: [{ kind: 'dicom', path: 'missing-file' }] });
    const provider = createImageFindingsProvider({ session: await session, root: work });
    await provider.prepare(all);

    const a = provider.lookup('2.25.100');
    expect(a).toMatchObject({ ok: true, finding: { finding: 'pneumonia', state: 'positive', model: 'pneumonia-cxr@1.0.0', studyInstanceUid: '2.25.100', sopInstanceUid: uidFor('provider/a-cr1') } });
    expect(provider.lookup('2.25.200')).toMatchObject({ ok: true, finding: { state: 'negative' } });
    expect(provider.lookup('2.25.300')).toMatchObject({ ok: false, code: 'not-applicable' });
    expect(provider.lookup('2.25.400')).toMatchObject({ ok: false, code: 'not-applicable', reason: expect.stringContaining('CR/HAND') as unknown });
    expect(provider.lookup('2.25.500')).toMatchObject({ ok: false, code: 'no-readable-instance' });
    expect(provider.lookup('2.25.999')).toBeUndefined();
    expect([...provider.findingsByStudy().keys()].sort()).toEqual(['2.25.100', '2.25.200']);
    // The result came through the session cache.
    expect((await session).cached(uidFor('provider/a-cr1'))).toBeCloseTo(a?.ok === true ? a.finding.probability : -1, 6);
  });

  it('classifies one study from instances handed in', async () => {
    const provider = createImageFindingsProvider({ session: await session });
    const [scan] = scans([{ name: 'e-cr', study: '2.25.600', modality: 'CR', bodyPart: 'CHEST', series: 1, instance: 1, image: 3 }]);
    const file = path.join(work, scan?.sources[0]?.path ?? '');
    const result = await provider.findingsForStudy([{ read: () => Promise.resolve(new Uint8Array(readFileSync(file))) }], '2.25.600');
    expect(result).toMatchObject({ ok: true, finding: { state: 'negative', studyInstanceUid: '2.25.600' } });
  });
});
