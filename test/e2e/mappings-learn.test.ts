/**
 * End to end: `acclink mappings learn` on a synthetic hospital. The proposal YAML loads as a standards
 * profile (parseStandards), study descriptions are grouped into standards with synonyms, MG → BREAST
 * is proposed when mammography is present, and neither the YAML files nor the HTML report hold a patient's
 * or a physician's name or a patient id. The command runs in-process (mappingsCommand); once `mappings`
 * is wired into the CLI, the same run goes through bin/acclink.js too.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mappingsCommand } from '../../src/cli/mappings.ts';
import { USAGE } from '../../src/cli/main.ts';
import { isAcclinkError } from '../../src/model/errors.ts';
import { parseStandards } from '../../src/transforms/standardize/header/profile.ts';
import { Hl7Message } from '../../src/transforms/hl7/message.ts';
import { splitHl7Messages } from '../../src/transforms/hl7/split.ts';
import { removeDir, runCli, synth, tempDir } from './cli.ts';

interface Proposal {
  version: number;
  name: string;
  fields: Record<string, { fixedSet: boolean; mandatory: boolean; standards?: Array<{ entry: string; synonyms: unknown[] }>; format?: Record<string, string> }>;
  dependencies: Array<{ if: Record<string, string>; then: Record<string, string[]>; direction: 'one-way' | 'both' }>;
  order: string[];
}

interface Evidence {
  records: { studies: number; reports: number };
  fields: Record<string, { inProfile: boolean; classes?: Array<{ value: string; count: number }>; standards?: Array<{ entry: string; count: number; confidence: number }> }>;
}

let root: string | undefined;
let hospital = '';
let yamlText = '';
let evidenceText = '';
let html = '';
let proposal: Proposal;
let evidence: Evidence;
const people = new Set<string>();
const ids = new Set<string>();

/** Patient family and given names, physician names (OBR-16, OBR-32) and patient ids of the HL7 feed. */
async function collectPeople(): Promise<void> {
  const dir = path.join(hospital, 'hl7');
  const add = (v: string): void => {
    for (const part of v.split(/[,\s]+/)) if (part.length > 2 && !/\d/.test(part)) people.add(part);
  };
  for (const f of await readdir(dir)) {
    for (const raw of splitHl7Messages(await readFile(path.join(dir, f), 'utf8')).messages) {
      const msg = Hl7Message.parse(raw);
      for (const pid of msg.segments('PID')) {
        for (const id of pid.values(3)) if (id.trim() !== '') ids.add(id.trim());
        add(pid.value(5, 1, 1));
        add(pid.value(5, 1, 2));
      }
      for (const obr of msg.segments('OBR')) {
        add(obr.value(16, 1, 2));
        add(obr.value(32, 1, 1, 2));
      }
    }
  }
}

