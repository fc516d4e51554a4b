import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../model/errors.ts';
import type { Report } from '../../model/types.ts';
import { DEFAULT_HL7_FIELD_MAPPING, parseHl7FieldMapping } from './mapping.ts';
import { hl7ToReports } from './report.ts';

const msh = (type = 'ORU^R01', id = 'M1', version = '2.3'): string =>
  `MSH|^~\\&|RIS|NORTH|PACS|NORTH|20240305113500||${type}|${id}|P|${version}`;
const PID = 'PID|1||MRN1^^^NORTH^MR||DOE^JANE||19800214|F';
/** OBR with the given fields set by number. */
function obr(fields: Record<number, string>): string {
  const parts = ['OBR'];
  const last = Math.max(...Object.keys(fields).map(Number));
  for (let n = 1; n <= last; n++) parts.push(fields[n] ?? '');
  return parts.join('|');
}
const file = (...segments: string[]): string => segments.join('\r');
const read = (text: string, mapping = DEFAULT_HL7_FIELD_MAPPING) => hl7ToReports(text, 'in/feed.hl7', mapping);
function only(text: string, mapping = DEFAULT_HL7_FIELD_MAPPING): Report {
  const r = read(text, mapping);
  expect(r.rejections).toEqual([]);
  expect(r.records).toHaveLength(1);
  return r.records[0] as Report;
}

describe('hl7ToReports: ORU^R01', () => {
  it('reads every mapped field of a textbook radiology result', () => {
    const text = file(
      msh(),
      'PID|1||SSN9^^^SSA^SS~MRN1^^^NORTH^MR||DOE^JANE^Q^^DR||19800214|F',
      'PV1|1|O',
      'ORC|RE|PL1|FL1',
      obr({ 1: '1', 2: 'PL1', 3: 'FL1', 4: '71020^CHEST 2 VIEWS^C4', 7: '20240305101500', 18: 'ACC1', 22: '20240305113000', 24: 'CR', 25: 'F', 32: '9001&ROE&RITA' }),
      'OBX|1|TX|&GDT|1|FINDINGS: clear \\T\\ stable.||||||F',
      'OBX|2|TX|&GDT|1|IMPRESSION: normal.||||||F',
    );
    expect(only(text)).toEqual({
      reportId: 'FL1',
      kind: 'report',
      accession: 'ACC1',
      patient: { id: 'MRN1', issuer: 'NORTH', name: { family: 'DOE', given: 'JANE', middle: 'Q', prefix: 'DR' }, birthDate: '1980-02-14', sex: 'F' },
      examDateTime: '2024-03-05T10:15:00',
      reportDateTime: '2024-03-05T11:30:00',
      procedureCode: '71020',
      procedureText: 'CHEST 2 VIEWS',
      section: 'CR',
      modality: 'CR',
      resultStatus: 'F',
      interpreter: { family: 'ROE', given: 'RITA' },
      institution: 'NORTH',
      text: 'FINDINGS: clear & stable.\nIMPRESSION: normal.',
      hl7Version: '2.3',
      sources: [{ kind: 'hl7', path: 'in/feed.hl7', index: 0, id: 'M1' }],
    });
  });

  it('yields one report per OBR, each with its own accession, filler number and following OBX lines', () => {
    const text = file(
      msh(), PID,
      obr({ 1: '1', 3: 'FL-A', 18: 'ACC-A' }), 'OBX|1|TX|||Abdomen text', 'OBX|2|TX|||more A',
      obr({ 1: '2', 3: 'FL-B', 18: 'ACC-B' }), 'OBX|1|TX|||Pelvis text',
    );
    const r = read(text);
    expect(r.records.map((x) => [x.reportId, x.accession, x.text])).toEqual([
      ['FL-A', 'ACC-A', 'Abdomen text\nmore A'],
      ['FL-B', 'ACC-B', 'Pelvis text'],
    ]);
    expect(r.records.every((x) => x.patient.id === 'MRN1' && x.sources[0]?.index === 0)).toBe(true);
  });

  it('does not lend one group\'s ORC to the next OBR, and rejects only the group without a report id', () => {
    const text = file(msh(), PID, 'ORC|RE||FL-ORC', obr({ 1: '1', 18: 'ACC-A' }), obr({ 1: '2', 18: 'ACC-B' }));
    const r = read(text);
    expect(r.records.map((x) => x.reportId)).toEqual(['FL-ORC']);
    expect(r.rejections).toEqual([{
      source: { kind: 'hl7', path: 'in/feed.hl7', index: 0, id: 'M1' },
      code: ErrorCode.Hl7MissingField,
      reason: 'order group 2 of 2: no report id (OBR-3, ORC-3, OBR-2, ORC-2 are empty)',
    }]);
  });

  it('gives each patient of a multi-patient ORU their own PID', () => {
    const text = file(msh(), PID, obr({ 3: 'F1' }), 'PID|1||MRN2^^^NORTH^MR||ROE^RICK', obr({ 3: 'F2' }));
    expect(read(text).records.map((x) => [x.reportId, x.patient.id, x.patient.name?.family])).toEqual([
      ['F1', 'MRN1', 'DOE'],
      ['F2', 'MRN2', 'ROE'],
    ]);
  });
});

