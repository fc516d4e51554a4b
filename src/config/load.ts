/**
 * Loading configuration and mapping data from files: the adapter that feeds the pure core its data.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { DEFAULT_LINKER_CONFIG, type LinkerConfig } from '../linker/config.ts';
import { parseWeightTable, type WeightTable } from '../linker/weights.ts';
import { parseHl7FieldMapping, type Hl7FieldMapping } from '../transforms/hl7/mapping.ts';
import { parseProcedureTerms, type ProcedureTerms } from '../transforms/standardize/procedure.ts';
import { ConfigSchema, type ConfigFile } from './schema.ts';
import { parseFindingsLexicon, type FindingsLexicon } from '../transforms/report-text/index.ts';
import { loadModelManifest } from '../inference/manifest.ts';
import { compileStandards, parseStandards, type CompiledStandards } from '../transforms/standardize/header/index.ts';

/** The image model shipped with acclink. */
export const SHIPPED_PNEUMONIA_MODEL = fileURLToPath(new URL('../../models/pneumonia-cxr/', import.meta.url));

/** The `mappings/` folder shipped with acclink. */
export const SHIPPED_MAPPINGS_DIR = fileURLToPath(new URL('../../mappings/', import.meta.url));

export interface LoadedConfig {
  file: ConfigFile;
  linker: LinkerConfig;
  seed: number;
  weights: WeightTable;
  hl7Fields: Hl7FieldMapping;
  procedureTerms: ProcedureTerms;
  /** Model folders for image evidence (manifests validated at load); empty when image evidence is off. */
  modelDirs: string[];
  findingsLexicon: FindingsLexicon;
  /** The compiled standards profile when header standardization is on. */
  standards?: { name: string; compiled: CompiledStandards };
  outbound: Required<Pick<NonNullable<ConfigFile['outbound']>, 'pacsMessage' | 'sendingApplication' | 'sendingFacility'>> & {
    pacs: { application: string; facility: string };
    ris: { application: string; facility: string };
  };
}

async function readYaml(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { cause: e });
  }
  try {
    return parseYaml(text) as unknown;
  } catch (e) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, `${what} ${file} is not valid YAML: ${(e as Error).message}`, { cause: e });
  }
}

function formatIssues(file: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues.map((i) => `${file}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('\n');
}

/** Merge the linker section over the defaults (thresholds and blocking merge key by key). */
export function mergeLinkerConfig(section: NonNullable<ConfigFile['linker']> | undefined): LinkerConfig {
  const base = DEFAULT_LINKER_CONFIG;
  if (!section) return structuredClone(base);
  const { seed: _seed, ...rest } = section;
  return {
    ...structuredClone(base),
    ...rest,
    thresholds: { ...base.thresholds, ...section.thresholds },
    blocking: { ...base.blocking, ...section.blocking },
    uFromRandomPairs: { ...base.uFromRandomPairs, ...section.uFromRandomPairs },
    mint: { ...base.mint, ...section.mint },
  };
}

/** Load and compile a standards profile: `global` (shipped), or a file; site profiles refer to the global one. */
async function loadStandards(profile: string, base: string, terms: ProcedureTerms): Promise<{ name: string; compiled: CompiledStandards }> {
  const globalFile = path.join(SHIPPED_MAPPINGS_DIR, 'standards', 'global.yaml');
  const global = parseStandards(await readYaml(globalFile, 'standards profile'));
  const parsed = profile === 'global' ? global : parseStandards(await readYaml(path.resolve(base, profile), 'standards profile'), { global });
  return { name: parsed.name, compiled: compileStandards(parsed, terms) };
}

/** Load the config file (optional) and the mapping files it points to, validating each with a clear message. */
export async function loadConfig(configPath?: string, overrides: { standardize?: string } = {}): Promise<LoadedConfig> {
  let file: ConfigFile = {};
  if (configPath) {
    const raw = (await readYaml(configPath, 'config file')) ?? {};
    const r = ConfigSchema.safeParse(raw);
    if (!r.success) throw new AcclinkError(ErrorCode.ConfigInvalid, formatIssues(configPath, r.error.issues));
    file = r.data;
  }
  const base = configPath ? path.dirname(path.resolve(configPath)) : process.cwd();
  const dir = file.mappings?.dir ? path.resolve(base, file.mappings.dir) : SHIPPED_MAPPINGS_DIR;
  const pick = (explicit: string | undefined, name: string): string => (explicit ? path.resolve(base, explicit) : path.join(dir, name));
  const [w, h, p, f] = await Promise.all([
    readYaml(pick(file.mappings?.linkerWeights, 'linker-weights.yaml'), 'linker weights'),
    readYaml(pick(file.mappings?.hl7Fields, 'hl7-fields.yaml'), 'HL7 field mapping'),
    readYaml(pick(file.mappings?.procedureTerms, 'procedure-terms.yaml'), 'procedure terms'),
    readYaml(pick(file.mappings?.findings, 'findings.yaml'), 'findings lexicon'),
  ]);
  const linker = mergeLinkerConfig(file.linker);
  if (linker.mint.prefix.length + linker.mint.digits > 16) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, `${configPath ?? 'config'}: linker.mint: prefix and digits make more than 16 characters, the limit of DICOM AccessionNumber (0008,0050, SH)`);
  }
  if (linker.thresholds.review > linker.thresholds.auto) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, `${configPath ?? 'config'}: linker.thresholds.review must not exceed linker.thresholds.auto`);
  }
  const o = file.outbound ?? {};
  const procedureTerms = parseProcedureTerms(p);
  const standardize = overrides.standardize ?? file.standardize?.profile;
  const standards = standardize ? await loadStandards(standardize, overrides.standardize ? process.cwd() : base, procedureTerms) : undefined;
  const modelDirs = file.evidence?.images === false ? [] : (file.evidence?.models ?? [SHIPPED_PNEUMONIA_MODEL]).map((m) => path.resolve(base, m));
  // A broken model folder is a configuration error now, not a failure after reading and linking.
  for (const dir of modelDirs) {
    try {
      await loadModelManifest(dir);
    } catch (e) {
      throw new AcclinkError(ErrorCode.ConfigInvalid, `evidence.models: ${dir}: ${(e as Error).message}`, { cause: e });
    }
  }
  return {
    modelDirs,
    findingsLexicon: parseFindingsLexicon(f),
    file,
    linker,
    seed: file.linker?.seed ?? 1,
    weights: parseWeightTable(w),
    hl7Fields: parseHl7FieldMapping(h),
    procedureTerms,
    ...(standards ? { standards } : {}),
    outbound: {
      pacsMessage: o.pacsMessage ?? 'OMI^O23',
      sendingApplication: o.sendingApplication ?? 'ACCLINK',
      sendingFacility: o.sendingFacility ?? 'ACCLINK',
      pacs: { application: o.pacs?.application ?? 'PACS', facility: o.pacs?.facility ?? 'PACS' },
      ris: { application: o.ris?.application ?? 'RIS', facility: o.ris?.facility ?? 'RIS' },
    },
  };
}
