/**
 * The learned proposal as a standards profile (the format of `mappings/standards/*.yaml`: `version`,
 * `name`, `order`, `fields` with `fixedSet`, `mandatory`, `standards: [{entry, synonyms}]`, `format`,
 * and `dependencies`), so that a reviewed proposal loads as it is. Counts and confidences stand beside
 * each item as comments; the full evidence goes to a separate file (evidence.ts). Only the profile's
 * header fields are written; the other learned fields are in the evidence and the report. Pure.
 */
import { Document, isMap, isNode, isSeq } from 'yaml';
import type { Node } from 'yaml';
import { phraseKey } from '../tokens.ts';
import type { ValueCluster } from './cluster.ts';
import type { DependencyRule } from './dependencies.ts';
import type { FieldLearning, LearnOptions, LearnResult } from './learn.ts';
import { clusterNeedsReview, needsReview, weakVariants } from './learn.ts';

const pct = (x: number): string => `${(Math.round(x * 1000) / 10).toString()}%`;

/** A synonym as the profile writes it: a text, or a text valid only for some modalities. */
type Synonym = string | { text: string; when: { modality: string | string[] } };

/** What was left out of a standard's synonyms, and why, for its comment. */
interface Dropped {
  value: string;
  why: string;
}

/**
 * The synonyms of each standard of a field, kept loadable: a variant spelled like its own entry is
 * implied; one spelled like another entry, or claimed by another standard for the same modalities,
 * is left out (and named in the comment). A variant that means different exams on different
 * modalities carries `when: { modality }`.
 */
function synonymsOf(clusters: readonly ValueCluster[]): { lists: Synonym[][]; dropped: Dropped[][] } {
  const entryKeys = new Set(clusters.map((c) => phraseKey(c.entry)));
  const claimed = new Map<string, Array<{ entry: string; when: string }>>();
  const lists: Synonym[][] = [];
  const dropped: Dropped[][] = [];
  for (const c of clusters) {
    const list: Synonym[] = [];
    const out: Dropped[] = [];
    for (const v of c.variants) {
      const key = phraseKey(v.value);
      if (key === '' || key === phraseKey(c.entry)) continue;
      if (entryKeys.has(key)) {
        out.push({ value: v.value, why: 'another standard' });
        continue;
      }
      const modalities = v.elsewhere !== undefined ? v.modalities : undefined;
      const when = modalities === undefined || modalities.length === 0 ? '' : modalities.join(',');
      const earlier = claimed.get(key) ?? [];
      if (earlier.some((e) => e.entry !== c.entry && (e.when === when || e.when === '' || when === ''))) {
        out.push({ value: v.value, why: 'claimed by another standard' });
        continue;
      }
      if (earlier.some((e) => e.entry === c.entry && e.when === when)) continue;
      claimed.set(key, [...earlier, { entry: c.entry, when }]);
      list.push(modalities === undefined || when === '' ? v.value : { text: v.value, when: { modality: modalities.length === 1 ? (modalities[0] ?? '') : modalities } });
    }
    lists.push(list);
    dropped.push(out);
  }
  return { lists, dropped };
}

/** The profile's `format:` block for a field: only rules the profile format knows. */
function formatOf(f: FieldLearning): Record<string, string> | undefined {
  const fmt = f.format;
  const out: Record<string, string> = {};
  if (f.spec.name === 'studyDate' || f.spec.name === 'birthDate') out['date'] = 'YYYYMMDD';
  if (f.spec.name === 'patientName') out['personName'] = 'dicom';
  if (f.spec.name === 'accessionNumber') {
    out['case'] = 'asis';
    if (fmt?.pattern !== undefined) out['pattern'] = fmt.pattern;
  } else if (fmt?.case === 'upper' || fmt?.case === 'title') out['case'] = fmt.case;
  return Object.keys(out).length > 0 ? out : undefined;
}

function ruleProposal(r: DependencyRule): Record<string, unknown> {
  return { if: { [r.ifField]: r.ifValue }, then: { [r.thenField]: r.allowed.map((v) => v.value) }, direction: r.direction };
}

/** Sets a comment beside the node at `path`, if there is one. */
function comment(doc: Document, path: ReadonlyArray<string | number>, text: string): void {
  const n = doc.getIn(path, true);
  if (isNode(n)) n.comment = ` ${text}`;
}

/** Writes the collection at `path` in flow style. */
function flow(doc: Document, path: ReadonlyArray<string | number>): void {
  const n = doc.getIn(path, true);
  if (isMap(n) || isSeq(n)) (n as Node & { flow?: boolean }).flow = true;
}

