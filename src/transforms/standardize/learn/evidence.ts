/**
 * The full evidence of a learn run as YAML: for every learned field (those outside the standards
 * profile too) its fill rate, histogram or format classes, proposed standards with every variant's
 * count, confidence and reason, and every dependency rule with its support. Written beside the
 * proposal so that the proposal itself stays a loadable standards profile. Pure: returns the text.
 */
import { Document, isMap, isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { DependencyRule } from './dependencies.ts';
import type { FieldLearning, LearnOptions, LearnResult } from './learn.ts';
import { clusterNeedsReview, needsReview } from './learn.ts';

const round = (x: number): number => Math.round(x * 1000) / 1000;

function fieldEvidence(f: FieldLearning, o: LearnOptions): Record<string, unknown> {
  const h = f.histogram;
  const out: Record<string, unknown> = {
    label: f.spec.label, source: f.spec.source, inProfile: f.spec.profile,
    records: h.records, filled: h.filled, fillRate: round(h.fillRate), mandatory: f.mandatory, occurrences: h.occurrences, distinct: h.entries.length,
  };
  if (f.format !== undefined) out['format'] = { ...f.format, review: f.format.share < o.lowConfidence };
  if (f.consensusStyle !== undefined) out['style'] = { ...f.consensusStyle, review: f.consensusStyle.share < o.lowConfidence };
  if (f.spec.kind === 'format') out['classes'] = h.entries.map((e) => ({ value: e.value, count: e.count }));
  if (f.clusters.length > 0) {
    out['standards'] = f.clusters.map((c) => ({
      entry: c.entry, count: c.count, confidence: c.confidence, review: clusterNeedsReview(c, o),
      ...(c.signature === undefined ? {} : { exam: c.signature.text }),
      ...(c.counterpart === undefined ? {} : { sameExamIn: { [c.counterpart.field]: c.counterpart.entry } }),
      variants: c.variants.map((v) => ({
        value: v.value, count: v.count, confidence: v.confidence, how: v.how,
        ...(v.modalities === undefined ? {} : { whenModality: v.modalities }),
        ...(v.elsewhere === undefined ? {} : { elsewhere: v.elsewhere.map((e) => `${e.value} (${e.count})`) }),
        ...(v.how !== 'standard' && v.confidence < o.lowConfidence ? { review: true } : {}),
      })),
    }));
  }
  return out;
}

function ruleEvidence(r: DependencyRule, o: LearnOptions): Record<string, unknown> {
  return {
    rule: `${r.ifField} = ${r.ifValue} → ${r.thenField}`, direction: r.direction, support: r.support, confidence: r.confidence,
    review: needsReview(r.confidence, r.support, o), allowed: r.allowed.map((v) => ({ ...v })), leftOut: r.leftOut.map((v) => ({ ...v })),
  };
}

/** Writes the collections at `path` in flow style; with `items`, each item of the list at `path` instead. */
function flow(doc: Document, path: ReadonlyArray<string | number>, items = false): void {
  const n = doc.getIn(path, true);
  const set = (x: unknown): void => {
    if (isMap(x) || isSeq(x)) (x as Node & { flow?: boolean }).flow = true;
  };
  if (items && isSeq(n)) n.items.forEach(set);
  else set(n);
}

/** The evidence YAML text. */
export function renderEvidenceYaml(result: LearnResult, opts: { date: string; proposalFile?: string }): string {
  const o = result.options;
  const doc = new Document({
    generated: opts.date,
    records: { studies: result.records.dicom, reports: result.records.hl7 },
    thresholds: { ...o },
    fields: Object.fromEntries(result.fields.map((f) => [f.spec.name, fieldEvidence(f, o)])),
    dependencies: result.dependencies.map((r) => ruleEvidence(r, o)),
  });
  doc.commentBefore = [
    ` Evidence for the standardization proposal${opts.proposalFile === undefined ? '' : ` ${opts.proposalFile}`}, learned by "acclink mappings learn".`,
    ' count: occurrences; confidence: 0..1, how sure a variant is the same value as its standard (cut by the share',
    ' of its occurrences in that group); how: why it was grouped; review: below the confidence threshold or rare.',
    ' Patient names, identifiers and birth dates appear only as format classes.',
  ].join('\n');
  flow(doc, ['records']);
  flow(doc, ['thresholds']);
  for (const f of result.fields) {
    const at = ['fields', f.spec.name];
    flow(doc, [...at, 'format']);
    flow(doc, [...at, 'style']);
    flow(doc, [...at, 'classes'], true);
    f.clusters.forEach((_, i) => flow(doc, [...at, 'standards', i, 'variants'], true));
  }
  result.dependencies.forEach((_, i) => {
    flow(doc, ['dependencies', i, 'allowed'], true);
    flow(doc, ['dependencies', i, 'leftOut'], true);
  });
  return doc.toString({ lineWidth: 0 });
}
