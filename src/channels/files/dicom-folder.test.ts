import { copyFile, mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import { type FixtureElement, part10File } from '../../transforms/dicom/part10-fixture.ts';
import { TransferSyntax } from '../../transforms/dicom/syntax.ts';
import { HEADER_PREFIX_BYTES, readDicomFolder } from './dicom-folder.ts';
import { DICOM_SAMPLES } from '../../../test/support/shared-data.ts';

const SAMPLES = `${DICOM_SAMPLES}/`;
const CT_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
const MR_STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';
const BIG_HEADER_STUDY = '1.2.826.0.1.3680043.10.543.77';
const HUGE_STUDY = '1.2.826.0.1.3680043.10.543.78';

function header(study: string, extra: FixtureElement[] = []): FixtureElement[] {
  return [
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: `${study}.1.1` },
    { tag: 0x00080050, vr: 'SH', value: 'ACC-9' },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x0020000d, vr: 'UI', value: study },
    { tag: 0x0020000e, vr: 'UI', value: `${study}.1` },
    ...extra,
  ];
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acclink-dicom-folder-'));
  await mkdir(join(dir, 'PAT1/ST1/SE1'), { recursive: true });
  await mkdir(join(dir, 'PAT1/ST2'), { recursive: true });
  await mkdir(join(dir, 'misc/empty-dir'), { recursive: true });
  await copyFile(join(SAMPLES, 'CT_small.dcm'), join(dir, 'PAT1/ST1/SE1/IM0001'));
  await copyFile(join(SAMPLES, 'CT_small.dcm'), join(dir, 'PAT1/ST1/SE1/IM0001-copy'));
  await copyFile(join(SAMPLES, 'MR_small_implicit.dcm'), join(dir, 'PAT1/ST2/MR.dcm'));
  await copyFile(join(SAMPLES, 'dicomdirtests/DICOMDIR'), join(dir, 'DICOMDIR'));
  await writeFile(join(dir, 'misc/empty'), new Uint8Array(0));
  await writeFile(join(dir, 'misc/notes.txt'), 'scanned on the old console\n');
  await writeFile(join(dir, '.DS_Store'), Uint8Array.of(0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31));
  await symlink(join(dir, 'no-such-target'), join(dir, 'misc/dangling'));
  // A header bigger than every prefix step: a 17 MiB private element before the Study Instance UID.
  const blob: FixtureElement = { tag: 0x00091010, vr: 'OB', value: new Uint8Array(17 * 1024 * 1024) };
  await writeFile(join(dir, 'big-header'), part10File(header(BIG_HEADER_STUDY, [blob]), { transferSyntax: TransferSyntax.ExplicitLittle }));
  // A 3 GiB (sparse) file whose header outgrows the first read: only a bounded re-read can succeed,
  // reading it whole would need 3 GiB of memory.
  const pixels: FixtureElement = { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(16) };
  const privateBlock: FixtureElement = { tag: 0x00091010, vr: 'OB', value: new Uint8Array(300 * 1024) };
  const huge = await open(join(dir, 'huge'), 'w');
  await huge.write(part10File(header(HUGE_STUDY, [privateBlock, pixels]), { transferSyntax: TransferSyntax.ExplicitLittle }));
  await huge.truncate(3 * 1024 ** 3);
  await huge.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readDicomFolder', () => {
  it('reads DICOM files at any depth and under any name, with paths relative to the folder, sorted', async () => {
    const result = await readDicomFolder(dir);
    expect(result.records.map((r) => [r.source.path, r.studyInstanceUid])).toEqual([
      ['PAT1/ST1/SE1/IM0001', CT_STUDY],
      ['PAT1/ST1/SE1/IM0001-copy', CT_STUDY],
      ['PAT1/ST2/MR.dcm', MR_STUDY],
      ['big-header', BIG_HEADER_STUDY],
      ['huge', HUGE_STUDY],
    ]);
  });

  it('rejects empty, text, dot, DICOMDIR and dangling files with their own codes', async () => {
    const result = await readDicomFolder(dir);
    expect(result.rejections.map((r) => [r.source.path, r.code])).toEqual([
      ['.DS_Store', ErrorCode.DicomNotDicom],
      ['DICOMDIR', ErrorCode.DicomMissingStudyUid],
      ['misc/dangling', ErrorCode.FileUnreadable],
      ['misc/empty', ErrorCode.DicomEmpty],
      ['misc/notes.txt', ErrorCode.DicomNotDicom],
    ]);
    for (const r of result.rejections) expect(r.reason).toContain(r.source.path);
  });

  it('reads more of a file when the header does not fit in the first read, the whole file only as a last resort', async () => {
    expect(HEADER_PREFIX_BYTES).toBeLessThan(300 * 1024);
    const { records } = await readDicomFolder(dir);
    const big = records.find((r) => r.source.path === 'big-header');
    expect(big).toMatchObject({ accession: 'ACC-9', seriesInstanceUid: `${BIG_HEADER_STUDY}.1` });
    expect(big?.truncated).toBeUndefined();
    const huge = records.find((r) => r.source.path === 'huge');
    expect(huge).toMatchObject({ accession: 'ACC-9', seriesInstanceUid: `${HUGE_STUDY}.1` });
    expect(huge?.truncated).toBeUndefined();
  });

  it('reports progress once per file, ending at the total', async () => {
    const calls: Array<[number, number]> = [];
    await readDicomFolder(dir, { onProgress: (done, total) => calls.push([done, total]), concurrency: 3 });
    expect(calls).toHaveLength(10);
    expect(calls.map(([done]) => done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(calls.every(([, total]) => total === 10)).toBe(true);
  });

  it('gives the same result whatever the concurrency', async () => {
    expect(await readDicomFolder(dir, { concurrency: 1 })).toEqual(await readDicomFolder(dir, { concurrency: 16 }));
  });

  it('throws FILE_UNREADABLE when the folder itself cannot be listed', async () => {
    const error: unknown = await readDicomFolder(join(dir, 'missing')).catch((e: unknown) => e);
    expect(isAcclinkError(error, ErrorCode.FileUnreadable)).toBe(true);
  });

  it('returns nothing for an empty folder', async () => {
    expect(await readDicomFolder(join(dir, 'misc/empty-dir'))).toEqual({ records: [], rejections: [] });
  });
});