describe('hl7ToReports: vendor variants', () => {
  it('falls back from OBR-3 to ORC-3, then to the placer numbers', () => {
    expect(only(file(msh(), PID, 'ORC|RE|PL1|FL-ORC', obr({ 2: 'PL1', 18: 'A' }))).reportId).toBe('FL-ORC');
    expect(only(file(msh(), PID, obr({ 2: 'PL-OBR', 18: 'A' }))).reportId).toBe('PL-OBR');
    expect(only(file(msh(), PID, 'ORC|RE|PL-ORC', obr({ 18: 'A' }))).reportId).toBe('PL-ORC');
  });

  it('takes OBR-18 when OBR-19 repeats it, and follows a site list when OBR-18 is empty', () => {
    expect(only(file(msh(), PID, obr({ 3: 'F', 18: 'ACC1', 19: 'ACC1' }))).accession).toBe('ACC1');
    const site = parseHl7FieldMapping({ version: 1, fields: { accession: ['OBR-18', 'OBR-19', 'ORC-4', 'ZDS-1'] } });
    expect(only(file(msh(), PID, obr({ 3: 'F', 19: 'ACC19' })), site).accession).toBe('ACC19');
    expect(only(file(msh(), PID, 'ORC|RE|||ACC-ORC4', obr({ 3: 'F' })), site).accession).toBe('ACC-ORC4');
  });

  it('treats a missing accession as data for the linker, not as an error', () => {
    const report = only(file(msh(), PID, obr({ 3: 'F1' })));
    expect(report.accession).toBeUndefined();
    expect('accession' in report).toBe(false);
  });

  it('reads empty ^^^ components and "" nulls as absent', () => {
    const report = only(file(msh(), 'PID|1||MRN1^^^^MR||^^^||""|""', obr({ 3: 'F1', 4: '^^^', 18: '""', 24: '^^' })));
    expect(report.procedureCode).toBeUndefined();
    expect(report.procedureText).toBeUndefined();
    expect(report.accession).toBeUndefined();
    expect(report.section).toBeUndefined();
    expect(report.patient).toEqual({ id: 'MRN1' });
  });

  it('splits FAMILY, GIVEN written in PID-5.1', () => {
    expect(only(file(msh(), 'PID|1||MRN1||DOE, JANE', obr({ 3: 'F1' }))).patient.name).toEqual({ family: 'DOE', given: 'JANE' });
  });

  it('leaves invalid dates and unknown sex codes undefined without rejecting the message', () => {
    const report = only(file(msh(), 'PID|1||MRN1||DOE^J||19801301|X', obr({ 3: 'F1', 7: '20241340', 22: 'soon' })));
    expect(report.patient.birthDate).toBeUndefined();
    expect(report.patient.sex).toBeUndefined();
    expect(report.examDateTime).toBeUndefined();
    expect(report.reportDateTime).toBeUndefined();
  });

  it('maps sex A and N, and drops time-zone offsets', () => {
    const r = read(file(msh(), 'PID|1||M1||X^Y|||A', obr({ 3: 'F1', 7: '202403051015-0500' }), msh('ORU^R01', 'M2'), 'PID|1||M2||X^Y|||N', obr({ 3: 'F2' })));
    expect(r.records.map((x) => x.patient.sex)).toEqual(['O', 'U']);
    expect(r.records[0]?.examDateTime).toBe('2024-03-05T10:15:00');
  });

  it('reads the procedure text from the alternate text when the primary is empty', () => {
    expect(only(file(msh(), PID, obr({ 3: 'F', 4: '^^^L123^LOCAL CT HEAD^L' }))).procedureText).toBe('LOCAL CT HEAD');
  });

  it('maps unambiguous OBR-24 sections to a modality and leaves RAD/RX alone', () => {
    const section = (s: string) => only(file(msh(), PID, obr({ 3: 'F', 24: s })));
    expect(section('NMR').modality).toBe('MR');
    expect(section('ct').modality).toBe('CT');
    expect(section('RAD').modality).toBeUndefined();
    expect(section('RAD').section).toBe('RAD');
  });

  it('keeps versions outside 2.3-2.5.1 and records them', () => {
    expect(only(file(msh('ORU^R01', 'M', '2.2'), PID, obr({ 3: 'F' }))).hl7Version).toBe('2.2');
    expect(only(file(msh('ORU^R01^ORU_R01', 'M', '2.8'), PID, obr({ 3: 'F' }))).hl7Version).toBe('2.8');
  });
});

