/**
 * Text similarity for grouping header values: the same words in another case, spacing or punctuation,
 * small spelling differences within a word, but never different numbers (`t1_tse` vs `t2_tse`,
 * `Br40` vs `Bl57`, `2V` vs `3V`) and never a different word (`SAG` vs `TRA`). Pure.
 */
import { foldText, jaroWinkler } from '../../../linker/strings.ts';

/** Folded text without spaces: `L-SPINE`, `l spine` and `LSPINE` are one compact form. */
export function compactText(s: string): string {
  return foldText(s).replace(/ /g, '');
}

/** The runs of digits in a text, in order: `Thorax 1.0 Br40` → `1,0,40`. */
function digitRuns(s: string): string {
  return (s.match(/\d+/g) ?? []).map((d) => String(Number(d))).join(',');
}

/** Words of a text after folding. */
function words(s: string): string[] {
  const f = foldText(s);
  return f === '' ? [] : f.split(' ');
}

/** Two words count as the same word when Jaro-Winkler reaches this (LOCALIZER / LOCALISER). */
const WORD_MATCH = 0.9;

/**
 * Soft Dice coefficient over words: each word of the shorter text is matched to its most similar
 * unused word of the other (Jaro-Winkler ≥ 0.9, scored by it), and the matched weight is divided by the
 * mean word count. 1 for the same compact text; 0 when the numbers differ.
 */
export function textSimilarity(a: string, b: string): number {
  const ca = compactText(a);
  const cb = compactText(b);
  if (ca === '' || cb === '') return 0;
  if (ca === cb) return 1;
  if (digitRuns(ca) !== digitRuns(cb)) return 0;
  const wa = words(a);
  const wb = words(b);
  const [short, long] = wa.length <= wb.length ? [wa, wb] : [wb, wa];
  const used = new Uint8Array(long.length);
  let matched = 0;
  for (const w of short) {
    let best = -1;
    let bestScore = 0;
    for (let j = 0; j < long.length; j++) {
      if (used[j] === 1) continue;
      const score = jaroWinkler(w, long[j] ?? '');
      if (score > bestScore) {
        bestScore = score;
        best = j;
      }
    }
    if (best >= 0 && bestScore >= WORD_MATCH) {
      used[best] = 1;
      matched += bestScore;
    }
  }
  return (2 * matched) / (wa.length + wb.length);
}

/**
 * True when `short` abbreviates `long` by its beginning: `M` / `MALE`, `F` / `FEMALE`, `UNK` / `UNKNOWN`
 * (compact forms, at least one character, strictly shorter).
 */
export function isPrefixAbbreviation(short: string, long: string): boolean {
  const s = compactText(short);
  const l = compactText(long);
  return s.length > 0 && s.length < l.length && l.startsWith(s);
}
