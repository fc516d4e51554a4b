/**
 * Report-side clean-up before linking: a RIS sends the same report several times (preliminary, final,
 * corrected) and orders ahead of reports. Records with one report id are one report; an order with the
 * same accession and patient as a report is that report's order, not a duplicate.
 */
import type { Report } from '../model/types.ts';
import { canonicalAccession } from './accession.ts';
import { normalizePatientId } from './features.ts';

const STATUS_RANK: Readonly<Record<string, number>> = { C: 5, F: 4, A: 3, P: 2, R: 1, I: 0, O: 0 };

function rank(r: Report): number {
  return (r.kind === 'report' ? 100 : 0) + (STATUS_RANK[r.resultStatus ?? ''] ?? 1);
}

function better(a: Report, b: Report): Report {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra > rb ? a : b;
  return (b.reportDateTime ?? '') > (a.reportDateTime ?? '') ? b : a;
}

/** Fill the fields the chosen record lacks from the others, keep every source. */
function merge(best: Report, others: readonly Report[]): Report {
  const out: Report = { ...best, sources: [...best.sources] };
  for (const o of others) {
    if (o === best) continue;
    for (const [k, v] of Object.entries(o) as Array<[keyof Report, Report[keyof Report]]>) {
      if (out[k] === undefined && v !== undefined) Object.assign(out, { [k]: v });
    }
    out.sources.push(...o.sources);
  }
  return out;
}

export interface PreparedReports {
  reports: Report[];
  /** Report ids folded into another report (kept for the output), by the surviving id. */
  merged: Map<string, string[]>;
}

/** Collapse repeated report ids, then fold orders into the report with the same accession and patient. */
export function prepareReports(input: readonly Report[]): PreparedReports {
  const byId = new Map<string, Report[]>();
  for (const r of input) byId.set(r.reportId, [...(byId.get(r.reportId) ?? []), r]);
  const unique: Report[] = [];
  for (const group of byId.values()) unique.push(merge(group.reduce(better), group));

  const reportsByKey = new Map<string, Report>();
  const keyOf = (r: Report): string | null => {
    const a = canonicalAccession(r.accession);
    return a ? `${a}|${normalizePatientId(r.patient.id) ?? ''}` : null;
  };
  for (const r of unique) {
    const k = keyOf(r);
    if (k && r.kind === 'report' && !reportsByKey.has(k)) reportsByKey.set(k, r);
  }
  const merged = new Map<string, string[]>();
  const reports: Report[] = [];
  for (const r of unique) {
    const k = keyOf(r);
    const target = r.kind === 'order' && k ? reportsByKey.get(k) : undefined;
    if (target) {
      merged.set(target.reportId, [...(merged.get(target.reportId) ?? []), r.reportId]);
      target.sources.push(...r.sources);
    } else {
      reports.push(r);
    }
  }
  return { reports, merged };
}
