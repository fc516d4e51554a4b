/**
 * Learning a site's standardization data from its own records: per field a histogram and fill rate,
 * proposed standards (clusters of variants) or a proposed format, whether it looks mandatory, and
 * dependency rules between fields. Everything comes with counts and confidences for a person to judge;
 * nothing here decides for them. Pure.
 */
import type { ProcedureTerms } from '../procedure.ts';
import { clusterValues } from './cluster.ts';
import type { ClusterInput, EntryCandidate, ValueCluster } from './cluster.ts';
import { mineDependencies } from './dependencies.ts';
import type { DependencyRule, Transaction } from './dependencies.ts';
import { LEARN_FIELDS } from './fields.ts';
import type { FieldSpec, LearnRecord } from './fields.ts';
import { caseStyle, identifierPattern, nameStylePattern, parseNameClassKey } from './formats.ts';
import type { CaseStyle, NameScheme } from './formats.ts';
import { fieldHistogram, share } from './histogram.ts';
import type { FieldHistogram, HistogramEntry } from './histogram.ts';
import { descriptionStyle } from './signature.ts';

/** Thresholds of the learner. */
export interface LearnOptions {
  /** A field filled in at least this share of records is proposed mandatory. */
  mandatoryFillRate: number;
  /** Items below this confidence are marked for review. */
  lowConfidence: number;
  /** Items seen fewer times than this are marked for review. */
  minSupport: number;
  /** Text similarity needed to group values by text. */
  similarity: number;
  /** Dependency rules: share a value needs to be allowed; reverse confidence for two-way rules; least support. */
  ruleMinShare: number;
  bothWays: number;
  ruleMinSupport: number;
  /** Identifier classes with at least this share join the proposed pattern. */
  formatMinShare: number;
}

export const DEFAULT_LEARN_OPTIONS: LearnOptions = {
  mandatoryFillRate: 0.98,
  lowConfidence: 0.8,
  minSupport: 3,
  similarity: 0.9,
  ruleMinShare: 0.05,
  bothWays: 0.95,
  ruleMinSupport: 1,
  formatMinShare: 0.1,
};

/** Field pairs mined for dependency rules, `[if, then]`. */
export const DEPENDENCY_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['modality', 'bodyPartExamined'],
  ['bodyPartExamined', 'modality'],
  ['studyDescription', 'modality'],
];

/** A proposed format with the share of values that follow it. */
export interface FormatProposal {
  case?: CaseStyle;
  pattern?: string;
  date?: string;
  /** Name fields: the layout family (components, trailing, comma, single). */
  style?: string;
  /** Share of the field's values that follow the proposal. */
  share: number;
}

/** What was learned about one field. */
export interface FieldLearning {
  spec: FieldSpec;
  histogram: FieldHistogram;
  mandatory: boolean;
  /** Proposed `fixedSet`: the field's kind allows only listed values, and there are standards to list. */
  fixedSet: boolean;
  /** Entry fields: proposed standards, largest first. */
  clusters: ValueCluster[];
  format?: FormatProposal;
  /** Letter case of the values (entry fields). */
  cases: HistogramEntry[];
  /** Description fields: the order in which descriptions state their facets. */
  styles: HistogramEntry[];
  /** Description fields: the most common style, proposed for new entries. */
  consensusStyle?: { value: string; share: number };
}

/** Everything learned, in a form the YAML and HTML writers take. */
export interface LearnResult {
  records: { dicom: number; hl7: number };
  /** The fields some input could show, in LEARN_FIELDS order. */
  fields: FieldLearning[];
  dependencies: DependencyRule[];
  /** The order to standardize the fields in: LEARN_FIELDS order (modality before what may depend on it). */
  order: string[];
  options: LearnOptions;
}

const SCHEMES: Partial<Record<string, NameScheme>> = { reportPatientName: 'xpn', interpreter: 'cnn' };

/** The most common entry and its share, ignoring `skip`. */
function top(entries: readonly HistogramEntry[], skip: ReadonlySet<string> = new Set()): { value: string; share: number } | undefined {
  const kept = entries.filter((e) => !skip.has(e.value));
  const first = kept[0];
  const total = entries.reduce((a, e) => a + e.count, 0);
  return first === undefined ? undefined : { value: first.value, share: share(first.count, total) };
}

