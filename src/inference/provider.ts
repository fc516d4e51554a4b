/**
 * Image findings per study: the model's verdict on one representative instance, for the linker to
 * compare with the findings of a candidate report. Inference is asynchronous and the linker's
 * `EvidenceProvider.evaluate` is not, so a run calls `prepare(scans)` first (batched inference for
 * all studies) and the evidence provider then reads `lookup(studyInstanceUid)`.
 *
 * Representative instance: among the study's instances whose Modality is in the manifest's
 * `applicability.modalities` (CR, DX) and whose Body Part Examined is in `applicability.bodyParts`
 * (CHEST) or absent, the first by (Series Number, Instance Number, SOP Instance UID), missing numbers
 * last. Its middle frame is used (pixels.ts). State: `positive` when p >= thresholds.positive,
 * `negative` when p <= thresholds.negative, else `uncertain`.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.3.html (General Series: Modality, Body Part Examined)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageFinding as LinkerImageFinding } from '../linker/compare/findings.ts';
import type { Scan } from '../model/types.ts';
import type { ModelManifest } from './manifest.ts';
import { decodeDicomPixels, type InstanceInfo, readInstanceInfo } from './pixels.ts';
import { type Plane, reduceForModel } from './preprocess.ts';
import type { ModelSession } from './session.ts';

/**
 * What the model says about one study: the linker's `ImageFinding` (finding code, state, probability,
 * `model` as `name@version`) plus where it came from.
 */
export interface ImageFinding extends LinkerImageFinding {
  /** Report lexicon findings (mappings/findings.yaml codes) this verdict speaks to: manifest `finding.lexicon`. */
  lexicon: readonly string[];
  studyInstanceUid?: string;
  sopInstanceUid?: string;
}

/** Why a study has no image finding. */
export type NoFindingCode = 'not-applicable' | 'no-readable-instance' | 'pixels-skipped';
export type StudyImageResult = { ok: true; finding: ImageFinding } | { ok: false; code: NoFindingCode; reason: string };

/** One instance of a study: its UID when known (for the cache) and a way to read its bytes. */
export interface StudyInstance {
  sopInstanceUid?: string;
  read(): Promise<Uint8Array>;
}

export interface ImageFindingsProviderOptions {
  session: ModelSession;
  /** Where a scan's DICOM `SourceRef.path` is relative to; default: as given. */
  root?: string;
  /** Reads a file; default `fs.readFile`. */
  readBytes?: (file: string) => Promise<Uint8Array>;
}

export interface ImageFindingsProvider {
  readonly name: string;
  /** Classifies the representative instance of one study. */
  findingsForStudy(instances: readonly StudyInstance[], studyInstanceUid?: string): Promise<StudyImageResult>;
  /** Computes and keeps results for these scans (reading their DICOM sources), inference batched across studies. */
  prepare(scans: readonly Scan[]): Promise<void>;
  /** The result kept by `prepare` for a study; synchronous, for `EvidenceProvider.evaluate`. */
  lookup(studyInstanceUid: string): StudyImageResult | undefined;
  /** Every finding kept by `prepare`, by Study Instance UID: the map `findingsProvider` (linker) takes. */
  findingsByStudy(): Map<string, ImageFinding[]>;
}

/** Whether the manifest's applicability admits an instance (absent body part admitted). */
export function isApplicable(manifest: ModelManifest, info: InstanceInfo): boolean {
  const { modalities, bodyParts } = manifest.applicability;
  if (info.modality === undefined || !modalities.includes(info.modality)) return false;
  return info.bodyPartExamined === undefined || bodyParts.includes(info.bodyPartExamined);
}

const byNumber = (a: number | undefined, b: number | undefined): number => (a ?? Infinity) - (b ?? Infinity) || 0;

/** The representative instance: first applicable by (Series Number, Instance Number, SOP Instance UID). */
export function pickRepresentative<T extends { info: InstanceInfo }>(manifest: ModelManifest, candidates: readonly T[]): T | undefined {
  return candidates
    .filter((c) => isApplicable(manifest, c.info))
    .sort(
      (a, b) =>
        byNumber(a.info.seriesNumber, b.info.seriesNumber) ||
        byNumber(a.info.instanceNumber, b.info.instanceNumber) ||
        (a.info.sopInstanceUid ?? '').localeCompare(b.info.sopInstanceUid ?? ''),
    )[0];
}

/** The state a probability falls in under the manifest's thresholds. */
export function stateOf(manifest: ModelManifest, probability: number): ImageFinding['state'] {
  if (probability >= manifest.thresholds.positive) return 'positive';
  if (probability <= manifest.thresholds.negative) return 'negative';
  return 'uncertain';
}

type Pending = { ok: true; uid?: string; studyUid?: string; image: Plane } | { ok: false; code: NoFindingCode; reason: string };

/**
 * The image findings provider of one model session.
 * Wiring: `await provider.prepare(scans)`, then `findingsProvider(provider.findingsByStudy(), labels, weights)`
 * from src/linker/compare/findings.ts is the `EvidenceProvider` (src/linker/compare/index.ts).
 */
