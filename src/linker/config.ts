/** Linker settings: thresholds and policy. Validated from YAML in src/config; defaults here. */
import { PatientIdVeto } from './compare/index.ts';

export interface LinkerConfig {
  thresholds: {
    /** Probability at or above which an assigned pair is linked automatically. */
    auto: number;
    /** Probability at or above which a pair goes to review rather than being left unlinked. */
    review: number;
    /** Pairs below this are not candidates at all (not shown to reviewers). */
    candidate: number;
    /** A pair sharing an accession is verified at or above this probability. */
    verify: number;
    /** An automatic link needs this many bits more than the best arrangement without it. */
    marginBits: number;
  };
  patientIdVeto: PatientIdVeto;
  /** Which side's accession survives a link: the RIS owns accession numbers (IHE SWF), so `report`. */
  accessionSource: 'report' | 'study';
  /** Format of minted accessions: prefix + zero-padded counter. */
  mint: { prefix: string; digits: number };
  /** Allow one report to cover several studies that share its accession. */
  multiStudyReports: boolean;
  blocking: { windowDays: number; maxCandidates: number };
  /** Re-estimate u from random pairs of the run, with the weight table as prior of this strength (pseudo-pairs). */
  uFromRandomPairs: { enabled: boolean; samples: number; strength: number };
  /**
   * Prior match probability of a random pair. Default: 1 / max(studies, reports) for pairs that share
   * an accession, and 1 / max(unlinked studies, unlinked reports, a quarter of all records) for pairs among
   * the unlinked records, since each unlinked record has at most one counterpart among the others.
   */
  prior?: number;
}

export const DEFAULT_LINKER_CONFIG: LinkerConfig = {
  thresholds: { auto: 0.97, review: 0.3, candidate: 0.02, verify: 0.5, marginBits: 4 },
  patientIdVeto: PatientIdVeto.Auto,
  accessionSource: 'report',
  mint: { prefix: 'ACL', digits: 9 },
  multiStudyReports: false,
  blocking: { windowDays: 3, maxCandidates: 50 },
  uFromRandomPairs: { enabled: true, samples: 20000, strength: 2000 },
};
