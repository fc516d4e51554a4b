/** Folder walking for the batch command: every regular file below a root, sorted for determinism. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** All regular files below `root` (or `root` itself when it is a file), sorted by path. Symlinked dirs are not followed. */
export async function listFiles(root: string): Promise<string[]> {
  const st = await stat(root);
  if (st.isFile()) return [root];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const e of entries) {
    const full = path.join(e.parentPath, e.name);
    // Links to files are followed, as in DICOM folders; links to folders are not (no cycles).
    if (e.isFile() || (e.isSymbolicLink() && (await stat(full).then((s) => s.isFile(), () => false)))) files.push(full);
  }
  return files.sort();
}
