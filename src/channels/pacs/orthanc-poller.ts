/**
 * PACS source: follows Orthanc's change log and turns every study that became stable into a {@link Scan},
 * read through the same header reader and aggregation as the batch path (dicom-folder.ts).
 *
 * Per `StableStudy` change: the study's instance listing (for series and instance counts), one Part 10
 * file per series (headers differ per series: modality, description, body part), `readDicomHeader` on
 * each, `aggregateStudies` over them. `onScan` runs before the checkpoint moves past the change, so a
 * crash or a failing `onScan` makes the next poll read the change again (at-least-once; a study that
 * changes again simply comes again with its new header).
 * @see https://orthanc.uclouvain.be/book/users/rest.html#tracking-changes (GET /changes, StableStudy)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/chapter_A.html#sect_A.1.2 (study/series/instance levels)
 */
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import type { InputRejection, Scan } from '../../model/types.ts';
import { aggregateStudies } from '../../transforms/dicom/aggregate.ts';
import type { DicomInstanceHeader } from '../../transforms/dicom/header.ts';
import { readDicomHeader } from '../../transforms/dicom/header.ts';
import type { OrthancClient, OrthancInstance } from './orthanc-client.ts';
import { PacsError } from './orthanc-client.ts';
import { createPollLoop } from '../poll-loop.ts';
import { handOverStudy, type ReadStudy } from './hand-over.ts';

/** Where the poller keeps the last handled change `Seq` (as a decimal string), e.g. a Store row. */
export interface PollCheckpoint {
  get(): Promise<string | undefined>;
  set(value: string): Promise<void>;
}

export interface OrthancPollerOptions {
  client: OrthancClient;
  checkpoint: PollCheckpoint;
  /** Called once per stable study; the checkpoint passes the change only after it resolves. */
  onScan: (scan: Scan) => Promise<void>;
  /** Files that could not be read (skipped), and study-level warnings (instances disagree). */
  onRejected?: (rejection: InputRejection) => void;
  /** Errors of polls run by `start` (a `pollOnce` caller gets them thrown instead); the loop goes on. */
  onError?: (error: unknown) => void;
  /** Changes asked for per request (default 100). */
  limit?: number;
}

export interface PollResult {
  /** Scans handed to `onScan`. */
  studies: number;
  /** Rejections reported through `onRejected`. */
  rejected: number;
  /** The checkpoint after the poll: the last change handled. */
  last: number;
}

export interface OrthancPoller {
  /** Reads every change since the checkpoint, page by page; rejects with the first `onScan` or archive error. */
  pollOnce(): Promise<PollResult>;
  /** Polls now and then every `intervalMs` after each poll ends; no-op when running. */
  start(intervalMs: number): void;
  /** Stops the loop and waits for a poll in progress (it ends after its current page). */
  stop(): Promise<void>;
}

const DEFAULT_LIMIT = 100;

function parseCheckpoint(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,15}$/.test(value)) throw new AcclinkError(ErrorCode.ConfigInvalid, 'the PACS poll checkpoint is not a change sequence number');
  return Number(value);
}

/** The stable study as a Scan plus rejections; undefined when it vanished meanwhile (deleted or replaced). */
async function readStudy(client: OrthancClient, studyId: string): Promise<ReadStudy | undefined> {
  try {
    const instances = await client.studyInstances(studyId);
    const bySeries = new Map<string, OrthancInstance[]>();
    for (const i of instances) {
      const series = bySeries.get(i.ParentSeries);
      if (series === undefined) bySeries.set(i.ParentSeries, [i]);
      else series.push(i);
    }
    const headers: DicomInstanceHeader[] = [];
    const rejections: InputRejection[] = [];
    for (const series of bySeries.values()) {
      const sample = series[0];
      if (sample === undefined) continue;
      const source = { kind: 'dicom' as const, path: `orthanc/instances/${sample.ID}` };
      const result = readDicomHeader(await client.instanceFile(sample.ID), source);
      if (result.ok) headers.push(result.instance);
      else rejections.push(result.rejection);
    }
    const aggregated = aggregateStudies(headers);
    rejections.push(...aggregated.rejections);
    const first = aggregated.records[0];
    // Counts come from the archive's listing: only one file per series was read.
    const scan = first === undefined ? undefined : { ...first, seriesCount: bySeries.size, instanceCount: instances.length };
    return scan === undefined ? { rejections } : { scan, rejections };
  } catch (e) {
    if (e instanceof PacsError && e.status === 404) return undefined;
    throw e;
  }
}

/**
 * Creates a poller. Only `StableStudy` changes of studies are acted on; every other change only moves
 * the checkpoint. The checkpoint never moves backwards.
 * @see https://orthanc.uclouvain.be/book/users/rest.html#tracking-changes
 */
export function createOrthancPoller(opts: OrthancPollerOptions): OrthancPoller {
  const { client } = opts;
  const limit = opts.limit ?? DEFAULT_LIMIT;

  const run = async (): Promise<PollResult> => {
    let saved = parseCheckpoint(await opts.checkpoint.get());
    const save = async (seq: number): Promise<void> => {
      if (seq <= saved) return;
      await opts.checkpoint.set(String(seq));
      saved = seq;
    };
    const result: PollResult = { studies: 0, rejected: 0, last: saved };
    for (let since = saved; ;) {
      const page = await client.changes(since, limit);
      for (const change of page.Changes) {
        if (change.ChangeType !== 'StableStudy' || change.ResourceType !== 'Study') continue;
        const read = await readStudy(client, change.ID);
        await handOverStudy(read, opts, result);
        await save(change.Seq);
      }
      // `Last` of an empty page is the newest Seq overall, which is behind `since` after an archive reset.
      await save(page.Last);
      if (page.Done || page.Changes.length === 0 || loop.stopping || page.Last <= since) break;
      since = page.Last;
    }
    result.last = saved;
    return result;
  };

  const loop = createPollLoop(run, opts.onError);
  return loop;
}
