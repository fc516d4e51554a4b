import { describe, expect, it } from 'vitest';
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import { CorrectableField } from '../../model/link.ts';
import type { AttributeUpdateInput } from './attribute-update.ts';
import { buildAttributeUpdate, CORRECTABLE_ATTRIBUTES, invalidAttributeValue, ORIGINAL_ATTRIBUTES_SEQUENCE_TAG } from './attribute-update.ts';

const UID = '1.2.826.0.1.3680043.2.1125.7';
const WHEN = { modificationDateTime: '20240310120000+0000' };

const INPUT: AttributeUpdateInput = {
  studyInstanceUid: UID,
  changes: [
    { keyword: 'PatientName', tag: '(0010,0010)', from: 'DOE^JNAE', to: 'DOE^JANE^MARIE' },
    { keyword: 'PatientBirthDate', tag: '(0010,0030)', from: '19800214', to: '19800215' },
    { keyword: 'PatientSex', from: null, to: 'F' },
  ],
  reason: 'patient-consensus',
  correctionIds: ['c1', 'c2', 'c3'],
};

function usageError(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isAcclinkError(e, ErrorCode.Usage) ? e.message : 'other error';
  }
  return undefined;
}

describe('CORRECTABLE_ATTRIBUTES', () => {
  it('has a tag for every correctable field', () => {
    expect(Object.keys(CORRECTABLE_ATTRIBUTES).sort()).toEqual(Object.values(CorrectableField).sort());
    expect(Object.fromEntries(Object.entries(CORRECTABLE_ATTRIBUTES).map(([k, v]) => [k, v.tag]))).toEqual({
      AccessionNumber: '(0008,0050)', StudyDescription: '(0008,1030)', BodyPartExamined: '(0018,0015)', Modality: '(0008,0060)',
      PatientName: '(0010,0010)', PatientBirthDate: '(0010,0030)', PatientSex: '(0010,0040)', InstitutionName: '(0008,0080)',
      StudyDate: '(0008,0020)', StudyTime: '(0008,0030)',
    });
  });
});