/** Options of {@link renderProposalYaml}. */
export interface ProposalYamlOptions {
  /** `YYYY-MM-DD` of the run. */
  date: string;
  /** The profile's `name`. */
  name: string;
  /** File names of the HTML report and the evidence, mentioned in the header. */
  htmlFile?: string;
  evidenceFile?: string;
}

function standardComment(c: ValueCluster, dropped: readonly Dropped[], o: LearnOptions): string {
  const weak = weakVariants(c, o).map((v) => `${v.value} ${v.confidence.toFixed(2)}`);
  const review = clusterNeedsReview(c, o) ? `, REVIEW${weak.length > 0 ? ` (doubtful: ${weak.join('; ')})` : ''}` : '';
  const left = dropped.length > 0 ? `; not listed: ${dropped.map((d) => `${d.value} (${d.why})`).join('; ')}` : '';
  return `${c.count}×, confidence ${c.confidence.toFixed(2)}${review}${left}`;
}

/** The proposal YAML text: a standards profile with comments. */
export function renderProposalYaml(result: LearnResult, opts: ProposalYamlOptions): string {
  const o = result.options;
  const fields = result.fields.filter((f) => f.spec.profile);
  const synonyms = new Map(fields.map((f) => [f.spec.name, synonymsOf(f.clusters)]));
  const rules = result.dependencies.filter((r) => fields.some((f) => f.spec.name === r.ifField) && fields.some((f) => f.spec.name === r.thenField));
  const body = {
    version: 1,
    name: opts.name,
    title: `Learned from ${result.records.dicom} studies and ${result.records.hl7} reports on ${opts.date} (proposal for review)`,
    order: result.order.filter((n) => fields.some((f) => f.spec.name === n)),
    fields: Object.fromEntries(fields.map((f) => {
      const format = formatOf(f);
      const lists = synonyms.get(f.spec.name)?.lists ?? [];
      return [f.spec.name, {
        fixedSet: f.fixedSet,
        mandatory: f.mandatory,
        ...(format === undefined ? {} : { format }),
        ...(f.clusters.length === 0 ? {} : { standards: f.clusters.map((c, i) => ({ entry: c.entry, synonyms: lists[i] ?? [] })) }),
      }];
    })),
    dependencies: rules.map(ruleProposal),
  };
  const doc = new Document(body);
  doc.commentBefore = [
    ` Standards profile proposed by "acclink mappings learn" on ${opts.date} from ${result.records.dicom} studies and`,
    ` ${result.records.hl7} reports/orders of this site's own archive. A proposal for a person to review: nothing in it`,
    ' is applied until it is used as a standards profile. Each standard is a value seen in the archive (for descriptions:',
    ' one that states the whole exam, in the most common style and case); its synonyms are the variants grouped under it.',
    ` Comments give counts and confidences; REVIEW marks confidence < ${o.lowConfidence} or fewer than ${o.minSupport} occurrences.`,
    ...(opts.evidenceFile === undefined ? [] : [` Every variant's count, confidence and reason: ${opts.evidenceFile}`]),
    ...(opts.htmlFile === undefined ? [] : [` Report with charts: ${opts.htmlFile}`]),
    ' Patient names, identifiers and birth dates appear only as formats.',
  ].join('\n');
  for (const f of fields) {
    const at = ['fields', f.spec.name];
    const h = f.histogram;
    comment(doc, [...at, 'mandatory'], `filled in ${pct(h.fillRate)} of ${h.records} ${f.spec.side === 'dicom' ? 'studies' : 'reports'}`);
    if (f.format !== undefined && doc.hasIn([...at, 'format'])) {
      const seen = f.format.date ?? (f.format.style === undefined ? undefined : `${f.format.style}, ${f.format.case ?? 'any case'}`) ?? f.format.pattern ?? f.format.case ?? '';
      comment(doc, [...at, 'format'], `most common: ${seen}, ${pct(f.format.share)} of values${f.format.share < o.lowConfidence ? ', REVIEW' : ''}`);
    }
    flow(doc, [...at, 'format']);
    const dropped = synonyms.get(f.spec.name)?.dropped ?? [];
    f.clusters.forEach((c, i) => {
      comment(doc, [...at, 'standards', i, 'entry'], standardComment(c, dropped[i] ?? [], o));
      flow(doc, [...at, 'standards', i, 'synonyms']);
    });
  }
  rules.forEach((r, i) => {
    flow(doc, ['dependencies', i, 'if']);
    flow(doc, ['dependencies', i, 'then']);
    comment(doc, ['dependencies', i, 'direction'], `support ${r.support}, confidence ${r.confidence.toFixed(2)}${needsReview(r.confidence, r.support, o) ? ', REVIEW' : ''}`);
  });
  flow(doc, ['order']);
  return doc.toString({ lineWidth: 0 });
}
