import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../model/errors.ts';
import { seededRng } from '../../model/ports.ts';
import type { SourceRef } from '../../model/types.ts';
import { type DicomInstanceHeader, type HeaderResult, readDicomHeader } from './header.ts';
import { encodeDataSet, type FixtureElement, part10File } from './part10-fixture.ts';
import { TransferSyntax } from './syntax.ts';

const SOURCE: SourceRef = { kind: 'dicom', path: 'in/series1/img0001' };
const UID = {
  study: '1.2.826.0.1.3680043.10.543.1',
  series: '1.2.826.0.1.3680043.10.543.1.2',
  sop: '1.2.826.0.1.3680043.10.543.1.2.3',
  ctImage: '1.2.840.10008.5.1.4.1.1.2',
};
const ALL_CODES: string[] = Object.values(ErrorCode);

/** A CT header with every field the reader looks at; the patient name needs ISO_IR 100 (ü). */
function elements(): FixtureElement[] {
  return [
    { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 100' },
    { tag: 0x00080016, vr: 'UI', value: UID.ctImage },
    { tag: 0x00080018, vr: 'UI', value: UID.sop },
    { tag: 0x00080020, vr: 'DA', value: '20240305' },
    { tag: 0x00080030, vr: 'TM', value: '143015.250' },
    { tag: 0x00080050, vr: 'SH', value: 'ACC-0042' },
    {
      tag: 0x00080051,
      vr: 'SQ',
      items: [[{ tag: 0x00400031, vr: 'UT', value: 'RIS-NORTH' }, { tag: 0x00400032, vr: 'UT', value: '1.2.3.4' }, { tag: 0x00400033, vr: 'CS', value: 'ISO' }]],
    },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00080080, vr: 'LO', value: 'General Hospital' },
    { tag: 0x00080090, vr: 'PN', value: 'House^Gregory^^Dr' },
    { tag: 0x00081030, vr: 'LO', value: 'CT CHEST W/O ' },
    {
      tag: 0x00081032,
      vr: 'SQ',
      items: [[{ tag: 0x00080100, vr: 'SH', value: 'CTCHW' }, { tag: 0x00080102, vr: 'SH', value: 'LOCAL' }, { tag: 0x00080104, vr: 'LO', value: 'CT chest without contrast' }]],
    },
    { tag: 0x0008103e, vr: 'LO', value: 'AXIAL 5MM' },
    { tag: 0x00100010, vr: 'PN', value: 'Müller^Jürgen^^^Jr=' },
    { tag: 0x00100020, vr: 'LO', value: 'PID-777' },
    { tag: 0x00100021, vr: 'LO', value: 'HOSP-A' },
    { tag: 0x00100030, vr: 'DA', value: '19650412' },
    { tag: 0x00100040, vr: 'CS', value: 'M' },
    { tag: 0x00180015, vr: 'CS', value: 'CHEST' },
    { tag: 0x0020000d, vr: 'UI', value: UID.study },
    { tag: 0x0020000e, vr: 'UI', value: UID.series },
    { tag: 0x00280008, vr: 'IS', value: '3' },
    { tag: 0x00321060, vr: 'LO', value: 'CT THORAX' },
    { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(64) },
  ];
}

const EXPECTED: Omit<DicomInstanceHeader, 'transferSyntaxUid'> = {
  source: { ...SOURCE, id: UID.sop },
  sopInstanceUid: UID.sop,
  sopClassUid: UID.ctImage,
  studyInstanceUid: UID.study,
  seriesInstanceUid: UID.series,
  patient: { id: 'PID-777', issuer: 'HOSP-A', name: { family: 'Müller', given: 'Jürgen', suffix: 'Jr' }, birthDate: '1965-04-12', sex: 'M' },
  studyDateTime: '2024-03-05T14:30:15',
  studyDateTimeFrom: 'study',
  accession: 'ACC-0042',
  accessionIssuer: 'RIS-NORTH',
  modality: 'CT',
  bodyPartExamined: 'CHEST',
  studyDescription: 'CT CHEST W/O',
  seriesDescription: 'AXIAL 5MM',
  procedureText: 'CT THORAX',
  referringPhysician: { family: 'House', given: 'Gregory', prefix: 'Dr' },
  institution: 'General Hospital',
  numberOfFrames: 3,
};

function instanceOf(result: HeaderResult): DicomInstanceHeader {
  if (!result.ok) throw new Error(`expected a header, got ${result.rejection.code}: ${result.rejection.reason}`);
  return result.instance;
}

