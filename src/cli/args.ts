/** Command-line parsing shared by the commands: node:util parseArgs with usage errors as typed errors. */
import { stat } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AcclinkError, ErrorCode } from '../model/errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(argv: readonly string[], options: Options, usage: string): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    // A stray word (`acclink reconcile /data/dicom --out r`) would otherwise be ignored silently.
    if (r.positionals.length > 0) throw new Error(`unexpected argument "${r.positionals[0] ?? ''}" (options take the form --name value)`);
    return { values: r.values, positionals: r.positionals };
  } catch (e) {
    throw new AcclinkError(ErrorCode.Usage, `${(e as Error).message}\n\n${usage}`);
  }
}

export function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

export function integer(v: unknown, name: string, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new AcclinkError(ErrorCode.Usage, `--${name} must be a whole number ≥ ${min}, got "${typeof v === 'string' ? v : typeof v}"`);
  return n;
}

/** An output folder must not be an existing file: say so as a usage error rather than fail later. */
export async function assertOutputFolder(out: string, flag = '--out'): Promise<void> {
  const st = await stat(out).catch(() => undefined);
  if (st && !st.isDirectory()) throw new AcclinkError(ErrorCode.Usage, `${flag} ${out} exists and is not a folder`);
}

/** The input options of commands that read an archive: DICOM, HL7 and FHIR paths, each repeatable. */
export const INPUT_OPTIONS = {
  dicom: { type: 'string', multiple: true },
  hl7: { type: 'string', multiple: true },
  fhir: { type: 'string', multiple: true },
} as const satisfies Options;

/** The input paths given, or a usage error when there are none. */
export function inputPaths(values: Record<string, unknown>, usage: string): { dicom: string[]; hl7: string[]; fhir: string[] } {
  const paths = { dicom: strings(values.dicom), hl7: strings(values.hl7), fhir: strings(values.fhir) };
  if (paths.dicom.length + paths.hl7.length + paths.fhir.length === 0) {
    throw new AcclinkError(ErrorCode.Usage, `give at least one of --dicom, --hl7, --fhir\n\n${usage}`);
  }
  return paths;
}
