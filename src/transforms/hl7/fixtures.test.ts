import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../model/errors.ts';
import { hl7ToReports } from './report.ts';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/hl7/${name}`, import.meta.url), 'utf8');

describe('sample files in test/fixtures/hl7', () => {
  it('oru-batch-v23-lf.hl7: a 2.3 batch with \\n line ends, ORC-3 fallback, comma names and two OBRs', () => {
    const r = hl7ToReports(fixture('oru-batch-v23-lf.hl7'), 'oru-batch-v23-lf.hl7');
    expect(r.rejections).toEqual([]);
    expect(r.records.map((x) => [x.reportId, x.accession, x.sources[0]?.index, x.sources[0]?.id])).toEqual([
      ['FL1001', 'ACC1001', 0, 'ORU0001'],
      ['FL1002', 'ACC1002', 1, 'ORU0002'],
      ['FL1003A', 'ACC1003A', 2, 'ORU0003'],
      ['FL1003B', 'ACC1003B', 2, 'ORU0003'],
    ]);
    const [first, second, third, fourth] = r.records;
    expect(first?.text).toBe('EXAM: CHEST 2 VIEWS\nFINDINGS: Lungs are clear. Heart size normal & stable.\n\nIMPRESSION: No acute disease.');
    expect(first?.interpreter).toEqual({ family: 'RADIOLOGIST', given: 'ROBERTA', middle: 'M', prefix: 'DR' });
    expect(second).toMatchObject({ patient: { name: { family: 'SAMPLE', given: 'BOB' } }, examDateTime: '2024-03-06T08:30:00', resultStatus: 'P' });
    expect(second?.procedureText).toBeUndefined();
    expect(third?.text).toBe('Abdominal ultrasound: normal liver.');
    expect(fourth?.text).toBe('Pelvic ultrasound: unremarkable.');
  });

  it('omi-o23-v251-mllp.hl7: an MLLP-framed OMI^O23', () => {
    const r = hl7ToReports(fixture('omi-o23-v251-mllp.hl7'), 'omi.hl7');
    expect(r.rejections).toEqual([]);
    expect(r.records).toMatchObject([{
      kind: 'order', reportId: 'FL7001', accession: 'ACC7001', accessionIssuer: 'SOUTHGATE',
      studyInstanceUid: '1.2.826.0.1.3680043.2.1125.7001', modality: 'MR', hl7Version: '2.5.1',
      patient: { id: 'SG-7001', issuer: 'SOUTHGATE', name: { family: 'PLACEHOLDER', given: 'DANIEL', suffix: 'III', prefix: 'MR' } },
    }]);
  });

  it('malformed-mixed.hl7: every bad part rejected with its code, the good message still read', () => {
    const r = hl7ToReports(fixture('malformed-mixed.hl7'), 'bad.hl7');
    expect(r.rejections.map((x) => [x.source.index, x.code])).toEqual([
      [undefined, ErrorCode.Hl7NoMsh],
      [0, ErrorCode.Hl7MissingField],
      [1, ErrorCode.Hl7BadEncodingCharacters],
      [2, ErrorCode.Hl7UnsupportedMessageType],
    ]);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ reportId: 'FL3004', text: 'Wrist radiograph: no fracture.', section: 'RX' });
    expect(r.records[0]?.patient.birthDate).toBeUndefined();
    expect(r.records[0]?.examDateTime).toBeUndefined();
    expect(r.records[0]?.modality).toBeUndefined();
  });
});
