/**
 * NegEx-style reading of one sentence: finds finding mentions and negation/uncertainty triggers, and
 * decides each mention's state from the nearest trigger whose scope reaches it.
 *
 * Scope rules: a pre-trigger ("no", "possible") reaches forward, a post-trigger ("is not seen",
 * "cannot be excluded") backward, within the clause: termination words ("but", "however", ";") end it
 * both ways, forward-only ones ("which", "there is") end it forward. At most `window` other words may lie
 * between trigger and finding; finding words and "and"/"or" do not count, so a negated list
 * ("no effusion, pneumothorax or edema") is negated throughout. A comma ends a forward scope unless the
 * list goes on ("and"/"or" later in the clause, and the next word is not a list breaker such as
 * "small"). The nearest reaching trigger decides; at equal distance uncertainty wins (so "no ... cannot be
 * excluded" is uncertain). Pseudo-triggers ("no change", "gram negative") are consumed and do nothing.
 * "X versus Y" makes both uncertain; "X or Y" does so only where no negation reaches.
 * @see Chapman et al., "A simple algorithm for identifying negated findings and diseases in discharge
 *   summaries", J Biomed Inform 2001;34:301-10 (NegEx)
 */
import type { FindingsLexicon, MentionEntry, TriggerRole } from './lexicon.ts';
import { bestMatch, containsPhrase, matchesAt } from './tokens.ts';
import type { PhraseMatch, Token } from './tokens.ts';

/** A finding's state as a report states it. */
export type FindingState = 'positive' | 'negative' | 'uncertain';

/** The side a mention is on, when its clause says. */
export type MentionSide = 'left' | 'right' | 'bilateral';

/** One finding mentioned in a sentence, with its state and what decided it. Offsets are into the text. */
export interface SentenceMention {
  readonly finding: string;
  readonly state: FindingState;
  /** The trigger or fixed statement that set the state, as written; absent for plain positive mentions. */
  readonly trigger?: string;
  readonly span: readonly [number, number];
  readonly laterality?: MentionSide;
}

interface Trigger {
  readonly roles: readonly TriggerRole[];
  readonly start: number;
  readonly end: number;
}

interface Mention {
  readonly entry: MentionEntry;
  readonly findings: readonly string[];
  readonly start: number;
  readonly end: number;
}

interface Decision {
  readonly kind: 'negative' | 'uncertain';
  readonly distance: number;
  readonly trigger: Trigger;
}

const COORDINATORS: ReadonlySet<string> = new Set(['and', 'or', 'nor', '/', '&']);
const SIDES: ReadonlyMap<string, MentionSide> = new Map([
  ['left', 'left'], ['lt', 'left'], ['l', 'left'], ['right', 'right'], ['rt', 'right'], ['r', 'right'],
  ['bilateral', 'bilateral'], ['bilaterally', 'bilateral'], ['bilat', 'bilateral'], ['both', 'bilateral'],
]);

/** Labels every finding mention of one sentence's tokens. */
export function labelSentenceTokens(tokens: readonly Token[], lexicon: FindingsLexicon): SentenceMention[] {
  const triggers = findTriggers(tokens, lexicon);
  const mentions = findMentions(tokens, lexicon);
  const ctx = new Context(tokens, triggers, mentions, lexicon);
  const out: SentenceMention[] = [];
  for (const m of mentions) {
    const decided = m.entry.fixed === undefined ? ctx.decide(m) : undefined;
    const state: FindingState = m.entry.fixed ?? decided?.kind ?? 'positive';
    const by = m.entry.fixed !== undefined ? { start: m.start, end: m.end } : decided?.trigger;
    const span = [tokens[m.start]?.start ?? 0, tokens[m.end - 1]?.end ?? 0] as const;
    const side = ctx.side(m);
    for (const finding of m.findings) {
      out.push({
        finding, state, span,
        ...(by === undefined ? {} : { trigger: ctx.text(by.start, by.end) }),
        ...(side === undefined ? {} : { laterality: side }),
      });
    }
  }
  return out;
}

