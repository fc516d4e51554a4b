/**
 * One onnxruntime-node InferenceSession per model folder, created once and shared; batched
 * inference from grey images (pixels.ts) to the probability of the manifest's positive label, and a
 * cache of results by SOP Instance UID so an instance is never run twice.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.12.html#sect_C.12.1 (SOP Common: SOP Instance UID)
 * @see https://onnxruntime.ai/docs/api/js/ (onnxruntime JavaScript API)
 */
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { loadModelManifest, type ModelManifest, PNEUMONIA_CXR_DIR } from './manifest.ts';
import type { GreyImage } from './pixels.ts';
import { type Plane, preprocess } from './preprocess.ts';

/** Options for {@link openModelSession}. */
export interface ModelSessionOptions {
  /** Images per run; larger batches are split. Default 32. */
  maxBatch?: number;
  /** onnxruntime intra-op threads; default: onnxruntime's choice. */
  threads?: number;
  /** Entries kept in the SOP Instance UID cache (least recently used dropped). Default 10,000. */
  cacheSize?: number;
}

/** One image to run, identified for the cache when it has a SOP Instance UID. */
export interface CachedInput {
  sopInstanceUid?: string;
  image: GreyImage | Plane;
}

/** A loaded model, ready to run. */
export interface ModelSession {
  readonly dir: string;
  readonly manifest: ModelManifest;
  /** Runs already preprocessed inputs (`count` images of height*width floats, back to back). */
  run(inputs: Float32Array, count: number): Promise<Float32Array>;
  /** Preprocesses and runs images in batches; one probability per image, in order. */
  infer(images: readonly (GreyImage | Plane)[]): Promise<Float32Array>;
  /** As `infer`, but answers from and fills the SOP Instance UID cache. */
  inferCached(inputs: readonly CachedInput[]): Promise<Float32Array>;
  /** The cached probability of an instance, if it was run before. */
  cached(sopInstanceUid: string): number | undefined;
  /** Releases the session and forgets it; the next open creates a new one. */
  close(): Promise<void>;
}

const sessions = new Map<string, Promise<ModelSession>>();

/** `x` for `[N,1]` outputs, the positive label's for `[N,2]`; sigmoid/softmax when the graph gives logits. */
function positiveProbabilities(manifest: ModelManifest, data: Float32Array, count: number): Float32Array {
  const width = manifest.output.shape[1];
  const logits = manifest.output.scale === 'logit';
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (width === 1) {
      const v = data[i] ?? Number.NaN;
      out[i] = logits ? 1 / (1 + Math.exp(-v)) : v;
    } else {
      const a = data[2 * i] ?? Number.NaN;
      const b = data[2 * i + 1] ?? Number.NaN;
      out[i] = logits ? 1 / (1 + Math.exp(a - b)) : b;
    }
  }
  return out;
}

async function createSession(dir: string, options: ModelSessionOptions): Promise<ModelSession> {
  const { manifest, modelBytes, modelPath } = await loadModelManifest(dir);
  const ortOptions: InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  if (options.threads !== undefined) ortOptions.intraOpNumThreads = options.threads;
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(modelBytes, ortOptions);
  } catch (e) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, `onnxruntime cannot load ${modelPath}: ${(e as Error).message}`, { cause: e });
  }
  if (!session.inputNames.includes(manifest.input.name) || !session.outputNames.includes(manifest.output.name)) {
    await session.release();
    throw new AcclinkError(
      ErrorCode.ConfigInvalid,
      `${modelPath} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; model.json names input ${manifest.input.name} and output ${manifest.output.name}`,
    );
  }
  const [, , height, width] = manifest.input.shape;
  const size = height * width;
  const maxBatch = Math.max(1, options.maxBatch ?? 32);
  const cacheSize = Math.max(0, options.cacheSize ?? 10_000);
  const cache = new Map<string, number>();

  const run = async (inputs: Float32Array, count: number): Promise<Float32Array> => {
    if (inputs.length !== count * size) throw new RangeError(`${inputs.length} floats for ${count} inputs of ${size}`);
    if (count === 0) return new Float32Array(0);
    const tensor = new Tensor('float32', inputs, [count, 1, height, width]);
    const result = await session.run({ [manifest.input.name]: tensor });
    const output = result[manifest.output.name];
    if (output === undefined || !(output.data instanceof Float32Array)) throw new Error(`model output ${manifest.output.name} is missing or not float32`);
    return positiveProbabilities(manifest, output.data, count);
  };

  const infer = async (images: readonly (GreyImage | Plane)[]): Promise<Float32Array> => {
    const out = new Float32Array(images.length);
    for (let start = 0; start < images.length; start += maxBatch) {
      const batch = images.slice(start, start + maxBatch);
      const inputs = new Float32Array(batch.length * size);
      batch.forEach((image, i) => preprocess(image, manifest.preprocessing, inputs, i * size));
      out.set(await run(inputs, batch.length), start);
    }
    return out;
  };

  const remember = (uid: string, p: number): void => {
    if (cacheSize === 0) return;
    cache.delete(uid);
    cache.set(uid, p);
    if (cache.size > cacheSize) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
  };

  const cached = (uid: string): number | undefined => {
    const p = cache.get(uid);
    if (p !== undefined) remember(uid, p);
    return p;
  };

  const inferCached = async (inputs: readonly CachedInput[]): Promise<Float32Array> => {
    const out = new Float32Array(inputs.length);
    const missing: number[] = [];
    inputs.forEach((input, i) => {
      const hit = input.sopInstanceUid === undefined ? undefined : cached(input.sopInstanceUid);
      if (hit === undefined) missing.push(i);
      else out[i] = hit;
    });
    const fresh = await infer(missing.map((i) => inputs[i]?.image).filter((x): x is GreyImage | Plane => x !== undefined));
    missing.forEach((i, k) => {
      const p = fresh[k] ?? Number.NaN;
      out[i] = p;
      const uid = inputs[i]?.sopInstanceUid;
      if (uid !== undefined) remember(uid, p);
    });
    return out;
  };

  const close = async (): Promise<void> => {
    sessions.delete(dir);
    cache.clear();
    await session.release();
  };

  return { dir, manifest, run, infer, inferCached, cached, close };
}

/**
 * The session of the model in `dir` (default: the shipped pneumonia-cxr model). The first call
 * loads and checks the model; later calls for the same folder share that session, whatever
 * options they pass.
 * @throws AcclinkError CONFIG_INVALID when the manifest or model is invalid or they disagree.
 */
export function openModelSession(dir: string = PNEUMONIA_CXR_DIR, options: ModelSessionOptions = {}): Promise<ModelSession> {
  const key = path.resolve(dir);
  let session = sessions.get(key);
  if (session === undefined) {
    session = createSession(key, options);
    sessions.set(key, session);
    // A failed load is not cached: the next call tries again.
    void session.catch(() => sessions.delete(key));
  }
  return session;
}
