/**
 * Study thumbnails for the review page: the first decodable instance among a study's DICOM sources,
 * decoded by the image model's pixel path (middle frame, modality LUT, VOI window, MONOCHROME1
 * inverted), scaled to fit a square and encoded as an 8-bit greyscale PNG. Results (and misses) are
 * kept in a small cache.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.6.3.html (Image Pixel module)
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeDicomPixels } from '../inference/pixels.ts';
import { resizeArea } from '../inference/preprocess.ts';
import type { Scan } from '../model/types.ts';
import { encodeGreyPng } from './png.ts';

export interface ThumbnailOptions {
  /** Longest side of the thumbnail in pixels. */
  maxSide: number;
  /** Folder relative source paths are resolved against. */
  dicomRoot?: string;
  /** Instances tried before giving up. */
  maxFiles?: number;
  /** Larger files are not read. */
  maxFileBytes?: number;
}

/** Output size keeping the aspect ratio: the longer side becomes `maxSide` (small images are enlarged too). */
export function fitSize(rows: number, columns: number, maxSide: number): { rows: number; columns: number } {
  const scale = maxSide / Math.max(rows, columns);
  return { rows: Math.max(1, Math.round(rows * scale)), columns: Math.max(1, Math.round(columns * scale)) };
}

/** Renders a study's thumbnail PNG, or undefined when none of its DICOM files is reachable and decodable. */
export async function renderThumbnail(scan: Scan, o: ThumbnailOptions): Promise<Buffer | undefined> {
  const files = scan.sources.filter((s) => s.kind === 'dicom').map((s) => (o.dicomRoot ? path.resolve(o.dicomRoot, s.path) : s.path));
  for (const file of [...new Set(files)].sort().slice(0, o.maxFiles ?? 8)) {
    let bytes: Uint8Array;
    try {
      if ((await stat(file)).size > (o.maxFileBytes ?? 256 * 1024 * 1024)) continue;
      bytes = new Uint8Array(await readFile(file));
    } catch {
      continue;
    }
    const decoded = decodeDicomPixels(bytes);
    if (!decoded.ok) continue;
    const { rows, columns } = fitSize(decoded.image.rows, decoded.image.columns, o.maxSide);
    const small = resizeArea({ rows: decoded.image.rows, columns: decoded.image.columns, data: decoded.image.data }, rows, columns);
    const grey = new Uint8Array(rows * columns);
    for (let i = 0; i < grey.length; i++) grey[i] = Math.round(Math.min(1, Math.max(0, small.data[i] ?? 0)) * 255);
    return encodeGreyPng(columns, rows, grey);
  }
  return undefined;
}

/** A cache of rendered thumbnails by Study Instance UID, evicting the oldest beyond `size`. */
export function createThumbnailCache(o: ThumbnailOptions, size = 200): (scan: Scan) => Promise<Buffer | undefined> {
  const cache = new Map<string, Promise<Buffer | undefined>>();
  return (scan) => {
    const hit = cache.get(scan.studyInstanceUid);
    if (hit) return hit;
    const p = renderThumbnail(scan, o);
    cache.set(scan.studyInstanceUid, p);
    if (cache.size > size) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    return p;
  };
}
