/**
 * Image and report-text evidence in the link worker (issues 3 and 5): when the header-only pass over an
 * arrival's candidate set leaves that arrival in review, the candidate reports' text is labelled, the
 * candidate studies' images are classified by the configured models, and the worker links the set again
 * with the findings provider, as the batch command does (src/app/evidence.ts).
 *
 * Model sessions are opened on first need and kept for the engine's life (loading is slow). Study
 * verdicts are kept in a bounded LRU keyed by the SOP Instance UIDs of the study's instances, so a study
 * is read and classified once, not at every arrival that has it as a candidate; a study that gains an
 * instance is read again. A study that cannot be read or decoded gets no image finding: the issue is
 * reported (hashed study id, error code, never PHI) and the header-only result stands.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.12.html#sect_C.12.1 (SOP Instance UID)
 */
import { hashId, safeError, type SafeError } from '../channels/log.ts';
import type { LoadedConfig } from '../config/load.ts';
import { createImageFindingsProvider, type ImageFinding, type ImageFindingsProvider, type StudyImageResult } from '../inference/provider.ts';
import { openModelSession, type ModelSession } from '../inference/session.ts';
import { findingsProvider, type FindingState } from '../linker/compare/findings.ts';
import type { EvidenceProvider } from '../linker/compare/index.ts';
import type { ReconcileResult } from '../linker/reconcile.ts';
import type { PixelSource } from '../model/pixels.ts';
import type { Report, Scan } from '../model/types.ts';
import { labelReport } from '../transforms/report-text/index.ts';

/** The parts of the loaded configuration image evidence uses. */
export type EvidenceConfig = Pick<LoadedConfig, 'modelDirs' | 'findingsLexicon' | 'procedureTerms' | 'weights'>;

/** Why a study (or every study) got no image finding. Stable codes. */
export type EvidenceIssueCode =
  | 'model-unavailable' // a model session could not be opened: image evidence is off until restart
  | 'pixels-unreadable' // the pixel source threw (files missing, archive down or 404)
  | 'no-pixel-source' // no configured pixel source holds the study's instances
  | 'no-readable-instance' // instances were read but none parses as DICOM
  | 'pixels-skipped' // the chosen instance's pixels cannot be decoded (see SkipCode in pixels.ts)
  | 'inference-failed' // the model run threw
  | 'evidence-failed'; // anything else; the header-only result stands

/** One problem with image evidence, safe to log: no PHI, identifiers hashed. */
export interface EvidenceIssue {
  code: EvidenceIssueCode;
  /** `hashId` of the Study Instance UID. */
  study?: string;
  /** The model folder's manifest name, when one model is concerned. */
  model?: string;
  /** A stable sub-code, e.g. the pixel decoder's skip code. */
  detail?: string;
  error?: SafeError;
}

export interface EngineEvidenceOptions {
  config: EvidenceConfig;
  pixels: PixelSource;
  /** SOP Instance UIDs whose study verdicts are kept (least recently used dropped). Default 10,000. */
  cacheSize?: number;
  /** Instances read per study to find the representative one. Default 8. */
  maxInstancesPerStudy?: number;
  /** Issues, for logs. */
  onIssue?: (issue: EvidenceIssue) => void;
}

/** The arrival a link job is about. */
export interface EvidenceSubject {
  studyInstanceUid?: string;
  reportId?: string;
}

export interface EngineEvidence {
  /**
   * Findings providers for a second pass over the candidate set, or none when the first pass left the
   * subject out of review, no candidate report has text, or no candidate study has an image finding.
   * Never rejects: failures are reported through `onIssue` and give no providers.
   */
  providersFor(set: { scans: readonly Scan[] }, first: ReconcileResult, subject: EvidenceSubject): Promise<EvidenceProvider[]>;
  /** Counters since creation (no content). */
  readonly stats: EvidenceStats;
}

export interface EvidenceStats {
  /** Studies whose instances were read and classified. */
  studiesRead: number;
  /** Studies answered from the cache. */
  cacheHits: number;
  /** Issues reported. */
  issues: number;
}

interface Loaded {
  session: ModelSession;
  provider: ImageFindingsProvider;
}

/** One verdict per model (in `modelDirs` order), shared by the cache entries of the study's instances. */
interface CacheEntry {
  study: string;
  results: StudyImageResult[];
}