describe('hl7ToReports: report text and Study Instance UID', () => {
  it('joins TX, FT and ST lines, turns \\.br\\ and repetitions into lines, and skips other value types', () => {
    const text = file(msh(), PID, obr({ 3: 'F' }),
      'OBX|1|FT|||Line 1\\.br\\Line 2',
      'OBX|2|NM|||42',
      'OBX|3|TX|||',
      'OBX|4|ST|||rep 1~rep 2',
      'OBX|5|CE|||C1^Coded text',
      'OBX|6|TX|||unescaped ^ caret kept',
      'NTE|1||a note is not report text');
    expect(only(text).text).toBe('Line 1\nLine 2\n\nrep 1\nrep 2\nunescaped ^ caret kept');
  });

  it('reads coded lines when a site adds CE', () => {
    const site = parseHl7FieldMapping({ version: 1, text: { field: 'OBX-5', valueTypes: ['TX', 'CE'] } });
    expect(only(file(msh(), PID, obr({ 3: 'F' }), 'OBX|1|CE|||C1^Coded text', 'OBX|2|CE|||C2'), site).text).toBe('Coded text\nC2');
  });

  it('takes the Study Instance UID from a DCM-coded OBX and keeps it out of the text', () => {
    const text = file(msh(), PID, obr({ 3: 'F' }), 'OBX|1|HD|113014^DICOM Study^DCM||1.2.3.4||||||F', 'OBX|2|TX|||Report');
    expect(only(text)).toMatchObject({ studyInstanceUid: '1.2.3.4', text: 'Report' });
  });

  it('matches the UID observation by text when the code is local, and reads HD universal ids', () => {
    const local = file(msh(), PID, obr({ 3: 'F' }), 'OBX|1|ST|SUID^Study Instance UID^L||1.2.5||||||F');
    expect(only(local).studyInstanceUid).toBe('1.2.5');
    const hd = file(msh(), PID, obr({ 3: 'F' }), 'OBX|1|HD|110180^Study Instance UID^DCM||^1.2.6^ISO||||||F');
    expect(only(hd).studyInstanceUid).toBe('1.2.6');
  });

  it('prefers ZDS-1 over the OBX observation', () => {
    const text = file(msh(), PID, obr({ 3: 'F' }), 'ZDS|1.2.7^RIS^Application^DICOM', 'OBX|1|HD|113014^DICOM Study^DCM||1.2.8');
    expect(only(text).studyInstanceUid).toBe('1.2.7');
  });
});

