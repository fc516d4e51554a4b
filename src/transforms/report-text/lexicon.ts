/**
 * The findings lexicon (`mappings/findings.yaml`): findings with their terms, exclusions and fixed
 * statements, and the negation/uncertainty trigger vocabulary. Validated with zod, checked for
 * duplicates, and compiled into phrase tries for the labeller.
 */
import { z } from 'zod';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import { addPhrase, GAP, newTrie, phraseWords } from './tokens.ts';
import type { TrieNode } from './tokens.ts';

const Phrase = z.string().trim().min(1);
const Phrases = z.array(Phrase);

const ContextualSchema = z.strictObject({ terms: Phrases.min(1), context: Phrases.min(1) });

const FindingSchema = z.strictObject({
  name: z.string().min(1),
  terms: Phrases.min(1),
  contextual: z.array(ContextualSchema).default([]),
  exclude: Phrases.default([]),
  absent: Phrases.default([]),
  uncertain: Phrases.default([]),
});

const LexiconSchema = z.strictObject({
  version: z.literal(1),
  scope: z.strictObject({
    window: z.number().int().min(1).max(30),
    gapWords: z.number().int().min(0).max(10),
    listBreakers: Phrases.default([]),
  }),
  triggers: z.strictObject({
    pseudo: Phrases.default([]),
    negation: z.strictObject({ pre: Phrases, post: Phrases }),
    uncertainty: z.strictObject({ pre: Phrases, post: Phrases }),
    alternatives: z.strictObject({ versus: Phrases.default([]), either: Phrases.default([]) }),
    termination: Phrases.default([]),
    terminationForward: Phrases.default([]),
  }),
  findings: z.record(z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'finding names are lower-case words joined by -'), FindingSchema),
});
type LexiconFile = z.infer<typeof LexiconSchema>;

/** What a trigger phrase does. A phrase may have several roles ("resolved" is both pre and post). */
export type TriggerRole = 'pseudo' | 'preNeg' | 'postNeg' | 'preUnc' | 'postUnc' | 'versus' | 'either' | 'terminate' | 'terminateForward';

/** What a finding phrase means: the findings it mentions, a fixed state, and context it needs. */
export interface MentionEntry {
  readonly findings: readonly string[];
  /** `absent` and `uncertain` statements carry their state; terms take it from triggers. */
  readonly fixed?: 'negative' | 'uncertain';
  /** Contextual terms: the sentence must also hold one of these phrases (split into words). */
  readonly context?: ReadonlyArray<readonly string[]>;
}

/** A compiled findings lexicon. Build with parseFindingsLexicon; treat as opaque and immutable. */
export interface FindingsLexicon {
  /** Finding names in file order. */
  readonly findings: readonly string[];
  /** Finding name → its description. */
  readonly names: ReadonlyMap<string, string>;
  readonly mentions: TrieNode<MentionEntry>;
  /** Exclusion phrases → the finding they exclude. */
  readonly exclusions: TrieNode<string>;
  readonly triggers: TrieNode<TriggerRole>;
  readonly window: number;
  readonly gapWords: number;
  readonly listBreakers: ReadonlySet<string>;
}

/**
 * Validates parsed findings-lexicon YAML and compiles it.
 * @throws AcclinkError MAPPING_INVALID naming the offending path (e.g. `findings.effusion.terms[2]`).
 */
export function parseFindingsLexicon(data: unknown): FindingsLexicon {
  const parsed = LexiconSchema.safeParse(data);
  if (!parsed.success) {
    throw invalid(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('\n'));
  }
  const file = parsed.data;
  checkPhrases(file);
  return {
    findings: Object.keys(file.findings),
    names: new Map(Object.entries(file.findings).map(([k, f]) => [k, f.name])),
    mentions: compileMentions(file),
    exclusions: compileExclusions(file),
    triggers: compileTriggers(file),
    window: file.scope.window,
    gapWords: file.scope.gapWords,
    listBreakers: new Set(file.scope.listBreakers.flatMap((p) => phraseWords(p))),
  };
}

