/**
 * The assertions of the end-to-end engine test, one function per place: the archive (UIDs kept, files
 * and index agree, C-FIND answers the new value), the FHIR server, the RIS and PACS peers (exactly one
 * message per changed record, none for the rest), the store's corrections and their audit trail, and the
 * engine's output (no patient names).
 */
import { expect } from 'vitest';
import type { Correction } from '../../src/model/link.ts';
import type { AuditRecord } from '../../src/model/store.ts';
import { findscuStudiesByAccession, type RunningOrthanc } from '../support/orthanc.ts';
import type { Hospital } from './hospital.ts';
import type { ArchivedStudy, ReceivedMessage, RegisteredStudy } from './peers.ts';
import type { Judged, Place } from './verdicts.ts';

/** Share of due corrections (outside cases a person must decide) that must be made automatically. */
export const FLOOR = 0.8;

const changed = (j: Judged): boolean => j.verdict === 'corrected' || j.verdict === 'normalized';
const at = (judged: readonly Judged[], place: Place): Judged[] => judged.filter((j) => j.place === place);

/** The accession a report's correction messages left it with: the last one received for it, if any. */
export function lastCorrection(messages: readonly ReceivedMessage[], reportId: string): string | undefined {
  const mine = messages.filter((m) => m.reportId === reportId);
  const last = mine.at(-1);
  if (!last) return undefined;
  return last.type.startsWith('OMI') ? last.ipcAccession : last.obrAccession;
}

/** Same studies, same series and instances (UIDs kept); the files and the index agree; all stable. */
export function checkArchive(h: Hospital, archive: ReadonlyMap<string, ArchivedStudy>, judged: readonly Judged[]): void {
  expect([...archive.keys()].sort()).toEqual([...h.studies.keys()].sort());
  for (const [uid, s] of archive) {
    const observed = h.studies.get(uid);
    expect(s.seriesUids).toEqual([...(observed?.seriesUids ?? [])].sort());
    expect(s.sopUids).toEqual([...(observed?.sopUids ?? [])].sort());
    expect(new Set(s.fileAccessions).size, `instances of ${uid} disagree`).toBe(1);
    expect(s.indexAccession, `Orthanc's index of ${uid}`).toBe(s.fileAccessions[0]);
    expect(s.stable).toBe(true);
  }
  expect(at(judged, 'archive')).toHaveLength(h.studies.size);
}

/** C-FIND (dcmtk findscu) finds two corrected studies under their new accession only, and a clean one as before. */
export async function checkFindscu(orthanc: RunningOrthanc, judged: readonly Judged[]): Promise<void> {
  const fixed = at(judged, 'archive').filter((j) => j.verdict === 'corrected' && j.e.observed !== '').slice(0, 2);
  expect(fixed.length).toBeGreaterThan(0);
  for (const j of fixed) {
    expect(await findscuStudiesByAccession(orthanc.aet, orthanc.dicomPort, j.final)).toEqual([j.e.id]);
    expect(await findscuStudiesByAccession(orthanc.aet, orthanc.dicomPort, j.e.observed)).not.toContain(j.e.id);
  }
  const clean = at(judged, 'archive').find((j) => j.e.category === 'clean');
  if (clean) expect(await findscuStudiesByAccession(orthanc.aet, orthanc.dicomPort, clean.e.observed)).toEqual([clean.e.id]);
}

/** Same ImagingStudies; one ACSN identifier at most; as registered unless changed; in step with the archive. */
export function checkFhir(before: ReadonlyMap<string, RegisteredStudy>, now: ReadonlyMap<string, RegisteredStudy>, judged: readonly Judged[]): void {
  expect([...now.values()].map((s) => s.id).sort()).toEqual([...before.values()].map((s) => s.id).sort());
  const archive = new Map(at(judged, 'archive').map((j) => [j.e.id, j.final]));
  for (const [uid, s] of now) {
    expect(s.accessionIdentifiers).toBeLessThanOrEqual(1);
    // The synthetic hospital registers what the archive holds: a FHIR value is judged against the same observation.
    expect(before.get(uid)?.accession).toBe(judged.find((j) => j.e.id === uid)?.e.observed);
    expect(s.accession, `ImagingStudy of ${uid} vs the archive`).toBe(archive.get(uid));
  }
}

