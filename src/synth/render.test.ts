import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { generateHospital } from './hospital.ts';
import type { SynthReport } from './model.ts';
import { countDicomInstances, formatPn, planStudyInstances, renderDicomFiles } from './render-dicom.ts';
import { FhirSystem, renderFhirFiles } from './render-fhir.ts';
import { hl7Escape, hl7Ts, renderHl7Files } from './render-hl7.ts';

const h = generateHospital({ seed: 7, patients: 300, baseDate: '2026-01-05' });

/** Minimal splitting for the tests, independent of acclink's HL7 parser: messages → segments → fields. */
function hl7Messages(text: string): string[][][] {
  const unframed = text.replaceAll('\x0b', '').replaceAll('\x1c', '');
  const segments = unframed.split(/\r\n|\r|\n/).filter((s) => s.length > 0);
  const messages: string[][][] = [];
  for (const seg of segments) {
    const fields = seg.split('|');
    if (fields[0] === 'MSH') messages.push([]);
    if (['FHS', 'BHS', 'BTS', 'FTS'].includes(fields[0] ?? '')) continue;
    messages[messages.length - 1]?.push(fields);
  }
  return messages;
}

const hl7Files = [...renderHl7Files(h)];
const messages = hl7Files.flatMap((f) => hl7Messages(f.text));
const obrByFiller = new Map(messages.map((m) => {
  const obr = m.find((s) => s[0] === 'OBR') ?? [];
  return [obr[3] ?? '', { obr, msh: m[0] ?? [], all: m }];
}));

describe('renderDicomFiles', () => {
  const first = [...renderDicomFiles({ ...h, studies: h.studies.slice(0, 60) })];

  it('writes parseable files carrying the observed values', () => {
    const byUid = new Map(h.studies.map((s) => [s.studyInstanceUid, s]));
    for (const f of first) {
      const ds = dicomParser.parseDicom(f.bytes);
      const s = byUid.get(ds.string('x0020000d') ?? '');
      expect(s, f.path).toBeDefined();
      expect(ds.string('x00080050') ?? '').toBe(s?.accession);
      expect(ds.elements.x00080050).toBeDefined();
      expect(ds.string('x00100020')).toBe(s?.patient.id);
      expect(ds.string('x00080060')).toBe(s?.modality);
      expect(ds.string('x00080020')).toBe(s?.dateTime.slice(0, 10).replaceAll('-', ''));
      expect(ds.string('x00100030')).toBe(s?.patient.birthDate.replaceAll('-', ''));
    }
  });

  it('lays files out per patient, study and series, some without the .dcm extension', () => {
    const all = h.studies.flatMap((s) => planStudyInstances(h, s).map((p) => p.path));
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((p) => /^dicom\/[^/]+\/ST\d+\/SE\d+\/[^/]+$/.test(p))).toBe(true);
    expect(all.some((p) => !p.endsWith('.dcm'))).toBe(true);
    expect(all.some((p) => p.endsWith('.dcm'))).toBe(true);
    expect(countDicomInstances(h)).toBe(all.length);
    expect(all.length).toBeGreaterThan(h.studies.length * 1.5);
  });

  it('renders one instance per study on request, and the same bytes every time', () => {
    expect(countDicomInstances(h, { instancesPerStudy: 1 })).toBe(h.studies.length);
    const again = [...renderDicomFiles({ ...h, studies: h.studies.slice(0, 60) })];
    expect(again.map((f) => f.path)).toEqual(first.map((f) => f.path));
    expect(again[7]?.bytes).toEqual(first[7]?.bytes);
  });

  it('writes missing accessions as present-but-empty elements', () => {
    const missing = h.truth.studies.filter((t) => t.category === 'missing-study').map((t) => t.studyInstanceUid);
    const s = h.studies.find((x) => x.studyInstanceUid === missing[0]);
    expect(s).toBeDefined();
    const [f] = renderDicomFiles({ ...h, studies: s === undefined ? [] : [s] });
    const ds = dicomParser.parseDicom(f?.bytes ?? new Uint8Array());
    expect(ds.elements.x00080050?.length).toBe(0);
  });

  it('formats PN in the three styles', () => {
    const n = { family: "O'Brien", given: 'Seán', middle: 'J' };
    expect(formatPn(n, 'components')).toBe("O'Brien^Seán^J");
    expect(formatPn({ family: 'Li', given: 'Wei' }, 'components')).toBe('Li^Wei');
    expect(formatPn(n, 'trailing')).toBe("O'Brien^Seán^J^^");
    expect(formatPn(n, 'comma')).toBe("O'Brien, Seán J");
  });
});

