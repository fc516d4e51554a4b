/** The linker wired with the shipped mappings, for tests. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_LINKER_CONFIG, type LinkerConfig } from '../../src/linker/config.ts';
import { reconcile, type ReconcileResult } from '../../src/linker/reconcile.ts';
import { parseWeightTable } from '../../src/linker/weights.ts';
import { seededRng } from '../../src/model/ports.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { createProcedureDescriber } from '../../src/transforms/standardize/describe.ts';
import { parseProcedureTerms } from '../../src/transforms/standardize/procedure.ts';

const mapping = (name: string): unknown => parse(readFileSync(new URL(`../../mappings/${name}`, import.meta.url), 'utf8')) as unknown;

export const shippedWeights = parseWeightTable(mapping('linker-weights.yaml'));
export const shippedTerms = parseProcedureTerms(mapping('procedure-terms.yaml'));

export function runLinker(scans: Scan[], reports: Report[], config: Partial<LinkerConfig> = {}, learn = false): ReconcileResult {
  return reconcile(scans, reports, {
    config: { ...DEFAULT_LINKER_CONFIG, ...config },
    weights: shippedWeights,
    describer: createProcedureDescriber(shippedTerms),
    rng: seededRng(7),
    learn,
  });
}

/** Every study and report appears in exactly one of links, review (item or candidate) and unlinked. */
export function placements(r: ReconcileResult, scans: readonly Scan[]): Map<string, string[]> {
  const where = new Map<string, string[]>();
  const add = (k: string, v: string): void => {
    where.set(k, [...new Set([...(where.get(k) ?? []), v])]);
  };
  for (const l of r.links) {
    add(`s:${l.studyInstanceUid}`, 'links');
    add(`r:${l.reportId}`, 'links');
  }
  for (const i of r.review) {
    if (i.studyInstanceUid) add(`s:${i.studyInstanceUid}`, 'review');
    if (i.reportId) add(`r:${i.reportId}`, 'review');
    for (const c of i.candidates) add(`${c.kind === 'scan' ? 's' : 'r'}:${c.id}`, 'review');
  }
  for (const u of r.unlinked) add(u.studyInstanceUid ? `s:${u.studyInstanceUid}` : `r:${u.reportId ?? ''}`, 'unlinked');
  for (const s of scans) if (!where.has(`s:${s.studyInstanceUid}`)) where.set(`s:${s.studyInstanceUid}`, []);
  for (const rep of r.reports) if (!where.has(`r:${rep.reportId}`)) where.set(`r:${rep.reportId}`, []);
  return where;
}
