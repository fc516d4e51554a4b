/**
 * Step 1 of `npm run train:pneumonia-cxr`: writes every PneumoniaMNIST image of every split as a
 * DICOM CR file with acclink's writer, into a work folder outside the repository, with the labels
 * in a sidecar CSV per split (`<split>/labels.csv`: `file,index,label`). train.py reads only these.
 *
 * Usage: `node models/pneumonia-cxr/train/export-dicom.ts [workDir]` (default `$TMPDIR/acclink-pneumonia-cxr`).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageAt, loadSplit, pneumoniaMnistDicom, SPLITS } from './dataset.ts';

/** The default work folder. */
export function defaultWorkDir(): string {
  return join(tmpdir(), 'acclink-pneumonia-cxr');
}

/** Writes all splits; returns the number of files per split. */
export function exportDicom(workDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const split of SPLITS) {
    const data = loadSplit(split);
    const dir = join(workDir, split);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const rows = ['file,index,label'];
    for (let i = 0; i < data.count; i++) {
      const file = `${String(i).padStart(5, '0')}.dcm`;
      writeFileSync(join(dir, file), pneumoniaMnistDicom(split, i, imageAt(data, i)));
      rows.push(`${file},${i},${data.labels[i]}`);
    }
    writeFileSync(join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
    counts[split] = data.count;
  }
  return counts;
}

if (import.meta.main) {
  const workDir = process.argv[2] ?? defaultWorkDir();
  const started = performance.now();
  const counts = exportDicom(workDir);
  const summary = Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(', ');
  console.log(`export-dicom: wrote ${summary} DICOM CR files to ${workDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
