/**
 * In-memory Store: for tests, demos and single-process runs. Same semantics as the SQL store: records
 * are stored and returned as JSON round trips, so callers never share objects with the store.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Correction, Link, ReviewItem } from '../model/link.ts';
import type {
  AuditEntry, AuditQuery, AuditRecord, CandidateQuery, CorrectionQuery, InboundMessage, PendingJob, ReviewQuery, Store, SubjectQuery,
} from '../model/store.ts';
import type { DeliveryResult } from '../model/sink.ts';
import type { Report, Scan } from '../model/types.ts';
import { createKeyedMutex } from './mutex.ts';
import { normalizeQuery, reportKeys, reviewKey, scanKeys, toJson } from './keys.ts';
import type { RecordKeys } from './keys.ts';

interface Row<T> { keys: RecordKeys; value: T }

/** Upsert `value` under `key`; true when new or different. */
function upsert<T>(map: Map<string, T>, key: string, value: T): boolean {
  const prev = map.get(key);
  if (prev !== undefined && isDeepStrictEqual(prev, value)) return false;
  map.set(key, value);
  return true;
}

function sortedValues<T>(map: Map<string, T>, keep: (v: T) => boolean = () => true): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).filter(([, v]) => keep(v)).map(([, v]) => toJson(v));
}

function matches(k: RecordKeys, q: CandidateQuery): boolean {
  const n = normalizeQuery(q);
  if (n.keyed && !((n.patientKey !== null && k.patientKey === n.patientKey)
    || (n.patientDigits !== null && k.patientDigits === n.patientDigits)
    || (k.accessionKey !== null && n.accessionKeys.includes(k.accessionKey))
    || k.accessionBlockKeys.some((x) => n.accessionBlockKeys.includes(x)))) return false;
  if (n.fromDate === null && n.toDate === null) return true;
  if (k.examDate === null) return n.includeUndated;
  return (n.fromDate === null || k.examDate >= n.fromDate) && (n.toDate === null || k.examDate <= n.toDate);
}

const subjectOk = (q: SubjectQuery, v: SubjectQuery): boolean =>
  (q.studyInstanceUid === undefined || v.studyInstanceUid === q.studyInstanceUid)
  && (q.reportId === undefined || v.reportId === q.reportId);