function invalid(detail: string): AcclinkError {
  return new AcclinkError(ErrorCode.MappingInvalid, `findings lexicon: ${detail}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(root)' : out;
}

/** Every phrase must have words, a gap only between words, and appear once per list and once per finding. */
function checkPhrases(file: LexiconFile): void {
  const check = (list: readonly string[], at: string, allowGap: boolean, seen = new Map<string, string>()): void => {
    list.forEach((p, i) => {
      const where = `${at}[${i}]`;
      const words = phraseWords(p);
      if (words.filter((w) => w !== GAP).length === 0) throw invalid(`${where}: "${p}" has no words`);
      if (words.includes(GAP) && (!allowGap || words[0] === GAP || words.at(-1) === GAP || words.some((w, j) => w === GAP && words[j + 1] === GAP))) {
        throw invalid(`${where}: "${p}": "..." may only stand between words${allowGap ? '' : ', and not in this list'}`);
      }
      const key = words.join(' ');
      const earlier = seen.get(key);
      if (earlier !== undefined) throw invalid(`${where}: "${p}" is already listed at ${earlier}`);
      seen.set(key, where);
    });
  };
  const t = file.triggers;
  check(t.pseudo, 'triggers.pseudo', false);
  check(t.negation.pre, 'triggers.negation.pre', false);
  check(t.negation.post, 'triggers.negation.post', false);
  check(t.uncertainty.pre, 'triggers.uncertainty.pre', false);
  check(t.uncertainty.post, 'triggers.uncertainty.post', false);
  check(t.alternatives.versus, 'triggers.alternatives.versus', false);
  check(t.alternatives.either, 'triggers.alternatives.either', false);
  check(t.termination, 'triggers.termination', false);
  check(t.terminationForward, 'triggers.terminationForward', false);
  check(file.scope.listBreakers, 'scope.listBreakers', false);
  for (const [name, f] of Object.entries(file.findings)) {
    const at = `findings.${name}`;
    const seen = new Map<string, string>();
    check(f.terms, `${at}.terms`, true, seen);
    f.contextual.forEach((c, i) => {
      check(c.terms, `${at}.contextual[${i}].terms`, false, seen);
      check(c.context, `${at}.contextual[${i}].context`, false);
    });
    check(f.absent, `${at}.absent`, true, seen);
    check(f.uncertain, `${at}.uncertain`, true, seen);
    check(f.exclude, `${at}.exclude`, false);
  }
}

/** The phrase and, when it ends in a word that takes one, its regular plural. */
function withPlural(words: readonly string[]): string[][] {
  const last = words.at(-1) ?? '';
  if (!/^[a-z]{3,}$/.test(last) || (/(is|us|ae|s)$/.test(last) && !/ss$/.test(last))) return [[...words]];
  const plural = /(ss|x|z|ch|sh)$/.test(last) ? `${last}es` : /[^aeiou]y$/.test(last) ? `${last.slice(0, -1)}ies` : `${last}s`;
  return [[...words], [...words.slice(0, -1), plural]];
}

function compileMentions(file: LexiconFile): TrieNode<MentionEntry> {
  const root = newTrie<MentionEntry>();
  // Phrases shared by several findings ("hydropneumothorax") become one entry naming them all.
  const entries = new Map<string, { findings: string[]; fixed?: 'negative' | 'uncertain'; context?: string[][]; words: string[] }>();
  const put = (words: string[], finding: string, fixed?: 'negative' | 'uncertain', context?: string[][]): void => {
    const key = `${words.join(' ')}|${fixed ?? ''}|${context === undefined ? '' : JSON.stringify(context)}`;
    const e = entries.get(key);
    if (e === undefined) entries.set(key, { findings: [finding], words, ...(fixed ? { fixed } : {}), ...(context ? { context } : {}) });
    else if (!e.findings.includes(finding)) e.findings.push(finding);
  };
  for (const [name, f] of Object.entries(file.findings)) {
    for (const p of f.terms) for (const w of withPlural(phraseWords(p))) put(w, name);
    for (const c of f.contextual) {
      const context = c.context.map((x) => phraseWords(x));
      for (const p of c.terms) for (const w of withPlural(phraseWords(p))) put(w, name, undefined, context);
    }
    for (const p of f.absent) put(phraseWords(p), name, 'negative');
    for (const p of f.uncertain) put(phraseWords(p), name, 'uncertain');
  }
  for (const e of entries.values()) {
    addPhrase(root, e.words, { findings: e.findings, ...(e.fixed ? { fixed: e.fixed } : {}), ...(e.context ? { context: e.context } : {}) });
  }
  return root;
}

function compileExclusions(file: LexiconFile): TrieNode<string> {
  const root = newTrie<string>();
  for (const [name, f] of Object.entries(file.findings)) for (const p of f.exclude) for (const w of withPlural(phraseWords(p))) addPhrase(root, w, name);
  return root;
}

function compileTriggers(file: LexiconFile): TrieNode<TriggerRole> {
  const root = newTrie<TriggerRole>();
  const t = file.triggers;
  const lists: ReadonlyArray<readonly [readonly string[], TriggerRole]> = [
    [t.pseudo, 'pseudo'],
    [t.negation.pre, 'preNeg'],
    [t.negation.post, 'postNeg'],
    [t.uncertainty.pre, 'preUnc'],
    [t.uncertainty.post, 'postUnc'],
    [t.alternatives.versus, 'versus'],
    [t.alternatives.either, 'either'],
    [t.termination, 'terminate'],
    [t.terminationForward, 'terminateForward'],
  ];
  for (const [list, role] of lists) {
    for (const p of list) {
      const node = addPhrase(root, phraseWords(p), role);
      // A phrase listed in several lists keeps each role once.
      const unique = [...new Set(node.values)];
      node.values.length = 0;
      node.values.push(...unique);
    }
  }
  return root;
}
