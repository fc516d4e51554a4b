/**
 * Turns the generator's exams into what each system shows (PACS study, RIS report) and into the
 * truth. Format noise that does not touch the accession (name case, dropped middle names, stripped
 * MRN zeros, date-only or shifted exam times) is applied here, to clean exams too, as in real feeds.
 */
import type { Rng } from '../model/ports.ts';
import type { PersonName } from '../model/types.ts';
import type { AccessionFormat } from './accession.ts';
import { SectionsByModality, withSide } from './catalogue.ts';
import type { Exam } from './exam.ts';
import type { PatientView, Physician, ReportTruth, StudyTruth, SynthPatient, SynthReport, SynthStudy, Truth } from './model.ts';
import { PHYSICIANS } from './names.ts';
import { reportText } from './report-text.ts';
import { chance, int, pick, uid225 } from './rand.ts';
import { dateOf, dayOfMinutes, localDateTime } from './time.ts';

/** Inputs of {@link observe}. `exams` are in time order. */
export interface ObserveInput {
  rng: Rng;
  exams: readonly Exam[];
  patients: readonly SynthPatient[];
  institution: string;
  format: AccessionFormat;
  seed: number;
  baseDate: string;
}

function upperName(n: PersonName): PersonName {
  const out: PersonName = { family: n.family.toUpperCase(), given: n.given.toUpperCase() };
  if (n.middle !== undefined) out.middle = n.middle.toUpperCase();
  return out;
}

function withoutMiddle(n: PersonName): PersonName {
  return { family: n.family, given: n.given };
}

/** The patient as the modality console recorded them (typed or from the worklist). */
function studyPatient(rng: Rng, p: SynthPatient, forceNoise: boolean): PatientView {
  let name: PersonName = { ...p.name };
  if (forceNoise || chance(rng, 0.35)) name = upperName(name);
  if ((forceNoise || chance(rng, 0.2)) && name.middle !== undefined) name = withoutMiddle(name);
  const id = p.id.startsWith('0') && chance(rng, 0.03) ? p.id.replace(/^0+/, '') : p.id;
  return { id, issuer: chance(rng, 0.6) ? p.issuer : '', name, birthDate: p.birthDate, sex: p.sex, otherIds: [] };
}

function reportPatient(rng: Rng, p: SynthPatient): PatientView {
  const name = chance(rng, 0.05) ? upperName(p.name) : { ...p.name };
  return { id: p.id, issuer: p.issuer, name, birthDate: p.birthDate, sex: p.sex, otherIds: p.otherIds.map((o) => ({ ...o })) };
}

function physician(rng: Rng): Physician {
  const d = pick(rng, PHYSICIANS);
  return { family: d.family, given: d.given, id: d.id };
}

/** OBR-7 as the RIS keeps it: mostly within the hour of the images, some hours off, some date only. */
function examDateTime(rng: Rng, e: Exam): { value: string; minutes: number } {
  if (e.examDateOnly) return { value: dateOf(dayOfMinutes(e.minutes)), minutes: e.minutes };
  const offset = chance(rng, 0.82) ? int(rng, -60, 10) : (chance(rng, 0.5) ? 1 : -1) * int(rng, 61, 360);
  return { value: localDateTime(e.minutes + offset), minutes: e.minutes + offset };
}

/** Sequential identifiers in a per-hospital style. */
function idStyle(rng: Rng): { report: (n: number) => string; placer: (n: number) => string } {
  const r = chance(rng, 0.5);
  const p = chance(rng, 0.5);
  return {
    report: (n) => (r ? `R${String(n).padStart(8, '0')}` : String(300_000_000 + n)),
    placer: (n) => (p ? `ORD${String(n).padStart(7, '0')}` : `P${String(n).padStart(8, '0')}`),
  };
}

function buildStudy(rng: Rng, e: Exam, index: number, uid: string, p: SynthPatient, institution: string): SynthStudy {
  return {
    index,
    studyInstanceUid: uid,
    patientIndex: e.patient,
    patient: studyPatient(rng, p, e.category === 'format-noise'),
    procedureKey: e.proc.key,
    modality: e.modality,
    bodyPart: e.proc.bodyPart,
    // The two studies of a human-review pair come from the same protocol: nothing in the header tells them apart.
    studyDescription: withSide(e.category === 'human' ? (e.proc.dicomDescriptions[0] ?? '') : pick(rng, e.proc.dicomDescriptions), e.side),
    seriesDescriptions: [...e.proc.seriesDescriptions],
    dateTime: localDateTime(e.minutes, int(rng, 0, 59)),
    accession: e.studyAcc,
    referringPhysician: physician(rng),
    institution,
    inFhir: chance(rng, 1 / 3),
  };
}

