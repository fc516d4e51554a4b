import { describe, expect, it } from 'vitest';
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import type { Report, Scan } from '../../model/types.ts';
import type { Hl7BuildOptions } from './build.ts';
import { buildProcedureUpdate, buildReportCorrection } from './build.ts';
import { Hl7Message } from './message.ts';
import { hl7ToReports } from './report.ts';

const OPTS: Hl7BuildOptions = {
  version: '2.5.1',
  controlId: 'ACL000001',
  timestamp: '20240310120000',
  sendingApplication: 'ACCLINK',
  sendingFacility: 'NORTH',
  receivingApplication: 'PACS',
  receivingFacility: 'NORTH',
};

/** Every HL7 delimiter, to prove escaping end to end. */
const NASTY = 'A|B^C~D\\E&F';

const SCAN: Scan = {
  studyInstanceUid: '1.2.826.0.1.3680043.2.1125.1',
  accession: 'OLD1',
  accessionIssuer: 'NORTH',
  patient: { id: 'MRN^1', issuer: 'NORTH&SOUTH', name: { family: "O'NEIL|X", given: 'ANN~E', middle: 'B', suffix: 'JR', prefix: 'DR' }, birthDate: '1980-02-14', sex: 'F' },
  studyDateTime: '2024-03-05T10:15:00',
  modalities: ['SR', 'CT'],
  bodyParts: ['HEAD'],
  studyDescription: 'CT HEAD W/O',
  seriesDescriptions: [],
  seriesCount: 2,
  instanceCount: 100,
  sources: [],
};

const REPORT: Report = {
  reportId: 'FL^9',
  kind: 'report',
  accession: 'OLD1',
  patient: { id: 'MRN1', issuer: 'NORTH', name: { family: 'DOE', given: 'JANE' }, birthDate: '1980', sex: 'F' },
  examDateTime: '2024-03-05T10:15:00',
  reportDateTime: '2024-03-05T11:00:00',
  procedureCode: '70450',
  procedureText: 'CT HEAD',
  section: 'CT',
  resultStatus: 'F',
  interpreter: { family: 'ROE', given: 'RITA', prefix: 'DR' },
  text: `FINDINGS: ${NASTY}\n\nIMPRESSION: normal.`,
  studyInstanceUid: '1.2.3',
  sources: [],
};

const segmentNames = (text: string): string[] => Hl7Message.parse(text).all.map((s) => s.name);

function usageError(f: () => unknown): boolean {
  try {
    f();
  } catch (e) {
    return isAcclinkError(e, ErrorCode.Usage);
  }
  return false;
}