function findTriggers(tokens: readonly Token[], lexicon: FindingsLexicon): Trigger[] {
  const out: Trigger[] = [];
  for (let i = 0; i < tokens.length; ) {
    const m = bestMatch(matchesAt(lexicon.triggers, tokens, i, 0));
    if (m === undefined) {
      i++;
      continue;
    }
    out.push({ roles: m.values, start: m.start, end: m.end });
    i = m.end;
  }
  return out;
}

function findMentions(tokens: readonly Token[], lexicon: FindingsLexicon): Mention[] {
  const texts = tokens.map((t) => t.text);
  const inContext = (e: MentionEntry): boolean => e.context === undefined || e.context.some((c) => containsPhrase(texts, c));
  const excluded: Array<PhraseMatch<string>> = [];
  for (let i = 0; i < tokens.length; i++) excluded.push(...matchesAt(lexicon.exclusions, tokens, i, 0));
  const out: Mention[] = [];
  for (let i = 0; i < tokens.length; ) {
    const candidates = matchesAt(lexicon.mentions, tokens, i, lexicon.gapWords)
      .map((m) => ({ ...m, values: m.values.filter(inContext) }))
      .filter((m) => m.values.length > 0);
    const m = bestMatch(candidates);
    if (m === undefined) {
      i++;
      continue;
    }
    for (const entry of m.values) {
      const findings = entry.findings.filter((f) => !excluded.some((x) => x.start < m.end && m.start < x.end && x.values.includes(f)));
      if (findings.length > 0) out.push({ entry, findings, start: m.start, end: m.end });
    }
    i = m.end;
  }
  return out;
}

/** Clause structure of one sentence, and the scope tests over it. */
class Context {
  private readonly stopsBoth: boolean[];
  private readonly stopsForward: boolean[];
  private readonly inMention: boolean[];
  private readonly tokens: readonly Token[];
  private readonly triggers: readonly Trigger[];
  private readonly mentions: readonly Mention[];
  private readonly lexicon: FindingsLexicon;

  constructor(tokens: readonly Token[], triggers: readonly Trigger[], mentions: readonly Mention[], lexicon: FindingsLexicon) {
    this.tokens = tokens;
    this.triggers = triggers;
    this.mentions = mentions;
    this.lexicon = lexicon;
    this.stopsBoth = tokens.map(() => false);
    this.stopsForward = tokens.map(() => false);
    this.inMention = tokens.map(() => false);
    for (const t of triggers) {
      for (let i = t.start; i < t.end; i++) {
        if (t.roles.includes('terminate')) this.stopsBoth[i] = true;
        if (t.roles.includes('terminateForward')) this.stopsForward[i] = true;
      }
    }
    for (const m of mentions) for (let i = m.start; i < m.end; i++) this.inMention[i] = true;
  }

  text(start: number, end: number): string {
    return this.tokens.slice(start, end).map((t) => t.text).join(' ').replace(/ ([,;:?!.]) ?/g, '$1 ').replace(/ \/ /g, '/').trim();
  }

  /** The nearest negation or uncertainty trigger reaching `m`, or an "or" between it and another finding. */
  decide(m: Mention): Decision | undefined {
    let best: Decision | undefined;
    const consider = (kind: Decision['kind'], distance: number, trigger: Trigger): void => {
      if (best === undefined || distance < best.distance || (distance === best.distance && kind === 'uncertain')) best = { kind, distance, trigger };
    };
    for (const t of this.triggers) {
      const inside = t.start >= m.start && t.end <= m.end;
      const before = t.end <= m.start;
      const after = t.start >= m.end;
      const fwd = inside ? 0 : before ? this.forwardDistance(t.end, m.start) : undefined;
      const back = inside ? 0 : after ? this.backwardDistance(m.end, t.start) : undefined;
      const r = t.roles;
      if (fwd !== undefined && r.includes('preNeg')) consider('negative', fwd, t);
      if (fwd !== undefined && (r.includes('preUnc') || r.includes('versus'))) consider('uncertain', fwd, t);
      if (back !== undefined && r.includes('postNeg')) consider('negative', back, t);
      if (back !== undefined && (r.includes('postUnc') || r.includes('versus'))) consider('uncertain', back, t);
    }
    return best ?? this.alternative(m);
  }

