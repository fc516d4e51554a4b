/**
 * The procedure terms data (`mappings/procedure-terms.yaml`): validated with zod, cross-checked, and
 * compiled into lookup structures for the extractor.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html (Body Part Examined)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.3.html#sect_C.7.3.1.1.1 (Modality)
 */
import { z } from 'zod';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import { newNode, phraseKey, tokenize } from './tokens.ts';
import type { Contrast, Laterality, PhraseMeaning, PhraseNode } from './tokens.ts';

const Phrases = z.array(z.string().trim().min(1));
const Names = z.array(z.string());

const ModalitySchema = z.strictObject({
  name: z.string().optional(),
  dicom: Phrases.default([]),
  codes: Phrases.default([]),
  words: Phrases.default([]),
  weakWords: Phrases.default([]),
  compatible: Names.default([]),
});

const RegionSchema = z.strictObject({
  parents: Names.default([]),
  words: Phrases.min(1),
  encompassesAll: z.boolean().default(false),
});

const PhraseSchema = z.strictObject({
  words: Phrases.min(1),
  modality: z.string().optional(),
  weakModality: z.string().optional(),
  regions: Names.default([]),
});

const TermsSchema = z.strictObject({
  version: z.literal(1),
  modalities: z.record(z.string().regex(/^[A-Z]{2,4}$/, 'modality group names are DICOM-style codes'), ModalitySchema),
  genericCodes: Phrases.default([]),
  regions: z.record(z.string().regex(/^[a-z][a-z-]*$/, 'region names are lower-case words joined by -'), RegionSchema),
  phrases: z.array(PhraseSchema).default([]),
  contrast: z.strictObject({
    with: Phrases,
    without: Phrases,
    withAndWithout: Phrases,
    qualifiers: Phrases.default([]),
    mentions: Phrases.default([]),
    joiners: Phrases.default([]),
  }),
  laterality: z.strictObject({ left: Phrases, right: Phrases, bilateral: Phrases }),
  views: z.strictObject({
    countWords: Phrases,
    numberWords: z.record(z.string(), z.number().int().min(1).max(20)).default({}),
    projections: Phrases.default([]),
    impliedModality: z.string().optional(),
  }),
});
type TermsFile = z.infer<typeof TermsSchema>;

/** A body region with its containing regions (transitively). */
export interface RegionInfo {
  readonly ancestors: ReadonlySet<string>;
  readonly encompassesAll: boolean;
}

/** Compiled procedure terms. Build with parseProcedureTerms; treat as opaque and immutable. */
export interface ProcedureTerms {
  /** Code key (words joined by spaces) → modality group, or null for codes that name no modality. */
  readonly modalityCodes: ReadonlyMap<string, string | null>;
  /** Modality group → groups it is compatible with (symmetric). */
  readonly compatible: ReadonlyMap<string, ReadonlySet<string>>;
  readonly regions: ReadonlyMap<string, RegionInfo>;
  readonly phrases: PhraseNode;
  readonly countWords: ReadonlySet<string>;
  readonly numberWords: ReadonlyMap<string, number>;
  readonly impliedModality?: string;
}

/**
 * Validates parsed procedure-terms YAML and compiles it.
 * @throws AcclinkError MAPPING_INVALID naming the offending path (e.g. `regions.knee.parents[0]`).
 */
export function parseProcedureTerms(data: unknown): ProcedureTerms {
  const parsed = TermsSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw invalid(lines.join('\n'));
  }
  const file = parsed.data;
  checkReferences(file);
  return {
    modalityCodes: compileCodes(file),
    compatible: compileCompatible(file),
    regions: compileRegions(file),
    phrases: compilePhrases(file),
    countWords: new Set(file.views.countWords.map(phraseKey)),
    numberWords: new Map(Object.entries(file.views.numberWords).map(([w, n]) => [phraseKey(w), n])),
    ...(file.views.impliedModality === undefined ? {} : { impliedModality: file.views.impliedModality }),
  };
}

