/**
 * Pixel source over Orthanc: the instances the change poller (orthanc-poller.ts) names in a scan's
 * sources as `orthanc/instances/<id>` are fetched as stored Part 10 files (`GET /instances/{id}/file`).
 * @see https://orthanc.uclouvain.be/book/users/rest.html#downloading-instances
 */
import type { PixelSource } from '../../model/pixels.ts';
import type { Scan } from '../../model/types.ts';
import type { OrthancClient } from './orthanc-client.ts';

/** The source path the poller writes for an archived instance; group 1 is the Orthanc instance id. */
export const ORTHANC_INSTANCE_PATH = /^orthanc\/instances\/([0-9a-f-]+)$/i;

/** Orthanc instance ids of a scan's DICOM sources, in source order, without repeats. */
export function orthancInstanceIds(scan: Scan): string[] {
  const ids = scan.sources.filter((s) => s.kind === 'dicom').map((s) => ORTHANC_INSTANCE_PATH.exec(s.path)?.[1]);
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}

/**
 * Reads a scan's archived instances from one Orthanc. An instance that cannot be fetched (deleted,
 * replaced under new UIDs, another archive's) is skipped; when none of them can be, the first error
 * (a `PacsError`: `PACS_UNAVAILABLE` or `PACS_REQUEST_FAILED` with the status) is thrown.
 */
export function createOrthancPixelSource(client: Pick<OrthancClient, 'instanceFile'>): PixelSource {
  return {
    async instances(scan, limit) {
      const ids = orthancInstanceIds(scan).slice(0, Math.max(0, limit));
      const out: Uint8Array[] = [];
      const errors: unknown[] = [];
      for (const id of ids) {
        try {
          out.push(await client.instanceFile(id));
        } catch (e) {
          errors.push(e);
        }
      }
      if (out.length === 0 && errors.length > 0) throw errors[0];
      return out;
    },
  };
}
