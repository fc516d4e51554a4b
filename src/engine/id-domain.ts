/**
 * Whether the RIS and the PACS write patient ids from one domain, learned across arrivals. The batch
 * linker decides it from a whole run's pairs that share an accession (most agree on the id: one domain,
 * and a differing id forbids an automatic link; most differ: two domains, and ids are not evidence
 * against a link). A link job sees a handful of records, too few to tell, so the engine counts those
 * pairs over every job and keeps the tally in the store, where it survives restarts and is shared by
 * workers.
 */
import { canonicalAccession } from '../linker/accession.ts';
import { normalizePatientId } from '../linker/features.ts';
import type { Store } from '../model/store.ts';
import type { Report, Scan } from '../model/types.ts';

/** Pairs needed before the tally is trusted (as the batch linker's own estimate). */
export const MIN_PAIRS = 20;
const CHECKPOINT = 'linker:id-domain';

interface Tally {
  compared: number;
  agreeing: number;
  /** Pair keys already counted (bounded), so a pair linked again is not counted twice. */
  seen: string[];
}

const MAX_SEEN = 2000;
/**
 * Pairs after which the answer is settled: counting stops, so the tally (and its checkpoint write) stays
 * off the link stage's path once it has nothing more to learn.
 */
export const SETTLED_PAIRS = 1000;

const answer = (x: Pick<Tally, 'compared' | 'agreeing'>): boolean | undefined => (x.compared < MIN_PAIRS ? undefined : x.agreeing >= x.compared / 2);

/** Learns the id-domain question from the accession-sharing pairs of each job's candidate set. */
export interface IdDomainEstimate {
  /**
   * Counts the set's pairs; resolves with the current answer (undefined while too few pairs were seen)
   * and whether this call settled or changed it (then earlier decisions made without it may differ).
   */
  observe(set: { scans: readonly Scan[]; reports: readonly Report[] }): Promise<{ shared: boolean | undefined; changed: boolean }>;
}

function digits(id: string): string {
  return id.replace(/\D/g, '').replace(/^0+/, '');
}

export function createIdDomainEstimate(store: Pick<Store, 'getCheckpoint' | 'putCheckpoint'>): IdDomainEstimate {
  let tally: Tally | undefined;
  const load = async (): Promise<Tally> => {
    if (tally) return tally;
    const raw = await store.getCheckpoint(CHECKPOINT);
    try {
      tally = raw ? JSON.parse(raw) as Tally : { compared: 0, agreeing: 0, seen: [] };
    } catch {
      tally = { compared: 0, agreeing: 0, seen: [] };
    }
    return tally;
  };
  return {
    async observe(set) {
      const t = await load();
      const before = answer(t);
      if (t.compared >= SETTLED_PAIRS) return { shared: before, changed: false };
      const seen = new Set(t.seen);
      let added = false;
      for (const s of set.scans) {
        const a = canonicalAccession(s.accession);
        const sid = normalizePatientId(s.patient.id);
        if (!a || !sid) continue;
        for (const r of set.reports) {
          const rid = normalizePatientId(r.patient.id);
          const key = `${s.studyInstanceUid}|${r.reportId}`;
          if (!rid || canonicalAccession(r.accession) !== a || seen.has(key)) continue;
          seen.add(key);
          t.seen.push(key);
          t.compared++;
          if (sid === rid || (digits(sid) !== '' && digits(sid) === digits(rid))) t.agreeing++;
          added = true;
        }
      }
      if (added) {
        if (t.seen.length > MAX_SEEN) t.seen = t.seen.slice(-MAX_SEEN);
        await store.putCheckpoint(CHECKPOINT, JSON.stringify(t));
      }
      const shared = answer(t);
      return { shared, changed: shared !== before };
    },
  };
}
