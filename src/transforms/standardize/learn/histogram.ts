/** Histograms of field values and fill rates over learn records. Pure. */
import type { LearnRecord } from './fields.ts';

/** One value and how often it occurs. */
export interface HistogramEntry {
  value: string;
  count: number;
}

/** The values of one field over all records. */
export interface FieldHistogram {
  field: string;
  /** Records where the field could be looked at. */
  records: number;
  /** Records where it had at least one value. */
  filled: number;
  /** `filled / records` (0 when no record). */
  fillRate: number;
  /** Value occurrences (a study with three series contributes three series descriptions). */
  occurrences: number;
  /** Distinct values, most frequent first, ties in code-unit order. */
  entries: HistogramEntry[];
}

const byCountThenValue = (a: HistogramEntry, b: HistogramEntry): number =>
  b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** Counts values: trimmed, empty strings ignored, most frequent first. */
export function countValues(values: Iterable<string>): HistogramEntry[] {
  const counts = new Map<string, number>();
  for (const raw of values) {
    const v = raw.trim();
    if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].map(([value, count]) => ({ value, count })).sort(byCountThenValue);
}

/** The histogram and fill rate of one field over the records that carry it. */
export function fieldHistogram(field: string, records: readonly LearnRecord[]): FieldHistogram {
  let observed = 0;
  let filled = 0;
  const all: string[] = [];
  for (const r of records) {
    const vs = r.values[field];
    if (vs === undefined) continue;
    observed++;
    const kept = vs.map((v) => v.trim()).filter((v) => v !== '');
    if (kept.length > 0) filled++;
    all.push(...kept);
  }
  return { field, records: observed, filled, fillRate: observed === 0 ? 0 : filled / observed, occurrences: all.length, entries: countValues(all) };
}

/** Share of the total that `count` is, 0 for an empty total. */
export function share(count: number, total: number): number {
  return total <= 0 ? 0 : count / total;
}
