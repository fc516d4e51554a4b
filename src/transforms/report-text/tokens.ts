/**
 * Word splitting with character offsets, and phrase matching (longest phrase, optional word gaps) for
 * report text. The lexicon compiler splits its phrases with the same function, so both always split
 * alike.
 */

/** One word or kept punctuation mark of a text. `text` is lower-cased and accent-free; offsets are into the original. */
export interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly word: boolean;
}

/** The gap marker of a phrase: `heart ... enlarged`. */
export const GAP = '...';

/** Punctuation kept as tokens: the rest (hyphens, quotes, brackets other than round) separates words. */
const TOKEN_RE = /(\d+(?:\.\d+)+)|([\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*)|([,;:?!/().])/gu;

function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').replace(/’/g, "'").toLowerCase();
}

/**
 * Splits `text` into tokens. Letters, digits and inner apostrophes make words ("can't", "today's"),
 * decimals stay whole ("4.5"), `, ; : ? ! / ( ) .` are tokens of their own, anything else separates.
 * @param offset added to every offset, for splitting a slice of a larger text
 */
export function tokenizeText(text: string, offset = 0): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    const raw = m[0];
    const start = offset + (m.index ?? 0);
    out.push({ text: fold(raw), start, end: start + raw.length, word: m[3] === undefined });
  }
  return out;
}

/** Splits a lexicon phrase into token texts; `...` becomes the GAP marker. */
export function phraseWords(phrase: string): string[] {
  const parts = phrase.split('...');
  const out: string[] = [];
  parts.forEach((part, i) => {
    if (i > 0) out.push(GAP);
    for (const t of tokenizeText(part)) out.push(t.text);
  });
  return out;
}

/** A node of a phrase trie: words (or GAP) lead to nodes; a node that ends phrases holds their values. */
export interface TrieNode<T> {
  readonly next: Map<string, TrieNode<T>>;
  readonly values: T[];
}

/** An empty trie node. */
export function newTrie<T>(): TrieNode<T> {
  return { next: new Map(), values: [] };
}

/** Adds a phrase (already split by phraseWords) with its value; returns the node that ends it. */
export function addPhrase<T>(root: TrieNode<T>, words: readonly string[], value: T): TrieNode<T> {
  let node = root;
  for (const w of words) {
    let next = node.next.get(w);
    if (next === undefined) node.next.set(w, (next = newTrie<T>()));
    node = next;
  }
  node.values.push(value);
  return node;
}

/** One phrase found at a position: tokens [start, end), how many tokens a gap skipped, how many literal words. */
export interface PhraseMatch<T> {
  readonly start: number;
  readonly end: number;
  readonly values: readonly T[];
  readonly gaps: number;
  readonly literal: number;
}

/** Tokens a gap may skip: words and ":" (so "heart size: enlarged" matches), never a comma or clause mark. */
function gapPassable(t: Token): boolean {
  return t.word || t.text === ':';
}

/** Every phrase of `root` that starts at token `i`. */
export function matchesAt<T>(root: TrieNode<T>, tokens: readonly Token[], i: number, maxGap: number): Array<PhraseMatch<T>> {
  const out: Array<PhraseMatch<T>> = [];
  const walk = (node: TrieNode<T>, j: number, gaps: number, literal: number): void => {
    if (node.values.length > 0 && literal > 0) out.push({ start: i, end: j, values: node.values, gaps, literal });
    const tok = tokens[j];
    if (tok !== undefined) {
      const next = node.next.get(tok.text);
      if (next !== undefined) walk(next, j + 1, gaps, literal + 1);
    }
    const gapNode = node.next.get(GAP);
    if (gapNode === undefined) return;
    // A gap skips 0..maxGap passable tokens and must be followed by a literal word.
    for (let k = 0; k <= maxGap; k++) {
      const after = tokens[j + k];
      if (after === undefined) break;
      const next = gapNode.next.get(after.text);
      if (next !== undefined) walk(next, j + k + 1, gaps + k, literal + 1);
      if (!gapPassable(after)) break;
    }
  };
  walk(root, i, 0, 0);
  return out;
}

/** The preferred match: the fewest skipped words, then the most literal words, then the longest. */
export function bestMatch<T>(matches: ReadonlyArray<PhraseMatch<T>>): PhraseMatch<T> | undefined {
  let best: PhraseMatch<T> | undefined;
  for (const m of matches) {
    if (best === undefined || m.gaps < best.gaps || (m.gaps === best.gaps && (m.literal > best.literal || (m.literal === best.literal && m.end > best.end)))) best = m;
  }
  return best;
}

/** True when the token texts contain `words` as a contiguous run. */
export function containsPhrase(texts: readonly string[], words: readonly string[]): boolean {
  outer: for (let i = 0; i + words.length <= texts.length; i++) {
    for (let k = 0; k < words.length; k++) if (texts[i + k] !== words[k]) continue outer;
    return true;
  }
  return false;
}
