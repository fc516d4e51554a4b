/**
 * Cross-record consensus for one patient: the studies and reports filed under one patient id should
 * describe the same person. Names, birth dates and sex that disagree are voted on; outliers get a proposed
 * correction toward the plurality value, applied automatically only when a clear majority agrees and the
 * outlier is one keying error away (a typo, an adjacent transposition, a day/month swap, family and given
 * swapped). Exam and report times out of order are reported, never corrected (which one is wrong is unknown).
 * Pure: grouping records by patient id is the caller's job, and nothing here reads a clock.
 * @see DICOM PS3.5 6.2 (PN, DA, CS) for the value formats; HL7 v2.5.1 Chapter 3, PID-5/7/8
 */
import { canonicalAccession } from '../../linker/accession.ts';
import { localDateTimeMinutes } from '../../linker/features.ts';
import { foldText, osaDistance } from '../../linker/strings.ts';
import type { LocalDateTime, PatientIdentity, PersonName, Report, Scan } from '../../model/types.ts';

/** The fields a patient consensus may correct (a subset of CorrectableField). */
export type ConsensusField = 'PatientName' | 'PatientBirthDate' | 'PatientSex';

/** How an outlier differs from the consensus. All but `different` count as one keying error. */
export type ValueDifference = 'typo' | 'day-month-swap' | 'name-order' | 'different';

/** One record, as a Correction addresses it. */
export interface ConsensusRecordRef {
  target: 'scan' | 'report';
  studyInstanceUid?: string;
  reportId?: string;
}

/** A proposed change of one value on one record. Values are in DICOM formats (PN, DA `YYYYMMDD`, CS). */
export interface ConsensusProposal extends ConsensusRecordRef {
  field: ConsensusField;
  from: string | null;
  to: string;
  /** In (0.9, 0.99] when automatic, at most 0.6 when only a proposal. */
  confidence: number;
  /** Why, e.g. `4 of 5 records agree; one-character typo`. */
  basis: string;
  difference: ValueDifference;
  /** True only for a clear majority (at least `minAgreeing` records) and a keying error. */
  autoApply: boolean;
}

/** An exam and its report in the wrong order. */
export interface OrderIssue {
  /** `report-before-exam`: a report's own times (OBR-22 before OBR-7); `exam-after-report`: a linked study's time after the report's. */
  kind: 'report-before-exam' | 'exam-after-report';
  reportId: string;
  studyInstanceUid?: string;
  examDateTime: LocalDateTime;
  reportDateTime: LocalDateTime;
  /** How far out of order, in minutes (whole days × 1440 when a side has no time). */
  minutes: number;
}

/** A field whose values tie with nothing to break the tie: for a person to decide. */
export interface UnresolvedField {
  field: ConsensusField;
  values: { value: string; records: ConsensusRecordRef[] }[];
}

export interface PatientConsensus {
  consensus: { name?: string; birthDate?: string; sex?: string };
  proposals: ConsensusProposal[];
  orderIssues: OrderIssue[];
  unresolved: UnresolvedField[];
}

export interface ConsensusOptions {
  /** Records that must agree before a correction is applied automatically; default 3. */
  minAgreeing?: number;
  /** Clock difference tolerated between a PACS study time and a RIS report time; default 5 minutes. */
  clockSkewMinutes?: number;
}

interface Rec {
  ref: ConsensusRecordRef;
  side: 'scan' | 'report';
  /** Minutes since 1970 of the record's most recent time, for tie breaks. */
  time?: number;
  patient: PatientIdentity;
}

/** One record's value of one field: `key` compares, `value` is what the record holds, `display` its standard form. */
interface Obs {
  rec: Rec;
  key: string;
  partial: boolean;
  value: string;
  display: string;
  name?: CanonicalName;
}

interface FieldSpec {
  field: ConsensusField;
  read(p: PatientIdentity): Omit<Obs, 'rec'> | undefined;
  /** A partial value (a year alone, a family name alone) agrees with a full one. */
  compatible(partial: string, full: string): boolean;
  difference(from: string, to: string): ValueDifference;
  /** The value an outlier takes: the consensus, keeping what the record adds (a middle name). */
  correct(outlier: Obs, consensus: Obs): string;
}

interface CanonicalName {
  family: string;
  given: string;
  middle: string;
  prefix: string;
  suffix: string;
}

const SEP = '\u0000';

// ---- names --------------------------------------------------------------------------------------

