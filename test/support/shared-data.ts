/**
 * Where the workplace's shared data sets live: `../shared/data` beside the project folder, or
 * `ACCLINK_SHARED_DATA` when the project is checked out elsewhere (`.ci/run` sets it for a clone whose
 * origin has the data beside it).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_DATA = process.env.ACCLINK_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));

/** pydicom's test files. */
export const DICOM_SAMPLES = join(SHARED_DATA, 'dicom-samples');
