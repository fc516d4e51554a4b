import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import type { DicomWriteDataset } from './write.ts';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLEMENTATION_CLASS_UID, gradientPixels, writeDicomPart10 } from './write.ts';

const base: DicomWriteDataset = {
  sopClassUid: '1.2.840.10008.5.1.4.1.1.1',
  sopInstanceUid: '2.25.1001.1.1',
  studyInstanceUid: '2.25.1001',
  seriesInstanceUid: '2.25.1001.1',
  patientName: "O'BRIEN^SEÁN^J^^",
  patientId: '00123456',
  issuerOfPatientId: 'RGH',
  patientBirthDate: '19710203',
  patientSex: 'M',
  studyDate: '20260105',
  studyTime: '101500',
  accessionNumber: 'A0012345',
  modality: 'CR',
  bodyPartExamined: 'CHEST',
  studyDescription: 'CHEST PA/LAT',
  seriesDescription: 'PA',
  referringPhysicianName: 'Abernathy^Clara',
  institutionName: 'Riverside General Hospital',
  seriesNumber: 1,
  instanceNumber: 2,
};

/** dicom-parser returns raw bytes as Latin-1; UTF-8 text is decoded here as the reader would. */
function utf8(ds: dicomParser.DataSet, tag: string): string | undefined {
  const e = ds.elements[tag];
  if (e === undefined) return undefined;
  return new TextDecoder('utf-8').decode(ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length)).replace(/[\0 ]+$/, '');
}

describe('writeDicomPart10', () => {
  it('writes a Part 10 file with File Meta and the given attributes', () => {
    const bytes = writeDicomPart10(base);
    expect(new TextDecoder().decode(bytes.subarray(128, 132))).toBe('DICM');
    const ds = dicomParser.parseDicom(bytes);
    expect(ds.string('x00020010')).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
    expect(ds.string('x00020002')).toBe(base.sopClassUid);
    expect(ds.string('x00020003')).toBe(base.sopInstanceUid);
    expect(ds.string('x00020012')).toBe(IMPLEMENTATION_CLASS_UID);
    expect(ds.string('x00080018')).toBe(base.sopInstanceUid);
    expect(ds.string('x0020000d')).toBe(base.studyInstanceUid);
    expect(ds.string('x0020000e')).toBe(base.seriesInstanceUid);
    expect(ds.string('x00080050')).toBe('A0012345');
    expect(ds.string('x00100020')).toBe('00123456');
    expect(ds.string('x00100021')).toBe('RGH');
    expect(ds.string('x00100030')).toBe('19710203');
    expect(ds.string('x00080020')).toBe('20260105');
    expect(ds.string('x00080030')).toBe('101500');
    expect(ds.string('x00080060')).toBe('CR');
    expect(ds.string('x00180015')).toBe('CHEST');
    expect(ds.string('x00081030')).toBe('CHEST PA/LAT');
    expect(ds.string('x0008103e')).toBe('PA');
    expect(ds.string('x00080090')).toBe('Abernathy^Clara');
    expect(ds.intString('x00200011')).toBe(1);
    expect(ds.intString('x00200013')).toBe(2);
    expect(ds.string('x00080005')).toBe('ISO_IR 192');
    expect(utf8(ds, 'x00100010')).toBe("O'BRIEN^SEÁN^J^^");
    expect(ds.elements.x00080050?.vr).toBe('SH');
  });

  it('writes type 2 attributes present but empty when missing', () => {
    const ds = dicomParser.parseDicom(writeDicomPart10({ ...base, accessionNumber: '', patientName: undefined, patientBirthDate: undefined }));
    for (const tag of ['x00080050', 'x00100010', 'x00100030', 'x00200010']) {
      expect(ds.elements[tag], tag).toBeDefined();
      expect(ds.elements[tag]?.length, tag).toBe(0);
    }
    // Type 3 attributes are left out, and plain ASCII needs no character set.
    const noIssuer = dicomParser.parseDicom(writeDicomPart10({ ...base, issuerOfPatientId: undefined, patientName: 'SMITH^JOHN' }));
    expect(noIssuer.elements.x00100021).toBeUndefined();
    expect(noIssuer.elements.x00080005).toBeUndefined();
  });

  it('writes an 8x8 MONOCHROME2 image by default and given pixels when provided', () => {
    const small = dicomParser.parseDicom(writeDicomPart10(base));
    expect(small.uint16('x00280010')).toBe(8);
    expect(small.uint16('x00280011')).toBe(8);
    expect(small.string('x00280004')).toBe('MONOCHROME2');
    expect(small.uint16('x00280100')).toBe(8);
    expect(small.elements.x7fe00010?.length).toBe(64);

    const pixels = gradientPixels(28, 28);
    pixels[5] = 201;
    const bytes = writeDicomPart10({ ...base, modality: 'DX', image: { rows: 28, columns: 28, pixels } });
    const ds = dicomParser.parseDicom(bytes);
    expect(ds.uint16('x00280010')).toBe(28);
    const px = ds.elements.x7fe00010;
    expect(px?.length).toBe(784);
    expect(Array.from(bytes.subarray(px?.dataOffset ?? 0, (px?.dataOffset ?? 0) + 784))).toEqual(Array.from(pixels));
  });

  it('pads odd-sized pixel data to even length and rejects a wrong buffer size', () => {
    const ds = dicomParser.parseDicom(writeDicomPart10({ ...base, image: { rows: 3, columns: 3 } }));
    expect(ds.elements.x7fe00010?.length).toBe(10);
    expect(() => writeDicomPart10({ ...base, image: { rows: 4, columns: 4, pixels: new Uint8Array(15) } })).toThrow(RangeError);
    expect(() => writeDicomPart10({ ...base, image: { rows: 0, columns: 4 } })).toThrow(RangeError);
  });

  it('is deterministic', () => {
    expect(writeDicomPart10(base)).toEqual(writeDicomPart10({ ...base }));
  });
});
