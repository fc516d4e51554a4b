/**
 * PneumoniaMNIST as acclink sees it: the raw 28x28 uint8 splits from `../shared/data/pneumoniamnist`
 * (relative to the project root) and their DICOM rendering through acclink's own writer. Training
 * (export-dicom.ts), the parity test and the benchmark all build their DICOM files here, so every
 * path into the model starts from the same bytes.
 *
 * Data: MedMNIST v2 (Yang et al., Sci Data 2023), from Kermany et al. (Cell 2018); CC BY 4.0.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_A.2.html (CR Image IOD)
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeDicomPart10 } from '../../../src/transforms/dicom/write.ts';

/** The data folder, resolved from this file: `<project>/../shared/data/pneumoniamnist`. */
// ACCLINK_SHARED_DATA: the shared data folder when the project is not checked out beside it (see .ci/run).
export const DATA_DIR = process.env.ACCLINK_SHARED_DATA
  ? `${process.env.ACCLINK_SHARED_DATA.replace(/\/+$/, '')}/pneumoniamnist/`
  : fileURLToPath(new URL('../../../../shared/data/pneumoniamnist/', import.meta.url));
/** Computed Radiography Image Storage. */
export const CR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.1';
export const SIDE = 28;
export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** One split: `count` images of SIDE*SIDE bytes, row-major, and one label byte each (0 normal, 1 pneumonia). */
export interface SplitData {
  split: Split;
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** Reads one split's raw `.u8` files. */
export function loadSplit(split: Split, dataDir: string = DATA_DIR): SplitData {
  const images = new Uint8Array(readFileSync(`${dataDir}/${split}_images.u8`));
  const labels = new Uint8Array(readFileSync(`${dataDir}/${split}_labels.u8`));
  if (images.length !== labels.length * SIDE * SIDE) {
    throw new Error(`${split}: ${images.length} image bytes for ${labels.length} labels (expected ${SIDE}x${SIDE} each)`);
  }
  return { split, count: labels.length, images, labels };
}

/** The pixels of image `index` (a view, not a copy). */
export function imageAt(data: SplitData, index: number): Uint8Array {
  return data.images.subarray(index * SIDE * SIDE, (index + 1) * SIDE * SIDE);
}

/** A deterministic UID under the 2.25 (UUID-derived) root from a name. */
export function uidFor(name: string): string {
  const hex = createHash('sha256').update(`acclink/pneumonia-cxr/${name}`).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

/**
 * One image as a DICOM Part 10 CR instance (CHEST, 28x28, 8-bit MONOCHROME2). The label is
 * deliberately absent from the file: it lives in the sidecar CSV.
 */
export function pneumoniaMnistDicom(split: Split, index: number, pixels: Uint8Array): Uint8Array {
  const key = `${split}/${index}`;
  return writeDicomPart10({
    sopClassUid: CR_IMAGE_STORAGE,
    sopInstanceUid: uidFor(`instance/${key}`),
    studyInstanceUid: uidFor(`study/${key}`),
    seriesInstanceUid: uidFor(`series/${key}`),
    patientId: `PMNIST-${split.toUpperCase()}-${String(index).padStart(4, '0')}`,
    accessionNumber: `PM${split.slice(0, 2).toUpperCase()}${String(index).padStart(5, '0')}`,
    modality: 'CR',
    bodyPartExamined: 'CHEST',
    studyDescription: 'XR CHEST 1 VIEW',
    seriesDescription: 'PneumoniaMNIST',
    seriesNumber: 1,
    instanceNumber: 1,
    image: { rows: SIDE, columns: SIDE, pixels },
  });
}
