/**
 * Standardize stage of the streaming engine (issues 3 and 4): between ingest and link when a standards
 * profile is loaded. One job per arriving study or report: its header is checked against the profile
 * and its patient's demographics against the patient's other stored records (consensus needs them all),
 * exactly as `acclink reconcile --standardize` does for a whole run (`standardizeRecords`). For the
 * subject only:
 * - field corrections are committed through {@link commitCorrections} (the one path: `decided` audit,
 *   planned messages, pending outbox, deliver jobs). A study's fixes go to the `archive` destination,
 *   one DICOM attribute change each; a report's consensus fix goes to the RIS as ADT^A08;
 * - values a person should look at are appended to the audit trail as {@link HEADER_REVIEW_ITEM} rows
 *   (`after`: the `HeaderReviewItem`), once per item;
 * - then its `link` job is queued, and the job's pending entry removed last.
 *
 * **The standardized record is stored in place of the received one**, not beside it. Reasons: the link
 * stage, the console and later arrivals all read the one stored record, so they see the same values
 * acclink has decided and is sending out (as an accession correction is applied to the stored record at
 * once, see `commit.ts`); a second copy would need every reader to choose between two versions. Nothing
 * is lost: every changed value's original is the correction's `from` and its `decided` audit row's
 * `before`. Re-polling the archive before the fix is delivered stores the received header again; its
 * standardize job finds the same corrections (same ids: nothing sent twice) and writes the standard
 * values back. Order makes it crash-safe: corrections are committed before the record is rewritten, so
 * a retried job either finds the original (and re-derives the same corrections) or the standardized
 * record (nothing left to correct).
 * @see DICOM PS3.3 C.12.1.1.9 "Original Attributes Sequence" (how the archive keeps the old value)
 * @see HL7 v2.5.1 Chapter 3, section 3.3.8 (ADT^A08, update patient information)
 */
import { isDeepStrictEqual } from 'node:util';
import type { LoadedConfig } from '../config/load.ts';
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import type { Correction } from '../model/link.ts';
import type { Job, SubjectJob } from '../model/queue.ts';
import type { Store } from '../model/store.ts';
import type { PatientIdentity, Report, Scan, Sex } from '../model/types.ts';
import { standardizeRecords, type HeaderReviewItem } from '../transforms/standardize/records.ts';
import { commitCorrections, type CommitDeps } from './commit.ts';
import { queueLink, standardizeJobId } from './ingest.ts';

/**
 * Audit action of a header value a person should look at (below the accept threshold, INCONCLUSIVE,
 * invalid, or a consensus proposal); `after` is the `HeaderReviewItem`. Distinct from the console's
 * `header-review`, which records a person's decision about such an item.
 */
export const HEADER_REVIEW_ITEM = 'header-review-item';

/** Times a job re-reads a record that changed while it was being standardized before it gives up (and is retried). */
const MAX_ROUNDS = 3;

/** What the standardize stage needs: what committing needs, plus the loaded profile. */
export interface StandardizeDeps extends CommitDeps {
  standards: NonNullable<LoadedConfig['standards']>;
}

/** The subject as loaded, with the patient's other stored records. */
interface Loaded {
  scan?: Scan;
  report?: Report;
  scans: Scan[];
  reports: Report[];
}

/**
 * Handles one `standardize` job. Idempotent: corrections are committed by id, review rows are appended
 * once per item, the record is rewritten only while it still is what was standardized.
 */
export function createStandardizeHandler(deps: StandardizeDeps): (job: Job<'standardize'>) => Promise<void> {
  return async (job) => {
    const subject: SubjectJob = job.data.reportId !== undefined ? { reportId: job.data.reportId } : { studyInstanceUid: job.data.studyInstanceUid ?? '' };
    for (let round = 1; ; round++) {
      const loaded = await load(deps.store, subject);
      if (!loaded || await standardizeSubject(deps, loaded)) break;
      // Another arrival changed the record meanwhile: standardize what is stored now.
      if (round >= MAX_ROUNDS) throw new AcclinkError(ErrorCode.DecisionConflict, 'the record kept changing while it was standardized');
    }
    await queueLink(deps, subject);
    await deps.store.removePending('standardize', standardizeJobId(subject));
  };
}

async function load(store: Store, subject: SubjectJob): Promise<Loaded | undefined> {
  const scan = subject.studyInstanceUid !== undefined ? await store.getScan(subject.studyInstanceUid) : undefined;
  const report = subject.reportId !== undefined ? await store.getReport(subject.reportId) : undefined;
  const own = scan ?? report;
  if (!own) return undefined;
  const patientId = own.patient.id;
  const [scans, reports] = patientId
    ? await Promise.all([store.findScanCandidates({ patientId }), store.findReportCandidates({ patientId })])
    : [[], []];
  // The subject as just read, whatever the candidate search returns for it.
  return {
    ...(scan ? { scan } : {}), ...(report ? { report } : {}),
    scans: [...scans.filter((s) => s.studyInstanceUid !== scan?.studyInstanceUid), ...(scan ? [scan] : [])],
    reports: [...reports.filter((r) => r.reportId !== report?.reportId), ...(report ? [report] : [])],
  };
}

