/**
 * The Store contract: every adapter must pass the same suite. Call `storeContract(name, factory)` inside a
 * test file; the factory returns a fresh, migrated store and a cleanup that removes all its data.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Correction, Link, ReviewItem } from '../../src/model/link.ts';
import type { Store } from '../../src/model/store.ts';
import type { Report, Scan } from '../../src/model/types.ts';

/** A fresh store (already migrated) and a function removing it. */
export interface StoreHandle {
  store: Store;
  cleanup: () => Promise<void>;
}

/** Builds a scan with defaults. */
export function scan(uid: string, over: Partial<Scan> = {}): Scan {
  return {
    studyInstanceUid: uid, accession: 'ACC-0001', patient: { id: 'P001', name: { family: 'DOE', given: 'JANE' } },
    studyDateTime: '2026-03-10T09:30:00', modalities: ['CT'], bodyParts: ['CHEST'], seriesDescriptions: ['AX'],
    seriesCount: 1, instanceCount: 100, sources: [{ kind: 'dicom', path: `${uid}.dcm` }], ...over,
  };
}

/** Builds a report with defaults. */
export function report(id: string, over: Partial<Report> = {}): Report {
  return {
    reportId: id, kind: 'report', accession: 'acc 0001', patient: { id: '0001' }, examDateTime: '2026-03-10T09:00:00',
    text: 'No acute findings.', sources: [{ kind: 'hl7', path: 'oru.hl7', index: 0, id: `MSG-${id}` }], ...over,
  };
}

const link = (uid: string, rid: string, over: Partial<Link> = {}): Link => ({
  studyInstanceUid: uid, reportId: rid, accession: 'ACC0001', status: 'verified', probability: 0.99, matchWeight: 12.5,
  evidence: [{ field: 'patientId', level: 'exact', weight: 4.2 }], ...over,
});

const correction = (id: string, over: Partial<Correction> = {}): Correction => ({
  id, target: 'scan', studyInstanceUid: '1.2.3', field: 'AccessionNumber', from: 'ACC1', to: 'ACC0001',
  linkedTo: 'R1', probability: 0.97, reason: 'study-takes-report-accession', ...over,
});

const uids = (xs: { studyInstanceUid: string }[]): string[] => xs.map((x) => x.studyInstanceUid);
const rids = (xs: { reportId: string }[]): string[] => xs.map((x) => x.reportId);

