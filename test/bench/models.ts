/**
 * `npm run bench:models`: speed and accuracy of the image model through acclink's own path.
 * - ms per image, preprocessing included (DICOM bytes -> pixels.ts -> preprocess.ts -> onnxruntime),
 *   at batch sizes 1, 8 and 32 on the PneumoniaMNIST test split written as DICOM by acclink's writer;
 *   plus a full-size 2048x2048 12-bit MONOCHROME1 CR to show the decode/resize cost at real sizes;
 * - test AUC over the whole test split through that path, against train.py's figure in metrics.json.
 * Options after `--`: --threads N (onnxruntime intra-op threads), --rounds N (timing repeats, default 3).
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/chapter_A.html (transfer syntaxes)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { imageAt, loadSplit, pneumoniaMnistDicom } from '../../models/pneumonia-cxr/train/dataset.ts';
import { table } from '../../src/cli/progress.ts';
import { rocAuc } from '../../src/inference/auc.ts';
import { PNEUMONIA_CXR_DIR } from '../../src/inference/manifest.ts';
import { decodeDicomPixels, type GreyImage } from '../../src/inference/pixels.ts';
import { openModelSession, type ModelSession } from '../../src/inference/session.ts';
import { buildPart10, imagePixelElements } from '../../src/inference/testing/build-dicom.ts';

const { values } = parseArgs({ options: { threads: { type: 'string' }, rounds: { type: 'string' } } });
const rounds = Math.max(1, Number(values.rounds ?? 3));
const TARGET_MS = 10;

const decode = (bytes: Uint8Array): GreyImage => {
  const r = decodeDicomPixels(bytes);
  if (!r.ok) throw new Error(r.skipped.reason);
  return r.image;
};

/** Best-of-rounds ms per image for the whole path at one batch size. */
async function timePath(session: ModelSession, files: readonly Uint8Array[], batch: number): Promise<{ perImage: number; decodeShare: number }> {
  let best = Infinity;
  let decodeShare = 0;
  for (let round = 0; round < rounds; round++) {
    let decodeMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < files.length; i += batch) {
      const d0 = performance.now();
      const images = files.slice(i, i + batch).map(decode);
      decodeMs += performance.now() - d0;
      await session.infer(images);
    }
    const ms = (performance.now() - t0) / files.length;
    if (ms < best) {
      best = ms;
      decodeShare = decodeMs / files.length / ms;
    }
  }
  return { perImage: best, decodeShare };
}

/** A 2048x2048 CR: 12 bits stored in 16, MONOCHROME1, windowed, like a real chest radiograph. */
function bigCr(): Uint8Array {
  const side = 2048;
  const px = new Uint8Array(side * side * 2);
  const view = new DataView(px.buffer);
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) view.setUint16((r * side + c) * 2, (r * 3 + c * 5 + ((r * c) % 97)) % 4096, true);
  return buildPart10(
    [
      ...imagePixelElements({ rows: side, columns: side, bitsAllocated: 16, bitsStored: 12, photometric: 'MONOCHROME1' }),
      { tag: 0x00281050, vr: 'DS', value: '2048' },
      { tag: 0x00281051, vr: 'DS', value: '4096' },
      { tag: 0x7fe00010, vr: 'OW', value: px },
    ],
    '1.2.840.10008.1.2.1',
  );
}

const session = await openModelSession(PNEUMONIA_CXR_DIR, values.threads === undefined ? {} : { threads: Number(values.threads) });
try {
  const test = loadSplit('test');
  const files = Array.from({ length: test.count }, (_, i) => pneumoniaMnistDicom('test', i, imageAt(test, i)));
  console.log(`model ${session.manifest.name}@${session.manifest.version}; ${files.length} test images as DICOM CR (28x28, 8-bit); best of ${rounds} rounds`);
  await timePath(session, files.slice(0, 64), 32); // warm-up

  const rows: Array<Array<string | number>> = [];
  const results: Record<number, number> = {};
  for (const batch of [1, 8, 32]) {
    const { perImage, decodeShare } = await timePath(session, files, batch);
    results[batch] = perImage;
    rows.push([`28x28 CR, batch ${batch}`, perImage.toFixed(3), Math.round(1000 / perImage), `${(100 * decodeShare).toFixed(0)}%`, perImage <= TARGET_MS ? 'yes' : 'NO']);
  }
  const big = bigCr();
  const { perImage: bigMs, decodeShare: bigShare } = await timePath(session, [big, big, big, big], 1);
  rows.push(['2048x2048 12-bit CR, batch 1', bigMs.toFixed(1), Math.round(1000 / bigMs), `${(100 * bigShare).toFixed(0)}%`, bigMs <= TARGET_MS ? 'yes' : 'no (size-bound)']);
  console.log(`\n${table(['path (DICOM bytes -> probability)', 'ms/image', 'images/s', 'decode share', `<= ${TARGET_MS} ms`], rows)}`);

  const probabilities = await session.infer(files.map(decode));
  const labels = Array.from(test.labels);
  const auc = rocAuc(labels, probabilities);
  const metrics = JSON.parse(readFileSync(`${PNEUMONIA_CXR_DIR}metrics.json`, 'utf8')) as { test: { auc: number; auc_ci95: [number, number] }; thresholds: { operating: number } };
  const { positive, negative } = session.manifest.thresholds;
  const operating = session.manifest.thresholds.operating ?? metrics.thresholds.operating;
  let correct = 0;
  let decided = 0;
  let decidedCorrect = 0;
  labels.forEach((y, i) => {
    const p = probabilities[i] ?? Number.NaN;
    if ((p >= operating ? 1 : 0) === y) correct++;
    if (p >= positive || p <= negative) {
      decided++;
      if ((p >= positive ? 1 : 0) === y) decidedCorrect++;
    }
  });
  const pythonAuc = metrics.test.auc;
  console.log(`\ntest split through the DICOM path (${labels.length} images):`);
  console.log(`  AUC ${auc.toFixed(4)}  (train.py/PyTorch: ${pythonAuc.toFixed(4)}, 95% CI ${metrics.test.auc_ci95.map((x) => x.toFixed(4)).join('-')}; difference ${Math.abs(auc - pythonAuc).toExponential(1)})`);
  console.log(`  accuracy at operating threshold ${operating.toFixed(3)}: ${(correct / labels.length).toFixed(4)}`);
  console.log(`  band (negative <= ${negative.toFixed(3)}, positive >= ${positive.toFixed(3)}): coverage ${(decided / labels.length).toFixed(3)}, accuracy of decided ${(decidedCorrect / Math.max(1, decided)).toFixed(4)}`);
  const worst = Math.max(...[1, 8, 32].map((b) => results[b] ?? Infinity));
  console.log(`\nsummary: ${worst <= TARGET_MS ? 'meets' : 'MISSES'} the ${TARGET_MS} ms/image target at every batch size (worst ${worst.toFixed(3)} ms); test AUC ${auc.toFixed(4)} ${auc >= 0.95 ? '>=' : '<'} 0.95`);
} finally {
  await session.close();
}
