/**
 * Reads every DICOM header under a folder: the file-system adapter around the pure header reader.
 * Any file name counts (PACS exports rarely use extensions); files that are not DICOM come back as
 * rejections, never as exceptions.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html (Part 10 files)
 */
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { InputRejection, ReadResult, SourceRef } from '../../model/types.ts';
import { readDicomHeader } from '../../transforms/dicom/header.ts';
import type { DicomInstanceHeader, HeaderResult } from '../../transforms/dicom/header.ts';

/** Bytes read first: enough for nearly every header, small enough that multi-GB files stay cheap. */
export const HEADER_PREFIX_BYTES = 256 * 1024;
const READ_STEPS = [HEADER_PREFIX_BYTES, 16 * 1024 * 1024];
const DEFAULT_CONCURRENCY = 8;

/** Options for {@link readDicomFolder}. */
export interface ReadDicomFolderOptions {
  /** Called after each file with the number done and the total number of files found. */
  onProgress?: (done: number, total: number) => void;
  /** Files read at the same time (default 8). */
  concurrency?: number;
}

type FileOutcome = { record: DicomInstanceHeader } | { rejection: InputRejection };

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const unreadable = (path: string, what: string, error: unknown): InputRejection => {
  // The errno code (ENOENT, EACCES, ...) explains the problem without echoing anything from the file.
  const code = (error as { code?: unknown } | undefined)?.code;
  const detail = typeof code === 'string' ? ` (${code})` : '';
  return { source: { kind: 'dicom', path }, code: ErrorCode.FileUnreadable, reason: `${path}: cannot ${what}${detail}` };
};

interface Listing {
  files: string[];
  rejections: InputRejection[];
}

/**
 * Lists regular files under `root` as `/`-separated paths relative to it. Symbolic links to files
 * are followed; links to directories are not, so a link cycle cannot make the walk endless. FIFOs,
 * sockets and devices are skipped: opening a FIFO would block forever.
 */
async function listFiles(root: string, rel: string, out: Listing): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
  } catch (error: unknown) {
    if (rel === '') throw new AcclinkError(ErrorCode.FileUnreadable, `cannot read the DICOM folder ${root}`, { cause: error });
    out.rejections.push(unreadable(rel, 'list this directory', error));
    return;
  }
  // Sibling folders are listed concurrently: archives nest one folder per study and series, and waiting
  // for each readdir in turn dominated the start of large runs. The result is sorted afterwards.
  const subfolders: Array<Promise<void>> = [];
  for (const entry of entries) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) subfolders.push(listFiles(root, path, out));
    else if (entry.isFile() || (entry.isSymbolicLink() && (await linksToFile(join(root, path))))) out.files.push(path);
  }
  await Promise.all(subfolders);
}

/** True for links to regular files, and for dangling links, so that opening them reports the problem. */
async function linksToFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return true;
  }
}

/** Reads `length` bytes from the start of the file (fewer if it is shorter). */
async function readStart(handle: FileHandle, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

const needsMoreBytes = (result: HeaderResult): boolean =>
  result.ok ? result.instance.truncated === true : result.rejection.code === ErrorCode.DicomTruncated;

/**
 * Reads a growing prefix until the header fits: 256 KiB, then 16 MiB, then the whole file. The
 * middle step keeps a multi-GB file with a large private block before the study attributes from
 * being read whole.
 */
async function readHeaderFrom(handle: FileHandle, source: SourceRef): Promise<HeaderResult | 'not-a-file'> {
  const stat = await handle.stat();
  if (!stat.isFile()) return 'not-a-file';
  for (const step of READ_STEPS) {
    const bytes = await readStart(handle, Math.min(stat.size, step));
    const partial = bytes.length < stat.size;
    const result = readDicomHeader(bytes, source, { prefix: partial });
    if (!partial || !needsMoreBytes(result)) return result;
  }
  return readDicomHeader(await readStart(handle, stat.size), source);
}

async function readOne(root: string, path: string): Promise<FileOutcome | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(join(root, path), 'r');
  } catch (error: unknown) {
    return { rejection: unreadable(path, 'open', error) };
  }
  try {
    const result = await readHeaderFrom(handle, { kind: 'dicom', path });
    if (result === 'not-a-file') return undefined;
    return result.ok ? { record: result.instance } : { rejection: result.rejection };
  } catch (error: unknown) {
    return { rejection: unreadable(path, 'read', error) };
  } finally {
    await handle.close();
  }
}

/**
 * Reads the header of every file under `dir`, recursively, in sorted path order. Each file's first
 * 256 KiB is read, and more (16 MiB, then the whole file) only when its header runs past that. Paths in sources are
 * relative to `dir`. Unreadable files become FILE_UNREADABLE rejections; non-DICOM files, DICOMDIRs
 * and broken files become the DICOM_* rejections of {@link readDicomHeader}.
 *
 * @throws AcclinkError FILE_UNREADABLE when `dir` itself cannot be listed
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html
 */
export async function readDicomFolder(path: string, opts: ReadDicomFolderOptions = {}): Promise<ReadResult<DicomInstanceHeader>> {
  const listing: Listing = { files: [], rejections: [] };
  // A single file is read as a folder holding just that file, so `--dicom file.dcm` works like `--hl7 file`.
  const single = await stat(path).then((st) => st.isFile(), () => false);
  const dir = single ? dirname(path) : path;
  if (single) listing.files.push(basename(path));
  else await listFiles(dir, '', listing);
  const files = listing.files.sort(byCodeUnit);
  const outcomes: Array<FileOutcome | undefined> = new Array<FileOutcome | undefined>(files.length);
  const workers = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_CONCURRENCY, files.length));
  let next = 0;
  let done = 0;
  const work = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      outcomes[index] = await readOne(dir, files[index] ?? '');
      done += 1;
      opts.onProgress?.(done, files.length);
    }
  };
  await Promise.all(Array.from({ length: workers }, work));
  const records: DicomInstanceHeader[] = [];
  const rejections = [...listing.rejections];
  for (const outcome of outcomes) {
    if (outcome === undefined) continue;
    if ('record' in outcome) records.push(outcome.record);
    else rejections.push(outcome.rejection);
  }
  rejections.sort((a, b) => byCodeUnit(a.source.path, b.source.path));
  return { records, rejections };
}