describe('buildProcedureUpdate, HL7 2.5.1 (OMI^O23)', () => {
  const text = buildProcedureUpdate({
    scan: SCAN, newAccession: NASTY, oldAccession: 'OLD1', placerOrderNumber: 'PL1', fillerOrderNumber: 'FL1',
    requestedProcedureId: 'RP1', scheduledProcedureStepId: 'SPS1', procedureCode: '70450',
  }, OPTS);
  const msg = Hl7Message.parse(text);

  it('ends every segment with \\r and has the RAD-13 segment order', () => {
    expect(text.endsWith('\r')).toBe(true);
    expect(text).not.toContain('\n');
    expect(segmentNames(text)).toEqual(['MSH', 'PID', 'PV1', 'ORC', 'TQ1', 'OBR', 'NTE', 'IPC']);
  });

  it('writes the header from the injected options', () => {
    expect(msg.type).toEqual({ code: 'OMI', trigger: 'O23', structure: 'OMI_O23' });
    expect(msg.controlId).toBe('ACL000001');
    expect(msg.version).toBe('2.5.1');
    expect(msg.get('MSH-3')).toBe('ACCLINK');
    expect(msg.get('MSH-6')).toBe('NORTH');
    expect(msg.get('MSH-7')).toBe('20240310120000');
    expect(msg.get('MSH-11')).toBe('P');
    expect(msg.get('MSH-18')).toBe('');
  });

  it('carries order control, identifiers, timing and the IPC keyed by Study Instance UID', () => {
    expect([msg.get('ORC-1'), msg.get('ORC-2'), msg.get('ORC-3'), msg.get('ORC-5')]).toEqual(['XO', 'PL1', 'FL1', 'CM']);
    expect(msg.get('TQ1-7')).toBe('20240305101500');
    expect(msg.get('OBR-4.1')).toBe('70450');
    expect(msg.get('OBR-4.2')).toBe('CT HEAD W/O');
    expect([msg.get('OBR-19'), msg.get('OBR-20'), msg.get('OBR-24')]).toEqual(['RP1', 'SPS1', 'CT']);
    expect([msg.get('IPC-2'), msg.get('IPC-3'), msg.get('IPC-4'), msg.get('IPC-5')]).toEqual(['RP1', SCAN.studyInstanceUid, 'SPS1', 'CT']);
    expect(msg.get('IPC-1.2')).toBe('NORTH');
  });

  it('escapes values so that delimiters survive in OBR-18, IPC-1, PID and the note', () => {
    expect(msg.get('OBR-18')).toBe(NASTY);
    expect(msg.get('IPC-1')).toBe(NASTY);
    expect(msg.get('PID-3')).toBe('MRN^1');
    expect(msg.get('PID-3.4')).toBe('NORTH&SOUTH');
    expect(msg.get('PID-3.5')).toBe('MR');
    expect(msg.get('NTE-3')).toBe(`Accession number corrected from OLD1 to ${NASTY} by reconciliation`);
  });

  it('round-trips through hl7ToReports', () => {
    const r = hl7ToReports(text, 'out.hl7');
    expect(r.rejections).toEqual([]);
    expect(r.records[0]).toMatchObject({
      kind: 'order', reportId: 'FL1', accession: NASTY, accessionIssuer: 'NORTH', studyInstanceUid: SCAN.studyInstanceUid, modality: 'CT',
      patient: { id: 'MRN^1', issuer: 'NORTH&SOUTH', name: SCAN.patient.name, birthDate: '1980-02-14', sex: 'F' },
    });
  });

  it('declares UTF-8 in MSH-18 only when the text needs it', () => {
    const umlaut = buildProcedureUpdate({ scan: { ...SCAN, patient: { name: { family: 'MÜLLER', given: 'JÖRG' } } }, newAccession: 'A1', oldAccession: null, fillerOrderNumber: 'F1' }, OPTS);
    expect(Hl7Message.parse(umlaut).get('MSH-18')).toBe('UNICODE UTF-8');
    expect(hl7ToReports(umlaut, 'x').records[0]?.patient.name).toEqual({ family: 'MÜLLER', given: 'JÖRG' });
  });

  it('words the note for a first accession, and leaves it out on request', () => {
    const assigned = Hl7Message.parse(buildProcedureUpdate({ scan: SCAN, newAccession: 'A1', oldAccession: null }, OPTS));
    expect(assigned.get('NTE-3')).toBe('Accession number A1 assigned by reconciliation');
    expect(segmentNames(buildProcedureUpdate({ scan: SCAN, newAccession: 'A1', oldAccession: 'X' }, { ...OPTS, note: false }))).not.toContain('NTE');
  });

  it('uses the first acquisition modality, skipping SR/KO/PR', () => {
    const m = Hl7Message.parse(buildProcedureUpdate({ scan: { ...SCAN, modalities: ['KO', 'PR', 'MR', 'CT'] }, newAccession: 'A', oldAccession: null }, OPTS));
    expect(m.get('IPC-5')).toBe('MR');
  });
});

describe('buildProcedureUpdate, HL7 2.3.1 (ORM^O01)', () => {
  const text = buildProcedureUpdate({ scan: SCAN, newAccession: 'ACC2', oldAccession: 'OLD1', fillerOrderNumber: 'FL1' }, { ...OPTS, version: '2.3.1' });
  const msg = Hl7Message.parse(text);

  it('builds ORM^O01 with ORC-1 XO, TQ timing and the UID in ZDS-1', () => {
    expect(segmentNames(text)).toEqual(['MSH', 'PID', 'PV1', 'ORC', 'OBR', 'NTE', 'ZDS']);
    expect(msg.getRaw('MSH-9')).toBe('ORM^O01');
    expect(msg.get('ORC-1')).toBe('XO');
    expect(msg.get('ORC-7.4')).toBe('20240305101500');
    expect(msg.get('OBR-27.4')).toBe('20240305101500');
    expect(msg.getRaw('ZDS-1')).toBe(`${SCAN.studyInstanceUid}^^Application^DICOM`);
  });

  it('round-trips through hl7ToReports', () => {
    expect(hl7ToReports(text, 'out.hl7').records[0]).toMatchObject({ kind: 'order', accession: 'ACC2', studyInstanceUid: SCAN.studyInstanceUid, hl7Version: '2.3.1' });
  });
});

