/**
 * Dependency rules from co-occurrence: for a pair of fields (modality, body part), each value of the
 * first that occurs often enough allows the values of the second seen with it (MG → BREAST). Support is
 * the number of records with the `if` value; each allowed value carries its confidence (share of those
 * records having it) and its reverse confidence (share of records with it that have the `if` value).
 * A rule goes both ways when every allowed value implies the `if` value as well. Pure.
 */

/** One record's standardized values, by field. */
export type Transaction = Partial<Record<string, readonly string[]>>;

/** An allowed (or left out) value of a rule with its evidence. */
export interface RuleValue {
  value: string;
  /** Records with both the `if` value and this value. */
  count: number;
  /** count / support. */
  confidence: number;
  /** count / records with this value: how strongly it points back to the `if` value. */
  reverse: number;
}

/** `if: { ifField: ifValue }, then: { thenField: allowed }`. */
export interface DependencyRule {
  ifField: string;
  ifValue: string;
  thenField: string;
  allowed: RuleValue[];
  /** Values seen with the `if` value too rarely to be allowed: likely errors, for a person to judge. */
  leftOut: RuleValue[];
  direction: 'one-way' | 'both';
  /** Records with the `if` value and some value of the `then` field. */
  support: number;
  /** Share of the supporting records whose `then` values are all allowed. */
  confidence: number;
}

export interface DependencyOptions {
  /** Field pairs to mine, `[if, then]`. */
  pairs: ReadonlyArray<readonly [string, string]>;
  /** A `then` value is allowed when at least this share of the supporting records have it. */
  minShare: number;
  /** A rule goes both ways when every allowed value points back with at least this reverse confidence. */
  bothWays: number;
  /** Rules with less support are left out. */
  minSupport: number;
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Distinct non-empty values of a field in one record. */
function valuesOf(t: Transaction, field: string): string[] {
  return [...new Set((t[field] ?? []).filter((v) => v !== ''))];
}

function minePair(transactions: readonly Transaction[], a: string, b: string, o: DependencyOptions): DependencyRule[] {
  const ifCount = new Map<string, number>();
  const thenCount = new Map<string, number>();
  const both = new Map<string, Map<string, number>>();
  const rows: Array<{ as: string[]; bs: string[] }> = [];
  for (const t of transactions) {
    const as = valuesOf(t, a);
    const bs = valuesOf(t, b);
    if (as.length === 0 || bs.length === 0) continue;
    rows.push({ as, bs });
    for (const x of as) ifCount.set(x, (ifCount.get(x) ?? 0) + 1);
    for (const y of bs) thenCount.set(y, (thenCount.get(y) ?? 0) + 1);
    for (const x of as) {
      const m = both.get(x) ?? new Map<string, number>();
      for (const y of bs) m.set(y, (m.get(y) ?? 0) + 1);
      both.set(x, m);
    }
  }
  const distinctThen = thenCount.size;
  const rules: DependencyRule[] = [];
  for (const [x, support] of [...ifCount].sort((p, q) => q[1] - p[1] || byCode(p[0], q[0]))) {
    if (support < o.minSupport) continue;
    const seen: RuleValue[] = [...(both.get(x) ?? new Map<string, number>())]
      .map(([value, count]) => ({ value, count, confidence: round(count / support), reverse: round(count / (thenCount.get(value) ?? count)) }))
      .sort((p, q) => q.count - p.count || byCode(p.value, q.value));
    const allowed = seen.filter((v) => v.count / support >= o.minShare);
    const leftOut = seen.filter((v) => v.count / support < o.minShare);
    // A rule that allows every value of the field says nothing.
    if (allowed.length === 0 || (distinctThen > 1 && allowed.length >= distinctThen)) continue;
    const ok = new Set(allowed.map((v) => v.value));
    const covered = rows.filter((r) => r.as.includes(x) && r.bs.every((y) => ok.has(y))).length;
    const direction = allowed.every((v) => v.reverse >= o.bothWays) ? 'both' : 'one-way';
    rules.push({ ifField: a, ifValue: x, thenField: b, allowed, leftOut, direction, support, confidence: round(covered / support) });
  }
  return rules;
}

/**
 * Mines rules for each pair. A rule of a reversed pair (body part → modality) is dropped when a
 * two-way rule of the forward pair already says it (MG ↔ BREAST).
 */
export function mineDependencies(transactions: readonly Transaction[], o: DependencyOptions): DependencyRule[] {
  const out: DependencyRule[] = [];
  for (const [a, b] of o.pairs) {
    for (const r of minePair(transactions, a, b, o)) {
      const said = out.some((f) => f.direction === 'both' && f.ifField === r.thenField && f.thenField === r.ifField
        && f.allowed.some((v) => v.value === r.ifValue) && r.allowed.length === 1 && r.allowed[0]?.value === f.ifValue);
      if (!said) out.push(r);
    }
  }
  return out;
}