function codeOf(result: HeaderResult): string {
  if (result.ok) throw new Error('expected a rejection');
  return result.rejection.code;
}

const without = (tags: number[], els = elements()): FixtureElement[] => els.filter((e) => !tags.includes(e.tag));
const replace = (el: FixtureElement, els = elements()): FixtureElement[] => [...without([el.tag], els), el];
const read = (bytes: Uint8Array, prefix = false): HeaderResult => readDicomHeader(bytes, SOURCE, { prefix });
const file = (els: FixtureElement[] = elements(), ts: string = TransferSyntax.ExplicitLittle): Uint8Array => part10File(els, { transferSyntax: ts });

describe('readDicomHeader: transfer syntaxes', () => {
  const syntaxes = [TransferSyntax.ExplicitLittle, TransferSyntax.ImplicitLittle, TransferSyntax.ExplicitBig, TransferSyntax.DeflatedExplicitLittle];

  it.each(syntaxes)('reads every field from a Part 10 file in %s', (ts) => {
    expect(instanceOf(read(file(elements(), ts)))).toEqual({ ...EXPECTED, transferSyntaxUid: ts });
  });

  it('reads the header of a deflated data set that would inflate past the memory cap', () => {
    const els = replace({ tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(80 * 1024 * 1024) });
    const bytes = file(els, TransferSyntax.DeflatedExplicitLittle);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    expect(instanceOf(read(bytes))).toEqual({ ...EXPECTED, transferSyntaxUid: TransferSyntax.DeflatedExplicitLittle });
  });

  it.each(syntaxes)('reads sequences of undefined length in %s', (ts) => {
    const els = elements().map((e) => (e.items === undefined ? e : { ...e, undefinedLength: true }));
    expect(instanceOf(read(file(els, ts)))).toEqual({ ...EXPECTED, transferSyntaxUid: ts });
  });

  it.each([TransferSyntax.ExplicitLittle, TransferSyntax.ImplicitLittle, TransferSyntax.ExplicitBig])(
    'detects the encoding of a bare data set without File Meta (%s)',
    (ts) => {
      const bytes = part10File(elements(), { transferSyntax: ts, noMeta: true });
      expect(instanceOf(read(bytes))).toEqual({ ...EXPECTED, transferSyntaxUid: ts });
    },
  );

  it('reads File Meta written without the preamble', () => {
    const bytes = part10File(elements(), { transferSyntax: TransferSyntax.ImplicitLittle, noPreamble: true });
    expect(instanceOf(read(bytes))).toEqual({ ...EXPECTED, transferSyntaxUid: TransferSyntax.ImplicitLittle });
  });

  it('parses with the real encoding when the meta declares another, and reports the declared syntax', () => {
    const jpeg = '1.2.840.10008.1.2.4.50';
    const bytes = part10File(elements(), { transferSyntax: jpeg, actualEncoding: { explicitVr: false, littleEndian: true } });
    expect(instanceOf(read(bytes))).toEqual({ ...EXPECTED, transferSyntaxUid: jpeg });
  });
});