/** The collected values found in `text` as whole words, ignoring case. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const v of [...people, ...ids]) {
    const escaped = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu').test(text)) found.push(v);
  }
  return found;
}

beforeAll(async () => {
  root = await tempDir('mappings-learn');
  hospital = path.join(root, 'hospital');
  await synth(hospital, 1, 80);
  await collectPeople();
  const out = path.join(root, 'site-standards.yaml');
  const code = await mappingsCommand(['learn', '--dicom', path.join(hospital, 'dicom'), '--hl7', path.join(hospital, 'hl7'), '--out', out, '--quiet']);
  expect(code).toBe(0);
  yamlText = await readFile(out, 'utf8');
  evidenceText = await readFile(path.join(root, 'site-standards.evidence.yaml'), 'utf8');
  html = await readFile(path.join(root, 'site-standards.html'), 'utf8');
  proposal = parseYaml(yamlText) as Proposal;
  evidence = parseYaml(evidenceText) as Evidence;
});

afterAll(async () => {
  await removeDir(root);
});

describe('acclink mappings learn on a synthetic hospital', () => {
  it('writes a YAML proposal that loads as a standards profile', () => {
    expect(yamlText).toMatch(/^# Standards profile proposed by "acclink mappings learn"/);
    expect(proposal).toMatchObject({ version: 1, name: 'site-standards' });
    const profile = parseStandards(proposal);
    expect(Object.keys(profile.fields)).toEqual(expect.arrayContaining(['modality', 'bodyPartExamined', 'studyDescription', 'procedureText', 'patientName']));
    expect(profile.dependencies.length).toBe(proposal.dependencies.length);
    for (const [name, f] of Object.entries(proposal.fields)) {
      expect(typeof f.fixedSet, name).toBe('boolean');
      expect(typeof f.mandatory, name).toBe('boolean');
    }
    expect(proposal.order).toEqual(Object.keys(proposal.fields));
    expect(proposal.fields['modality']).toMatchObject({ fixedSet: true, mandatory: true });
    expect(evidence.records.studies).toBeGreaterThan(50);
    expect(evidence.records.reports).toBeGreaterThan(50);
    expect(evidence.fields['studyTime']?.inProfile).toBe(false);
  });

  it('groups study description variants into standards', () => {
    const standards = proposal.fields['studyDescription']?.standards ?? [];
    const texts = (s: { entry: string; synonyms: unknown[] }): unknown[] => [s.entry, ...s.synonyms.map((x) => (typeof x === 'string' ? x : (x as { text: string }).text))];
    expect(standards.filter((s) => s.synonyms.length > 0).length).toBeGreaterThan(3);
    // The synthetic vendors write a two-view chest radiograph in several ways.
    const chest = standards.find((s) => texts(s).includes('CHEST PA/LAT'));
    expect(chest?.synonyms.length).toBeGreaterThan(0);
    expect(chest === undefined ? [] : texts(chest)).not.toContain('CT HEAD W/O');
    const learned = evidence.fields['studyDescription']?.standards ?? [];
    expect(learned.every((s) => s.count > 0 && s.confidence > 0 && s.confidence <= 1)).toBe(true);
  });

  it('proposes MG → BREAST when mammography is present', () => {
    const modalities = (proposal.fields['modality']?.standards ?? []).map((s) => s.entry);
    if (!modalities.includes('MG')) return;
    const rule = proposal.dependencies.find((d) => d.if['modality'] === 'MG');
    expect(rule?.then['bodyPartExamined']).toContain('BREAST');
  });

  it('proposes formats as classes: accession regex, DICOM DA/TM patterns, name layouts', () => {
    expect(proposal.fields['accessionNumber']?.format).toEqual({ case: 'asis', pattern: '^A\\d{7}$' });
    expect(proposal.fields['studyDate']?.format).toEqual({ date: 'YYYYMMDD' });
    expect(proposal.fields['patientName']?.format?.['personName']).toBe('dicom');
    const times = evidence.fields['studyTime']?.classes?.map((c) => c.value) ?? [];
    expect(times).toEqual(expect.arrayContaining(['HHMMSS', 'HHMM']));
    const names = evidence.fields['patientName']?.classes?.map((c) => c.value) ?? [];
    expect(names.some((n) => n.startsWith('FAMILY^GIVEN'))).toBe(true);
    expect(names.some((n) => n.startsWith('FAMILY, GIVEN'))).toBe(true);
  });

  it('writes a self-contained HTML report with charts and review marks', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<html lang="en">');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);
    expect(html).toContain('class="bar');
    expect(html).toContain('<strong class="badge">review</strong>');
    expect(html).toContain('id="f-studyDescription"');
    expect(html).toContain('id="dependencies"');
  });

  it('holds no person name and no patient id, in the YAML files or the HTML', () => {
    expect(people.size).toBeGreaterThan(40);
    expect(ids.size).toBeGreaterThan(40);
    const [someone] = people;
    expect(leaks(`x ${String(someone).toUpperCase()} y`)).toContain(someone);
    expect(leaks(html)).toEqual([]);
    expect(leaks(yamlText)).toEqual([]);
    expect(leaks(evidenceText)).toEqual([]);
  });

  it('answers usage errors with USAGE and --help with 0', async () => {
    await expect(mappingsCommand(['learn', '--dicom', hospital])).rejects.toSatisfy((e) => isAcclinkError(e, 'USAGE'));
    await expect(mappingsCommand(['learn', '--out', path.join(root ?? '', 'x.yaml')])).rejects.toSatisfy((e) => isAcclinkError(e, 'USAGE'));
    await expect(mappingsCommand(['learn', '--hl7', path.join(root ?? '', 'missing'), '--out', 'x.yaml'])).rejects.toSatisfy((e) => isAcclinkError(e, 'USAGE'));
    await expect(mappingsCommand(['unlearn'])).rejects.toSatisfy((e) => isAcclinkError(e, 'USAGE'));
    await expect(mappingsCommand([])).rejects.toSatisfy((e) => isAcclinkError(e, 'USAGE'));
  });

  it.runIf(USAGE.includes('mappings'))('runs through the CLI once wired, printing a summary without names', async () => {
    const out = path.join(root ?? '', 'cli', 'proposal.yaml');
    const run = await runCli(['mappings', 'learn', '--dicom', path.join(hospital, 'dicom'), '--hl7', path.join(hospital, 'hl7'), '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^studyDescription\s+100\.0%/m);
    expect(run.stdout).toContain(`Report:   ${path.join(root ?? '', 'cli', 'proposal.html')}`);
    expect(leaks(run.stdout)).toEqual([]);
  });
});
