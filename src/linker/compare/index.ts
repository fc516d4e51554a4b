/**
 * The comparison function (seed figure 13B): a feature vector of per-field levels, scored as
 * Fellegi–Sunter log-likelihood weights, plus any extra evidence providers, plus hard vetoes.
 */
import type { Evidence } from '../../model/link.ts';
import type { Report, Scan } from '../../model/types.ts';
import type { RecordFeatures } from '../features.ts';
import { levelWeight, type WeightTable } from '../weights.ts';
import {
  compareAccessionLevel,
  compareBirthDate,
  compareContrast,
  compareExamTime,
  compareInstitution,
  compareLaterality,
  compareModality,
  compareName,
  comparePatientId,
  compareSex,
  compareStudyUid,
} from './fields.ts';

/** When a differing patient identifier forbids an automatic link. */
export const PatientIdVeto = {
  /**
   * Decided by the data: when most pairs that share an accession also agree on the patient id, RIS and PACS
   * share an id domain and any differing id vetoes (issuer strings are unreliable: `HSL` in HL7 and a URL in
   * FHIR name one authority); otherwise only ids under the same issuer veto.
   */
  Auto: 'auto',
  /** Both sides carry the same issuer (assigning authority) and the ids differ. */
  SameIssuer: 'same-issuer',
  /** The ids differ and the issuers are not known to differ (missing issuers count as the same domain). */
  UnlessIssuersDiffer: 'unless-issuers-differ',
  Off: 'off',
} as const;
export type PatientIdVeto = (typeof PatientIdVeto)[keyof typeof PatientIdVeto];

/**
 * Extra evidence for a pair (image inference, report NLP): weights in bits, like header evidence.
 * Providers must be pure with respect to their inputs; caching is their own business.
 */
export interface EvidenceProvider {
  readonly name: string;
  evaluate(scan: Scan, report: Report): Evidence[];
}

export interface CompareContext {
  weights: WeightTable;
  patientIdVeto: PatientIdVeto;
  /** For the `auto` policy: whether this run's RIS and PACS share a patient id domain. */
  sharedIdDomain: boolean;
  providers: readonly EvidenceProvider[];
}

export interface PairScore {
  matchWeight: number;
  evidence: Evidence[];
  /** Reason an automatic link is forbidden, when one applies. */
  veto?: string;
}

type Comparator = (a: RecordFeatures, b: RecordFeatures) => string;

/** Fields whose agreement says little once the patient ids already agree: their m/u are conditioned on it. */
const CONDITIONED_ON_ID = new Set(['name', 'birthDate', 'sex']);

const COMPARATORS: ReadonlyArray<readonly [string, Comparator]> = [
  ['patientId', comparePatientId],
  ['name', compareName],
  ['birthDate', compareBirthDate],
  ['sex', compareSex],
  ['examTime', compareExamTime],
  ['modality', compareModality],
  ['bodyRegion', () => 'missing'],
  ['laterality', compareLaterality],
  ['contrast', compareContrast],
  ['accession', compareAccessionLevel],
  ['studyUid', compareStudyUid],
  ['institution', compareInstitution],
];

/**
 * Without a shared patient id, an agreeing name already says "same patient" (a random non-matching pair
 * with the same name is mostly that patient's other exam), so birth date and sex are conditioned on it.
 */
const CONDITIONED_ON_NAME = new Set(['birthDate', 'sex']);
const AGREEING_NAME = new Set(['exact', 'jw>=0.94']);

/** The comparison vector alone (levels per field): what EM learns from. */
export function comparisonVector(
  a: RecordFeatures,
  b: RecordFeatures,
  compareRegions: (x: readonly string[], y: readonly string[]) => string,
): Array<readonly [string, string]> {
  const idLevel = comparePatientId(a, b);
  const sameId = idLevel === 'exact' || idLevel === 'same-digits';
  const sameName = !sameId && AGREEING_NAME.has(compareName(a, b));
  return COMPARATORS.map(([field, cmp]) => {
    const level = field === 'bodyRegion' ? regionLevel(a, b, compareRegions) : cmp(a, b);
    const key = sameId && CONDITIONED_ON_ID.has(field) ? `${field}|sameId`
      : sameName && CONDITIONED_ON_NAME.has(field) ? `${field}|sameName`
      : field;
    return [key, level] as const;
  });
}

function regionLevel(a: RecordFeatures, b: RecordFeatures, cmp: (x: readonly string[], y: readonly string[]) => string): string {
  const r = cmp(a.procedure.bodyRegions, b.procedure.bodyRegions);
  return r === 'unknown' ? 'missing' : r;
}

function vetoFor(a: RecordFeatures, b: RecordFeatures, policy: PatientIdVeto, sharedIdDomain: boolean): string | undefined {
  if (policy === PatientIdVeto.Off || comparePatientId(a, b) !== 'differs') return undefined;
  const issuersKnown = Boolean(a.issuer && b.issuer);
  const sameIssuer = issuersKnown && a.issuer === b.issuer;
  const veto =
    policy === PatientIdVeto.SameIssuer ? sameIssuer
    : policy === PatientIdVeto.UnlessIssuersDiffer ? !issuersKnown || sameIssuer
    : sharedIdDomain || sameIssuer;
  return veto ? 'patient-id-differs' : undefined;
}

/** Score one study/report pair. */
export function scorePair(
  scan: Scan,
  report: Report,
  a: RecordFeatures,
  b: RecordFeatures,
  ctx: CompareContext,
  compareRegions: (x: readonly string[], y: readonly string[]) => string,
): PairScore {
  const evidence: Evidence[] = [];
  let matchWeight = 0;
  for (const [key, level] of comparisonVector(a, b, compareRegions)) {
    const weight = level === 'missing' ? 0 : levelWeight(ctx.weights, key, level);
    evidence.push({ field: key.split('|')[0] ?? key, level, weight: round2(weight) });
    matchWeight += weight;
  }
  for (const provider of ctx.providers) {
    for (const e of provider.evaluate(scan, report)) {
      evidence.push({ source: provider.name, ...e });
      matchWeight += e.weight;
    }
  }
  const veto = vetoFor(a, b, ctx.patientIdVeto, ctx.sharedIdDomain);
  return { matchWeight, evidence, ...(veto ? { veto } : {}) };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