describe('readDicomHeader: character sets', () => {
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('decodes ISO_IR 192 as UTF-8 and keeps only the alphabetic name group', () => {
    const els = [
      ...without([0x00080005, 0x00100010, 0x00080080]),
      { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 192' },
      { tag: 0x00100010, vr: 'PN', value: utf8('Wang^XiaoDong=王^小東') },
      { tag: 0x00080080, vr: 'LO', value: utf8('Hôpital Saint-Éloi') },
    ];
    const header = instanceOf(read(file(els)));
    expect(header.patient.name).toEqual({ family: 'Wang', given: 'XiaoDong' });
    expect(header.institution).toBe('Hôpital Saint-Éloi');
  });

  it('decodes a single-byte set other than Latin-1 (ISO_IR 144, Cyrillic)', () => {
    const els = [...without([0x00080005, 0x00100010]), { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 144' }, { tag: 0x00100010, vr: 'PN', value: Uint8Array.of(0xb8, 0xd2, 0xd0, 0xdd, 0xde, 0xd2) }];
    expect(instanceOf(read(file(els))).patient.name).toEqual({ family: 'Иванов', given: '' });
  });

  it('falls back to Latin-1 when no character set is declared', () => {
    const header = instanceOf(read(file(without([0x00080005]))));
    expect(header.patient.name?.family).toBe('Müller');
  });
});

describe('readDicomHeader: field rules', () => {
  it('trims padding and leaves out empty values entirely', () => {
    const els = replace({ tag: 0x00080050, vr: 'SH', value: '    ' });
    const header = instanceOf(read(file(els)));
    expect('accession' in header).toBe(false);
    expect(header.studyDescription).toBe('CT CHEST W/O');
  });

  it('falls back from Study Date to Series, then Acquisition, then Content Date', () => {
    const noStudy = without([0x00080020, 0x00080030]);
    const series = [...noStudy, { tag: 0x00080021, vr: 'DA', value: '20240306' }, { tag: 0x00080031, vr: 'TM', value: '0905' }];
    expect(instanceOf(read(file(series)))).toMatchObject({ studyDateTime: '2024-03-06T09:05:00', studyDateTimeFrom: 'series' });
    const badStudy = [...noStudy, { tag: 0x00080020, vr: 'DA', value: '20240231' }, { tag: 0x00080022, vr: 'DA', value: '20240307' }];
    expect(instanceOf(read(file(badStudy)))).toMatchObject({ studyDateTime: '2024-03-07', studyDateTimeFrom: 'acquisition' });
    const content = [...noStudy, { tag: 0x00080023, vr: 'DA', value: '2024.03.08' }, { tag: 0x00080033, vr: 'TM', value: '10:11:12' }];
    expect(instanceOf(read(file(content)))).toMatchObject({ studyDateTime: '2024-03-08T10:11:12', studyDateTimeFrom: 'content' });
    const none = instanceOf(read(file(noStudy)));
    expect(none.studyDateTime).toBeUndefined();
    expect(none.studyDateTimeFrom).toBeUndefined();
  });

  it('takes the procedure text from the code meaning, then from the Request Attributes Sequence', () => {
    expect(instanceOf(read(file(without([0x00321060])))).procedureText).toBe('CT chest without contrast');
    const nested = [
      ...without([0x00321060, 0x00081032]),
      { tag: 0x00400275, vr: 'SQ', items: [[{ tag: 0x00321060, vr: 'LO', value: 'CT THORAX REQUESTED' }]] },
    ];
    expect(instanceOf(read(file(nested))).procedureText).toBe('CT THORAX REQUESTED');
  });

  it('uses the Universal Entity ID as accession issuer when there is no local namespace', () => {
    const els = replace({ tag: 0x00080051, vr: 'SQ', items: [[{ tag: 0x00400032, vr: 'UT', value: '1.2.3.4' }]] });
    expect(instanceOf(read(file(els))).accessionIssuer).toBe('1.2.3.4');
  });

  it('falls back to the File Meta SOP Instance UID when the data set lacks one', () => {
    const bytes = part10File(elements(), { transferSyntax: TransferSyntax.ExplicitLittle });
    const stripped = part10File(without([0x00080018]), { transferSyntax: TransferSyntax.ExplicitLittle });
    expect(instanceOf(read(bytes)).sopInstanceUid).toBe(UID.sop);
    // The meta of `stripped` is built from the data set, so it has no SOP Instance UID either.
    expect(instanceOf(read(stripped)).sopInstanceUid).toBeUndefined();
    expect(instanceOf(read(stripped)).source).toEqual(SOURCE);
  });
});

describe('readDicomHeader: rejections', () => {
  it('rejects an empty file', () => {
    expect(codeOf(read(new Uint8Array(0)))).toBe(ErrorCode.DicomEmpty);
  });

  it('rejects text, gzip and random bytes as not DICOM', () => {
    expect(codeOf(read(new TextEncoder().encode('MSH|^~\\&|RIS|HOSP|PACS|HOSP|20240305||ORM^O01|1|P|2.3\r')))).toBe(ErrorCode.DicomNotDicom);
    expect(codeOf(read(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3)))).toBe(ErrorCode.DicomNotDicom);
    const rng = seededRng(7);
    const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(rng.next() * 256));
    expect(codeOf(read(noise))).toBe(ErrorCode.DicomNotDicom);
  });

  it('rejects a header without Study Instance UID, and says so without patient data', () => {
    const result = read(file(without([0x0020000d])));
    expect(codeOf(result)).toBe(ErrorCode.DicomMissingStudyUid);
    if (result.ok) return;
    expect(result.rejection.source).toEqual(SOURCE);
    expect(result.rejection.reason).toContain(SOURCE.path);
    for (const phi of ['Müller', 'PID-777', '1965', 'ACC-0042']) expect(result.rejection.reason).not.toContain(phi);
  });

  it('rejects DICOMDIRs, recognised by meta SOP class or by a Directory Record Sequence', () => {
    const byMeta = part10File(elements(), { transferSyntax: TransferSyntax.ExplicitLittle, mediaStorageSopClass: '1.2.840.10008.1.3.10' });
    expect(codeOf(read(byMeta))).toBe(ErrorCode.DicomMissingStudyUid);
    const dir: FixtureElement[] = [
      { tag: 0x00041130, vr: 'CS', value: 'EXPORT' },
      { tag: 0x00041220, vr: 'SQ', items: [[{ tag: 0x00041430, vr: 'CS', value: 'PATIENT' }]] },
    ];
    const bare = encodeDataSet(dir, { explicitVr: true, littleEndian: true });
    expect(codeOf(read(bare))).toBe(ErrorCode.DicomMissingStudyUid);
  });
});

describe('readDicomHeader: truncation', () => {
  const whole = file();
  const endOf = (tag: number): number => {
    // Offset just past an element's value: find the tag bytes, then skip its (short) explicit header.
    const needle = [(tag >>> 16) & 0xff, tag >>> 24, tag & 0xff, (tag >>> 8) & 0xff];
    const at = whole.findIndex((_, i) => needle.every((b, j) => whole[i + j] === b));
    const length = (whole[at + 6] ?? 0) | ((whole[at + 7] ?? 0) << 8);
    return at + 8 + length;
  };

  it('rejects a file cut before the Study Instance UID as truncated', () => {
    expect(codeOf(read(whole.subarray(0, endOf(0x00100020) + 3)))).toBe(ErrorCode.DicomTruncated);
    expect(codeOf(read(whole.subarray(0, 140)))).toBe(ErrorCode.DicomTruncated);
  });

  it('accepts a file cut after the Study Instance UID, flagged truncated, with the fields before the cut', () => {
    const header = instanceOf(read(whole.subarray(0, endOf(0x0020000e) + 5)));
    expect(header.truncated).toBe(true);
    expect(header.accession).toBe('ACC-0042');
    expect(header.seriesInstanceUid).toBe(UID.series);
    expect(header.numberOfFrames).toBeUndefined();
  });

  it('does not flag a cut inside the pixel data: the header is whole', () => {
    const header = instanceOf(read(whole.subarray(0, whole.length - 10)));
    expect(header.truncated).toBeUndefined();
    expect(header.procedureText).toBe('CT THORAX');
  });

  it('treats running out of a prefix before the pixel data as truncation, not as the end of the file', () => {
    const noPixels = file(without([0x7fe00010]));
    expect(instanceOf(read(noPixels)).truncated).toBeUndefined();
    expect(instanceOf(read(noPixels, true)).truncated).toBe(true);
    expect(instanceOf(read(whole, true)).truncated).toBeUndefined();
    expect(codeOf(read(whole.subarray(0, endOf(0x00020010)), true))).toBe(ErrorCode.DicomTruncated);
  });

  it('never throws, whatever the cut', () => {
    for (const ts of [TransferSyntax.ExplicitLittle, TransferSyntax.ImplicitLittle, TransferSyntax.ExplicitBig, TransferSyntax.DeflatedExplicitLittle]) {
      const bytes = file(elements(), ts);
      for (let n = 0; n <= bytes.length; n++) {
        for (const prefix of [false, true]) {
          const result = read(bytes.subarray(0, n), prefix);
          if (result.ok) expect(result.instance.studyInstanceUid).toBe(UID.study);
          else expect(ALL_CODES).toContain(result.rejection.code);
        }
      }
    }
  });

  it('never throws on corrupted bytes', () => {
    const rng = seededRng(42);
    for (const ts of [TransferSyntax.ExplicitLittle, TransferSyntax.ImplicitLittle, TransferSyntax.ExplicitBig]) {
      const clean = file(elements(), ts);
      for (let round = 0; round < 400; round++) {
        const bytes = clean.slice();
        for (let k = 0; k < 1 + Math.floor(rng.next() * 8); k++) bytes[Math.floor(rng.next() * bytes.length)] = Math.floor(rng.next() * 256);
        const result = read(bytes);
        if (result.ok) expect(result.instance.studyInstanceUid.length).toBeGreaterThan(0);
        else expect(ALL_CODES).toContain(result.rejection.code);
      }
    }
  });
});
