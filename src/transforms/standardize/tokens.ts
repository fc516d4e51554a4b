/**
 * Word splitting and longest-phrase matching for procedure texts. Shared by the terms compiler (which
 * splits YAML phrases) and the extractor (which splits texts), so both always split alike.
 */

/** What one phrase of the procedure terms says. A phrase may say several things (CXR: XR + chest). */
export interface PhraseMeaning {
  modality?: string;
  /** Used only when no phrase in the text names a modality strongly. */
  weakModality?: string;
  regions?: readonly string[];
  contrast?: Contrast;
  /** W / WITH: "with contrast" only in a contrast context. */
  qualifier?: true;
  /** CONTRAST / IV: "with" only when nothing else speaks of contrast. */
  mention?: true;
  /** AND / OR between contrast words. */
  joiner?: true;
  laterality?: Laterality;
  /** A named radiographic projection (PA, LAT). */
  projection?: true;
}

/** Contrast administration as a text states it; with-and-without covers both phases. */
export const Contrast = { With: 'with', Without: 'without', WithAndWithout: 'with-and-without' } as const;
export type Contrast = (typeof Contrast)[keyof typeof Contrast];

/** Side of a paired body part; bilateral covers both. */
export const Laterality = { Left: 'left', Right: 'right', Bilateral: 'bilateral' } as const;
export type Laterality = (typeof Laterality)[keyof typeof Laterality];

/** A node of the phrase trie: words lead to nodes; a node that ends a phrase has its meaning. */
export interface PhraseNode {
  readonly next: Map<string, PhraseNode>;
  meaning?: PhraseMeaning;
  /** Where the phrase was defined, for duplicate reports. */
  definedAt?: string;
}

/**
 * Splits text into upper-case words. Accents are removed (SCHÄDEL → SCHADEL); any run of letters or
 * digits is a word, everything else separates (`^ / _ - , ( ) .`), except `+`, kept as a word because
 * "C+" and "+C" mean contrast, and `&`, read as AND.
 */
export function tokenize(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase().replace(/&/g, ' AND ');
  return folded.match(/[\p{L}\p{N}]+|\+/gu) ?? [];
}

/** The canonical key of a phrase or code: its words joined by single spaces. */
export function phraseKey(text: string): string {
  return tokenize(text).join(' ');
}

/** An empty trie node. */
export function newNode(): PhraseNode {
  return { next: new Map() };
}

/** The longest phrase starting at `start`, with its length in words. */
export function matchAt(root: PhraseNode, words: readonly string[], start: number): { meaning: PhraseMeaning; length: number } | undefined {
  let node: PhraseNode | undefined = root;
  let best: { meaning: PhraseMeaning; length: number } | undefined;
  for (let i = start; i < words.length && node !== undefined; i++) {
    node = node.next.get(words[i] ?? '');
    if (node?.meaning !== undefined) best = { meaning: node.meaning, length: i - start + 1 };
  }
  return best;
}
