/**
 * End to end: what the CLI prints holds no patient data. Every patient family name and patient
 * identifier of a synthetic hospital (HL7 PID-3 and PID-5, FHIR Patient) is looked for in the stdout
 * and stderr of `reconcile` (with its summary, the learned weight table and rejected inputs) and of
 * `demo` on the same hospital.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hl7Message } from '../../src/transforms/hl7/message.ts';
import { splitHl7Messages } from '../../src/transforms/hl7/split.ts';
import { removeDir, runCli, synth, tempDir, type CliRun } from './cli.ts';

let root: string | undefined;
const names = new Set<string>();
const ids = new Set<string>();

/** HL7 PID-5.1 is the family name; a few feeds write `Family, Given` into that one component. */
function family(value: string): string {
  return (value.split(',')[0] ?? '').trim();
}

async function collectPhi(hospital: string): Promise<void> {
  const hl7Dir = path.join(hospital, 'hl7');
  for (const f of await readdir(hl7Dir)) {
    for (const raw of splitHl7Messages(await readFile(path.join(hl7Dir, f), 'utf8')).messages) {
      const msg = Hl7Message.parse(raw);
      for (const pid of msg.segments('PID')) {
        for (const id of pid.values(3)) if (id.trim() !== '') ids.add(id.trim());
        for (const name of pid.values(5)) if (family(name) !== '') names.add(family(name));
      }
    }
  }
  const fhirDir = path.join(hospital, 'fhir');
  for (const f of await readdir(fhirDir)) {
    for (const line of (await readFile(path.join(fhirDir, f), 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      const r = JSON.parse(line) as { resourceType?: string; name?: Array<{ family?: string }>; identifier?: Array<{ value?: string }> };
      if (r.resourceType !== 'Patient') continue;
      for (const n of r.name ?? []) if (n.family) names.add(n.family);
      for (const i of r.identifier ?? []) if (i.value) ids.add(i.value);
    }
  }
}

/** The PHI values found in `text` as whole words, ignoring case. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const v of [...names, ...ids]) {
    const escaped = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu').test(text)) found.push(v);
  }
  return found;
}

let reconcileRun: CliRun;
let demoRun: CliRun;

beforeAll(async () => {
  root = await tempDir('phi');
  // The same hospital `demo --patients 40` generates (seed 1, 30 days from 2026-03-02).
  const hospital = path.join(root, 'hospital');
  await synth(hospital, 1, 40);
  await collectPhi(hospital);
  // A rejected message that carries a patient's name and id, so rejections are printed too.
  const rejected = path.join(root, 'rejected.hl7');
  const [someName] = names;
  const [someId] = ids;
  await writeFile(rejected, [`MSH|^~\\&|ADT|NUC|ACCLINK|NUC|20260303101500||ADT^A08|ADT1|P|2.5.1\rPID|1||${someId ?? ''}^^^NUC^MR||${someName ?? ''}^Jo`,
    `MSH|^~|RIS|NUC|ACCLINK|NUC|20260303||ORU^R01|X2|P|2.5.1\rPID|1||${someId ?? ''}^^^NUC^MR||${someName ?? ''}^Jo`].join('\n'));
  [reconcileRun, demoRun] = await Promise.all([
    runCli(['reconcile', '--dicom', path.join(hospital, 'dicom'), '--hl7', path.join(hospital, 'hl7'), '--hl7', rejected,
      '--fhir', path.join(hospital, 'fhir'), '--out', path.join(root, 'out'), '--learn']),
    runCli(['demo', '--patients', '40', '--out', path.join(root, 'demo')]),
  ]);
});

afterAll(async () => {
  await removeDir(root);
});

describe('no patient data in what acclink prints', () => {
  it('collects the patients of the synthetic hospital', () => {
    expect(names.size).toBeGreaterThan(20);
    expect(ids.size).toBeGreaterThan(40);
    // The detector finds a value that is there.
    const [n] = names;
    expect(leaks(`x ${String(n).toUpperCase()} y`)).toContain(n);
  });

  it('reconcile prints a summary, the learned weights and its rejections, but no name or patient id', () => {
    expect(reconcileRun.code, reconcileRun.stderr).toBe(0);
    expect(reconcileRun.stdout).toMatch(/^studies read\s+\d+$/m);
    expect(reconcileRun.stdout).toContain('Learned weights');
    expect(reconcileRun.stdout).toMatch(/HL7_UNSUPPORTED_MESSAGE_TYPE/);
    expect(leaks(reconcileRun.stdout)).toEqual([]);
    expect(leaks(reconcileRun.stderr)).toEqual([]);
  });

  it('demo prints its summary and accuracy but no name or patient id', () => {
    expect(demoRun.code, demoRun.stderr).toBe(0);
    expect(demoRun.stdout).toContain('wrong automatic links');
    expect(leaks(demoRun.stdout)).toEqual([]);
    expect(leaks(demoRun.stderr)).toEqual([]);
  });
});
