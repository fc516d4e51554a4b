/**
 * End to end: how the CLI answers a user who gets it wrong or asks for help. Usage and configuration
 * errors exit 2 with a message naming what is wrong and write no results; `--help` exits 0 and
 * describes every option; `demo` prints its accuracy table.
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { removeDir, runCli, tempDir } from './cli.ts';
import { DICOM_SAMPLES } from '../support/shared-data.ts';

let root: string | undefined;
let hl7 = '';
const dir = (name: string): string => path.join(root ?? '', name);

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  root = await tempDir('usage');
  hl7 = dir('one.hl7');
  await writeFile(hl7, ['MSH|^~\\&|RIS|NUC|ACCLINK|NUC|20260303101500||ORU^R01|M1|P|2.5.1', 'PID|1||123^^^NUC^MR||Test^Case||19700101|F',
    'OBR|1|P1|R1|^CT HEAD|||20260303090000|||||||||||A1234567||||20260303100000||CT|F', 'OBX|1|TX|18782-3||No acute finding.||||||F'].join('\r'));
});

afterAll(async () => {
  await removeDir(root);
});

/** The options each command documents, as a user would type them (value placeholder where one is needed). */
const OPTIONS: Record<string, Record<string, string | null>> = {
  reconcile: { '--dicom': 'PATH', '--hl7': 'PATH', '--fhir': 'PATH', '--out': 'DIR', '--config': 'FILE', '--learn': null, '--standardize': 'PROFILE', '--quiet': null, '--help': null },
  synth: { '--out': 'DIR', '--seed': 'N', '--patients': 'P', '--days': 'D', '--base-date': 'YYYY-MM-DD', '--instances-per-study': 'N', '--quiet': null, '--help': null },
  demo: { '--out': 'DIR', '--patients': 'P', '--seed': 'N', '--learn': null, '--help': null },
};