const DEFAULT_CACHE_SIZE = 10_000;
const DEFAULT_MAX_INSTANCES = 8;

/**
 * The studies and reports of the review items about the subject, and of every item that shares a record
 * with those (transitively). The rivals matter as much as the subject: a study linked on its own
 * (falsely positive) image finding while the other study of the pair goes unread would take the
 * other's report. Within one candidate set this is the batch command's set of undecided records.
 */
function undecided(first: ReconcileResult, subject: EvidenceSubject): { studies: Set<string>; reports: Set<string> } {
  const studies = new Set<string>();
  const reports = new Set<string>();
  if (subject.studyInstanceUid !== undefined) studies.add(subject.studyInstanceUid);
  if (subject.reportId !== undefined) reports.add(subject.reportId);
  const idsOf = (item: ReconcileResult['review'][number]): Array<['scan' | 'report', string]> => [
    ...(item.studyInstanceUid ? [['scan', item.studyInstanceUid] as ['scan', string]] : []),
    ...(item.reportId ? [['report', item.reportId] as ['report', string]] : []),
    ...item.candidates.map((c): ['scan' | 'report', string] => [c.kind === 'scan' ? 'scan' : 'report', c.id]),
  ];
  const pending = first.review.map(idsOf);
  let involved = false;
  for (let grew = true; grew;) {
    grew = false;
    for (let i = pending.length - 1; i >= 0; i--) {
      const ids = pending[i] ?? [];
      if (!ids.some(([kind, id]) => (kind === 'scan' ? studies : reports).has(id))) continue;
      for (const [kind, id] of ids) (kind === 'scan' ? studies : reports).add(id);
      pending.splice(i, 1);
      grew = true;
      involved = true;
    }
  }
  return involved ? { studies, reports } : { studies: new Set(), reports: new Set() };
}

/** SOP Instance UIDs of a scan's DICOM sources: the cache keys of its verdict. */
function instanceKeys(scan: Scan): string[] {
  return [...new Set(scan.sources.filter((s) => s.kind === 'dicom' && s.id !== undefined).map((s) => s.id ?? ''))].sort();
}

/** A bounded LRU of study verdicts by SOP Instance UID. */
function createVerdictCache(size: number): { get(scan: Scan): CacheEntry | undefined; set(scan: Scan, results: StudyImageResult[]): void } {
  const map = new Map<string, CacheEntry>();
  const touch = (key: string, entry: CacheEntry): void => {
    map.delete(key);
    map.set(key, entry);
    while (map.size > size) {
      const oldest = map.keys().next();
      if (oldest.done === true) break;
      map.delete(oldest.value);
    }
  };
  return {
    get(scan) {
      const keys = instanceKeys(scan);
      const entry = keys.length > 0 ? map.get(keys[0] ?? '') : undefined;
      // A hit only when every instance of the study was part of the verdict: a new series is read again.
      if (entry === undefined || entry.study !== scan.studyInstanceUid || !keys.every((k) => map.get(k) === entry)) return undefined;
      for (const k of keys) touch(k, entry);
      return entry;
    },
    set(scan, results) {
      if (size === 0) return;
      const entry = { study: scan.studyInstanceUid, results };
      for (const k of instanceKeys(scan)) touch(k, entry);
    },
  };
}