/** `FAMILY, GIVEN MIDDLE` in the family component is split; extra given names become middle names. */
function canonicalName(n: PersonName): CanonicalName {
  let family = n.family.trim();
  let given = n.given.trim();
  const comma = family.indexOf(',');
  if (given === '' && comma >= 0) {
    given = family.slice(comma + 1).trim();
    family = family.slice(0, comma).trim();
  }
  const [first = '', ...rest] = given.split(/\s+/).filter((t) => t !== '');
  const middle = [...rest, ...(n.middle?.trim() ? [n.middle.trim()] : [])].join(' ');
  return { family, given: first, middle, prefix: n.prefix?.trim() ?? '', suffix: n.suffix?.trim() ?? '' };
}

/** DICOM PN `family^given^middle^prefix^suffix`, trailing empty components dropped; `^`, `=`, `\` in a component become spaces. */
function pn(parts: readonly string[]): string {
  const clean = parts.map((p) => p.replace(/[\^=\\]/g, ' ').trim());
  while (clean.length > 0 && clean[clean.length - 1] === '') clean.pop();
  return clean.join('^');
}

const nameKeyPart = (s: string): string => foldText(s).replace(/ /g, '');

const NAME: FieldSpec = {
  field: 'PatientName',
  read(p) {
    if (p.name === undefined) return undefined;
    const c = canonicalName(p.name);
    const family = nameKeyPart(c.family);
    const given = nameKeyPart(c.given);
    if (family === '' && given === '') return undefined;
    const n = p.name;
    return {
      key: `${family}${SEP}${given}`, partial: family === '' || given === '', name: c,
      value: pn([n.family, n.given, n.middle ?? '', n.prefix ?? '', n.suffix ?? '']),
      display: pn([c.family, c.given, c.middle, c.prefix, c.suffix]),
    };
  },
  compatible(partial, full) {
    const [pf = '', pg = ''] = partial.split(SEP);
    const [ff = '', fg = ''] = full.split(SEP);
    return (pf === '' || pf === ff) && (pg === '' || pg === fg);
  },
  difference(from, to) {
    const [af = '', ag = ''] = from.split(SEP);
    const [bf = '', bg = ''] = to.split(SEP);
    if (af === bg && ag === bf) return 'name-order';
    return osaDistance(af, bf, 2) + osaDistance(ag, bg, 2) <= 1 ? 'typo' : 'different';
  },
  correct(outlier, consensus) {
    const o = outlier.name;
    const c = consensus.name;
    if (o === undefined || c === undefined) return consensus.display;
    return pn([c.family, c.given, o.middle || c.middle, o.prefix || c.prefix, o.suffix || c.suffix]);
  },
};

// ---- birth dates --------------------------------------------------------------------------------

function dayMonthSwap(a: string, b: string): boolean {
  return a.length === 8 && b.length === 8 && a.slice(0, 4) === b.slice(0, 4)
    && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6);
}

const BIRTH_DATE: FieldSpec = {
  field: 'PatientBirthDate',
  read(p) {
    const digits = p.birthDate?.replace(/-/g, '') ?? '';
    if (!/^\d{4}(?:\d{2}){0,2}$/.test(digits)) return undefined;
    return { key: digits, partial: digits.length < 8, value: digits, display: digits };
  },
  compatible: (partial, full) => full.startsWith(partial),
  difference(from, to) {
    if (from.length !== 8 || to.length !== 8) return 'different';
    if (dayMonthSwap(from, to)) return 'day-month-swap';
    // Equal lengths: distance 1 is one substituted digit or two adjacent digits transposed.
    return osaDistance(from, to, 1) <= 1 ? 'typo' : 'different';
  },
  correct: (_outlier, consensus) => consensus.display,
};

// ---- sex ----------------------------------------------------------------------------------------

const SEX: FieldSpec = {
  field: 'PatientSex',
  // U (unknown) states nothing: it neither votes nor is corrected here.
  read: (p) => (p.sex === 'M' || p.sex === 'F' || p.sex === 'O' ? { key: p.sex, partial: false, value: p.sex, display: p.sex } : undefined),
  compatible: () => false,
  // M for F is one wrong key; O is recorded on purpose and is never a keying error.
  difference: (from, to) => (from !== 'O' && to !== 'O' ? 'typo' : 'different'),
  correct: (_outlier, consensus) => consensus.display,
};

const SPECS = [NAME, BIRTH_DATE, SEX] as const;

// ---- voting -------------------------------------------------------------------------------------

interface Group {
  key: string;
  obs: Obs[];
  reports: number;
  latest: number;
}

function groupsOf(obs: readonly Obs[]): Group[] {
  const byKey = new Map<string, Obs[]>();
  for (const o of obs) byKey.set(o.key, [...(byKey.get(o.key) ?? []), o]);
  return [...byKey].map(([key, list]) => ({
    key, obs: list,
    reports: list.filter((o) => o.rec.side === 'report').length,
    latest: Math.max(...list.map((o) => o.rec.time ?? Number.NEGATIVE_INFINITY)),
  }));
}