// Each test spawns its own process and writes to its own paths: they run concurrently.
describe.concurrent('acclink usage errors', () => {
  it('exits 2 and shows the usage when no command is given', async ({ expect }) => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    const text = r.stdout + r.stderr;
    expect(text).toContain('Usage: acclink <command>');
    for (const c of Object.keys(OPTIONS)) expect(text).toContain(c);
  });

  it('exits 2 on an unknown command, naming it', async ({ expect }) => {
    const r = await runCli(['reconsile', '--out', dir('x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('reconsile');
    expect(r.stderr).toContain('Usage: acclink <command>');
    expect(await exists(dir('x'))).toBe(false);
  });

  it('exits 2 when reconcile has no --out, naming --out', async ({ expect }) => {
    const r = await runCli(['reconcile', '--hl7', hl7]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out is required/);
  });

  it('exits 2 when reconcile has no input at all', async ({ expect }) => {
    const r = await runCli(['reconcile', '--out', dir('no-input')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--dicom|--hl7|--fhir/);
    expect(await exists(dir('no-input'))).toBe(false);
  });

  it.for(['--dicom', '--hl7', '--fhir'])('exits 2 when the %s path does not exist, naming the path', async (flag, { expect }) => {
    const missing = dir(`no-such-${flag.slice(2)}-folder`);
    const r = await runCli(['reconcile', '--hl7', hl7, flag, missing, '--out', dir('missing-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).not.toContain('unexpected failure');
    expect(await exists(dir('missing-out'))).toBe(false);
  });

  it('exits 2 on an unknown option and on a bad number', async ({ expect }) => {
    const a = await runCli(['reconcile', '--hl7', hl7, '--out', dir('opt-out'), '--treshold', '0.9']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--treshold');
    const b = await runCli(['synth', '--out', dir('synth-bad'), '--patients', 'many']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--patients');
    expect(await exists(dir('synth-bad'))).toBe(false);
  });

  const configs: Array<[string, string, RegExp]> = [
    ['a threshold above 1', 'linker:\n  thresholds:\n    auto: 2\n', /linker\.thresholds\.auto/],
    ['an unknown key in a section', 'linker:\n  thresholdz: {}\n', /linker.*thresholdz/],
    ['an unknown top-level key', 'outbound:\n  pacsMessage: OMI^O23\ncolour: red\n', /colour/],
    ['an unknown outbound dialect', 'outbound:\n  pacsMessage: ADT^A08\n', /outbound\.pacsMessage/],
    ['a review threshold above the auto threshold', 'linker:\n  thresholds: { auto: 0.5, review: 0.9 }\n', /linker\.thresholds\.review/],
    ['YAML that does not parse', 'linker: [unclosed\n', /not valid YAML/],
  ];
  it.for(configs)('exits 2 on a config file with %s, naming the key', async ([_what, yaml, message], { expect }) => {
    const file = dir(`config-${configs.findIndex((c) => c[1] === yaml)}.yaml`);
    await writeFile(file, yaml);
    const out = dir(`config-out-${path.basename(file, '.yaml')}`);
    const r = await runCli(['reconcile', '--hl7', hl7, '--out', out, '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toContain('unexpected failure');
    expect(await exists(out)).toBe(false);
  });

  it('exits 2 when the config file does not exist, naming it', async ({ expect }) => {
    const file = dir('absent.yaml');
    const r = await runCli(['reconcile', '--hl7', hl7, '--out', dir('absent-out'), '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
  });
});

describe.concurrent('acclink --help', () => {
  it('exits 0 with the command list for acclink --help', async ({ expect }) => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of Object.keys(OPTIONS)) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\s`, 'm'));
  });

  it.for(Object.keys(OPTIONS))('%s --help exits 0 and documents every option it accepts', async (command, { expect }) => {
    const options = OPTIONS[command] ?? {};
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: acclink ${command}`);
    const [usageLine = '', ...rest] = r.stdout.split('\n');
    const optionsSection = rest.join('\n').split(/^Options:$/m)[1] ?? '';
    for (const [flag, value] of Object.entries(options)) {
      expect(optionsSection, `${command} ${flag}`).toMatch(new RegExp(`^\\s+(-\\w, )?${flag}${value ? ` ${value}` : ''}\\s`, 'm'));
    }
    // Every flag named in the usage line or the options section is one the command documents here.
    const named = new Set([...`${usageLine}\n${optionsSection}`.matchAll(/--[a-z][a-z0-9-]*/g)].map((m) => m[0]));
    expect([...named].sort()).toEqual(Object.keys(options).sort());
    // And every documented option is accepted by the parser (with --help nothing else runs).
    const args = Object.entries(options).flatMap(([flag, value]) => (value ? [flag, value === 'YYYY-MM-DD' ? '2026-03-02' : value === 'DIR' || value === 'PATH' || value === 'FILE' ? os.tmpdir() : '1'] : [flag]));
    const accepted = await runCli([command, ...args]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toBe(r.stdout);
  });
});

// User errors that once ended as "unexpected failure", exit 1.
describe.concurrent('acclink user errors that look like failures', () => {
  it('synth --base-date with an impossible date exits 2 naming --base-date', async ({ expect }) => {
    const r = await runCli(['synth', '--out', dir('bad-date'), '--base-date', '2026-13-45', '--patients', '3', '--quiet']);
    expect(r.stderr).not.toContain('unexpected failure');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--base-date');
  });

  it('reconcile --dicom FILE reads that one file', async ({ expect }) => {
    const file = path.join(DICOM_SAMPLES, 'CT_small.dcm');
    const out = dir('dicom-file-out');
    const r = await runCli(['reconcile', '--dicom', file, '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const unlinked = await readFile(path.join(out, 'unlinked.jsonl'), 'utf8');
    expect(unlinked.trim().split('\n')).toHaveLength(1);
  });

  it('reconcile --out pointing at a file exits 2 naming it', async ({ expect }) => {
    const file = path.join(DICOM_SAMPLES, 'CT_small.dcm');
    const r = await runCli(['reconcile', '--dicom', file, '--out', file, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a folder');
  });
});

describe('acclink demo', () => {
  it('prints the summary and the accuracy table with no wrong automatic link, and removes its temporary files', async ({ expect }) => {
    const r = await runCli(['demo', '--patients', '40']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Accuracy against the hospital\'s truth');
    expect(r.stdout).toMatch(/^category\s+studies\s+acclink correct\s+wrong links\s+review\s+unlinked\s+exact-match baseline$/m);
    expect(r.stdout).toMatch(/^all studies\s+\d+\s+\d+\.\d%/m);
    expect(r.stdout).toMatch(/^studies read\s+\d+$/m);
    expect(r.stdout).toContain('wrong automatic links: 0;');
    expect(r.stdout).toContain('Temporary files removed');
    expect(await exists(path.join(os.tmpdir(), `acclink-demo-${String(r.pid)}`))).toBe(false);
  });
});
