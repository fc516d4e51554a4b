/**
 * Standards profile files as the console edits them: list, read, validate and write, every write
 * versioned in the audit trail (`mapping-edit`, with who, the file, the full YAML and its SHA-256), so
 * any earlier version can be looked at and restored.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import { createHash } from 'node:crypto';
import { access, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SHIPPED_MAPPINGS_DIR } from '../config/load.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { AuditRecord, Store } from '../model/store.ts';
import { parseStandards, serializeStandards, type StandardsProfile } from '../transforms/standardize/header/index.ts';
import type { MappingsOptions } from './options.ts';

/** Audit action of a profile version. */
export const MAPPING_EDIT = 'mapping-edit';

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.ya?ml$/;

/** A profile version as audited. */
export interface ProfileVersion {
  seq: number;
  at: string;
  actor: string;
  file: string;
  yaml: string;
  sha256: string;
  note: string;
}

export interface MappingsStore {
  /** Profile files in the folder, sorted. */
  list(): Promise<string[]>;
  /** A profile's text and its validated content. */
  read(file: string): Promise<{ text: string; profile: StandardsProfile }>;
  /** Validates YAML text as a profile (site profiles against the global one); MAPPING_INVALID otherwise. */
  validate(text: string): Promise<StandardsProfile>;
  /** Validates and writes `text` to `file`, and audits the version. */
  write(file: string, text: string, actor: string, note: string): Promise<ProfileVersion>;
  /** Writes a changed profile (serialized; comments of the old text are not kept). */
  writeProfile(file: string, profile: StandardsProfile, actor: string, note: string): Promise<ProfileVersion>;
  /** Audited versions of a file (or of every file), newest first. */
  versions(file?: string): Promise<ProfileVersion[]>;
  readonly options: MappingsOptions;
}

/** Rejects names that could leave the folder (separators, `..`) or are not YAML files. */
export function checkFileName(file: string): string {
  if (!FILE_NAME.test(file) || file.includes('..')) throw new AcclinkError(ErrorCode.Usage, 'a profile file name is letters, digits, dots, dashes and underscores, ending in .yaml');
  return file;
}

function versionOf(r: AuditRecord): ProfileVersion | undefined {
  const after = r.after as { file?: unknown; yaml?: unknown; sha256?: unknown } | undefined;
  if (typeof after?.file !== 'string' || typeof after.yaml !== 'string') return undefined;
  const note = (r.result as { note?: unknown } | undefined)?.note;
  return { seq: r.seq, at: r.at, actor: r.actor, file: after.file, yaml: after.yaml, sha256: typeof after.sha256 === 'string' ? after.sha256 : '', note: typeof note === 'string' ? note : '' };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

export function createMappingsStore(options: MappingsOptions, store: Store, clock: () => Date): MappingsStore {
  const dir = path.resolve(options.dir);
  const full = (file: string): string => path.join(dir, checkFileName(file));
  let global: StandardsProfile | undefined;

  const loadGlobal = async (): Promise<StandardsProfile> => {
    if (global) return global;
    const own = path.join(dir, 'global.yaml');
    const file = options.globalFile ?? ((await exists(own)) ? own : path.join(SHIPPED_MAPPINGS_DIR, 'standards', 'global.yaml'));
    global = parseStandards(parseYaml(await readFile(file, 'utf8')) as unknown);
    return global;
  };

  const validate = async (text: string): Promise<StandardsProfile> => {
    let data: unknown;
    try {
      data = parseYaml(text) as unknown;
    } catch (e) {
      throw new AcclinkError(ErrorCode.MappingInvalid, `not valid YAML: ${(e as Error).message.split('\n')[0] ?? ''}`, { cause: e });
    }
    const site = typeof data === 'object' && data !== null && 'global' in data;
    return parseStandards(data, site ? { global: await loadGlobal() } : {});
  };

  const write = async (file: string, text: string, actor: string, note: string): Promise<ProfileVersion> => {
    const target = full(file);
    await validate(text);
    // Write beside and rename: a reader never sees half a file.
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, target);
    if (file === 'global.yaml') global = undefined;
    const sha256 = createHash('sha256').update(text).digest('hex');
    const at = clock().toISOString();
    const seq = await store.appendAudit({ at, action: MAPPING_EDIT, actor, after: { file, yaml: text, sha256 }, result: { file, note } });
    return { seq, at, actor, file, yaml: text, sha256, note };
  };

  return {
    options,
    async list() {
      return (await readdir(dir)).filter((f) => FILE_NAME.test(f)).sort();
    },
    async read(file) {
      const text = await readFile(full(file), 'utf8').catch((e: unknown) => {
        throw new AcclinkError(ErrorCode.NotFound, `no profile ${file}`, { cause: e });
      });
      return { text, profile: await validate(text) };
    },
    validate,
    write,
    writeProfile: (file, profile, actor, note) => write(file, stringifyYaml(serializeStandards(profile)), actor, note),
    async versions(file) {
      const rows = await store.listAudit({ actions: [MAPPING_EDIT] });
      return rows.map(versionOf).filter((v): v is ProfileVersion => v !== undefined && (file === undefined || v.file === file)).reverse();
    },
  };
}
