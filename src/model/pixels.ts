/**
 * The pixel-source port: how the engine reads the images of a stored study for image evidence, wherever
 * they live (files named by the batch reader, an Orthanc archive). Adapters are in `src/channels`.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html (DICOM Part 10 file format)
 */
import type { Scan } from './types.ts';

/** Reads DICOM instances of a stored scan. */
export interface PixelSource {
  /**
   * DICOM Part 10 bytes of up to `limit` instances of `scan` (from its `dicom` sources, in source order).
   * Resolves `[]` when this source holds none of the scan's instances (another source may).
   * Rejects (an `AcclinkError` with a stable code) when it should hold some but could read none.
   */
  instances(scan: Scan, limit: number): Promise<Uint8Array[]>;
}