/** Exactly one correction message per changed record, with its new value; none for any other record. */
export function checkPeers(judged: readonly Judged[], ris: readonly ReceivedMessage[], pacs: readonly ReceivedMessage[]): void {
  for (const j of at(judged, 'ris')) {
    const mine = ris.filter((m) => m.reportId === j.e.id);
    if (!changed(j)) {
      expect(mine, `RIS messages for ${j.e.category} report ${j.e.id}`).toEqual([]);
      continue;
    }
    expect(mine.map((m) => [m.type.split('^').slice(0, 2).join('^'), m.resultStatus, m.obrAccession])).toEqual([['ORU^R01', 'C', j.final]]);
  }
  expect(ris).toHaveLength(at(judged, 'ris').filter(changed).length);
  for (const j of at(judged, 'archive')) {
    const mine = pacs.filter((m) => m.studyUid === j.e.id);
    if (!changed(j)) {
      expect(mine, `PACS messages for ${j.e.category} study ${j.e.id}`).toEqual([]);
      continue;
    }
    expect(mine.map((m) => [m.type.split('^').slice(0, 2).join('^'), m.ipcAccession, m.obrAccession])).toEqual([['OMI^O23', j.final, j.final]]);
  }
  expect(pacs).toHaveLength(at(judged, 'archive').filter(changed).length);
  expect(new Set([...ris, ...pacs].map((m) => m.controlId)).size).toBe(ris.length + pacs.length);
}

function destinations(rows: readonly AuditRecord[], action: string): string[] {
  return rows.filter((r) => r.action === action).map((r) => String((r.result as { destination?: unknown } | undefined)?.destination)).sort();
}

/**
 * One correction per changed record, to the value the record now holds; each with one `decided` row
 * (evidence, probability, before/after), one `planned` and one `delivered` row per destination, and
 * nothing skipped or dead-lettered.
 */
export function checkAudit(judged: readonly Judged[], corrections: readonly Correction[], audits: ReadonlyMap<string, AuditRecord[]>, fhir: ReadonlyMap<string, RegisteredStudy>): void {
  const want = [...at(judged, 'archive'), ...at(judged, 'ris')].filter(changed).map((j) => `${j.e.target}:${j.e.id}:${j.final}`).sort();
  const got = corrections.map((c) => `${c.target === 'scan' ? 'study' : 'report'}:${c.studyInstanceUid ?? c.reportId ?? ''}:${c.to}`).sort();
  expect(got).toEqual(want);
  for (const c of corrections) {
    const rows = audits.get(c.id) ?? [];
    const decided = rows.filter((r) => r.action === 'decided');
    expect(decided, `decided rows of ${c.id}`).toHaveLength(1);
    const d = decided[0] as AuditRecord;
    expect(d.before).toEqual({ field: 'AccessionNumber', value: c.from });
    expect(d.after).toEqual({ field: 'AccessionNumber', value: c.to });
    expect(Array.isArray(d.evidence) && d.evidence.length > 0, `evidence of ${c.id}`).toBe(true);
    const p = (d.result as { probability?: unknown }).probability;
    expect(typeof p === 'number' && p > 0 && p <= 1, `probability of ${c.id}`).toBe(true);
    const dest = c.target === 'scan'
      ? ['archive', 'pacs', ...(c.studyInstanceUid !== undefined && fhir.has(c.studyInstanceUid) ? ['fhir'] : [])].sort()
      : ['ris'];
    expect(destinations(rows, 'planned'), `planned destinations of ${c.id}`).toEqual(dest);
    expect(destinations(rows, 'delivered'), `delivered destinations of ${c.id}`).toEqual(dest);
    expect(rows.filter((r) => r.action === 'skipped' || r.action === 'dead-letter')).toEqual([]);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** No patient name of the synthetic data appears in the engine's output, as a whole word, in any case. */
export function checkPhi(h: Hospital, output: string): void {
  expect(h.names.size).toBeGreaterThan(10);
  const found = [...h.names].filter((n) => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(n)}(?![\\p{L}\\p{N}])`, n.length < 4 ? 'u' : 'iu').test(output));
  expect(found).toEqual([]);
}
