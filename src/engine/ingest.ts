/**
 * Ingest stage of the streaming engine (issue 3): turns one received HL7 v2 message (or one scan) into
 * durable records plus a `link` job. The MLLP `handle` resolves only after the store writes and the
 * enqueue, so the listener never sends AA for something that could still be lost.
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
import type { MllpHandleResult, MllpMessageMeta } from '../channels/mllp/server.ts';
import { ErrorCode } from '../model/errors.ts';
import type { JobQueue } from '../model/queue.ts';
import type { Store } from '../model/store.ts';
import type { Scan } from '../model/types.ts';
import { DEFAULT_HL7_FIELD_MAPPING, type Hl7FieldMapping } from '../transforms/hl7/mapping.ts';
import { hl7ToReports } from '../transforms/hl7/report.ts';

/** What ingest needs. */
export interface IngestDeps {
  store: Store;
  queue: JobQueue;
  /** Field mapping for HL7 reading; default: the shipped default mapping. */
  hl7Fields?: Hl7FieldMapping;
  /** Called once per message with its outcome, for counters (no content). */
  onMessage?: (outcome: IngestOutcome) => void;
}

/** What happened to one inbound message. */
export type IngestOutcome = 'accepted' | 'duplicate' | 'rejected';

/** The `link` job id of a report subject. */
export function reportLinkJobId(reportId: string): string {
  return `link:${reportId}`;
}

/** The `link` job id of a study subject. */
export function studyLinkJobId(studyInstanceUid: string): string {
  return `link:study:${studyInstanceUid}`;
}

/**
 * The MLLP `handle` of the ingest stage. A message that parses but yields no report (unsupported type,
 * no report id) is answered AE with an ERR naming the table 0357 code; the reading rejection's text is
 * not echoed (it may quote field values).
 */
export function createIngestHandler(deps: IngestDeps): (text: string, meta: MllpMessageMeta) => Promise<MllpHandleResult> {
  const mapping = deps.hl7Fields ?? DEFAULT_HL7_FIELD_MAPPING;
  return async (text, meta) => {
    const controlId = meta.message.controlId;
    const read = hl7ToReports(text, `mllp:${controlId}`, mapping);
    if (read.records.length === 0) {
      deps.onMessage?.('rejected');
      const unsupported = read.rejections.some((r) => r.code === ErrorCode.Hl7UnsupportedMessageType);
      return {
        code: 'AE',
        error: unsupported
          ? { code: 200, location: 'MSH-9', text: 'Unsupported message type' }
          : { code: 101, text: 'Message yields no report (missing report id or required field)' },
      };
    }
    const { duplicate } = await deps.store.recordInbound({
      controlId, source: meta.peer.replace(/:\d+$/, ''), receivedAt: meta.receivedAt.toISOString(), payload: text,
    });
    if (duplicate) {
      deps.onMessage?.('duplicate');
      return { code: 'AA' };
    }
    for (const report of read.records) await deps.store.putReport(report);
    for (const report of read.records) {
      await deps.queue.enqueue('link', { reportId: report.reportId }, { jobId: reportLinkJobId(report.reportId) });
    }
    deps.onMessage?.('accepted');
    return { code: 'AA' };
  };
}

/** Store one scan (e.g. from PACS polling) and queue its `link` job. Resolves after both. */
export async function ingestScan(deps: Pick<IngestDeps, 'store' | 'queue'>, scan: Scan): Promise<void> {
  await deps.store.putScan(scan);
  await deps.queue.enqueue('link', { studyInstanceUid: scan.studyInstanceUid }, { jobId: studyLinkJobId(scan.studyInstanceUid) });
}