/** Values weighted by count, mapped through `f`. */
function regroup(entries: readonly HistogramEntry[], f: (value: string) => string): HistogramEntry[] {
  const m = new Map<string, number>();
  for (const e of entries) m.set(f(e.value), (m.get(f(e.value)) ?? 0) + e.count);
  return [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function clusterInputs(field: string, records: readonly LearnRecord[]): ClusterInput[] {
  const m = new Map<string, ClusterInput>();
  for (const r of records) {
    for (const raw of r.values[field] ?? []) {
      const value = raw.trim();
      if (value === '') continue;
      const key = `${value}\u0000${r.modality ?? ''}`;
      const c = m.get(key) ?? { value, count: 0, ...(r.modality === undefined ? {} : { modality: r.modality }) };
      c.count++;
      m.set(key, c);
    }
  }
  return [...m.values()];
}

function learnEntryField(spec: FieldSpec, histogram: FieldHistogram, records: readonly LearnRecord[], terms: ProcedureTerms, o: LearnOptions): Omit<FieldLearning, 'spec' | 'histogram' | 'mandatory' | 'fixedSet'> {
  const cases = regroup(histogram.entries, caseStyle);
  const consensusCase = top(cases, new Set(['none']));
  const procedure = spec.cluster === 'procedure';
  const styles = procedure ? regroup(histogram.entries, (v) => descriptionStyle(v, terms)) : [];
  const consensusStyle = top(styles, new Set(['FREE TEXT']));
  const rank = (v: string): number => (procedure && descriptionStyle(v, terms) === consensusStyle?.value ? 2 : 0) + (caseStyle(v) === consensusCase?.value ? 1 : 0);
  // The entry states the whole exam, in the consensus style and case where a variant does, else the most common.
  const chooseEntry = (vs: readonly EntryCandidate[]): string =>
    [...vs].sort((a, b) => Number(b.complete) - Number(a.complete) || rank(b.value) - rank(a.value) || b.count - a.count || (a.value < b.value ? -1 : 1))[0]?.value ?? '';
  const clusters = clusterValues(spec.cluster ?? 'text', clusterInputs(spec.name, records), { terms, similarity: o.similarity, chooseEntry });
  // An upper-case field gets upper-case entries (a profile's entries must follow their own format).
  if (consensusCase?.value === 'upper') for (const c of clusters) c.entry = c.entry.toUpperCase();
  const out: Omit<FieldLearning, 'spec' | 'histogram' | 'mandatory' | 'fixedSet'> = { clusters, cases, styles };
  if (consensusCase !== undefined) out.format = { case: consensusCase.value as CaseStyle, share: round(consensusCase.share) };
  if (consensusStyle !== undefined) out.consensusStyle = { value: consensusStyle.value, share: round(consensusStyle.share) };
  return out;
}

function learnFormat(spec: FieldSpec, histogram: FieldHistogram, o: LearnOptions): FormatProposal | undefined {
  const entries = histogram.entries;
  const total = histogram.occurrences;
  if (total === 0) return undefined;
  if (spec.format === 'name') {
    const scheme = SCHEMES[spec.name] ?? 'pn';
    const parsed = entries.map((e) => ({ c: parseNameClassKey(e.value), count: e.count }));
    const styles = regroup(parsed.map((p) => ({ value: p.c?.style ?? 'single', count: p.count })), (v) => v);
    const cases = regroup(parsed.map((p) => ({ value: p.c?.case ?? 'none', count: p.count })), (v) => v);
    const style = top(styles)?.value ?? 'components';
    const kase = top(cases, new Set(['none']))?.value;
    const following = parsed.filter((p) => p.c?.style === style && (kase === undefined || p.c.case === kase)).reduce((a, p) => a + p.count, 0);
    return { ...(kase === undefined ? {} : { case: kase as CaseStyle }), pattern: nameStylePattern(style as Parameters<typeof nameStylePattern>[0], scheme), style, share: round(share(following, total)) };
  }
  if (spec.format === 'identifier') {
    const kept = entries.filter((e, i) => i === 0 || share(e.count, total) >= o.formatMinShare);
    return { pattern: identifierPattern(kept.map((e) => e.value)), share: round(share(kept.reduce((a, e) => a + e.count, 0), total)) };
  }
  const first = entries[0];
  return first === undefined ? undefined : { date: first.value, share: round(share(first.count, total)) };
}

/** Marks each standard of field `a` with the standard of field `b` for the same exam signature, and back. */
function linkCounterparts(fields: readonly FieldLearning[], a: string, b: string): void {
  const fa = fields.find((f) => f.spec.name === a);
  const fb = fields.find((f) => f.spec.name === b);
  if (fa === undefined || fb === undefined) return;
  const byKey = (f: FieldLearning): Map<string, ValueCluster> => new Map(f.clusters.flatMap((c) => (c.signature === undefined ? [] : [[c.signature.key, c] as const])));
  const ka = byKey(fa);
  for (const [key, cb] of byKey(fb)) {
    const ca = ka.get(key);
    if (ca === undefined) continue;
    ca.counterpart = { field: b, entry: cb.entry };
    cb.counterpart = { field: a, entry: ca.entry };
  }
}

/** The record modality codes of DICOM description variants, written as the proposed modality standards. */
function standardizeConditionCodes(fields: readonly FieldLearning[]): void {
  const modality = fields.find((f) => f.spec.name === 'modality');
  if (modality === undefined) return;
  const std = standardizer(modality);
  for (const f of fields) {
    if (f.spec.side !== 'dicom' || f.spec.cluster !== 'procedure') continue;
    for (const c of f.clusters) for (const v of c.variants) if (v.modalities !== undefined) v.modalities = [...new Set(v.modalities.map((m) => std(m, undefined)))].sort();
  }
}

/**
 * Maps a raw value of an entry field, seen on a record with `modality`, to its proposed standard: the
 * standard listing that modality for the value, else the one holding most of the value's occurrences.
 */
function standardizer(f: FieldLearning): (value: string, modality: string | undefined) => string {
  const byValue = new Map<string, Array<{ entry: string; count: number; modalities?: string[] }>>();
  for (const c of f.clusters) {
    for (const v of c.variants) byValue.set(v.value, [...(byValue.get(v.value) ?? []), { entry: c.entry, count: v.count, ...(v.modalities === undefined ? {} : { modalities: v.modalities }) }]);
  }
  return (value, modality) => {
    const options = byValue.get(value) ?? [];
    const fits = options.find((x) => modality !== undefined && x.modalities?.includes(modality) === true);
    return (fits ?? [...options].sort((a, b) => b.count - a.count)[0])?.entry ?? value;
  };
}

/**
 * Learns the proposal from the records.
 * @param records one per study (side `dicom`) and one per report or order (side `hl7`)
 * @param terms the procedure terms, for reading descriptions
 */
export function learnMappings(records: readonly LearnRecord[], terms: ProcedureTerms, options: Partial<LearnOptions> = {}): LearnResult {
  const o = { ...DEFAULT_LEARN_OPTIONS, ...options };
  const fields: FieldLearning[] = [];
  for (const spec of LEARN_FIELDS) {
    const mine = records.filter((r) => r.side === spec.side);
    const histogram = fieldHistogram(spec.name, mine);
    // A field no input could show (DICOM fields of an HL7-only run) gets no proposal at all.
    if (histogram.records === 0) continue;
    const mandatory = histogram.records > 0 && histogram.fillRate >= o.mandatoryFillRate;
    if (spec.kind === 'entry') {
      const learned = learnEntryField(spec, histogram, mine, terms, o);
      fields.push({ spec, histogram, mandatory, fixedSet: spec.fixedSet && learned.clusters.length > 0, ...learned });
    } else {
      const format = learnFormat(spec, histogram, o);
      fields.push({ spec, histogram, mandatory, fixedSet: false, clusters: [], cases: [], styles: [], ...(format === undefined ? {} : { format }) });
    }
  }
  standardizeConditionCodes(fields);
  linkCounterparts(fields, 'studyDescription', 'procedureText');
  const maps = new Map(fields.filter((f) => f.spec.kind === 'entry').map((f) => [f.spec.name, standardizer(f)]));
  const present = new Set(fields.map((f) => f.spec.name));
  const pairs = DEPENDENCY_PAIRS.filter(([a, b]) => present.has(a) && present.has(b));
  const mined = new Set(pairs.flat());
  const transactions: Transaction[] = records.map((r) => {
    const t: Record<string, string[]> = {};
    for (const name of mined) {
      const vs = r.values[name];
      const std = maps.get(name);
      if (vs !== undefined) t[name] = vs.map((v) => (std === undefined ? v.trim() : std(v.trim(), r.modality)));
    }
    return t;
  });
  const dependencies = mineDependencies(transactions, { pairs, minShare: o.ruleMinShare, bothWays: o.bothWays, minSupport: o.ruleMinSupport });
  return {
    records: { dicom: records.filter((r) => r.side === 'dicom').length, hl7: records.filter((r) => r.side === 'hl7').length },
    fields,
    dependencies,
    order: fields.map((f) => f.spec.name),
    options: o,
  };
}

/** True when an item should be looked at by a person: low confidence or little support. */
export function needsReview(confidence: number, count: number, o: LearnOptions): boolean {
  return confidence < o.lowConfidence || count < o.minSupport;
}

/** The synonyms of a standard that are doubtful on their own (below the confidence threshold). */
export function weakVariants(c: ValueCluster, o: LearnOptions): ValueCluster['variants'] {
  return c.variants.filter((v) => v.value !== c.entry && v.confidence < o.lowConfidence);
}

/** A standard needs review when it is weak or rare itself, or when one of its synonyms is doubtful. */
export function clusterNeedsReview(c: ValueCluster, o: LearnOptions): boolean {
  return needsReview(c.confidence, c.count, o) || weakVariants(c, o).length > 0;
}

/** A field's proposal in a few words: `12 standards`, `YYYYMMDD`, `components, upper`, `^A\d{7}$`. */
export function proposalSummary(f: FieldLearning): string {
  if (f.spec.kind === 'entry') return `${f.clusters.length} standard${f.clusters.length === 1 ? '' : 's'}`;
  const fmt = f.format;
  if (fmt === undefined) return '-';
  if (fmt.style !== undefined) return `${fmt.style}${fmt.case === undefined ? '' : `, ${fmt.case}`}`;
  return fmt.date ?? fmt.pattern ?? '-';
}

/** How many items of a field a person should look at: doubtful standards, and a weakly followed format. */
export function reviewCount(f: FieldLearning, o: LearnOptions): number {
  return f.clusters.filter((c) => clusterNeedsReview(c, o)).length + (f.format !== undefined && f.format.share < o.lowConfidence ? 1 : 0);
}