/** More records; then more RIS records (the registration system); then the most recent record. */
function rank(a: Group, b: Group): number {
  return b.obs.length - a.obs.length || b.reports - a.reports || (b.latest > a.latest ? 1 : b.latest < a.latest ? -1 : 0);
}

/** The most frequent standard form within the winning group, by the same tie rules. */
function representative(g: Group): Obs {
  const forms = groupsOf(g.obs.map((o) => ({ ...o, key: o.display })));
  forms.sort(rank);
  return (forms[0] as Group).obs[0] as Obs;
}

/** The group's oldest record time; -Infinity when a record has none (nothing can be said then). */
function oldestTime(g: Group): number {
  return g.obs.some((o) => o.rec.time === undefined) ? Number.NEGATIVE_INFINITY : Math.min(...g.obs.map((o) => o.rec.time ?? 0));
}

/** The group's latest record time; +Infinity when a record has none. */
function latestTime(g: Group): number {
  return g.obs.some((o) => o.rec.time === undefined) ? Number.POSITIVE_INFINITY : g.latest;
}

const DIFFERENCE_TEXT: Record<ValueDifference, string> = {
  'typo': 'one keying error',
  'day-month-swap': 'day and month swapped',
  'name-order': 'family and given names swapped',
  'different': 'differs by more than a keying error',
};

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function refsOf(obs: readonly Obs[]): ConsensusRecordRef[] {
  return obs.map((o) => o.rec.ref);
}

function vote(spec: FieldSpec, recs: readonly Rec[], minAgreeing: number, out: PatientConsensus): Obs | undefined {
  const all = recs.flatMap((rec) => {
    const v = spec.read(rec.patient);
    return v === undefined ? [] : [{ ...v, rec }];
  });
  // Partial values vote only when no record holds a full one.
  const hasFull = all.some((o) => !o.partial);
  const full = hasFull ? all.filter((o) => !o.partial) : all;
  const partial = hasFull ? all.filter((o) => o.partial) : [];
  const groups = groupsOf(full).sort(rank);
  const [winner, runnerUp] = groups;
  if (winner === undefined) return undefined;
  if (runnerUp !== undefined && rank(winner, runnerUp) === 0) {
    out.unresolved.push({ field: spec.field, values: groups.map((g) => ({ value: representative(g).display, records: refsOf(g.obs) })) });
    return undefined;
  }
  const rep = representative(winner);
  const voting = full.length;
  const share = winner.obs.length / voting;
  const clear = winner.obs.length >= minAgreeing && share > 0.5 && winner.obs.length >= 2 * (runnerUp?.obs.length ?? 0);
  const tieNote = runnerUp !== undefined && runnerUp.obs.length === winner.obs.length
    ? (winner.reports !== runnerUp.reports ? 'tie broken toward the RIS record' : 'tie broken toward the most recent record')
    : undefined;
  const outliers: { obs: Obs; group?: Group }[] = [
    ...groups.slice(1).flatMap((g) => g.obs.map((obs) => ({ obs, group: g }))),
    ...partial.filter((o) => !spec.compatible(o.key, winner.key)).map((obs) => ({ obs })),
  ];
  for (const { obs, group } of outliers) {
    const difference = group === undefined ? 'different' : spec.difference(obs.key, winner.key);
    // A newer RIS value may be the registration system's own fix that older records have not caught up with.
    const newerRis = group !== undefined && group.reports > 0 && oldestTime(group) > latestTime(winner);
    const auto = clear && difference !== 'different' && !newerRis;
    const notes = [
      `${winner.obs.length} of ${voting} records agree`,
      group === undefined ? `partial value ${obs.value} disagrees` : DIFFERENCE_TEXT[difference],
      ...(tieNote ? [tieNote] : []),
      ...(newerRis ? ['the differing RIS records are the newest: may be a real change'] : []),
    ];
    const to = spec.correct(obs, rep);
    if (to === obs.value) continue;
    out.proposals.push({
      ...obs.rec.ref, field: spec.field, from: obs.value, to,
      confidence: round3(auto ? 0.9 + 0.09 * ((share - 0.5) / 0.5) : share * (difference === 'different' ? 0.4 : 0.6)),
      basis: notes.join('; '), difference, autoApply: auto,
    });
  }
  return rep;
}

/** A record that is an outlier in two or more fields is more likely another patient's than twice mistyped. */
function demoteSuspects(proposals: ConsensusProposal[]): void {
  const fieldsPerRecord = new Map<string, number>();
  const id = (p: ConsensusProposal): string => `${p.target}${SEP}${p.studyInstanceUid ?? p.reportId ?? ''}`;
  for (const p of proposals) fieldsPerRecord.set(id(p), (fieldsPerRecord.get(id(p)) ?? 0) + 1);
  for (const p of proposals) {
    const n = fieldsPerRecord.get(id(p)) ?? 0;
    if (n < 2) continue;
    p.confidence = Math.min(p.confidence, 0.6);
    p.autoApply = false;
    p.basis += `; the record differs in ${n} fields: may be another patient's record`;
  }
}