  /** "X or Y" between two adjacent findings (at most two words from the "or" each), where nothing else decides. */
  private alternative(m: Mention): Decision | undefined {
    const near = (d: number | undefined): boolean => d !== undefined && d <= 2;
    for (const t of this.triggers) {
      if (!t.roles.includes('either')) continue;
      const before = this.mentions.filter((o) => o.end <= t.start).at(-1);
      const after = this.mentions.find((o) => o.start >= t.end);
      if (before === undefined || after === undefined || (m !== before && m !== after)) continue;
      if (near(this.backwardDistance(before.end, t.start)) && near(this.forwardDistance(t.end, after.start))) {
        return { kind: 'uncertain', distance: 0, trigger: t };
      }
    }
    return undefined;
  }

  /** Words counted from token `from` up to (not including) `to`, or undefined when the scope is cut. */
  private forwardDistance(from: number, to: number): number | undefined {
    let words = 0;
    for (let j = from; j < to; j++) {
      if (this.stopsBoth[j] === true || this.stopsForward[j] === true) return undefined;
      const tok = this.tokens[j];
      if (tok === undefined) return undefined;
      if (tok.text === ',' && !this.listGoesOn(j)) return undefined;
      if (this.counts(j)) words++;
    }
    return words <= this.lexicon.window ? words : undefined;
  }

  private backwardDistance(from: number, to: number): number | undefined {
    let words = 0;
    for (let j = from; j < to; j++) {
      if (this.stopsBoth[j] === true) return undefined;
      const tok = this.tokens[j];
      if (tok === undefined) return undefined;
      if (tok.text === ',' && !this.hasCoordinator(j + 1, to)) return undefined;
      if (this.counts(j)) words++;
    }
    return words <= this.lexicon.window ? words : undefined;
  }

  private counts(j: number): boolean {
    const tok = this.tokens[j];
    return tok !== undefined && tok.word && this.inMention[j] !== true && !COORDINATORS.has(tok.text);
  }

  /** After the comma at `j`: the next word is not a list breaker and "and"/"or"/"nor" follows in the clause. */
  private listGoesOn(j: number): boolean {
    const next = this.tokens.slice(j + 1).find((t) => t.word);
    if (next === undefined || this.lexicon.listBreakers.has(next.text)) return false;
    let end = j + 1;
    while (end < this.tokens.length && this.stopsBoth[end] !== true && this.stopsForward[end] !== true) end++;
    return this.hasCoordinator(j + 1, end);
  }

  private hasCoordinator(from: number, to: number): boolean {
    for (let k = from; k < to; k++) if (COORDINATORS.has(this.tokens[k]?.text ?? '') && this.tokens[k]?.text !== '/') return true;
    return false;
  }

  /** Left, right or bilateral from side words near the mention, within its clause and comma-free stretch. */
  side(m: Mention): MentionSide | undefined {
    const found = new Set<MentionSide>();
    const look = (j: number): boolean => {
      const t = this.tokens[j];
      if (t === undefined || this.stopsBoth[j] === true || t.text === ',' || t.text === ';') return false;
      const side = SIDES.get(t.text);
      const single = t.text.length === 1;
      if (side !== undefined && !(single && this.tokens[j + 1]?.text === '/')) found.add(side);
      return true;
    };
    for (let j = m.start - 1; j >= Math.max(0, m.start - 4); j--) if (!look(j)) break;
    for (let j = m.start; j < m.end; j++) look(j);
    for (let j = m.end; j < Math.min(this.tokens.length, m.end + 4); j++) if (!look(j)) break;
    if (found.has('bilateral') || (found.has('left') && found.has('right'))) return 'bilateral';
    return found.has('left') ? 'left' : found.has('right') ? 'right' : undefined;
  }
}