describe('renderHl7Files', () => {
  it('renders every report exactly once with the expected segments', () => {
    const fillers = messages.map((m) => m.find((s) => s[0] === 'OBR')?.[3]);
    expect(fillers.sort()).toEqual(h.reports.map((r) => r.reportId).sort());
    for (const m of messages) {
      const types = m.map((s) => s[0]);
      expect(types.slice(0, 2)).toEqual(['MSH', 'PID']);
      expect(types).toContain('ORC');
      expect(types).toContain('OBR');
    }
  });

  it('carries the observed accession, patient and exam time', () => {
    for (const r of h.reports) {
      const m = obrByFiller.get(r.reportId);
      expect(m?.obr[18]).toBe(r.accession);
      expect(m?.obr[7]?.slice(0, 8)).toBe(r.examDateTime.slice(0, 10).replaceAll('-', ''));
      const pid = m?.all.find((s) => s[0] === 'PID') ?? [];
      expect(pid[3]).toContain(`${r.patient.id}^^^${r.patient.issuer}^MR`);
      expect(pid[7]).toBe(r.patient.birthDate.replaceAll('-', ''));
    }
  });

  it('uses reports for results and orders for some orphans', () => {
    const kinds = (r: SynthReport): string => obrByFiller.get(r.reportId)?.msh[8]?.split('^').slice(0, 2).join('^') ?? '';
    for (const r of h.reports) {
      if (r.kind === 'report') expect(kinds(r)).toBe('ORU^R01');
      else expect(['ORM^O01', 'OMI^O23']).toContain(kinds(r));
    }
    expect(h.reports.some((r) => r.kind === 'order')).toBe(true);
    const ipc = messages.flatMap((m) => m.filter((s) => s[0] === 'IPC'));
    for (const seg of ipc) expect(h.reports.some((r) => r.kind === 'order' && r.accession === seg[1])).toBe(true);
  });

  it('varies versions, separators, packing, PID-3 and name styles', () => {
    const texts = hl7Files.map((f) => f.text);
    const versions = new Set(messages.map((m) => m[0]?.[11]));
    expect(versions).toEqual(new Set(['2.3', '2.5.1']));
    expect(texts.some((t) => t.includes('\r\n'))).toBe(true);
    expect(texts.some((t) => t.includes('\n') && !t.includes('\r'))).toBe(true);
    expect(texts.some((t) => t.startsWith('FHS|') && t.includes('BTS|'))).toBe(true);
    expect(texts.some((t) => t.startsWith('\x0b') && t.includes('\x1c\r'))).toBe(true);
    expect(texts.some((t) => (t.match(/MSH\|/g) ?? []).length > 1)).toBe(true);
    const pids = messages.map((m) => m.find((s) => s[0] === 'PID') ?? []);
    expect(pids.some((p) => p[3]?.includes('~'))).toBe(true);
    expect(pids.some((p) => !p[3]?.includes('~'))).toBe(true);
    expect(pids.some((p) => p[5]?.includes(', '))).toBe(true);
    const obr4 = messages.map((m) => m.find((s) => s[0] === 'OBR')?.[4] ?? '');
    expect(obr4.some((x) => x.endsWith('^CPT4'))).toBe(true);
    expect(obr4.some((x) => x.startsWith('^'))).toBe(true);
    const obx = messages.flatMap((m) => m.filter((s) => s[0] === 'OBX'));
    expect(obx.some((s) => s[2] === 'FT' && s[5]?.includes('\\.br\\'))).toBe(true);
    expect(obx.some((s) => s[2] === 'TX')).toBe(true);
    expect(messages.some((m) => /[+-]\d{4}$/.test(m[0]?.[6] ?? ''))).toBe(true);
  });

  it('escapes delimiters in report text', () => {
    const obx5 = messages.flatMap((m) => m.filter((s) => s[0] === 'OBX').map((s) => s[5] ?? ''));
    expect(obx5.some((v) => v.includes('\\T\\'))).toBe(true);
    expect(obx5.some((v) => v.includes('\\S\\'))).toBe(true);
    expect(obx5.every((v) => !v.includes('&') && !v.includes('^'))).toBe(true);
    expect(hl7Escape('a|b^c&d~e\\f')).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f');
    expect(hl7Ts('2026-01-05T10:15:30', true, '+0100')).toBe('20260105101530+0100');
    expect(hl7Ts('2026-01-05T10:15:30', false, '')).toBe('202601051015');
    expect(hl7Ts('2026-01-05', true, '+0100')).toBe('20260105');
  });

  it('shows swapped pairs with exchanged accessions between rendered DICOM and HL7', () => {
    const swapped = h.truth.studies.filter((t) => t.category === 'swapped');
    expect(swapped.length).toBeGreaterThan(0);
    for (const t of swapped) {
      const s = h.studies.find((x) => x.studyInstanceUid === t.studyInstanceUid);
      const [f] = renderDicomFiles({ ...h, studies: s === undefined ? [] : [s] });
      const dicomAcc = dicomParser.parseDicom(f?.bytes ?? new Uint8Array()).string('x00080050');
      const partner = h.truth.studies.find((x) => x.studyInstanceUid === t.pair);
      expect(dicomAcc).toBe(obrByFiller.get(partner?.reportId ?? '')?.obr[18]);
      expect(dicomAcc).not.toBe(obrByFiller.get(t.reportId ?? '')?.obr[18]);
    }
  });

  it('is deterministic', () => {
    expect([...renderHl7Files(h)]).toEqual(hl7Files);
  });
});

