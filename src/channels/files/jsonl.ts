/** Writing results as JSON lines and JSON files. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Write one JSON object per line; an empty list writes an empty file (so consumers find every file). */
export async function writeJsonl(file: string, rows: readonly unknown[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : ''));
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(value, null, 2) + '\n');
}

/** Read JSON lines (tests and tools): blank lines skipped. */
export function parseJsonl(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}