describe('buildReportCorrection', () => {
  const text = buildReportCorrection({ report: REPORT, newAccession: 'ACC-NEW', oldAccession: 'OLD1' }, OPTS);
  const msg = Hl7Message.parse(text);

  it('builds a corrected ORU^R01 with the new accession and the report id', () => {
    expect(segmentNames(text)).toEqual(['MSH', 'PID', 'ORC', 'OBR', 'NTE', 'OBX', 'OBX', 'OBX', 'OBX']);
    expect(msg.type).toEqual({ code: 'ORU', trigger: 'R01', structure: 'ORU_R01' });
    expect([msg.get('OBR-3'), msg.get('ORC-3'), msg.get('OBR-18'), msg.get('OBR-25')]).toEqual(['FL^9', 'FL^9', 'ACC-NEW', 'C']);
    expect(msg.get('OBR-22')).toBe('20240310120000');
    expect(msg.segments('OBX').map((s) => s.value(11))).toEqual(['C', 'C', 'C', 'C']);
    expect(msg.get('OBR-32.1.2')).toBe('ROE');
  });

  it('round-trips the report through hl7ToReports, text and all', () => {
    const back = hl7ToReports(text, 'out.hl7').records[0];
    expect(back).toMatchObject({
      reportId: 'FL^9', accession: 'ACC-NEW', resultStatus: 'C', text: REPORT.text, studyInstanceUid: '1.2.3',
      procedureCode: '70450', procedureText: 'CT HEAD', examDateTime: '2024-03-05T10:15:00', reportDateTime: '2024-03-10T12:00:00',
      interpreter: REPORT.interpreter, section: 'CT', modality: 'CT',
      patient: { id: 'MRN1', issuer: 'NORTH', name: { family: 'DOE', given: 'JANE' }, birthDate: '1980', sex: 'F' },
    });
  });

  it('writes ORU^R01 without structure in 2.3.1, and no OBX for an empty text or unknown UID', () => {
    const bare: Report = { reportId: 'F1', kind: 'report', patient: {}, sources: [] };
    const t = buildReportCorrection({ report: bare, newAccession: 'A', oldAccession: null }, { ...OPTS, version: '2.3.1' });
    expect(Hl7Message.parse(t).getRaw('MSH-9')).toBe('ORU^R01');
    expect(segmentNames(t)).toEqual(['MSH', 'PID', 'ORC', 'OBR', 'NTE']);
  });
});

describe('builder argument checks', () => {
  it('rejects unusable accessions, ids, timestamps and versions with USAGE', () => {
    const ok = { scan: SCAN, newAccession: 'A', oldAccession: null };
    expect(usageError(() => buildProcedureUpdate({ ...ok, newAccession: '  ' }, OPTS))).toBe(true);
    expect(usageError(() => buildProcedureUpdate({ ...ok, scan: { ...SCAN, studyInstanceUid: '' } }, OPTS))).toBe(true);
    expect(usageError(() => buildProcedureUpdate(ok, { ...OPTS, timestamp: '2024-03-10T12:00:00' }))).toBe(true);
    expect(usageError(() => buildProcedureUpdate(ok, { ...OPTS, controlId: '' }))).toBe(true);
    expect(usageError(() => buildProcedureUpdate(ok, { ...OPTS, version: '2.4' as '2.5.1' }))).toBe(true);
    expect(usageError(() => buildReportCorrection({ report: { ...REPORT, reportId: '' }, newAccession: 'A', oldAccession: null }, OPTS))).toBe(true);
    expect(usageError(() => buildProcedureUpdate(ok, OPTS))).toBe(false);
  });
});
