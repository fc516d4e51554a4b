// The `acclink label-report` command, tested beside the labeller it drives.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { labelReportCommand } from './label-report.ts';
import { isAcclinkError } from '../model/errors.ts';

const HL7 = new URL('../../test/fixtures/hl7/oru-batch-v23-lf.hl7', import.meta.url);

let dir: string;
let stdout: string[];
let stderr: string[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'acclink-label-report-'));
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout.push(String(chunk));
    const done = rest.find((r) => typeof r === 'function') as ((e?: Error) => void) | undefined;
    done?.();
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const lines = (text: string): Array<Record<string, unknown>> => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('acclink label-report', () => {
  it('prints one JSON line per plain-text report, named by its file', async () => {
    await writeFile(path.join(dir, 'a.txt'), 'EXAM: XR CHEST PA AND LATERAL\nFINDINGS: Small right effusion. No pneumothorax.\n');
    await writeFile(path.join(dir, 'b.txt'), 'CT HEAD WITHOUT CONTRAST\nNo intracranial hemorrhage.\n');
    expect(await labelReportCommand(['--text', dir])).toBe(0);
    expect(lines(stdout.join(''))).toEqual([
      { reportId: 'a.txt', exam: { modality: 'XR', bodyRegions: ['chest'], views: 2 }, findings: { effusion: 'positive', pneumothorax: 'negative' } },
      { reportId: 'b.txt', exam: { modality: 'CT', bodyRegions: ['head'], contrast: 'without' }, findings: { hemorrhage: 'negative' } },
    ]);
    expect(stderr.join('')).toMatch(/^label-report: 2 report\(s\) from 2 file/);
  });

  it('reads HL7 results, writes --out and ends with a summary on stderr', async () => {
    const out = path.join(dir, 'labels.jsonl');
    expect(await labelReportCommand(['--hl7', HL7.pathname, '--out', out, '--mentions'])).toBe(0);
    const written = lines(await readFile(out, 'utf8'));
    expect(written.length).toBeGreaterThan(0);
    for (const l of written) expect(Object.keys(l)).toEqual(['reportId', 'exam', 'findings', 'mentions']);
    expect(stdout.join('')).toBe('');
    expect(stderr.join('')).toMatch(new RegExp(`^label-report: ${written.length} report\\(s\\) from 1 file\\(s\\).*findings: \\d+ positive, \\d+ negative, \\d+ uncertain\\n$`));
  });

  it('prints help, and makes a missing input or path a usage error', async () => {
    expect(await labelReportCommand(['--help'])).toBe(0);
    expect(stdout.join('')).toMatch(/^Usage: acclink label-report/);
    const usage = async (argv: string[]): Promise<unknown> => labelReportCommand(argv).then(() => undefined, (e: unknown) => e);
    expect(isAcclinkError(await usage([]), 'USAGE')).toBe(true);
    expect(isAcclinkError(await usage(['--text', path.join(dir, 'missing')]), 'USAGE')).toBe(true);
    expect(isAcclinkError(await usage(['--bogus']), 'USAGE')).toBe(true);
  });

  it('rejects a broken lexicon with the offending path', async () => {
    const lexicon = path.join(dir, 'findings.yaml');
    await writeFile(lexicon, 'version: 1\nscope: {window: 6, gapWords: 3}\ntriggers: {negation: {pre: [no], post: []}, uncertainty: {pre: [], post: []}, alternatives: {}}\nfindings: {effusion: {name: x, terms: []}}\n');
    const e = await labelReportCommand(['--text', dir, '--lexicon', lexicon]).then(() => undefined, (err: unknown) => err);
    expect(isAcclinkError(e, 'MAPPING_INVALID')).toBe(true);
    expect((e as Error).message).toMatch(/findings\.effusion\.terms/);
  });
});