/** A fresh, empty in-memory store. `migrate()` is a no-op. */
export function createMemoryStore(): Store {
  const scans = new Map<string, Row<Scan>>();
  const reports = new Map<string, Row<Report>>();
  const links = new Map<string, Link>();
  const corrections = new Map<string, Correction>();
  const review = new Map<string, ReviewItem>();
  const audit: AuditRecord[] = [];
  const inbound = new Map<string, InboundMessage>();
  const pending = new Map<string, PendingJob>();
  const deliveries = new Map<string, DeliveryResult>();
  const checkpoints = new Map<string, string>();

  const candidates = <T>(rows: Map<string, Row<T>>, q: CandidateQuery): T[] => {
    normalizeQuery(q); // validate even when empty
    return sortedValues(rows, (r) => matches(r.keys, q)).map((r) => r.value);
  };

  const auditOk = (q: AuditQuery, e: AuditRecord): boolean => {
    const c = e.correctionId === undefined ? undefined : corrections.get(e.correctionId);
    return (q.correctionId === undefined || e.correctionId === q.correctionId)
      && (q.studyInstanceUid === undefined || e.studyInstanceUid === q.studyInstanceUid || c?.studyInstanceUid === q.studyInstanceUid)
      && (q.reportId === undefined || e.reportId === q.reportId || c?.reportId === q.reportId)
      && (q.actions === undefined || q.actions.includes(e.action))
      && (q.afterSeq === undefined || e.seq > q.afterSeq)
      && (q.since === undefined || Date.parse(e.at) >= Date.parse(q.since));
  };

  const store: Store = {
    migrate: () => Promise.resolve(),

    putScan(scan: Scan): Promise<boolean> {
      const value = toJson(scan);
      const prev = scans.get(value.studyInstanceUid);
      if (prev !== undefined && isDeepStrictEqual(prev.value, value)) return Promise.resolve(false);
      scans.set(value.studyInstanceUid, { keys: scanKeys(value), value });
      return Promise.resolve(true);
    },

    putReport(report: Report): Promise<boolean> {
      const value = toJson(report);
      const prev = reports.get(value.reportId);
      if (prev !== undefined && isDeepStrictEqual(prev.value, value)) return Promise.resolve(false);
      reports.set(value.reportId, { keys: reportKeys(value), value });
      return Promise.resolve(true);
    },

    getScan: (uid) => Promise.resolve(scans.has(uid) ? toJson(scans.get(uid)?.value) : undefined),
    getReport: (id) => Promise.resolve(reports.has(id) ? toJson(reports.get(id)?.value) : undefined),
    findScanCandidates: (q) => Promise.resolve().then(() => candidates(scans, q)),
    findReportCandidates: (q) => Promise.resolve().then(() => candidates(reports, q)),

    putLink: (link) => Promise.resolve(upsert(links, `${link.studyInstanceUid}\u0000${link.reportId}`, toJson(link))),
    listLinks: (q: SubjectQuery = {}) => Promise.resolve(sortedValues(links, (l) => subjectOk(q, l))),

    putCorrection(c: Correction): Promise<boolean> {
      if (corrections.has(c.id)) return Promise.resolve(false);
      corrections.set(c.id, toJson(c));
      return Promise.resolve(true);
    },
    listCorrections: (q: CorrectionQuery = {}) => Promise.resolve(sortedValues(corrections, (c) => subjectOk(q, c)
      && (q.value === undefined || [c.from, c.to].some((v) => v?.toUpperCase() === q.value?.toUpperCase())))),

    appendAudit(entry: AuditEntry): Promise<number> {
      const seq = audit.length + 1;
      audit.push({ ...toJson(entry), seq });
      return Promise.resolve(seq);
    },
    listAudit(q: AuditQuery = {}): Promise<AuditRecord[]> {
      const rows = audit.filter((e) => auditOk(q, e));
      if (q.order === 'desc') rows.reverse();
      return Promise.resolve(rows.slice(0, q.limit).map((e) => toJson(e)));
    },

    putReviewItem: (item) => Promise.resolve().then(() => upsert(review, reviewKey(item), toJson(item))),
    listReviewItems: (q: ReviewQuery = {}) =>
      Promise.resolve(sortedValues(review, (r) => subjectOk(q, r) && (q.status === undefined || r.status === q.status)
        && (q.state === undefined || (r.state ?? 'open') === q.state))),

    recordInbound(m: InboundMessage): Promise<{ duplicate: boolean }> {
      const key = `${m.source}\u0000${m.controlId}`;
      if (inbound.has(key)) return Promise.resolve({ duplicate: true });
      inbound.set(key, toJson(m));
      return Promise.resolve({ duplicate: false });
    },

    async storeMessage(m): Promise<{ duplicate: boolean }> {
      for (const r of m.reports) await store.putReport(r);
      for (const j of m.pending) await store.addPending(j);
      return store.recordInbound(m.inbound);
    },

    addPending(job: PendingJob): Promise<void> {
      const key = `${job.queue}\u0000${job.jobId}`;
      if (!pending.has(key)) pending.set(key, toJson(job));
      return Promise.resolve();
    },
    removePending(queue: string, jobId: string): Promise<void> {
      pending.delete(`${queue}\u0000${jobId}`);
      return Promise.resolve();
    },
    listPending: () => Promise.resolve([...pending.values()].map((j) => toJson(j))),

    recordDelivery(key: string, result: DeliveryResult): Promise<void> {
      if (!deliveries.has(key)) deliveries.set(key, toJson(result));
      return Promise.resolve();
    },
    getDelivery: (key) => Promise.resolve(deliveries.has(key) ? toJson(deliveries.get(key)) : undefined),

    getCheckpoint: (name) => Promise.resolve(checkpoints.get(name)),
    putCheckpoint(name: string, value: string): Promise<void> {
      checkpoints.set(name, value);
      return Promise.resolve();
    },

    withLock: createKeyedMutex(),

    close: () => Promise.resolve(),
  };
  return store;
}