export function createImageFindingsProvider(options: ImageFindingsProviderOptions): ImageFindingsProvider {
  const { session } = options;
  const { manifest } = session;
  const readBytes = options.readBytes ?? (async (file: string) => new Uint8Array(await readFile(file)));
  const results = new Map<string, StudyImageResult>();

  /** Reads the headers of a study's instances, picks one and decodes its pixels. */
  const select = async (instances: readonly StudyInstance[], studyUid?: string): Promise<Pending> => {
    const candidates: Array<{ info: InstanceInfo; instance: StudyInstance; bytes: Uint8Array }> = [];
    for (const instance of instances) {
      let bytes: Uint8Array;
      try {
        bytes = await instance.read();
      } catch {
        continue;
      }
      const info = readInstanceInfo(bytes);
      if (info !== undefined) candidates.push({ info, instance, bytes });
    }
    if (candidates.length === 0) return { ok: false, code: 'no-readable-instance', reason: 'no instance of the study could be read' };
    const chosen = pickRepresentative(manifest, candidates);
    if (chosen === undefined) {
      const seen = [...new Set(candidates.map((c) => `${c.info.modality ?? '?'}/${c.info.bodyPartExamined ?? '-'}`))].join(', ');
      return { ok: false, code: 'not-applicable', reason: `no ${manifest.applicability.modalities.join('/')} ${manifest.applicability.bodyParts.join('/')} instance (saw ${seen})` };
    }
    const decoded = decodeDicomPixels(chosen.bytes);
    if (!decoded.ok) return { ok: false, code: 'pixels-skipped', reason: `${decoded.skipped.code}: ${decoded.skipped.reason}` };
    const uid = chosen.info.sopInstanceUid ?? chosen.instance.sopInstanceUid;
    const study = decoded.info.studyInstanceUid ?? studyUid;
    // Keep only the reduced image (crop + resize): a full CR frame is tens of MB.
    return { ok: true, image: reduceForModel(decoded.image, manifest.preprocessing), ...(uid === undefined ? {} : { uid }), ...(study === undefined ? {} : { studyUid: study }) };
  };

  const toFinding = (pending: Extract<Pending, { ok: true }>, probability: number): ImageFinding => ({
    finding: manifest.finding.code,
    probability,
    state: stateOf(manifest, probability),
    lexicon: manifest.finding.lexicon,
    ...(pending.studyUid === undefined ? {} : { studyInstanceUid: pending.studyUid }),
    ...(pending.uid === undefined ? {} : { sopInstanceUid: pending.uid }),
    model: `${manifest.name}@${manifest.version}`,
  });

  /** Classifies many studies with batched inference. */
  const classify = async (studies: ReadonlyArray<readonly [string | undefined, Pending]>): Promise<StudyImageResult[]> => {
    const ready = studies.map(([, p]) => p).filter((p): p is Extract<Pending, { ok: true }> => p.ok);
    const probabilities = await session.inferCached(ready.map((p) => ({ image: p.image, ...(p.uid === undefined ? {} : { sopInstanceUid: p.uid }) })));
    let k = 0;
    return studies.map(([, p]) => (p.ok ? { ok: true, finding: toFinding(p, probabilities[k++] ?? Number.NaN) } : p));
  };

  const instancesOf = (scan: Scan): StudyInstance[] =>
    scan.sources
      .filter((s) => s.kind === 'dicom')
      .map((s) => {
        const file = options.root === undefined ? s.path : path.resolve(options.root, s.path);
        return { ...(s.id === undefined ? {} : { sopInstanceUid: s.id }), read: () => readBytes(file) };
      });

  return {
    name: `image:${manifest.name}@${manifest.version}`,

    async findingsForStudy(instances, studyInstanceUid) {
      const pending = await select(instances, studyInstanceUid);
      const [result] = await classify([[studyInstanceUid, pending]]);
      return result ?? { ok: false, code: 'no-readable-instance', reason: 'no result' };
    },

    async prepare(scans) {
      const studies: Array<readonly [string, Pending]> = [];
      for (const scan of scans) {
        if (results.has(scan.studyInstanceUid)) continue;
        const modalities = scan.modalities.map((m) => m.toUpperCase());
        if (modalities.length > 0 && !modalities.some((m) => manifest.applicability.modalities.includes(m))) {
          results.set(scan.studyInstanceUid, { ok: false, code: 'not-applicable', reason: `study modalities ${modalities.join('/')}` });
          continue;
        }
        studies.push([scan.studyInstanceUid, await select(instancesOf(scan), scan.studyInstanceUid)] as const);
      }
      const classified = await classify(studies);
      studies.forEach(([uid], i) => {
        const r = classified[i];
        if (r !== undefined) results.set(uid, r);
      });
    },

    lookup(studyInstanceUid) {
      return results.get(studyInstanceUid);
    },

    findingsByStudy() {
      const out = new Map<string, ImageFinding[]>();
      for (const [uid, r] of results) if (r.ok) out.set(uid, [r.finding]);
      return out;
    },
  };
}
