/**
 * Grouping the values of a field into proposed standards: each group has an entry (the proposed
 * standard value) and variants (the synonyms), with counts and a confidence for each variant.
 *
 * - `procedure`: descriptions group by exam signature (modality, regions, contrast, side, views). A
 *   description stating fewer facets ("CHEST" on a CR) joins the most frequent compatible exam
 *   ("CHEST PA/LAT"), with the confidence cut to that exam's share among the compatible ones.
 *   Descriptions naming no region fall back to text similarity.
 * - `region`: body parts group by procedure-term region (LSPINE, L-SPINE, LUMBAR SPINE), else by text.
 * - `code`: text similarity, plus abbreviations by prefix (M, MALE).
 * - `exact`: only case, spacing and punctuation fold (CR stays apart from DX).
 * - `text`: text similarity (see similarity.ts).
 * Pure.
 */
import type { ProcedureTerms } from '../procedure.ts';
import type { ClusterStrategy } from './fields.ts';
import type { HistogramEntry } from './histogram.ts';
import { compactText, isPrefixAbbreviation, textSimilarity } from './similarity.ts';
import { describeSignature, examSignature, generalizes, signatureKey, specificity } from './signature.ts';
import type { ExamSignature } from './signature.ts';

/** Why a variant is in its group. */
export type MatchKind = 'standard' | 'same-terms' | 'fewer-terms' | 'same-region' | 'same-code' | 'abbreviation' | 'similar-text';

/** One value of a group. */
export interface ClusterVariant {
  value: string;
  /** Occurrences of the value in this group. */
  count: number;
  /** 0..1: how sure it is the same standard value as the entry (cut by the share of its occurrences here). */
  confidence: number;
  how: MatchKind;
  /**
   * `procedure` groups: the record modality codes under which the value means this group's exam
   * ("KNEE" on CR and DX studies, not on MR ones). Set when the value also falls in other groups.
   */
  modalities?: string[];
  /** Other groups (their entries) the rest of the value's occurrences fell in, with counts. */
  elsewhere?: HistogramEntry[];
}

/** A proposed standard with its synonyms. */
export interface ValueCluster {
  entry: string;
  /** Occurrences of all its variants. */
  count: number;
  /** Count-weighted mean confidence of the variants (the entry included). */
  confidence: number;
  /** The entry first, then the other variants, most frequent first. */
  variants: ClusterVariant[];
  /** `procedure` groups: the exam signature key and its readable form. */
  signature?: { key: string; text: string };
  /** The standard of another field for the same exam (the RIS procedure name of a study description). */
  counterpart?: { field: string; entry: string };
}

/** A value that could become a group's entry. */
export interface EntryCandidate extends HistogramEntry {
  complete: boolean;
}

/** One distinct value as seen under one record modality. */
export interface ClusterInput {
  value: string;
  modality?: string;
  count: number;
}

export interface ClusterContext {
  terms: ProcedureTerms;
  /** Text similarity needed to group by text (0..1). */
  similarity: number;
  /**
   * Picks the entry among a group's values (most frequent first); by default the most frequent complete one.
   * `complete` is false for values that joined by stating fewer facets than the group's exam.
   */
  chooseEntry?: (values: readonly EntryCandidate[]) => string;
}

/** A group member before the entry is known. */
interface Member {
  count: number;
  /** Occurrence-weighted share factor (1 unless joined by fewer terms). */
  weighted: number;
  how: MatchKind;
  /** Record modality codes of the occurrences. */
  modalities: Set<string>;
}

