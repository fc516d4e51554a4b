/**
 * The TypeScript path matches training: DICOM bytes from acclink's writer -> pixels.ts ->
 * preprocess.ts -> onnxruntime gives the probabilities PyTorch gave (models/pneumonia-cxr/parity.json)
 * within 1e-4, and the test-split AUC through that path holds on a subset.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { imageAt, loadSplit, pneumoniaMnistDicom } from '../../models/pneumonia-cxr/train/dataset.ts';
import { rocAuc } from './auc.ts';
import { PNEUMONIA_CXR_DIR } from './manifest.ts';
import { decodeDicomPixels, type GreyImage } from './pixels.ts';
import { openModelSession } from './session.ts';

interface ParityCase {
  index: number;
  label: number;
  probability: number;
}
const PARITY = JSON.parse(readFileSync(`${PNEUMONIA_CXR_DIR}parity.json`, 'utf8')) as { tolerance: number; cases: ParityCase[] };
const TEST = loadSplit('test');

function throughDicom(index: number): GreyImage {
  const decoded = decodeDicomPixels(pneumoniaMnistDicom('test', index, imageAt(TEST, index)));
  if (!decoded.ok) throw new Error(`test/${index}: ${decoded.skipped.reason}`);
  return decoded.image;
}

describe('pneumonia-cxr through the DICOM path', () => {
  const session = openModelSession(PNEUMONIA_CXR_DIR, { threads: 1 });
  afterAll(async () => (await session).close());

  it(`matches PyTorch on ${PARITY.cases.length} test images within 1e-4`, async () => {
    expect(PARITY.cases.length).toBeGreaterThanOrEqual(8);
    expect(PARITY.tolerance).toBeLessThanOrEqual(1e-4);
    const s = await session;
    const probabilities = await s.infer(PARITY.cases.map((c) => throughDicom(c.index)));
    PARITY.cases.forEach((c, i) => expect(Math.abs((probabilities[i] ?? Number.NaN) - c.probability), `test/${c.index}`).toBeLessThanOrEqual(1e-4));
    // One at a time gives the same as a batch.
    const single = await s.infer([throughDicom(PARITY.cases[0]?.index ?? 0)]);
    expect(single[0]).toBeCloseTo(probabilities[0] ?? Number.NaN, 6);
  });

  it('keeps test AUC >= 0.9 on every third test image (208)', async () => {
    const indices = Array.from({ length: TEST.count }, (_, i) => i).filter((i) => i % 3 === 0);
    const s = await session;
    const started = performance.now();
    const probabilities = await s.infer(indices.map(throughDicom));
    const auc = rocAuc(indices.map((i) => TEST.labels[i] ?? 0), probabilities);
    expect(auc).toBeGreaterThanOrEqual(0.9);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('shares one session per model folder and caches by SOP Instance UID', async () => {
    const s = await session;
    expect(await openModelSession(`${PNEUMONIA_CXR_DIR}/./`)).toBe(s);
    const image = throughDicom(PARITY.cases[1]?.index ?? 0);
    const first = await s.inferCached([{ sopInstanceUid: '2.25.7', image }]);
    expect(s.cached('2.25.7')).toBe(first[0]);
    // A cached UID is answered from the cache, whatever image comes with it.
    const again = await s.inferCached([{ sopInstanceUid: '2.25.7', image: { rows: 1, columns: 1, data: new Float32Array(1) } }]);
    expect(again[0]).toBe(first[0]);
  });
});
