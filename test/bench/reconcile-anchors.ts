/**
 * The Python anchors of `npm run bench:reconcile`, run with Debian's /usr/bin/python3 (the python3 on
 * PATH may be another interpreter without python3-pydicom / python3-hl7). A missing interpreter or
 * module makes the anchor "not available"; the benchmark goes on.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
const ANCHORS_DIR = fileURLToPath(new URL('./anchors/', import.meta.url));

export interface AnchorTiming {
  version: string;
  /** Files or messages parsed per pass. */
  items: number;
  /** Best pass, parse only. */
  parseMs: number;
  /** Best pass, parse and read the fields acclink reads (a few for HL7). */
  parseAndFieldsMs: number;
}

export type Anchor = { available: true; timing: AnchorTiming } | { available: false; why: string };

const availability = new Map<string, Promise<string | undefined>>();

/** undefined when `import module` works under /usr/bin/python3, else why not. */
export function pythonModuleMissing(module: string): Promise<string | undefined> {
  let p = availability.get(module);
  if (p === undefined) {
    p = run(PYTHON, ['-c', `import ${module}`], { timeout: 60_000 }).then(
      () => undefined,
      (e: unknown) => {
        const err = e as { code?: unknown; stderr?: unknown };
        if (err.code === 'ENOENT') return `${PYTHON} not found`;
        const stderr = typeof err.stderr === 'string' ? err.stderr : '';
        const last = stderr.trim().split('\n').pop() ?? '';
        return last === '' ? `import ${module} failed` : last;
      },
    );
    availability.set(module, p);
  }
  return p;
}

interface ScriptOutput {
  version: string;
  files?: number;
  messages?: number;
  parseSeconds: number;
  parseAndFieldsSeconds: number;
}

async function runScript(script: string, input: string, reps: number): Promise<AnchorTiming> {
  const { stdout } = await run(PYTHON, [path.join(ANCHORS_DIR, script), input, String(reps)], {
    timeout: 30 * 60_000, maxBuffer: 16 * 1024 * 1024,
  });
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  const out = JSON.parse(lastLine) as ScriptOutput;
  return {
    version: out.version, items: out.files ?? out.messages ?? 0,
    parseMs: out.parseSeconds * 1000, parseAndFieldsMs: out.parseAndFieldsSeconds * 1000,
  };
}

async function anchor(module: string, script: string, input: string, reps: number): Promise<Anchor> {
  const missing = await pythonModuleMissing(module);
  if (missing !== undefined) return { available: false, why: missing };
  try {
    return { available: true, timing: await runScript(script, input, reps) };
  } catch (e) {
    return { available: false, why: `${script} failed: ${(e as Error).message.split('\n')[0] ?? ''}` };
  }
}

/** pydicom `dcmread(BytesIO(bytes), stop_before_pixels=True)` over the same files; `workDir` receives the file list. */
export async function pydicomAnchor(files: readonly string[], workDir: string, reps: number): Promise<Anchor> {
  const list = path.join(workDir, 'pydicom-files.txt');
  await writeFile(list, `${files.join('\n')}\n`);
  return anchor('pydicom', 'pydicom_headers.py', list, reps);
}

/** python-hl7 `hl7.parse` over the same messages (one per line, segments joined with `\r`). */
export async function pythonHl7Anchor(messages: readonly string[], workDir: string, reps: number): Promise<Anchor> {
  const file = path.join(workDir, 'hl7-messages.txt');
  await writeFile(file, `${messages.join('\n')}\n`);
  return anchor('hl7', 'python_hl7_parse.py', file, reps);
}