interface Group {
  key: string;
  seed: string;
  members: Map<string, Member>;
  signature?: ExamSignature;
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function addMember(g: Group, value: string, count: number, weight: number, how: MatchKind, modality?: string): void {
  const m = g.members.get(value) ?? { count: 0, weighted: 0, how, modalities: new Set<string>() };
  m.count += count;
  m.weighted += count * weight;
  if (how === 'fewer-terms') m.how = how;
  if (modality !== undefined) m.modalities.add(modality);
  g.members.set(value, m);
}

function totals(inputs: readonly ClusterInput[]): HistogramEntry[] {
  const m = new Map<string, number>();
  for (const i of inputs) m.set(i.value, (m.get(i.value) ?? 0) + i.count);
  return [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || byCode(a.value, b.value));
}

/** How a value matches a group seed by text, or undefined. */
function textMatch(value: string, seed: string, strategy: ClusterStrategy, threshold: number): { how: MatchKind; score: number } | undefined {
  if (compactText(value) === compactText(seed)) return { how: 'same-code', score: 1 };
  if (strategy === 'exact') return undefined;
  if (strategy === 'code' && (isPrefixAbbreviation(value, seed) || isPrefixAbbreviation(seed, value))) return { how: 'abbreviation', score: 0.9 };
  const s = textSimilarity(value, seed);
  return s >= threshold ? { how: 'similar-text', score: s } : undefined;
}

/** Greedy grouping by text: values in decreasing frequency join the best-matching seed, else start a group. */
function groupByText(values: readonly HistogramEntry[], strategy: ClusterStrategy, threshold: number, prefix: string, groups: Map<string, Group>): void {
  const mine: Group[] = [];
  for (const { value, count } of values) {
    let best: { g: Group; how: MatchKind; score: number } | undefined;
    for (const g of mine) {
      const m = textMatch(value, g.seed, strategy, threshold);
      if (m !== undefined && (best === undefined || m.score > best.score)) best = { g, ...m };
    }
    if (best === undefined) {
      const g: Group = { key: `${prefix}${value}`, seed: value, members: new Map() };
      mine.push(g);
      groups.set(g.key, g);
      addMember(g, value, count, 1, 'standard');
    } else addMember(best.g, value, count, 1, best.how);
  }
}

/** `procedure`: signatures with regions group by the most specific compatible signature; the rest by text. */
function groupByProcedure(inputs: readonly ClusterInput[], ctx: ClusterContext, groups: Map<string, Group>): void {
  const sigs = new Map<string, { sig: ExamSignature; count: number }>();
  const ordered = [...inputs].sort((a, b) => b.count - a.count || byCode(a.value, b.value));
  const pairs = ordered.map((i) => {
    const sig = examSignature(i.value, i.modality, ctx.terms);
    const key = signatureKey(sig);
    const s = sigs.get(key) ?? { sig, count: 0 };
    s.count += i.count;
    sigs.set(key, s);
    return { ...i, sig, key };
  });
  const withRegions = [...sigs].filter(([, s]) => s.sig.regions.length > 0);
  const roots = withRegions.filter(([, s]) => !withRegions.some(([, o]) => generalizes(s.sig, o.sig)));
  const textOnly: ClusterInput[] = [];
  for (const p of pairs) {
    if (p.sig.regions.length === 0) {
      textOnly.push(p);
      continue;
    }
    let target = roots.find(([k]) => k === p.key);
    let weight = 1;
    if (target === undefined) {
      const compatible = roots.filter(([, r]) => generalizes(p.sig, r.sig));
      const sum = compatible.reduce((a, [, r]) => a + r.count, 0);
      target = compatible.sort(([ka, a], [kb, b]) => b.count - a.count || specificity(b.sig) - specificity(a.sig) || byCode(ka, kb))[0];
      weight = target === undefined || sum === 0 ? 1 : target[1].count / sum;
    }
    const [key, root] = target ?? [p.key, { sig: p.sig, count: 0 }];
    const g = groups.get(key) ?? { key, seed: p.value, members: new Map<string, Member>(), signature: root.sig };
    groups.set(key, g);
    addMember(g, p.value, p.count, weight, key === p.key ? 'same-terms' : 'fewer-terms', p.modality);
  }
  groupByText(totals(textOnly), 'text', ctx.similarity, 'text:', groups);
}

/** `region`: values naming the same regions group; the rest by text. */
function groupByRegion(values: readonly HistogramEntry[], ctx: ClusterContext, groups: Map<string, Group>): void {
  const textOnly: HistogramEntry[] = [];
  for (const v of values) {
    const sig = examSignature(v.value, undefined, ctx.terms);
    if (sig.regions.length === 0) {
      textOnly.push(v);
      continue;
    }
    const key = `region:${sig.regions.join('+')}`;
    const g = groups.get(key) ?? { key, seed: v.value, members: new Map<string, Member>() };
    groups.set(key, g);
    addMember(g, v.value, v.count, 1, 'same-region');
  }
  groupByText(textOnly, 'text', ctx.similarity, 'text:', groups);
}

/** Confidence of a member against the chosen entry. */
function memberConfidence(value: string, m: Member, entry: string, seed: string, strategy: ClusterStrategy): number {
  const factor = m.count === 0 ? 1 : m.weighted / m.count;
  if (value === entry) return factor;
  const sim = Math.max(textSimilarity(value, entry), textSimilarity(value, seed));
  if (compactText(value) === compactText(entry)) return factor;
  if (strategy === 'procedure' && m.how !== 'similar-text' && m.how !== 'same-code') return factor * (0.8 + 0.2 * sim);
  if (strategy === 'region' && m.how === 'same-region') return 0.6 + 0.4 * sim;
  if (m.how === 'abbreviation') return 0.9;
  return Math.max(sim, 0.5);
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Turns groups into clusters: entry, variants with confidence, ambiguity across groups. */
function finish(groups: Map<string, Group>, strategy: ClusterStrategy, ctx: ClusterContext): ValueCluster[] {
  // A value may fall in several groups (under different record modalities): each keeps its share.
  const totalOf = new Map<string, number>();
  const groupsOf = new Map<string, Group[]>();
  for (const g of groups.values()) {
    for (const [value, m] of g.members) {
      totalOf.set(value, (totalOf.get(value) ?? 0) + m.count);
      groupsOf.set(value, [...(groupsOf.get(value) ?? []), g]);
    }
  }
  const size = (g: Group): number => [...g.members.values()].reduce((a, m) => a + m.count, 0);
  const ordered = [...groups.values()].sort((a, b) => size(b) - size(a) || byCode(a.key, b.key));
  const choose = ctx.chooseEntry ?? ((vs: readonly EntryCandidate[]) => (vs.find((v) => v.complete) ?? vs[0])?.value ?? '');
  // Entries are chosen largest group first, among values that are no other group's entry and, where
  // possible, mean this group's exam only (a text that means different exams makes a poor standard).
  const entries = new Map<string, string>();
  const taken = new Set<string>();
  for (const g of ordered) {
    const ranked: EntryCandidate[] = [...g.members]
      .map(([value, m]) => ({ value, count: m.count, complete: m.how !== 'fewer-terms' }))
      .sort((a, b) => b.count - a.count || byCode(a.value, b.value));
    const free = ranked.filter((c) => !taken.has(compactText(c.value)));
    const single = free.filter((c) => (groupsOf.get(c.value)?.length ?? 0) <= 1);
    const entry = choose(single.length > 0 ? single : free.length > 0 ? free : ranked);
    entries.set(g.key, entry);
    taken.add(compactText(entry));
  }
  const out: ValueCluster[] = [];
  for (const g of ordered) {
    const entry = entries.get(g.key) ?? g.seed;
    const variants: ClusterVariant[] = [...g.members].map(([value, m]) => {
      const total = totalOf.get(value) ?? m.count;
      const v: ClusterVariant = { value, count: m.count, confidence: round(memberConfidence(value, m, entry, g.seed, strategy) * (m.count / total)), how: value === entry ? 'standard' : m.how };
      const others = (groupsOf.get(value) ?? []).filter((o) => o !== g);
      if (others.length > 0) {
        v.elsewhere = others.map((o) => ({ value: entries.get(o.key) ?? o.seed, count: o.members.get(value)?.count ?? 0 }));
        if (m.modalities.size > 0) v.modalities = [...m.modalities].sort(byCode);
      }
      return v;
    });
    variants.sort((a, b) => (a.value === entry ? -1 : b.value === entry ? 1 : b.count - a.count || byCode(a.value, b.value)));
    const count = variants.reduce((a, v) => a + v.count, 0);
    const confidence = round(variants.reduce((a, v) => a + v.count * v.confidence, 0) / Math.max(1, count));
    const c: ValueCluster = { entry, count, confidence, variants };
    if (g.signature !== undefined) c.signature = { key: g.key, text: describeSignature(g.signature) };
    out.push(c);
  }
  return out.sort((a, b) => b.count - a.count || byCode(a.entry, b.entry));
}

/**
 * Groups a field's values into proposed standards.
 * @param inputs distinct values with their record modality and count (modality matters for `procedure` only)
 */
export function clusterValues(strategy: ClusterStrategy, inputs: readonly ClusterInput[], ctx: ClusterContext): ValueCluster[] {
  const groups = new Map<string, Group>();
  if (strategy === 'procedure') groupByProcedure(inputs, ctx, groups);
  else if (strategy === 'region') groupByRegion(totals(inputs), ctx, groups);
  else groupByText(totals(inputs), strategy, ctx.similarity, 'text:', groups);
  return finish(groups, strategy, ctx);
}
