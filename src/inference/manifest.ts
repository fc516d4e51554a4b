/**
 * The model manifest (`model.json`): everything the runtime needs to feed a model and read its
 * answer, so that a site can drop in its own model folder (`model.json` + the ONNX file) without
 * code changes. Validated with zod; errors name the folder and every offending field.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.11.2.html (VOI LUT module)
 * @see https://onnx.ai/onnx/repo-docs/IR.html (ONNX model format)
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AcclinkError, ErrorCode } from '../model/errors.ts';

/** The folder of the model shipped with acclink. */
export const PNEUMONIA_CXR_DIR = fileURLToPath(new URL('../../models/pneumonia-cxr/', import.meta.url));

const positiveDim = z.number().int().positive();
/** A tensor dimension: a positive size, or -1 for the (dynamic) batch dimension. */
const dim = z.union([positiveDim, z.literal(-1)]);

/**
 * How an instance becomes the model input, in order. The only values defined today are the ones
 * the runtime implements; anything else is rejected rather than silently ignored.
 */
export const PreprocessingSchema = z.strictObject({
  /** Which frame of a multi-frame instance: the middle one, `floor(frames / 2)` (0-based). */
  frame: z.literal('middle'),
  /** Stored values to modality values: `value * RescaleSlope + RescaleIntercept`. */
  rescale: z.literal('modality'),
  /** Modality values to [0, 1]: the first Window Center/Width when present (linear), else min-max. */
  voi: z.literal('window-else-min-max'),
  /** MONOCHROME1 images are inverted (`1 - v`) after VOI so that bright means dense. */
  monochrome1: z.literal('invert'),
  /** Colour images become grey: ITU-R BT.601 luma `0.299 R + 0.587 G + 0.114 B` (Y as is for YBR). */
  color: z.literal('luminance-bt601'),
  /** Crop to the centred square of side `min(rows, columns)` before resizing. */
  crop: z.enum(['centre-square', 'none']),
  /** Area (box-filter, fractional coverage) resampling to the input size. */
  resize: z.strictObject({ method: z.literal('area'), height: positiveDim, width: positiveDim }),
  /** After resizing: stretch each image to [0, 1] by its own min and max, or leave it. */
  intensity: z.enum(['min-max', 'none']),
  /** Finally `(v - mean) / std`. */
  normalize: z.strictObject({ mean: z.number().finite(), std: z.number().finite().positive() }),
});

/** Schema of `model.json`. */
export const ModelManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash, underscore'),
    version: z.string().min(1),
    description: z.string().optional(),
    /** The ONNX file, relative to the manifest's folder. */
    file: z.string().min(1).refine((f) => !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..'), 'must stay inside the model folder'),
    /** Lower-case hex SHA-256 of the ONNX file: checked when the model is loaded. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
    opset: z.number().int().min(7).max(17).optional(),
    input: z.strictObject({
      name: z.string().min(1),
      shape: z.tuple([dim, z.literal(1), positiveDim, positiveDim]),
      dtype: z.literal('float32'),
      layout: z.literal('NCHW'),
    }),
    output: z.strictObject({
      name: z.string().min(1),
      shape: z.union([z.tuple([dim, z.literal(1)]), z.tuple([dim, z.literal(2)])]),
      dtype: z.literal('float32'),
      /** `probability` as is, or `logit` (the runtime applies sigmoid for `[N,1]`, softmax for `[N,2]`). */
      scale: z.enum(['probability', 'logit']).default('probability'),
      /** For people: `[N,1]` is the positive label's value; `[N,2]` has one per label, in `labels` order. */
      meaning: z.string().min(1),
    }),
    labels: z.tuple([z.string().min(1), z.string().min(1)]),
    preprocessing: PreprocessingSchema,
    finding: z.strictObject({
      /** The finding the positive label asserts, as the report side names it. */
      code: z.string().min(1),
      /** Report lexicon findings this model's output speaks to. */
      lexicon: z.array(z.string().min(1)),
    }),
    applicability: z.strictObject({
      modalities: z.array(z.string().min(1)).min(1),
      bodyParts: z.array(z.string().min(1)).min(1),
    }),
    thresholds: z
      .strictObject({
        /** Probability at or above which the finding is called present. */
        positive: z.number().min(0).max(1),
        /** Probability at or below which the finding is called absent. */
        negative: z.number().min(0).max(1),
        operating: z.number().min(0).max(1).optional(),
      })
      .refine((t) => t.negative <= t.positive, 'negative must not exceed positive'),
  })
  .loose()
  .superRefine((m, ctx) => {
    const [, , h, w] = m.input.shape;
    if (m.preprocessing.resize.height !== h || m.preprocessing.resize.width !== w) {
      ctx.addIssue({ code: 'custom', path: ['preprocessing', 'resize'], message: `must match the input shape ${h}x${w}` });
    }
  });

/** A validated `model.json`. */
export type ModelManifest = z.infer<typeof ModelManifestSchema>;
/** The preprocessing part of a manifest. */
export type Preprocessing = z.infer<typeof PreprocessingSchema>;

/** A manifest with the bytes of the model it describes, integrity-checked. */
export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  modelPath: string;
  modelBytes: Uint8Array;
}

function invalid(message: string, cause?: unknown): AcclinkError {
  return new AcclinkError(ErrorCode.ConfigInvalid, message, cause === undefined ? undefined : { cause });
}

/**
 * Validates a parsed `model.json`.
 * @throws AcclinkError CONFIG_INVALID listing every problem, each with its path.
 */
export function parseModelManifest(value: unknown, where = 'model.json'): ModelManifest {
  const result = ModelManifestSchema.safeParse(value);
  if (!result.success) throw invalid(`invalid model manifest ${where}:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * Reads and validates `<dir>/model.json`, reads the ONNX file it names and checks its SHA-256.
 * @throws AcclinkError CONFIG_INVALID when the manifest is missing, not JSON, invalid, or the model
 *   file is missing or does not match its checksum.
 */
export async function loadModelManifest(dir: string): Promise<LoadedModel> {
  const file = path.join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw invalid(`cannot read model manifest ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (e) {
    throw invalid(`model manifest ${file} is not JSON: ${(e as Error).message}`, e);
  }
  const manifest = parseModelManifest(json, file);
  const modelPath = path.join(dir, manifest.file);
  let modelBytes: Uint8Array;
  try {
    modelBytes = new Uint8Array(await readFile(modelPath));
  } catch (e) {
    throw invalid(`model file ${modelPath} named by ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, e);
  }
  const sha = createHash('sha256').update(modelBytes).digest('hex');
  if (sha !== manifest.sha256) {
    throw invalid(`model file ${modelPath} has sha256 ${sha}, but ${file} says ${manifest.sha256}: the manifest and the model do not belong together`);
  }
  return { dir, manifest, modelPath, modelBytes };
}