function invalid(detail: string): AcclinkError {
  return new AcclinkError(ErrorCode.MappingInvalid, `procedure terms: ${detail}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(root)' : out;
}

/** Every name used as a reference must be defined; region parents must not form a cycle. */
function checkReferences(file: TermsFile): void {
  const modality = (name: string | undefined, at: string): void => {
    if (name !== undefined && !Object.hasOwn(file.modalities, name)) throw invalid(`${at}: unknown modality group "${name}"`);
  };
  const region = (name: string, at: string): void => {
    if (!Object.hasOwn(file.regions, name)) throw invalid(`${at}: unknown region "${name}"`);
  };
  for (const [key, m] of Object.entries(file.modalities)) m.compatible.forEach((c, i) => modality(c, `modalities.${key}.compatible[${i}]`));
  for (const [key, r] of Object.entries(file.regions)) r.parents.forEach((p, i) => region(p, `regions.${key}.parents[${i}]`));
  file.phrases.forEach((p, i) => {
    modality(p.modality, `phrases[${i}].modality`);
    modality(p.weakModality, `phrases[${i}].weakModality`);
    p.regions.forEach((r, j) => region(r, `phrases[${i}].regions[${j}]`));
    if (p.modality === undefined && p.weakModality === undefined && p.regions.length === 0) {
      throw invalid(`phrases[${i}]: says nothing (no modality, weakModality or regions)`);
    }
  });
  modality(file.views.impliedModality, 'views.impliedModality');
}

function compileCodes(file: TermsFile): Map<string, string | null> {
  const codes = new Map<string, string | null>();
  const definedAt = new Map<string, string>();
  const put = (code: string, group: string | null, at: string): void => {
    const key = phraseKey(code);
    if (key === '') throw invalid(`${at}: "${code}" has no letters or digits`);
    const earlier = definedAt.get(key);
    if (earlier !== undefined && codes.get(key) !== group) throw invalid(`${at}: code "${code}" is also defined at ${earlier}`);
    codes.set(key, group);
    definedAt.set(key, at);
  };
  for (const [group, m] of Object.entries(file.modalities)) {
    put(group, group, `modalities.${group}`);
    m.dicom.forEach((c, i) => put(c, group, `modalities.${group}.dicom[${i}]`));
    m.codes.forEach((c, i) => put(c, group, `modalities.${group}.codes[${i}]`));
  }
  file.genericCodes.forEach((c, i) => put(c, null, `genericCodes[${i}]`));
  return codes;
}

function compileCompatible(file: TermsFile): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>(Object.keys(file.modalities).map((k) => [k, new Set<string>()]));
  for (const [group, m] of Object.entries(file.modalities)) {
    for (const other of m.compatible) {
      out.get(group)?.add(other);
      out.get(other)?.add(group);
    }
  }
  return out;
}

function compileRegions(file: TermsFile): Map<string, RegionInfo> {
  const out = new Map<string, RegionInfo>();
  for (const [name, r] of Object.entries(file.regions)) {
    out.set(name, { ancestors: ancestorsOf(name, file), encompassesAll: r.encompassesAll });
  }
  return out;
}

function ancestorsOf(name: string, file: TermsFile): Set<string> {
  const seen = new Set<string>();
  const stack = [...(file.regions[name]?.parents ?? [])];
  while (stack.length > 0) {
    const p = stack.pop() ?? '';
    if (p === name) throw invalid(`regions.${name}.parents: region is its own ancestor`);
    if (seen.has(p)) continue;
    seen.add(p);
    stack.push(...(file.regions[p]?.parents ?? []));
  }
  return seen;
}

/** Builds the phrase trie; a phrase may appear only once in the whole file, whatever it means. */
function compilePhrases(file: TermsFile): PhraseNode {
  const root = newNode();
  const add = (phrase: string, meaning: PhraseMeaning, at: string): void => {
    const words = tokenize(phrase);
    if (words.length === 0) throw invalid(`${at}: "${phrase}" has no letters or digits`);
    let node = root;
    for (const w of words) {
      let next = node.next.get(w);
      if (next === undefined) node.next.set(w, (next = newNode()));
      node = next;
    }
    if (node.definedAt !== undefined) throw invalid(`${at}: phrase "${phrase}" is already defined at ${node.definedAt}`);
    node.meaning = meaning;
    node.definedAt = at;
  };
  const addAll = (list: readonly string[], meaning: PhraseMeaning, at: string): void =>
    list.forEach((p, i) => add(p, meaning, `${at}[${i}]`));

  for (const [group, m] of Object.entries(file.modalities)) {
    addAll(m.words, { modality: group }, `modalities.${group}.words`);
    addAll(m.weakWords, { weakModality: group }, `modalities.${group}.weakWords`);
  }
  for (const [name, r] of Object.entries(file.regions)) addAll(r.words, { regions: [name] }, `regions.${name}.words`);
  file.phrases.forEach((p, i) => addAll(p.words, phraseMeaning(p), `phrases[${i}].words`));
  addContrast(file.contrast, addAll);
  addLaterality(file.laterality, addAll);
  addAll(file.views.projections, { projection: true }, 'views.projections');
  return root;
}

function phraseMeaning(p: TermsFile['phrases'][number]): PhraseMeaning {
  const meaning: PhraseMeaning = {};
  if (p.modality !== undefined) meaning.modality = p.modality;
  if (p.weakModality !== undefined) meaning.weakModality = p.weakModality;
  if (p.regions.length > 0) meaning.regions = p.regions;
  return meaning;
}

type AddAll = (list: readonly string[], meaning: PhraseMeaning, at: string) => void;

function addContrast(c: TermsFile['contrast'], addAll: AddAll): void {
  const contrasts: ReadonlyArray<readonly [readonly string[], Contrast, string]> = [
    [c.with, 'with', 'with'],
    [c.without, 'without', 'without'],
    [c.withAndWithout, 'with-and-without', 'withAndWithout'],
  ];
  for (const [list, contrast, key] of contrasts) addAll(list, { contrast }, `contrast.${key}`);
  addAll(c.qualifiers, { qualifier: true }, 'contrast.qualifiers');
  addAll(c.mentions, { mention: true }, 'contrast.mentions');
  addAll(c.joiners, { joiner: true }, 'contrast.joiners');
}

function addLaterality(l: TermsFile['laterality'], addAll: AddAll): void {
  const sides: ReadonlyArray<readonly [readonly string[], Laterality]> = [
    [l.left, 'left'],
    [l.right, 'right'],
    [l.bilateral, 'bilateral'],
  ];
  for (const [list, laterality] of sides) addAll(list, { laterality }, `laterality.${laterality}`);
}