// ---- order of exam and report -------------------------------------------------------------------

const DAY = 1440;

/** How far `report` is before `exam` (minutes, or whole days × 1440 when a side is date-only), or 0. */
function lateness(exam: string, report: string, skew: number): number {
  const e = localDateTimeMinutes(exam);
  const r = localDateTimeMinutes(report);
  if (e === undefined || r === undefined) return 0;
  if (e.dateOnly || r.dateOnly) {
    const days = Math.floor(e.minutes / DAY) - Math.floor(r.minutes / DAY);
    return days > 0 ? days * DAY : 0;
  }
  return e.minutes - r.minutes > skew ? e.minutes - r.minutes : 0;
}

function sameExam(scan: Scan, report: Report): boolean {
  if (report.studyInstanceUid !== undefined) return report.studyInstanceUid === scan.studyInstanceUid;
  const a = canonicalAccession(scan.accession);
  return a !== null && a === canonicalAccession(report.accession);
}

function orderIssues(scans: readonly Scan[], reports: readonly Report[], skew: number): OrderIssue[] {
  const issues: OrderIssue[] = [];
  for (const r of reports) {
    if (r.reportDateTime === undefined) continue;
    if (r.examDateTime !== undefined) {
      const minutes = lateness(r.examDateTime, r.reportDateTime, 0);
      if (minutes > 0) issues.push({ kind: 'report-before-exam', reportId: r.reportId, examDateTime: r.examDateTime, reportDateTime: r.reportDateTime, minutes });
    }
    for (const s of scans) {
      if (s.studyDateTime === undefined || !sameExam(s, r)) continue;
      const minutes = lateness(s.studyDateTime, r.reportDateTime, skew);
      if (minutes > 0) {
        issues.push({ kind: 'exam-after-report', reportId: r.reportId, studyInstanceUid: s.studyInstanceUid, examDateTime: s.studyDateTime, reportDateTime: r.reportDateTime, minutes });
      }
    }
  }
  return issues;
}

// ---- entry point --------------------------------------------------------------------------------

function records(scans: readonly Scan[], reports: readonly Report[]): Rec[] {
  const minutes = (...v: (string | undefined)[]): number | undefined => {
    const t = v.map((x) => localDateTimeMinutes(x)?.minutes).filter((x) => x !== undefined);
    return t.length === 0 ? undefined : Math.max(...t);
  };
  return [
    ...scans.map((s): Rec => ({ ref: { target: 'scan', studyInstanceUid: s.studyInstanceUid }, side: 'scan', time: minutes(s.studyDateTime), patient: s.patient })),
    ...reports.map((r): Rec => ({ ref: { target: 'report', reportId: r.reportId }, side: 'report', time: minutes(r.reportDateTime, r.examDateTime), patient: r.patient })),
  ];
}

/**
 * The consensus demographics of one patient's records and the corrections that would make every record
 * agree with it. Rules, per field:
 * - Case, accents, punctuation, middle names, prefixes/suffixes and `FAMILY, GIVEN` written in one
 *   component are not differences; a missing value, a `U` sex or a partial date that fits are not either.
 * - The value held by most records wins; a tie goes to the value the RIS records hold, then to the most
 *   recent record; a tie nothing breaks is `unresolved`, with no proposal.
 * - `autoApply` needs a clear majority (at least `minAgreeing` records, more than half of those with a
 *   value, and twice the runner-up) and an outlier one keying error away; everything else is a proposal
 *   for review (confidence ≤ 0.6). A record that differs in two fields, or a newer RIS value, is never
 *   corrected automatically.
 * @see IHE RAD TF-2, section 4.12 "Patient Update [RAD-12]" (the RIS as the source of demographics)
 */
export function patientConsensus(input: { scans: readonly Scan[]; reports: readonly Report[] }, opts: ConsensusOptions = {}): PatientConsensus {
  const minAgreeing = opts.minAgreeing ?? 3;
  const recs = records(input.scans, input.reports);
  const out: PatientConsensus = { consensus: {}, proposals: [], orderIssues: [], unresolved: [] };
  const [name, birthDate, sex] = SPECS.map((spec) => vote(spec, recs, minAgreeing, out));
  if (name) out.consensus.name = name.display;
  if (birthDate) out.consensus.birthDate = birthDate.display;
  if (sex) out.consensus.sex = sex.display;
  demoteSuspects(out.proposals);
  out.orderIssues = orderIssues(input.scans, input.reports, opts.clockSkewMinutes ?? 5);
  return out;
}
