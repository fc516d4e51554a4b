/**
 * Cross-field checks on a corrected header: dependency rules (modality MG requires body part BREAST; a
 * description starting "CT " requires modality CT, and the converse) and the requirements of the chosen
 * standard entries. Where the side that holds is certain and the other side is empty or uncertain, and
 * the requirement names a single value, the violation proposes it.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import type { CompiledStandards } from './compile.ts';
import { conditionEntries, holds, ruleBreaks } from './conditions.ts';
import type { KnownValues, RuleBreak } from './conditions.ts';
import type { FieldName } from './fields.ts';
import type { ValueTest } from './profile.ts';

/**
 * A broken rule. `rule` names it in the profile (a dependency's id, or a path).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface Violation {
  kind: 'mandatory' | 'format' | 'dependency' | 'requirement';
  rule: string;
  fields: FieldName[];
  message: string;
  /** The change that would satisfy the rule, when one side is certain and the fix is a single value. */
  fix?: { field: FieldName; value: string };
}

/**
 * What the checks need of a field's outcome.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export interface CheckedField {
  result: { value: string | undefined; status: string };
  certain: boolean;
}

/**
 * Violations of dependency rules and of entry requirements, on the final values.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
export function findViolations(standards: CompiledStandards, fields: ReadonlyMap<FieldName, CheckedField>): Violation[] {
  const values: KnownValues = {};
  for (const [field, f] of fields) {
    const v = f.result.value?.trim();
    if (v !== undefined && v !== '' && f.result.status !== 'inconclusive' && f.result.status !== 'invalid') values[field] = v;
  }
  const certain = (field: FieldName): boolean => fields.get(field)?.certain === true && values[field] !== undefined;
  const out: Violation[] = [];
  standards.profile.dependencies.forEach((rule, i) => {
    for (const b of ruleBreaks(rule, values)) {
      const v = violation(b, values, certain, 'dependency', rule.id ?? `dependencies[${i}]`);
      if (v !== undefined) out.push(v);
    }
  });
  for (const [field, cf] of standards.fields) {
    const value = values[field];
    if (value === undefined || !certain(field)) continue;
    const entry = cf.entries.find((e) => e.entry.entry === value);
    if (entry?.entry.dependsOn === undefined) continue;
    for (const [other, test] of conditionEntries(entry.entry.dependsOn)) {
      const v = values[other];
      if (v !== undefined && holds(test, v)) continue;
      const b: RuleBreak = { way: 'forward', holding: [field], failed: other, test, missing: v === undefined };
      const found = violation(b, values, certain, 'requirement', `fields.${field}.standards[${entry.index}].dependsOn`);
      if (found !== undefined) out.push(found);
    }
  }
  return out;
}

function violation(
  b: RuleBreak,
  values: KnownValues,
  certain: (f: FieldName) => boolean,
  kind: Violation['kind'],
  rule: string,
): Violation | undefined {
  const single = b.test.values?.length === 1 ? b.test.values[0] : undefined;
  // A missing value that no single value could fill is the mandatory rule's business, not this one's.
  if (b.missing && single === undefined) return undefined;
  const because = b.holding.map((f) => `${f} "${values[f] ?? ''}"`).join(' and ');
  const found = b.missing ? 'is empty' : `is "${values[b.failed] ?? ''}"`;
  const out: Violation = {
    kind,
    rule,
    fields: [...b.holding, b.failed],
    message: `${because} requires ${b.failed} ${describe(b.test)}, but it ${found}`,
  };
  if (single !== undefined && b.holding.every(certain) && !certain(b.failed)) out.fix = { field: b.failed, value: single };
  return out;
}

function describe(test: ValueTest): string {
  if (test.pattern !== undefined) return `matching /${test.pattern}/`;
  const values = test.values ?? [];
  return values.length === 1 ? `"${values[0] ?? ''}"` : `one of ${values.map((v) => `"${v}"`).join(', ')}`;
}