describe('renderFhirFiles', () => {
  const [file] = renderFhirFiles(h);
  const resources = (file?.text ?? '').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('publishes about a third of the studies as ImagingStudy with resolvable subjects', () => {
    expect(file?.path).toBe('fhir/imaging-studies.ndjson');
    const studies = resources.filter((r) => r.resourceType === 'ImagingStudy');
    const patients = new Set(resources.filter((r) => r.resourceType === 'Patient').map((r) => `Patient/${String(r.id)}`));
    expect(studies.length).toBe(h.studies.filter((s) => s.inFhir).length);
    expect(studies.length / h.studies.length).toBeGreaterThan(0.25);
    expect(studies.length / h.studies.length).toBeLessThan(0.42);
    for (const s of studies) expect(patients.has((s.subject as { reference: string }).reference)).toBe(true);
  });

  it('uses R4 identifiers: urn:dicom:uid with urn:oid: and an ACSN-typed accession', () => {
    type Identifier = { system?: string; value?: string; type?: { coding: { system: string; code: string }[] } };
    const byUid = new Map(h.studies.map((s) => [s.studyInstanceUid, s]));
    for (const r of resources.filter((x) => x.resourceType === 'ImagingStudy')) {
      const ids = r.identifier as Identifier[];
      const uid = ids.find((i) => i.system === FhirSystem.DicomUid)?.value ?? '';
      expect(uid.startsWith('urn:oid:2.25.')).toBe(true);
      const s = byUid.get(uid.slice('urn:oid:'.length));
      const acsn = ids.find((i) => i.type?.coding.some((c) => c.system === FhirSystem.V2_0203 && c.code === 'ACSN'));
      expect(acsn?.value ?? '').toBe(s?.accession);
      expect(r.numberOfInstances).toBe(planStudyInstances(h, s ?? h.studies[0]!).length);
    }
  });
});