describe('buildAttributeUpdate', () => {
  const u = buildAttributeUpdate(INPUT, WHEN);

  it('replaces the new values at study level and keeps the audit fields', () => {
    expect(u.studyInstanceUid).toBe(UID);
    expect(u.level).toBe('STUDY');
    expect(u.reason).toBe('patient-consensus');
    expect(u.correctionIds).toEqual(['c1', 'c2', 'c3']);
    expect(u.replace).toEqual({ PatientName: 'DOE^JANE^MARIE', PatientBirthDate: '19800215', PatientSex: 'F' });
  });

  it('records the old values in an Original Attributes Sequence item (empty for an absent value)', () => {
    expect(u.originalAttributes).toEqual({
      ModifiedAttributesSequence: [{ PatientName: 'DOE^JNAE', PatientBirthDate: '19800214', PatientSex: '' }],
      AttributeModificationDateTime: '20240310120000+0000',
      ModifyingSystem: 'ACCLINK',
      SourceOfPreviousValues: '',
      ReasonForTheAttributeModification: 'CORRECT',
    });
  });

  it('gives an Orthanc modify body that keeps every UID', () => {
    expect(u.orthanc).toEqual({
      Replace: { PatientName: 'DOE^JANE^MARIE', PatientBirthDate: '19800215', PatientSex: 'F' },
      Keep: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'],
      Force: true,
    });
  });

  it('gives the same in the DICOM JSON model, tags in order, PN as Alphabetic', () => {
    expect(u.dicomJson.replace).toEqual({
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE^MARIE' }] },
      '00100030': { vr: 'DA', Value: ['19800215'] },
      '00100040': { vr: 'CS', Value: ['F'] },
    });
    const item = u.dicomJson.originalAttributesItem;
    expect(Object.keys(item)).toEqual(['04000550', '04000562', '04000563', '04000564', '04000565']);
    expect(item['04000550']).toEqual({
      vr: 'SQ',
      Value: [{
        '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JNAE' }] },
        '00100030': { vr: 'DA', Value: ['19800214'] },
        '00100040': { vr: 'CS' },
      }],
    });
    expect(item['04000562']).toEqual({ vr: 'DT', Value: ['20240310120000+0000'] });
    expect(item['04000563']).toEqual({ vr: 'LO', Value: ['ACCLINK'] });
    expect(item['04000564']).toEqual({ vr: 'LO' });
    expect(item['04000565']).toEqual({ vr: 'CS', Value: ['CORRECT'] });
    expect(ORIGINAL_ATTRIBUTES_SEQUENCE_TAG).toBe('04000561');
  });

  it('is JSON-serializable and deterministic', () => {
    const again = buildAttributeUpdate(INPUT, WHEN);
    expect(JSON.stringify(again)).toBe(JSON.stringify(u));
    expect(JSON.parse(JSON.stringify(u))).toEqual(u);
  });

  it('takes the source of previous values and modifying system from the options', () => {
    const v = buildAttributeUpdate(INPUT, { ...WHEN, sourceOfPreviousValues: 'CT_NORTH', modifyingSystem: 'ACCLINK-TEST' });
    expect(v.originalAttributes.SourceOfPreviousValues).toBe('CT_NORTH');
    expect(v.originalAttributes.ModifyingSystem).toBe('ACCLINK-TEST');
    expect(v.dicomJson.originalAttributesItem['04000564']).toEqual({ vr: 'LO', Value: ['CT_NORTH'] });
  });

  it('handles every correctable field', () => {
    const v = buildAttributeUpdate({
      studyInstanceUid: UID,
      reason: 'standard-entry',
      correctionIds: [],
      changes: [
        { keyword: 'AccessionNumber', from: 'A1', to: 'A2' },
        { keyword: 'StudyDescription', from: 'ct hd', to: 'CT HEAD W/O CONTRAST' },
        { keyword: 'BodyPartExamined', from: 'Head', to: 'HEAD' },
        { keyword: 'Modality', from: 'ct', to: 'CT' },
        { keyword: 'InstitutionName', from: 'north', to: 'North Hospital' },
        { keyword: 'StudyDate', from: '20240503', to: '20240305' },
        { keyword: 'StudyTime', from: null, to: '101500' },
      ],
    }, WHEN);
    expect(Object.keys(v.dicomJson.replace)).toEqual(['00080020', '00080030', '00080050', '00080060', '00080080', '00081030', '00180015']);
    expect(v.orthanc.Replace).toMatchObject({ StudyTime: '101500', Modality: 'CT' });
  });

  it('refuses unusable input', () => {
    expect(usageError(() => buildAttributeUpdate({ ...INPUT, studyInstanceUid: '1.2.abc' }, WHEN))).toMatch(/UID/);
    expect(usageError(() => buildAttributeUpdate(INPUT, { modificationDateTime: '2024-03-10' }))).toMatch(/DT/);
    expect(usageError(() => buildAttributeUpdate({ ...INPUT, changes: [] }, WHEN))).toMatch(/at least one/);
    expect(usageError(() => buildAttributeUpdate({ ...INPUT, changes: [{ keyword: 'PatientName', tag: '(0010,0020)', from: null, to: 'A^B' }] }, WHEN))).toMatch(/\(0010,0010\)/);
    expect(usageError(() => buildAttributeUpdate({ ...INPUT, changes: [INPUT.changes[0]!, INPUT.changes[0]!] }, WHEN))).toMatch(/twice/);
    expect(usageError(() => buildAttributeUpdate({ ...INPUT, changes: [{ keyword: 'PatientBirthDate', from: null, to: '19800230' }] }, WHEN))).toMatch(/YYYYMMDD/);
  });

  it('accepts a tag written with spaces', () => {
    expect(usageError(() => buildAttributeUpdate({ ...INPUT, changes: [{ keyword: 'StudyDescription', tag: '(0008, 1030)', from: null, to: 'X' }] }, WHEN))).toBeUndefined();
    expect(usageError(() => buildAttributeUpdate({ ...INPUT, changes: [{ keyword: 'Modality', tag: '(0008,0060)', from: null, to: 'MR' }] }, WHEN))).toBeUndefined();
  });
});

describe('invalidAttributeValue', () => {
  it.each([
    ['AccessionNumber', '12345678901234567', /16/],
    ['AccessionNumber', 'A\\B', /backslash/],
    ['PatientSex', 'U', /M, F or O/],
    ['PatientSex', 'f', /upper-case/],
    ['Modality', 'ct', /upper-case/],
    ['StudyTime', '2460', /HHMMSS/],
    ['StudyDate', '2024-03-05', /YYYYMMDD/],
    ['PatientName', `${'X'.repeat(65)}^A`, /64/],
    ['PatientName', 'A^B^C^D^E^F', /5 components/],
    ['InstitutionName', 'line\nbreak', /control/],
    ['StudyDescription', '', /empty/],
  ] as const)('%s %j is refused', (keyword, value, why) => {
    expect(invalidAttributeValue(keyword, value)).toMatch(why);
  });

  it.each([
    ['PatientName', 'MÜLLER^JÖRG=ミュラー^ヨルグ'],
    ['PatientSex', 'O'],
    ['StudyTime', '101500.123456'],
    ['StudyDate', '20240229'],
    ['BodyPartExamined', 'CHEST_TO_PELVIS'],
  ] as const)('%s %j is accepted', (keyword, value) => {
    expect(invalidAttributeValue(keyword, value)).toBeUndefined();
  });
});
