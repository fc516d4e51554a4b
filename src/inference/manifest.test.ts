/**
 * manifest.ts: the shipped model.json is valid and matches its ONNX file; a broken model folder
 * fails with an error that names the problem.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAcclinkError } from '../model/errors.ts';
import { loadModelManifest, parseModelManifest, PNEUMONIA_CXR_DIR } from './manifest.ts';

const SHIPPED = JSON.parse(readFileSync(path.join(PNEUMONIA_CXR_DIR, 'model.json'), 'utf8')) as Record<string, unknown>;
const work = mkdtempSync(path.join(tmpdir(), 'acclink-manifest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the shipped model folder with model.json replaced. */
function folder(name: string, manifest: unknown): string {
  const dir = path.join(work, name);
  cpSync(PNEUMONIA_CXR_DIR, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}train`) });
  writeFileSync(path.join(dir, 'model.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  return dir;
}

async function failure(dir: string): Promise<string> {
  try {
    await loadModelManifest(dir);
  } catch (e) {
    expect(isAcclinkError(e, 'CONFIG_INVALID')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a failure');
}

describe('model manifest', () => {
  it('loads the shipped model: applicability, thresholds, checksum', async () => {
    const { manifest, modelBytes } = await loadModelManifest(PNEUMONIA_CXR_DIR);
    expect(manifest.name).toBe('pneumonia-cxr');
    expect(manifest.finding.code).toBe('pneumonia');
    expect(manifest.labels).toEqual(['normal', 'pneumonia']);
    expect(manifest.applicability).toEqual({ modalities: ['CR', 'DX'], bodyParts: ['CHEST'] });
    expect(manifest.input).toMatchObject({ name: 'image', shape: [-1, 1, 28, 28], dtype: 'float32' });
    expect(manifest.thresholds.negative).toBeLessThan(manifest.thresholds.positive);
    expect(modelBytes.length).toBeLessThan(1024 * 1024);
  });

  it('names every invalid field', () => {
    const bad = { ...SHIPPED, input: { name: 'image', shape: [-1, 3, 28, 28], dtype: 'float64', layout: 'NCHW' }, thresholds: { positive: 0.2, negative: 0.8 } };
    expect(() => parseModelManifest(bad)).toThrow(/input\.shape[\s\S]*input\.dtype|input\.dtype[\s\S]*input\.shape/);
    expect(() => parseModelManifest(bad)).toThrow(/negative must not exceed positive/);
    expect(() => parseModelManifest({ ...SHIPPED, preprocessing: { ...(SHIPPED.preprocessing as object), resize: { method: 'bicubic', height: 28, width: 28 } } })).toThrow(/preprocessing\.resize\.method/);
    expect(() => parseModelManifest({ ...SHIPPED, file: '../elsewhere.onnx' })).toThrow(/inside the model folder/);
  });

  it('rejects a missing folder, bad JSON, a missing model and a checksum mismatch', async () => {
    expect(await failure(path.join(work, 'nowhere'))).toMatch(/cannot read model manifest .*ENOENT/);
    expect(await failure(folder('not-json', '{ nope'))).toMatch(/is not JSON/);
    expect(await failure(folder('no-model', { ...SHIPPED, file: 'other.onnx' }))).toMatch(/other\.onnx .*cannot be read/);
    expect(await failure(folder('wrong-sha', { ...SHIPPED, sha256: '0'.repeat(64) }))).toMatch(/do not belong together/);
  });
});
