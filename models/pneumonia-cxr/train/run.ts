/**
 * `npm run train:pneumonia-cxr`: writes the PneumoniaMNIST splits as DICOM CR files with acclink's
 * writer (export-dicom.ts), then trains, evaluates and exports the model from those files with
 * train.py (Debian's python3-torch & co., `/usr/bin/python3` unless PYTHON says otherwise).
 * Outputs land in models/pneumonia-cxr/: model.onnx, model.json, metrics.json, parity.json.
 *
 * Usage: `npm run train:pneumonia-cxr -- [--epochs N] [--work-dir DIR]`.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultWorkDir, exportDicom } from './export-dicom.ts';

const MODEL_DIR = fileURLToPath(new URL('../', import.meta.url));
const TRAIN_PY = fileURLToPath(new URL('./train.py', import.meta.url));

const { values } = parseArgs({ options: { epochs: { type: 'string' }, 'work-dir': { type: 'string' } } });
const workDir = values['work-dir'] ?? defaultWorkDir();
const started = performance.now();
console.log(`[run] exporting PneumoniaMNIST as DICOM CR to ${workDir}`);
const counts = exportDicom(workDir);
console.log(`[run] wrote ${Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(', ')} files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const python = process.env.PYTHON ?? '/usr/bin/python3';
const args = [TRAIN_PY, '--work-dir', workDir, '--out-dir', MODEL_DIR, ...(values.epochs === undefined ? [] : ['--epochs', values.epochs])];
console.log(`[run] ${python} ${args.join(' ')}`);
const result = spawnSync(python, args, { stdio: 'inherit' });
if (result.error !== undefined) {
  console.error(`[run] cannot start ${python}: ${result.error.message} (apt-get install python3-torch python3-onnx python3-pydicom python3-sklearn python3-numpy)`);
  process.exit(1);
}
console.log(`[run] done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(result.status ?? 1);