/** Creates the engine's evidence step; models are opened on first need. */
export function createEngineEvidence(options: EngineEvidenceOptions): EngineEvidence {
  const { config, pixels } = options;
  const maxInstances = Math.max(1, options.maxInstancesPerStudy ?? DEFAULT_MAX_INSTANCES);
  const cache = createVerdictCache(Math.max(0, options.cacheSize ?? DEFAULT_CACHE_SIZE));
  const stats: EvidenceStats = { studiesRead: 0, cacheHits: 0, issues: 0 };
  const issue = (i: EvidenceIssue): void => {
    stats.issues++;
    options.onIssue?.(i);
  };
  let models: Promise<Loaded[] | undefined> | undefined;

  // A model that cannot be loaded stays unloadable (its manifest and hash were checked at start): report once.
  const load = (): Promise<Loaded[] | undefined> => models ??= Promise.all(config.modelDirs.map(async (dir) => {
    const session = await openModelSession(dir);
    return { session, provider: createImageFindingsProvider({ session }) };
  })).catch((e: unknown) => {
    issue({ code: 'model-unavailable', error: safeErrorOf(e) });
    return undefined;
  });

  const applicable = (scan: Scan, loaded: readonly Loaded[]): boolean => {
    const modalities = scan.modalities.map((m) => m.toUpperCase());
    return modalities.length === 0 || loaded.some((l) => modalities.some((m) => l.session.manifest.applicability.modalities.includes(m)));
  };

  /** Reads and classifies one study; undefined (not cached) when reading or inference failed. */
  const classify = async (scan: Scan, loaded: readonly Loaded[]): Promise<StudyImageResult[] | undefined> => {
    const study = hashId(scan.studyInstanceUid);
    let bytes: Uint8Array[];
    try {
      bytes = await pixels.instances(scan, maxInstances);
    } catch (e) {
      issue({ code: 'pixels-unreadable', study, error: safeErrorOf(e) });
      return undefined;
    }
    stats.studiesRead++;
    if (bytes.length === 0) {
      issue({ code: 'no-pixel-source', study });
      return [];
    }
    const instances = bytes.map((b) => ({ read: () => Promise.resolve(b) }));
    const results: StudyImageResult[] = [];
    for (const { provider, session } of loaded) {
      let r: StudyImageResult;
      try {
        r = await provider.findingsForStudy(instances, scan.studyInstanceUid);
      } catch (e) {
        // The session may have been released elsewhere in the process: open it again next time.
        models = undefined;
        issue({ code: 'inference-failed', study, model: session.manifest.name, error: safeErrorOf(e) });
        return undefined;
      }
      if (!r.ok && r.code !== 'not-applicable') {
        issue({ code: r.code, study, model: session.manifest.name, ...(r.code === 'pixels-skipped' ? { detail: r.reason.split(':')[0] ?? '' } : {}) });
      }
      results.push(r);
    }
    return results;
  };

  const imageFindings = async (scans: readonly Scan[], loaded: readonly Loaded[]): Promise<Map<string, ImageFinding[]>> => {
    const byStudy = new Map<string, ImageFinding[]>();
    for (const scan of scans) {
      if (!scan.sources.some((s) => s.kind === 'dicom') || !applicable(scan, loaded)) continue;
      let results = cache.get(scan)?.results;
      if (results !== undefined) stats.cacheHits++;
      else {
        results = await classify(scan, loaded);
        if (results !== undefined) cache.set(scan, results);
      }
      const findings = (results ?? []).flatMap((r) => (r.ok ? [r.finding] : []));
      if (findings.length > 0) byStudy.set(scan.studyInstanceUid, findings);
    }
    return byStudy;
  };

  const providersFor = async (set: { scans: readonly Scan[] }, first: ReconcileResult, subject: EvidenceSubject): Promise<EvidenceProvider[]> => {
    const want = undecided(first, subject);
    if (want.studies.size === 0 || config.modelDirs.length === 0) return [];
    const labels = labelsFor(first.reports.filter((r) => want.reports.has(r.reportId)), config);
    // Without report findings an image finding compares with nothing: skip reading pixels.
    if (labels.size === 0) return [];
    const loaded = await load();
    if (loaded === undefined) return [];
    const images = await imageFindings(set.scans.filter((s) => want.studies.has(s.studyInstanceUid)), loaded);
    if (images.size === 0) return [];
    return [findingsProvider(images, labels, config.weights)];
  };

  return {
    stats,
    async providersFor(set, first, subject) {
      try {
        return await providersFor(set, first, subject);
      } catch (e) {
        issue({ code: 'evidence-failed', error: safeErrorOf(e) });
        return [];
      }
    },
  };
}

function labelsFor(reports: readonly Report[], config: EvidenceConfig): Map<string, Record<string, FindingState>> {
  const out = new Map<string, Record<string, FindingState>>();
  for (const r of reports) if (r.text) out.set(r.reportId, labelReport(r, config.findingsLexicon, config.procedureTerms).findings);
  return out;
}

function safeErrorOf(e: unknown): SafeError {
  return safeError(e) ?? { type: 'unknown' };
}
