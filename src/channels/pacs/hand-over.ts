/**
 * What both PACS pollers do with one study they read: report its rejections, hand its scan to the engine,
 * and count both for the poll's result.
 */
import type { InputRejection, Scan } from '../../model/types.ts';

/** A study as read from the archive: its scan (when one could be built) and what could not be read. */
export interface ReadStudy {
  scan?: Scan;
  rejections: InputRejection[];
}

/** Reports `read`'s rejections, then awaits `onScan` for its scan; counts into `result`. */
export async function handOverStudy(
  read: ReadStudy | undefined,
  to: { onScan: (scan: Scan) => Promise<void>; onRejected?: (r: InputRejection) => void },
  result: { studies: number; rejected: number },
): Promise<void> {
  for (const r of read?.rejections ?? []) {
    to.onRejected?.(r);
    result.rejected++;
  }
  if (read?.scan) {
    await to.onScan(read.scan);
    result.studies++;
  }
}
