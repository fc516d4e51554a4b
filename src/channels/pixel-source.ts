/**
 * Several pixel sources as one: files named by the batch reader, then each configured Orthanc. Each
 * adapter answers only for the sources it recognizes, so the first that returns instances wins.
 */
import type { PixelSource } from '../model/pixels.ts';

/**
 * Tries each source in order and returns the first non-empty answer. A source that throws is passed
 * over; when none returns instances and one threw, the first error is thrown (the study is unreadable,
 * not merely absent).
 */
export function composePixelSources(sources: readonly PixelSource[]): PixelSource {
  return {
    async instances(scan, limit) {
      let first: unknown;
      let failed = false;
      for (const source of sources) {
        try {
          const found = await source.instances(scan, limit);
          if (found.length > 0) return found;
        } catch (e) {
          if (!failed) first = e;
          failed = true;
        }
      }
      if (failed) throw first;
      return [];
    },
  };
}
