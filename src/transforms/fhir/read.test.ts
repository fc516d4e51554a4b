 
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../model/errors.ts';
import type { Report, Scan } from '../../model/types.ts';
import { fhirToRecords } from './read.ts';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/fhir/${name}`, import.meta.url), 'utf8');

const ACSN = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] };
const uid = (v: string): object => ({ system: 'urn:dicom:uid', value: `urn:oid:${v}` });
const ndjson = (...resources: object[]): string => resources.map((r) => JSON.stringify(r)).join('\n');

function onlyScan(text: string): Scan {
  const { scans } = fhirToRecords(text, 'in.ndjson');
  expect(scans.rejections).toEqual([]);
  expect(scans.records).toHaveLength(1);
  return scans.records[0] as Scan;
}

function onlyReport(text: string): Report {
  const { reports } = fhirToRecords(text, 'in.ndjson');
  expect(reports.rejections).toEqual([]);
  expect(reports.records).toHaveLength(1);
  return reports.records[0] as Report;
}

describe('fhirToRecords: searchset Bundle', () => {
  const { scans, reports } = fhirToRecords(fixture('searchset-bundle.json'), 'fhir/search.json');

  it('maps the ImagingStudy with its included Patient and Practitioner', () => {
    expect(scans.records).toEqual([
      {
        studyInstanceUid: '1.2.826.0.1.3680043.8.498.1001',
        accession: 'ACC1001',
        accessionIssuer: 'RIS-A',
        patient: {
          id: 'MRN0042',
          issuer: 'GENHOSP',
          name: { family: 'Testperson', given: 'Alice', middle: 'Beth', prefix: 'Ms', suffix: 'PhD' },
          birthDate: '1970-02-03',
          sex: 'F',
        },
        studyDateTime: '2024-03-05T14:22:10',
        modalities: ['CT', 'SR'],
        bodyParts: ['Thorax'],
        studyDescription: 'CT CHEST W/O CONTRAST',
        seriesDescriptions: ['Topogram 0.6 T20f', 'Dose Report'],
        procedureText: 'CT CHEST W/O CONTRAST',
        referringPhysician: { family: 'Referrer', given: 'Rita', prefix: 'Dr' },
        seriesCount: 2,
        instanceCount: 250,
        fhirId: 'is-1',
        sources: [{ kind: 'fhir', path: 'fhir/search.json', index: 2, id: 'ImagingStudy/is-1' }],
      },
    ]);
  });

  it('maps the DiagnosticReport, taking the accession from its basedOn ServiceRequest', () => {
    const dr = reports.records.find((r) => r.kind === 'report');
    expect(dr).toMatchObject({
      reportId: 'dr-1',
      accession: 'ACC1001',
      accessionIssuer: 'RIS-A',
      examDateTime: '2024-03-05T14:22:00',
      reportDateTime: '2024-03-05T16:40:12',
      procedureText: 'CT THORAX WITHOUT CONTRAST',
      procedureCode: '24627-2',
      section: 'CT',
      modality: 'CT',
      resultStatus: 'F',
      interpreter: { family: 'Reader', given: 'Rex' },
      studyInstanceUid: '1.2.826.0.1.3680043.8.498.1001',
      fhirId: 'dr-1',
      fhirType: 'DiagnosticReport',
      patient: { id: 'MRN0042', sex: 'F' },
      sources: [{ kind: 'fhir', path: 'fhir/search.json', index: 0, id: 'DiagnosticReport/dr-1' }],
    });
    expect(dr?.text).toBe('Normal CT of the chest.\n\nFINDINGS: No nodule.\nIMPRESSION: Normal CT of the chest.');
  });

  it('maps the ServiceRequest as an order without a result status', () => {
    const order = reports.records.find((r) => r.kind === 'order');
    expect(order).toMatchObject({ reportId: 'sr-1', accession: 'ACC1001', examDateTime: '2024-03-05T14:00:00', fhirType: 'ServiceRequest' });
    expect(order?.resultStatus).toBeUndefined();
    expect(reports.records).toHaveLength(2);
  });

  it('rejects the OperationOutcome entry by type, with its entry index', () => {
    expect(reports.rejections).toEqual([
      { source: { kind: 'fhir', path: 'fhir/search.json', index: 5 }, code: ErrorCode.FhirUnsupportedResource, reason: 'resource type OperationOutcome is not read' },
    ]);
    expect(scans.rejections).toEqual([]);
  });
});

describe('fhirToRecords: ndjson', () => {
  const { scans, reports } = fhirToRecords(fixture('export.ndjson'), 'export/ImagingStudy.ndjson');

  it('reads the lines around a broken one and reports that line', () => {
    expect(scans.records.map((s) => s.studyInstanceUid)).toEqual(['1.2.826.0.1.3680043.8.498.2002']);
    expect(reports.rejections).toContainEqual({
      source: { kind: 'fhir', path: 'export/ImagingStudy.ndjson', index: 4 },
      code: ErrorCode.FhirInvalidJson,
      reason: 'line 4 is not valid JSON',
    });
  });

  it('rejects an ImagingStudy without a study UID on the scan side', () => {
    expect(scans.rejections).toEqual([
      expect.objectContaining({ code: ErrorCode.FhirMissingField, source: { kind: 'fhir', path: 'export/ImagingStudy.ndjson', index: 5, id: 'ImagingStudy/is-3' } }),
    ]);
  });

  it('rejects other resource types and non-resources, one each, by line', () => {
    const other = reports.rejections.filter((r) => r.code === ErrorCode.FhirUnsupportedResource);
    expect(other.map((r) => [r.source.index, r.source.id])).toEqual([[7, 'Observation/obs-1'], [8, undefined]]);
  });

  it('counts instances, keeps DICOM modality codes, and drops the time-zone designator', () => {
    const scan = scans.records[0];
    expect(scan).toMatchObject({
      modalities: ['DX'],
      bodyParts: ['KNEE'],
      seriesCount: 1,
      instanceCount: 3,
      studyDateTime: '2024-04-01T08:05:00',
      patient: { id: 'MRN0099', issuer: 'urn:oid:1.2.3.4', name: { family: 'Sample', given: 'Bob', middle: 'Q' }, birthDate: '1955', sex: 'M' },
    });
    expect(scan?.accession).toBeUndefined();
  });

  it('decodes a latin-1 text attachment, skips a PDF, and keeps the RAD section when it is the only one', () => {
    expect(reports.records).toHaveLength(1);
    expect(reports.records[0]).toMatchObject({
      reportId: 'dr-2',
      accession: 'ACC2002',
      accessionIssuer: 'http://ris.example.org/accession',
      text: 'Kniegelenk unauffällig.',
      section: 'RAD',
      resultStatus: 'P',
      examDateTime: '2024-04-01T08:00:00',
      procedureText: 'XR Knee 3 views left',
      procedureCode: 'XRKNEE3',
    });
  });
});

describe('fhirToRecords: transaction Bundle', () => {
  const { scans, reports } = fhirToRecords(fixture('transaction-bundle.json'), 'tx.json');

  it('resolves urn:uuid references between entries', () => {
    expect(scans.records[0]).toMatchObject({
      studyInstanceUid: '1.2.826.0.1.3680043.8.498.9009',
      patient: { id: 'MRN7', issuer: 'urn:oid:1.2.3.9', name: { family: 'Example', given: 'Eve' }, sex: 'O' },
      studyDateTime: '2024-05-06T09:41:00',
      sources: [{ kind: 'fhir', path: 'tx.json', index: 2 }],
    });
    const dr = reports.records.find((r) => r.kind === 'report');
    expect(dr).toMatchObject({ accession: 'ACC9009', studyInstanceUid: '1.2.826.0.1.3680043.8.498.9009', modality: 'US', resultStatus: 'C' });
  });

  it('resolves a contained Patient and falls back to the identifier when the report has no id', () => {
    const dr = reports.records.find((r) => r.kind === 'report');
    expect(dr?.reportId).toBe('RPT-9');
    expect(dr?.fhirId).toBeUndefined();
    expect(dr?.patient).toEqual({ id: 'MRN7', issuer: 'urn:oid:1.2.3.9', name: { family: 'Contained', given: 'Carl' }, sex: 'M' });
  });

  it('uses the filler identifier as the id of an order without id and marks a revoked order X', () => {
    const order = reports.records.find((r) => r.kind === 'order');
    expect(order).toMatchObject({ reportId: 'FO-9', accession: 'ACC9009', resultStatus: 'X', examDateTime: '2024-05-06T09:30:00' });
  });

  it('skips entries that carry only a request', () => {
    expect(reports.rejections).toEqual([]);
    expect(scans.records.length + reports.records.length).toBe(3);
  });
});

describe('fhirToRecords: input forms', () => {
  it('reads a single pretty-printed resource', () => {
    const scan = onlyScan(fixture('single-imagingstudy.json'));
    expect(scan.sources).toEqual([{ kind: 'fhir', path: 'in.ndjson', index: 1, id: 'ImagingStudy/is-1' }]);
    // Patient/pat-1 is not in this input: nothing is invented.
    expect(scan.patient).toEqual({});
  });

  it('rejects a broken pretty-printed document once, not line by line', () => {
    const { reports } = fhirToRecords('{\n  "resourceType": "ImagingStudy",\n  "id": \n}\n', 'bad.json');
    expect(reports.rejections).toEqual([{ source: { kind: 'fhir', path: 'bad.json' }, code: ErrorCode.FhirInvalidJson, reason: 'document is not valid JSON' }]);
  });

  it('yields nothing for empty input, with or without a BOM and blank lines', () => {
    for (const text of ['', '\uFEFF', '\n\n  \n']) {
      const { scans, reports } = fhirToRecords(text, 'empty.ndjson');
      expect([scans.records, scans.rejections, reports.records, reports.rejections]).toEqual([[], [], [], []]);
    }
  });

  it('handles CRLF ndjson and numbers lines from 1 including blank ones', () => {
    const a = { resourceType: 'ImagingStudy', id: 'a', identifier: [uid('1.2.3')] };
    const b = { resourceType: 'ImagingStudy', id: 'b', identifier: [uid('1.2.4')] };
    const { scans } = fhirToRecords(`${JSON.stringify(a)}\r\n\r\n${JSON.stringify(b)}\r\n`, 'x.ndjson');
    expect(scans.records.map((s) => s.sources[0]?.index)).toEqual([1, 3]);
  });
});

describe('ImagingStudy mapping details', () => {
  const base = { resourceType: 'ImagingStudy', id: 's', identifier: [uid('1.2.3.4')] };

  it('takes the subject identifier and display when the Patient is not in the input', () => {
    const scan = onlyScan(ndjson({ ...base, subject: { reference: 'Patient/zz', identifier: { system: 'urn:oid:9.9', value: 'P77' }, display: 'DOE^JANE^Q' } }));
    expect(scan.patient).toEqual({ id: 'P77', issuer: 'urn:oid:9.9', name: { family: 'DOE', given: 'JANE', middle: 'Q' } });
  });

  it('resolves absolute and versioned references by their Type/id tail', () => {
    const patient = { resourceType: 'Patient', id: 'p9', gender: 'unknown', birthDate: '2001-07' };
    for (const reference of ['https://other.example/fhir/Patient/p9', 'Patient/p9/_history/4']) {
      expect(onlyScan(ndjson(patient, { ...base, subject: { reference } })).patient).toEqual({ sex: 'U', birthDate: '2001-07' });
    }
  });

  it('does not resolve a reference to a resource of another type', () => {
    const device = { resourceType: 'Practitioner', id: 'p9', name: [{ family: 'Wrong' }] };
    expect(onlyScan(ndjson(device, { ...base, subject: { reference: 'Patient/p9' } })).patient).toEqual({});
  });

  it('accepts R5-style CodeableConcept modality and CodeableReference bodySite', () => {
    const scan = onlyScan(ndjson({
      ...base,
      modality: [{ coding: [{ code: 'mr' }] }],
      series: [{ uid: '1', modality: { coding: [{ code: 'MR' }] }, bodySite: { concept: { coding: [{ display: 'Brain' }] } } }],
    }));
    expect(scan.modalities).toEqual(['MR']);
    expect(scan.bodyParts).toEqual(['Brain']);
  });

  it('strips urn:oid: only as a prefix and keeps a bare UID', () => {
    expect(onlyScan(ndjson({ ...base, identifier: [{ system: 'urn:dicom:uid', value: '1.2.840.99' }] })).studyInstanceUid).toBe('1.2.840.99');
  });

  it('prefers an ACSN identifier with a value over an empty one, and ignores other identifier types', () => {
    const scan = onlyScan(ndjson({
      ...base,
      identifier: [
        uid('1.2.3.4'),
        { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] }, value: 'PLACER1' },
        { type: ACSN },
        { type: { coding: [{ system: 'http://hl7.org/fhir/v2/0203', code: 'ACSN' }] }, value: 'A-77', system: 'urn:acc' },
      ],
    }));
    expect([scan.accession, scan.accessionIssuer]).toEqual(['A-77', 'urn:acc']);
  });

  it('leaves partial or malformed dates out rather than guessing', () => {
    expect(onlyScan(ndjson({ ...base, started: '2024-03' })).studyDateTime).toBeUndefined();
    expect(onlyScan(ndjson({ ...base, started: '5 March 2024' })).studyDateTime).toBeUndefined();
    expect(onlyScan(ndjson({ ...base, started: '2024-03-05' })).studyDateTime).toBe('2024-03-05');
  });

  it('ignores malformed members instead of rejecting the study', () => {
    const scan = onlyScan(ndjson({ ...base, series: 'oops', modality: [null, 7, { code: 'CT' }], numberOfSeries: -1, description: 42 }));
    expect(scan).toMatchObject({ modalities: ['CT'], seriesCount: 0, instanceCount: 0, seriesDescriptions: [] });
    expect(scan.studyDescription).toBeUndefined();
  });
});

describe('DiagnosticReport and ServiceRequest mapping details', () => {
  it.each([
    ['registered', 'I'],
    ['partial', 'A'],
    ['preliminary', 'P'],
    ['final', 'F'],
    ['amended', 'C'],
    ['corrected', 'C'],
    ['appended', 'C'],
    ['cancelled', 'X'],
    ['entered-in-error', 'X'],
    ['unknown', undefined],
    ['toString', undefined],
  ])('maps report status %s to OBR-25 %s', (status, expected) => {
    expect(onlyReport(ndjson({ resourceType: 'DiagnosticReport', id: 'd', status })).resultStatus).toBe(expected);
  });

  it('prefers its own ACSN identifier over the basedOn order', () => {
    const order = { resourceType: 'ServiceRequest', id: 'o', identifier: [{ type: ACSN, value: 'FROM-ORDER' }] };
    const dr = { resourceType: 'DiagnosticReport', id: 'd', identifier: [{ type: ACSN, value: 'OWN' }], basedOn: [{ reference: 'ServiceRequest/o' }] };
    const { reports } = fhirToRecords(ndjson(order, dr), 'x');
    expect(reports.records.find((r) => r.kind === 'report')?.accession).toBe('OWN');
  });

  it('takes the study UID from a logical imagingStudy reference', () => {
    const dr = { resourceType: 'DiagnosticReport', id: 'd', imagingStudy: [{ identifier: uid('1.2.9') }] };
    expect(onlyReport(ndjson(dr)).studyInstanceUid).toBe('1.2.9');
  });

  it('reads the section from a non-v2 letter code but not from a SNOMED number', () => {
    const dr = (coding: object[]): object => ({ resourceType: 'DiagnosticReport', id: 'd', category: [{ coding }] });
    expect(onlyReport(ndjson(dr([{ system: 'http://snomed.info/sct', code: '394914008' }, { system: 'urn:local', code: 'MR' }]))).section).toBe('MR');
    expect(onlyReport(ndjson(dr([{ system: 'http://snomed.info/sct', code: '394914008' }]))).section).toBeUndefined();
  });

  it('rejects a report with neither id nor identifier', () => {
    const { reports } = fhirToRecords(ndjson({ resourceType: 'DiagnosticReport', status: 'final' }), 'x.ndjson');
    expect(reports.records).toEqual([]);
    expect(reports.rejections).toEqual([expect.objectContaining({ code: ErrorCode.FhirMissingField, source: { kind: 'fhir', path: 'x.ndjson', index: 1 } })]);
  });

  it('keeps rejection reasons free of resource content', () => {
    const secret = 'Jane Secret-Doe';
    const text = ndjson({ resourceType: 'Observation', id: 'o', valueString: secret }, { resourceType: 'DiagnosticReport', name: secret }) + '\n{"name": "' + secret;
    const { scans, reports } = fhirToRecords(text, 'x');
    const reasons = [...scans.rejections, ...reports.rejections].map((r) => r.reason);
    expect(reasons).toHaveLength(3);
    for (const reason of reasons) expect(reason).not.toContain('Secret');
  });
});