/** Registers the contract suite for one adapter. */
export function storeContract(name: string, factory: () => Promise<StoreHandle>): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHandle;
    let s: Store;
    beforeEach(async () => { h = await factory(); s = h.store; });
    afterEach(async () => { await h.cleanup(); });

    it('migrate twice is harmless and keeps data', async () => {
      await s.putScan(scan('1.2.3'));
      await s.migrate();
      await s.migrate();
      expect(await s.getScan('1.2.3')).toEqual(scan('1.2.3'));
    });

    it('round-trips scans and reports; unknown ids give undefined', async () => {
      const withUndefined = { ...scan('1.2.3'), institution: undefined };
      expect(await s.putScan(withUndefined)).toBe(true);
      expect(await s.putReport(report('R1'))).toBe(true);
      expect(await s.getScan('1.2.3')).toEqual(scan('1.2.3'));
      expect(await s.getReport('R1')).toEqual(report('R1'));
      expect(await s.getScan('9.9')).toBeUndefined();
      expect(await s.getReport('nope')).toBeUndefined();
    });

    it('upserts report whether the content changed', async () => {
      expect(await s.putScan(scan('1.2.3'))).toBe(true);
      expect(await s.putScan(scan('1.2.3'))).toBe(false);
      expect(await s.putScan(scan('1.2.3', { accession: 'ACC-0002' }))).toBe(true);
      expect((await s.getScan('1.2.3'))?.accession).toBe('ACC-0002');
      expect(await s.putReport(report('R1'))).toBe(true);
      expect(await s.putReport(report('R1'))).toBe(false);
      expect(await s.putReport(report('R1', { resultStatus: 'F' }))).toBe(true);
      expect((await s.getReport('R1'))?.resultStatus).toBe('F');
    });

    it('re-indexes blocking keys on update', async () => {
      await s.putScan(scan('1.2.3'));
      await s.putScan(scan('1.2.3', { accession: 'XYZ-9', patient: { id: 'Q9' }, studyDateTime: '2026-05-01' }));
      expect(await s.findScanCandidates({ accessionKeys: ['ACC0001'] })).toEqual([]);
      expect(await s.findScanCandidates({ patientId: 'P001' })).toEqual([]);
      expect(uids(await s.findScanCandidates({ accessionKeys: ['xyz9'] }))).toEqual(['1.2.3']);
      expect(uids(await s.findScanCandidates({ fromDate: '2026-05-01', toDate: '2026-05-01' }))).toEqual(['1.2.3']);
    });

    it('finds candidates by normalized patient id', async () => {
      await s.putScan(scan('1.1', { patient: { id: '00-123' } }));
      await s.putScan(scan('1.2', { patient: { id: '124' } }));
      await s.putReport(report('R1', { patient: { id: '123 ' } }));
      await s.putReport(report('R2', { patient: {} }));
      expect(uids(await s.findScanCandidates({ patientId: '0123' }))).toEqual(['1.1']);
      expect(rids(await s.findReportCandidates({ patientId: '123' }))).toEqual(['R1']);
      expect(await s.findReportCandidates({ patientId: '' })).toEqual([]);
    });

    it('finds candidates by canonical accession, any of several keys', async () => {
      await s.putScan(scan('1.1', { accession: 'acc-0001' }));
      await s.putScan(scan('1.2', { accession: 'ACC 0002' }));
      await s.putScan(scan('1.3', { accession: 'ACC0003' }));
      await s.putScan(scan('1.4', { accession: undefined }));
      expect(uids(await s.findScanCandidates({ accessionKeys: ['ACC0001', 'acc.0002'] }))).toEqual(['1.1', '1.2']);
      await s.putReport(report('R1', { accession: 'ACC0003' }));
      expect(rids(await s.findReportCandidates({ accessionKeys: ['ACC-0003'] }))).toEqual(['R1']);
      expect(await s.findScanCandidates({ accessionKeys: ['NOPE'] })).toEqual([]);
    });

    it('finds a patient whose id differs only in a prefix or zero padding', async () => {
      await s.putScan({ ...scan('1.1'), patient: { id: '0012345' } });
      await s.putScan({ ...scan('1.2'), patient: { id: '123' } });
      expect(uids(await s.findScanCandidates({ patientId: 'H-12345' }))).toEqual(['1.1']);
      expect(uids(await s.findScanCandidates({ patientId: 'H-123' }))).toEqual([]);
    });

    it('finds a record one keying error away only when near accessions are asked for', async () => {
      await s.putScan({ ...scan('1.1'), patient: { id: 'PX1' }, accession: 'ACC-2026-001234' });
      await s.putScan({ ...scan('1.2'), patient: { id: 'PX2' }, accession: 'ACC-2026-009876' });
      await s.putReport({ ...report('R1'), patient: { id: 'PX3' }, accession: 'ACC2026001243' });
      expect(uids(await s.findScanCandidates({ accessionKeys: ['ACC2026001243'] }))).toEqual([]);
      expect(uids(await s.findScanCandidates({ accessionKeys: ['ACC2026001243'], nearAccessions: true }))).toEqual(['1.1']);
      expect(uids(await s.findScanCandidates({ accessionKeys: ['ACC-2026-01234'], nearAccessions: true }))).toEqual(['1.1']);
      expect(rids(await s.findReportCandidates({ accessionKeys: ['ACC-2026-001234'], nearAccessions: true }))).toEqual(['R1']);
      expect(uids(await s.findScanCandidates({ accessionKeys: ['XYZ-77'], nearAccessions: true }))).toEqual([]);
    });

    it('keys combine with OR, the date range with AND', async () => {
      await s.putScan(scan('1.1', { patient: { id: 'P1' }, accession: 'A1', studyDateTime: '2026-03-01T10:00:00' }));
      await s.putScan(scan('1.2', { patient: { id: 'P2' }, accession: 'A2', studyDateTime: '2026-03-05' }));
      await s.putScan(scan('1.3', { patient: { id: 'P3' }, accession: 'A3', studyDateTime: '2026-04-01' }));
      await s.putScan(scan('1.4', { patient: { id: 'P1' }, accession: 'A4', studyDateTime: undefined }));
      expect(uids(await s.findScanCandidates({ patientId: 'P1', accessionKeys: ['A2'] }))).toEqual(['1.1', '1.2', '1.4']);
      const q = { patientId: 'P1', accessionKeys: ['A2', 'A3'], fromDate: '2026-03-02', toDate: '2026-04-01' };
      expect(uids(await s.findScanCandidates(q))).toEqual(['1.2', '1.3']);
      expect(uids(await s.findScanCandidates({ ...q, includeUndated: true }))).toEqual(['1.2', '1.3', '1.4']);
      expect(uids(await s.findScanCandidates({ toDate: '2026-03-05' }))).toEqual(['1.1', '1.2']);
      expect(uids(await s.findScanCandidates({ fromDate: '2026-03-05' }))).toEqual(['1.2', '1.3']);
    });

    it('finds reports by exam date range', async () => {
      await s.putReport(report('R1', { examDateTime: '2026-03-09T23:59:00' }));
      await s.putReport(report('R2', { examDateTime: '2026-03-10' }));
      await s.putReport(report('R3', { examDateTime: '2026-02-30' }));
      expect(rids(await s.findReportCandidates({ fromDate: '2026-03-10', toDate: '2026-03-11' }))).toEqual(['R2']);
      expect(rids(await s.findReportCandidates({ fromDate: '2026-03-10', includeUndated: true }))).toEqual(['R2', 'R3']);
    });

    it('rejects an empty or malformed candidate query', async () => {
      await expect(s.findScanCandidates({})).rejects.toMatchObject({ code: 'USAGE' });
      await expect(s.findReportCandidates({ fromDate: '10/03/2026' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(s.findReportCandidates({ patientId: 'P1', toDate: '2026-02-30' })).rejects.toMatchObject({ code: 'USAGE' });
    });

    it('upserts links and lists them by study or report', async () => {
      expect(await s.putLink(link('1.1', 'R1'))).toBe(true);
      expect(await s.putLink(link('1.1', 'R1'))).toBe(false);
      expect(await s.putLink(link('1.1', 'R1', { status: 'corrected' }))).toBe(true);
      await s.putLink(link('1.2', 'R1'));
      expect(await s.listLinks()).toEqual([link('1.1', 'R1', { status: 'corrected' }), link('1.2', 'R1')]);
      expect(uids(await s.listLinks({ studyInstanceUid: '1.2' }))).toEqual(['1.2']);
      expect(uids(await s.listLinks({ reportId: 'R1' }))).toEqual(['1.1', '1.2']);
    });

    it('finds corrections by the value they changed from or to, ignoring case', async () => {
      await s.putCorrection(correction('c1', { from: 'acc100', to: 'ACC200' }));
      await s.putCorrection(correction('c2', { from: null, to: 'ACC300' }));
      expect((await s.listCorrections({ value: 'ACC100' })).map((c) => c.id)).toEqual(['c1']);
      expect((await s.listCorrections({ value: 'acc200' })).map((c) => c.id)).toEqual(['c1']);
      expect((await s.listCorrections({ value: 'ACC300', studyInstanceUid: 'nope' }))).toEqual([]);
      expect(await s.listCorrections({ value: 'ACC999' })).toEqual([]);
    });

    it('stores a correction once per id', async () => {
      expect(await s.putCorrection(correction('c1'))).toBe(true);
      expect(await s.putCorrection(correction('c1', { to: 'OTHER' }))).toBe(false);
      expect(await s.putCorrection(correction('c2', { target: 'report', studyInstanceUid: undefined, reportId: 'R7' }))).toBe(true);
      expect(await s.listCorrections()).toEqual([correction('c1'), correction('c2', { target: 'report', studyInstanceUid: undefined, reportId: 'R7' })]);
      expect((await s.listCorrections({ reportId: 'R7' })).map((c) => c.id)).toEqual(['c2']);
    });

    it('appends audit entries and lists them by each filter, in order', async () => {
      await s.putCorrection(correction('c1', { studyInstanceUid: '1.1', reportId: 'R1' }));
      const e1 = { at: '2026-03-10T10:00:00Z', correctionId: 'c1', action: 'proposed', actor: 'engine', before: { a: 'X' }, after: { a: 'Y' }, evidence: [{ field: 'patientId', level: 'exact', weight: 4 }] };
      const e2 = { at: '2026-03-10T10:01:00Z', studyInstanceUid: '1.2', action: 'flagged', actor: 'engine', result: 'review' };
      const e3 = { at: '2026-03-10T10:02:00Z', correctionId: 'c1', action: 'applied', actor: 'dr.who', result: { status: 200 } };
      const e4 = { at: '2026-03-10T10:03:00Z', reportId: 'R1', action: 'acked', actor: 'mllp' };
      const seqs = [await s.appendAudit(e1), await s.appendAudit(e2), await s.appendAudit(e3), await s.appendAudit(e4)];
      expect(seqs.every((n, i) => i === 0 || n > (seqs[i - 1] ?? 0))).toBe(true);
      const strip = (xs: { seq: number }[]): unknown[] => xs.map(({ seq: _seq, ...rest }) => rest);
      expect(strip(await s.listAudit())).toEqual([e1, e2, e3, e4]);
      expect((await s.listAudit()).map((e) => e.seq)).toEqual(seqs);
      expect(strip(await s.listAudit({ correctionId: 'c1' }))).toEqual([e1, e3]);
      expect(strip(await s.listAudit({ studyInstanceUid: '1.1' }))).toEqual([e1, e3]);
      expect(strip(await s.listAudit({ studyInstanceUid: '1.2' }))).toEqual([e2]);
      expect(strip(await s.listAudit({ reportId: 'R1' }))).toEqual([e1, e3, e4]);
      expect(strip(await s.listAudit({ reportId: 'R1', correctionId: 'c1' }))).toEqual([e1, e3]);
      expect(await s.listAudit({ correctionId: 'none' })).toEqual([]);
    });

    it('upserts review items per subject and filters them', async () => {
      const a: ReviewItem = { studyInstanceUid: '1.1', reason: 'two candidates', status: 'duplicate', candidates: [{ id: 'R1', kind: 'report', probability: 0.6, matchWeight: 3, evidence: [] }] };
      const b: ReviewItem = { reportId: 'R9', reason: 'no study', status: 'orphan', candidates: [] };
      expect(await s.putReviewItem(a)).toBe(true);
      expect(await s.putReviewItem(a)).toBe(false);
      expect(await s.putReviewItem({ ...a, status: 'mismatch' })).toBe(true);
      expect(await s.putReviewItem(b)).toBe(true);
      expect(await s.listReviewItems()).toEqual([{ ...a, status: 'mismatch' }, b]);
      expect(await s.listReviewItems({ status: 'orphan' })).toEqual([b]);
      expect(await s.listReviewItems({ studyInstanceUid: '1.1' })).toEqual([{ ...a, status: 'mismatch' }]);
      expect(await s.listReviewItems({ reportId: 'R9', status: 'mismatch' })).toEqual([]);
      await expect(s.putReviewItem({ reason: 'x', status: 'orphan', candidates: [] })).rejects.toMatchObject({ code: 'USAGE' });
    });

    it('detects a repeated control id from the same source only', async () => {
      const m = { controlId: 'MSG0001', source: 'RIS^HOSP', receivedAt: '2026-03-10T10:00:00Z', payload: 'MSH|^~\\&|RIS|HOSP' };
      expect(await s.recordInbound(m)).toEqual({ duplicate: false });
      expect(await s.recordInbound({ ...m, receivedAt: '2026-03-10T10:05:00Z' })).toEqual({ duplicate: true });
      expect(await s.recordInbound({ ...m, source: 'RIS^OTHER' })).toEqual({ duplicate: false });
      expect(await s.recordInbound({ ...m, controlId: 'MSG0002' })).toEqual({ duplicate: false });
    });

    it('filters review items by state; an item without a state is open', async () => {
      const open: ReviewItem = { reportId: 'R1', reason: 'x', status: 'orphan', candidates: [] };
      const deferred: ReviewItem = { reportId: 'R2', reason: 'x', status: 'orphan', candidates: [], state: 'deferred', resolution: { action: 'deferred', by: 'ana', at: '2026-03-10T10:00:00Z' } };
      await s.putReviewItem(open);
      await s.putReviewItem(deferred);
      expect(await s.listReviewItems({ state: 'open' })).toEqual([open]);
      expect(await s.listReviewItems({ state: 'deferred' })).toEqual([deferred]);
      await s.putReviewItem({ ...deferred, state: 'resolved' });
      expect(await s.listReviewItems({ state: 'deferred' })).toEqual([]);
      expect((await s.listReviewItems({ state: 'resolved' })).map((i) => i.reportId)).toEqual(['R2']);
    });

    it('pages the audit trail by action, seq and limit', async () => {
      const at = '2026-03-10T10:00:00.000Z';
      const seqs: number[] = [];
      for (const action of ['decided', 'planned', 'delivered', 'planned']) seqs.push(await s.appendAudit({ at, action, actor: 'acclink' }));
      expect((await s.listAudit({ actions: ['planned'] })).map((e) => e.seq)).toEqual([seqs[1], seqs[3]]);
      expect((await s.listAudit({ afterSeq: seqs[1] })).map((e) => e.action)).toEqual(['delivered', 'planned']);
      expect((await s.listAudit({ limit: 2 })).map((e) => e.action)).toEqual(['decided', 'planned']);
      expect(await s.listAudit({ actions: [] })).toEqual([]);
    });

    it('lists the audit trail newest first and from an instant on', async () => {
      const seqs: number[] = [];
      for (const [i, at] of ['2026-03-01T10:00:00.000Z', '2026-03-02T10:00:00.000Z', '2026-03-03T10:00:00.000Z'].entries()) {
        seqs.push(await s.appendAudit({ at, action: `a${i}`, actor: 'acclink' }));
      }
      expect((await s.listAudit({ order: 'desc', limit: 2 })).map((e) => e.seq)).toEqual([seqs[2], seqs[1]]);
      expect((await s.listAudit({ since: '2026-03-02T00:00:00Z' })).map((e) => e.action)).toEqual(['a1', 'a2']);
      expect((await s.listAudit({ since: '2026-03-02T10:00:00.000Z', order: 'desc' })).map((e) => e.action)).toEqual(['a2', 'a1']);
    });

    it('keeps pending jobs once per (queue, job id) until removed, oldest first', async () => {
      await s.addPending({ queue: 'link', jobId: 'link:R1', data: { reportId: 'R1' } });
      await s.addPending({ queue: 'deliver:ris', jobId: 'ris:c1', data: { correctionId: 'c1', destination: 'ris' } });
      await s.addPending({ queue: 'link', jobId: 'link:R1', data: { reportId: 'R1' } });
      expect((await s.listPending()).map((j) => j.jobId)).toEqual(['link:R1', 'ris:c1']);
      await s.removePending('link', 'link:R1');
      await s.removePending('link', 'absent');
      expect(await s.listPending()).toEqual([{ queue: 'deliver:ris', jobId: 'ris:c1', data: { correctionId: 'c1', destination: 'ris' } }]);
    });

    it('stores a message with its reports and pending jobs at once; a repeat is a duplicate and changes nothing', async () => {
      const inbound = { controlId: 'MSG9', source: 'RIS', receivedAt: '2026-03-10T10:00:00Z', payload: 'MSH|...' };
      const pending = [{ queue: 'link', jobId: 'link:R1', data: { reportId: 'R1' } }];
      expect(await s.storeMessage({ reports: [report('R1')], pending, inbound })).toEqual({ duplicate: false });
      expect(await s.getReport('R1')).toEqual(report('R1'));
      expect(await s.listPending()).toEqual(pending);
      expect(await s.storeMessage({ reports: [report('R1')], pending, inbound })).toEqual({ duplicate: true });
      expect(await s.listPending()).toEqual(pending);
      expect(await s.recordInbound(inbound)).toEqual({ duplicate: true });
    });

    it('runs holders of one lock key one after the other, and releases the lock when one fails', async () => {
      const events: string[] = [];
      const hold = (name: string, key: string, fail = false): Promise<string> => s.withLock(key, async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 40));
        events.push(`${name}-`);
        if (fail) throw new Error('boom');
        return name;
      });
      const results = await Promise.allSettled([hold('a', 'patient:1', true), hold('b', 'patient:1'), hold('c', 'patient:2')]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      const ab = events.filter((e) => e.startsWith('a') || e.startsWith('b')).join(' ');
      expect(['a+ a- b+ b-', 'b+ b- a+ a-']).toContain(ab);
      // Another key does not wait: c started before the first holder of patient:1 finished.
      expect(events.indexOf('c+')).toBeLessThan(Math.max(events.indexOf('a-'), events.indexOf('b-')));
      expect(await s.withLock('patient:1', () => Promise.resolve('free'))).toBe('free');
    });

    it('records a delivery once: the first result wins', async () => {
      expect(await s.getDelivery('ris:c1')).toBeUndefined();
      await s.recordDelivery('ris:c1', { outcome: 'delivered', detail: 'AA', ackCode: 'AA' }, '2026-03-10T10:00:00Z');
      await s.recordDelivery('ris:c1', { outcome: 'delivered', detail: 'second' }, '2026-03-10T10:01:00Z');
      expect(await s.getDelivery('ris:c1')).toEqual({ outcome: 'delivered', detail: 'AA', ackCode: 'AA' });
    });

    it('stores and replaces named checkpoints', async () => {
      expect(await s.getCheckpoint('orthanc:changes')).toBeUndefined();
      await s.putCheckpoint('orthanc:changes', '12');
      await s.putCheckpoint('orthanc:changes', '40');
      await s.putCheckpoint('fhir:lastUpdated', '2026-03-10T10:00:00Z');
      expect(await s.getCheckpoint('orthanc:changes')).toBe('40');
      expect(await s.getCheckpoint('fhir:lastUpdated')).toBe('2026-03-10T10:00:00Z');
    });

    it('returns copies: mutating a result or an input does not change the store', async () => {
      const input = scan('1.2.3');
      await s.putScan(input);
      input.modalities.push('MR');
      const got = await s.getScan('1.2.3');
      got?.bodyParts.push('HEAD');
      expect(await s.getScan('1.2.3')).toEqual(scan('1.2.3'));
    });
  });
}