function buildReport(rng: Rng, e: Exam, index: number, ids: { reportId: string; placer: string }, p: SynthPatient, priorDate: string | null): SynthReport {
  const examAt = examDateTime(rng, e);
  const r: SynthReport = {
    index,
    reportId: ids.reportId,
    placerOrderNumber: ids.placer,
    kind: e.kind,
    patientIndex: e.patient,
    patient: reportPatient(rng, p),
    accession: e.reportAcc,
    examDateTime: examAt.value,
    procedureCode: e.proc.code,
    procedureText: withSide(e.proc.risText, e.side),
    section: chance(rng, 0.45) ? 'RAD' : pick(rng, SectionsByModality[e.modality]),
    modality: e.modality,
    interpreter: physician(rng),
    orderingPhysician: physician(rng),
    text: [],
  };
  if (e.kind === 'report') {
    const delay = chance(rng, 0.6) ? int(rng, 20, 180) : int(rng, 181, 4320);
    // Reports follow both the images and the RIS exam time, whichever is later.
    r.reportDateTime = localDateTime(Math.max(e.minutes, examAt.minutes) + delay, int(rng, 0, 59));
    r.resultStatus = chance(rng, 0.92) ? 'F' : 'P';
    r.text = reportText(rng, e.proc.region, priorDate);
    // Many dictation templates open with the exam title; others leave it to OBR-4.
    if (chance(rng, 0.5)) r.text.unshift(`EXAM: ${r.procedureText.toUpperCase()}`);
  }
  return r;
}

/**
 * Expected accessions per acclink's policy: the report's unless missing (or taken), then the
 * study's unless missing or owned by another report, else null (a new one is minted).
 */
function expectedAccessions(exams: readonly Exam[]): Map<Exam, string | null> {
  const owned = new Set<string>();
  for (const e of exams) if (e.hasReport && e.reportAcc !== '') owned.add(e.reportAcc.toUpperCase());
  const out = new Map<Exam, string | null>();
  for (const e of exams) {
    if (!e.hasStudy) continue;
    if (e.hasReport && e.reportAcc !== '') out.set(e, e.reportAcc);
    else if (e.studyAcc !== '' && !owned.has(e.studyAcc.toUpperCase())) {
      owned.add(e.studyAcc.toUpperCase());
      out.set(e, e.studyAcc);
    } else out.set(e, null);
  }
  return out;
}

/** Builds the observed studies and reports and the truth, all in time order. */
export function observe(input: ObserveInput): { studies: SynthStudy[]; reports: SynthReport[]; truth: Truth } {
  const { rng, exams, patients } = input;
  const ids = idStyle(rng);
  const uids = new Map<Exam, string>();
  const reportIds = new Map<Exam, string>();
  const lastByRegion = new Map<string, string>();
  const studies: SynthStudy[] = [];
  const reports: SynthReport[] = [];
  exams.forEach((e, n) => {
    const p = patients[e.patient] as SynthPatient;
    const reportId = ids.report(n + 1);
    reportIds.set(e, reportId);
    if (e.hasStudy) {
      const uid = uid225(rng);
      uids.set(e, uid);
      studies.push(buildStudy(rng, e, studies.length, uid, p, input.institution));
    }
    const key = `${e.patient}/${e.proc.region}`;
    if (e.hasReport) reports.push(buildReport(rng, e, reports.length, { reportId, placer: ids.placer(n + 1) }, p, lastByRegion.get(key) ?? null));
    lastByRegion.set(key, dateOf(dayOfMinutes(e.minutes)));
  });
  const expected = expectedAccessions(exams);
  const truth: Truth = { seed: input.seed, baseDate: input.baseDate, accessionFormat: input.format, studies: [], reports: [] };
  for (const e of exams) {
    const review = e.category === 'human';
    if (e.hasStudy) {
      const t: StudyTruth = {
        studyInstanceUid: uids.get(e) ?? '',
        reportId: e.hasReport ? (reportIds.get(e) ?? null) : null,
        category: e.category,
        expectedAccession: expected.get(e) ?? null,
        expectReview: review,
      };
      const partner = e.pair === undefined ? undefined : uids.get(e.pair);
      if (partner !== undefined) t.pair = partner;
      truth.studies.push(t);
    }
    if (e.hasReport) {
      const t: ReportTruth = { reportId: reportIds.get(e) ?? '', studyInstanceUid: e.hasStudy ? (uids.get(e) ?? null) : null, category: e.category, expectReview: review };
      truth.reports.push(t);
    }
  }
  return { studies, reports, truth };
}