/** Standardizes, commits and stores the subject; false when the stored record changed meanwhile (nothing stored). */
async function standardizeSubject(deps: StandardizeDeps, set: Loaded): Promise<boolean> {
  const now = deps.clock();
  const result = standardizeRecords(set.scans, set.reports, deps.standards.compiled, {
    profileName: deps.standards.name, today: now.toISOString().slice(0, 10).replace(/-/g, ''),
  });
  const uid = set.scan?.studyInstanceUid;
  const reportId = set.report?.reportId;
  const mine = (x: { target: 'scan' | 'report'; studyInstanceUid?: string; reportId?: string }): boolean =>
    x.target === 'scan' ? uid !== undefined && x.studyInstanceUid === uid : reportId !== undefined && x.reportId === reportId;
  const corrections = result.corrections.filter(mine);
  if (corrections.length > 0) {
    await commitCorrections(deps, corrections, {
      scans: set.scan ? [set.scan] : [], reports: set.report ? [set.report] : [], links: [], actor: 'acclink',
      note: { stage: 'standardize', profile: deps.standards.name },
    });
  }
  await recordReview(deps.store, result.review.filter(mine), now.toISOString());
  if (set.scan) return storeIfUnchanged(deps.store, set.scan, withCorrections(set.scan, corrections));
  if (set.report) return storeIfUnchanged(deps.store, set.report, withCorrections(set.report, corrections));
  return true;
}

/**
 * Writes the standardized record unless another arrival replaced the stored one since it was read
 * (a re-read check, not a transaction: it narrows the window in which a newer header could be lost).
 */
async function storeIfUnchanged(store: Store, read: Scan | Report, next: Scan | Report): Promise<boolean> {
  const current = 'reportId' in read ? await store.getReport(read.reportId) : await store.getScan(read.studyInstanceUid);
  if (!isDeepStrictEqual(current, read)) return false;
  if (isDeepStrictEqual(next, read)) return true;
  if ('reportId' in next) await store.putReport(next);
  else await store.putScan(next);
  return true;
}

function itemKey(i: HeaderReviewItem): string {
  return JSON.stringify([i.target, i.studyInstanceUid ?? i.reportId ?? '', i.field, i.value, i.status, i.proposed ?? null]);
}

/** Appends each review item not yet in the audit trail (a retried or repeated job adds nothing). */
async function recordReview(store: Store, items: readonly HeaderReviewItem[], at: string): Promise<void> {
  if (items.length === 0) return;
  const first = items[0] as HeaderReviewItem;
  const subject = first.target === 'scan' ? { studyInstanceUid: first.studyInstanceUid ?? '' } : { reportId: first.reportId ?? '' };
  const seen = new Set((await store.listAudit({ ...subject, actions: [HEADER_REVIEW_ITEM] })).map((r) => itemKey(r.after as HeaderReviewItem)));
  for (const item of items) {
    if (seen.has(itemKey(item))) continue;
    seen.add(itemKey(item));
    await store.appendAudit({ at, action: HEADER_REVIEW_ITEM, actor: 'acclink', ...subject, after: item, result: { field: item.field, status: item.status } });
  }
}

/** DICOM DA `YYYYMMDD` → the model's `YYYY-MM-DD`; other forms unchanged. */
function isoDate(da: string): string {
  return /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : da;
}

/** The `THH:MM:SS` part of a model date-time, kept when only the date is corrected. */
function timeOf(dateTime: string | undefined): string {
  return dateTime !== undefined && /^\d{4}-\d{2}-\d{2}T/.test(dateTime) ? dateTime.slice(10) : '';
}

function patientWith(p: PatientIdentity, c: Correction): PatientIdentity {
  switch (c.field) {
    case 'PatientName': {
      const [family = '', given = '', middle, prefix, suffix] = c.to.split('^');
      return { ...p, name: { family, given, ...(middle ? { middle } : {}), ...(prefix ? { prefix } : {}), ...(suffix ? { suffix } : {}) } };
    }
    case 'PatientBirthDate': return { ...p, birthDate: isoDate(c.to) };
    case 'PatientSex': return { ...p, sex: c.to as Sex };
    default: return p;
  }
}

/**
 * The record with the corrections' new values, in the model's formats (the inverse of `headerOfScan`).
 * A body part becomes the study's only one, as the archive update writes it into every instance.
 */
export function withCorrections<T extends Scan | Report>(record: T, corrections: readonly Correction[]): T {
  let out: Scan | Report = record;
  for (const c of corrections) {
    out = { ...out, patient: patientWith(out.patient, c) };
    if (!('modalities' in out)) continue;
    const scan: Scan = out;
    switch (c.field) {
      case 'StudyDescription': out = { ...scan, studyDescription: c.to }; break;
      case 'BodyPartExamined': out = { ...scan, bodyParts: [c.to] }; break;
      case 'Modality': out = { ...scan, modalities: scan.modalities.map((m) => (m === c.from ? c.to : m)) }; break;
      case 'InstitutionName': out = { ...scan, institution: c.to }; break;
      case 'StudyDate': out = { ...scan, studyDateTime: `${isoDate(c.to)}${timeOf(scan.studyDateTime)}` }; break;
      default: break;
    }
  }
  return out as T;
}
