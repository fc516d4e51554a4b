/**
 * Pixel source over files: a scan's `dicom` sources whose `path` names a DICOM Part 10 file, as the
 * batch reader (read-inputs.ts) and `acclink synth` write them. Paths of archived instances
 * (`orthanc/instances/<id>`) are left to the Orthanc source.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { PixelSource } from '../../model/pixels.ts';
import type { Scan } from '../../model/types.ts';
import { ORTHANC_INSTANCE_PATH } from '../pacs/orthanc-pixel-source.ts';

export interface FilePixelSourceOptions {
  /** Folder relative source paths are resolved against; default: the working directory. */
  root?: string;
  /** Larger files are not read (default 256 MiB). */
  maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

/** The files of a scan's DICOM sources, resolved, in source order, without repeats. */
function filesOf(scan: Scan, root: string | undefined): string[] {
  const files = scan.sources
    .filter((s) => s.kind === 'dicom' && s.path !== '' && !ORTHANC_INSTANCE_PATH.test(s.path))
    .map((s) => (root === undefined ? s.path : path.resolve(root, s.path)));
  return [...new Set(files)];
}

/**
 * Reads a scan's DICOM files. A file that is missing, unreadable or too large is skipped; when none of
 * the files tried can be read, it throws `FILE_UNREADABLE` (the message names no path: paths may carry
 * identifiers).
 */
export function createFilePixelSource(options: FilePixelSourceOptions = {}): PixelSource {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  return {
    async instances(scan, limit) {
      const files = filesOf(scan, options.root).slice(0, Math.max(0, limit));
      const out: Uint8Array[] = [];
      let first: unknown;
      for (const file of files) {
        try {
          const { size } = await stat(file);
          if (size > maxBytes) throw new AcclinkError(ErrorCode.FileUnreadable, `a DICOM file of ${size} bytes is over the limit of ${maxBytes}`);
          out.push(new Uint8Array(await readFile(file)));
        } catch (e) {
          first ??= e;
        }
      }
      if (out.length === 0 && first !== undefined) {
        throw new AcclinkError(ErrorCode.FileUnreadable, `none of the ${files.length} DICOM file(s) of the study could be read`, { cause: first });
      }
      return out;
    },
  };
}