describe('hl7ToReports: orders', () => {
  it('reads ORM^O01 as an order without text, with the ZDS study UID', () => {
    const text = file(msh('ORM^O01', 'O1', '2.3.1'), PID, 'PV1|1|O', 'ORC|NW|PL1|FL1||SC',
      obr({ 1: '1', 2: 'PL1', 3: 'FL1', 4: 'CTH^CT HEAD', 18: 'ACC1', 24: 'CT' }),
      'OBX|1|TX|||clinical history is not a report', 'ZDS|1.2.3^RIS^Application^DICOM');
    const order = only(text);
    expect(order).toMatchObject({ kind: 'order', reportId: 'FL1', accession: 'ACC1', studyInstanceUid: '1.2.3', modality: 'CT' });
    expect(order.text).toBeUndefined();
  });

  it('reads OMI^O23 with IPC-1 before OBR-18, IPC-3 UID and IPC-5 modality', () => {
    const text = file(msh('OMI^O23^OMI_O23', 'O2', '2.5.1'), PID, 'ORC|NW|PL1|FL1', 'TQ1|1||||||20240308093000',
      obr({ 1: '1', 2: 'PL1', 3: 'FL1', 18: 'OBR-ACC', 24: 'RAD' }), 'IPC|IPC-ACC^NORTH|RP1|1.2.9|SPS1|MR');
    expect(only(text)).toMatchObject({ kind: 'order', accession: 'IPC-ACC', accessionIssuer: 'NORTH', studyInstanceUid: '1.2.9', modality: 'MR', section: 'RAD' });
  });

  it('reads an ORC-only order group', () => {
    expect(only(file(msh('ORM^O01'), PID, 'ORC|CA|PL1|FL1'))).toMatchObject({ kind: 'order', reportId: 'FL1' });
  });
});

describe('hl7ToReports: rejections', () => {
  it('rejects unsupported message types and names the type', () => {
    const r = read(file(msh('ADT^A08', 'A1'), PID));
    expect(r.records).toEqual([]);
    expect(r.rejections).toEqual([{
      source: { kind: 'hl7', path: 'in/feed.hl7', index: 0, id: 'A1' },
      code: ErrorCode.Hl7UnsupportedMessageType,
      reason: 'message type ADT^A08 is not supported (expected ORU^R01, ORM^O01 or OMI^O23)',
    }]);
    expect(read(file(msh('ORU^R30'), PID, obr({ 3: 'F' }))).rejections[0]?.code).toBe(ErrorCode.Hl7UnsupportedMessageType);
    expect(read(file(msh(''), PID, obr({ 3: 'F' }))).rejections[0]?.reason).toContain('(empty MSH-9)');
  });

  it('tolerates a missing trigger event on a known message code', () => {
    expect(only(file(msh('ORU'), PID, obr({ 3: 'F' }))).kind).toBe('report');
  });

  it('rejects a message without ORC or OBR', () => {
    expect(read(file(msh(), PID)).rejections.map((x) => x.code)).toEqual([ErrorCode.Hl7MissingField]);
  });

  it('rejects a bad message and reads the rest of the file, with message indexes', () => {
    const text = [file(msh('ORU^R01', 'A'), PID, obr({ 3: 'F1' })), 'MSH|^~|X', file(msh('ORU^R01', 'C'), PID, obr({ 3: 'F3' }))].join('\n');
    const r = read(text);
    expect(r.records.map((x) => [x.reportId, x.sources[0]?.index, x.sources[0]?.id])).toEqual([['F1', 0, 'A'], ['F3', 2, 'C']]);
    expect(r.rejections).toMatchObject([{ source: { index: 1 }, code: ErrorCode.Hl7BadEncodingCharacters }]);
    expect(r.rejections[0]?.source.id).toBeUndefined();
  });

  it('reports empty files, files without MSH and lines before the first MSH', () => {
    expect(read('  \r\n').rejections).toMatchObject([{ code: ErrorCode.Hl7Empty, source: { kind: 'hl7', path: 'in/feed.hl7' } }]);
    expect(read('PID|1||MRN1||DOE^JANE\rOBR|1||F1').rejections).toMatchObject([{ code: ErrorCode.Hl7NoMsh }]);
    const r = read(`exported by tool\n${file(msh(), PID, obr({ 3: 'F' }))}`);
    expect(r.records).toHaveLength(1);
    expect(r.rejections).toMatchObject([{ code: ErrorCode.Hl7NoMsh, reason: '1 line(s) outside any message were skipped, the first at line 1' }]);
  });

  it('never puts message content into a rejection reason', () => {
    const secret = 'ZZSECRETNAME';
    const text = [
      `PID|1||${secret}`,
      file(msh(`${secret}^A01`), `PID|1||${secret}`),
      file(msh(), `PID|1||${secret}||${secret}`, obr({ 18: secret })),
      `MSH|^~${secret}|`,
    ].join('\n');
    const r = read(text);
    expect(r.rejections.length).toBeGreaterThanOrEqual(4);
    for (const x of r.rejections) expect(x.reason).not.toContain('SECRET');
  });
});
