/**
 * Writes DICOM Part 10 files (explicit VR little endian) from a small typed data set, through dcmjs.
 * Used by the synthetic hospital and by tests; the reader (header.ts) never depends on it.
 *
 * Type 2 attributes (AccessionNumber, PatientName, PatientID, ...) are always written, empty when
 * the value is missing, exactly as a modality that did not know them would.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part10/chapter_7.html (File Meta)
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_7.4.html (type 2)
 */
import dcmjs from 'dcmjs';

/** Transfer syntax of every file written here. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Implementation Class UID of acclink's writer (under the 2.25 UUID arc). */
export const IMPLEMENTATION_CLASS_UID = '2.25.301453129893196734150624405442183470467';
const IMPLEMENTATION_VERSION_NAME = 'ACCLINK_0_1';

/** A small image: 8-bit MONOCHROME2 pixels, row-major, `rows * columns` bytes. */
export interface DicomImage {
  rows: number;
  columns: number;
  /** Defaults to a gradient. */
  pixels?: Uint8Array;
}

/** The attributes acclink writes. DICOM formats: dates `YYYYMMDD`, times `HHMMSS[.ffffff]`, names PN. */
export interface DicomWriteDataset {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** PN as written: `FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX` (any trailing `^` kept as given). */
  patientName?: string;
  patientId?: string;
  issuerOfPatientId?: string;
  patientBirthDate?: string;
  /** `M`, `F`, `O` or empty. */
  patientSex?: string;
  studyDate?: string;
  studyTime?: string;
  /** Type 2: written empty when undefined or `''`. */
  accessionNumber?: string;
  modality: string;
  bodyPartExamined?: string;
  studyDescription?: string;
  seriesDescription?: string;
  referringPhysicianName?: string;
  institutionName?: string;
  studyId?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  /** Defaults to an 8x8 gradient. */
  image?: DicomImage;
}

type Element = { vr: string; Value: (string | number | ArrayBuffer)[] };

/** Tags of the data set, `GGGGEEEE` upper case (dcmjs sorts elements by this string). */
const TAG = {
  SpecificCharacterSet: '00080005',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  Modality: '00080060',
  InstitutionName: '00080080',
  ReferringPhysicianName: '00080090',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  IssuerOfPatientID: '00100021',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  BodyPartExamined: '00180015',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  StudyID: '00200010',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  SamplesPerPixel: '00280002',
  PhotometricInterpretation: '00280004',
  Rows: '00280010',
  Columns: '00280011',
  BitsAllocated: '00280100',
  BitsStored: '00280101',
  HighBit: '00280102',
  PixelRepresentation: '00280103',
  PixelData: '7FE00010',
} as const;

/** A value element; `undefined` or `''` gives an empty (type 2) element. */
function el(vr: string, value: string | number | undefined): Element {
  return { vr, Value: value === undefined || value === '' ? [] : [value] };
}

/** A copy of exactly these bytes as an ArrayBuffer, padded to even length as DICOM requires. */
function evenBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(bytes.length + (bytes.length % 2));
  out.set(bytes);
  return out.buffer;
}

/** A diagonal gradient, so that viewers show something and every file has pixels. */
export function gradientPixels(rows: number, columns: number): Uint8Array {
  const px = new Uint8Array(rows * columns);
  const scale = 255 / Math.max(1, rows + columns - 2);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) px[r * columns + c] = Math.round((r + c) * scale);
  return px;
}

function imageElements(image: DicomImage): Record<string, Element> {
  const { rows, columns } = image;
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows < 1 || columns < 1 || rows > 65535 || columns > 65535) {
    throw new RangeError(`invalid image size ${rows}x${columns}`);
  }
  const pixels = image.pixels ?? gradientPixels(rows, columns);
  if (pixels.length !== rows * columns) throw new RangeError(`pixel data has ${pixels.length} bytes, expected ${rows * columns}`);
  return {
    [TAG.SamplesPerPixel]: el('US', 1),
    [TAG.PhotometricInterpretation]: el('CS', 'MONOCHROME2'),
    [TAG.Rows]: el('US', rows),
    [TAG.Columns]: el('US', columns),
    [TAG.BitsAllocated]: el('US', 8),
    [TAG.BitsStored]: el('US', 8),
    [TAG.HighBit]: el('US', 7),
    [TAG.PixelRepresentation]: el('US', 0),
    [TAG.PixelData]: { vr: 'OB', Value: [evenBuffer(pixels)] },
  };
}

/** Text that needs more than the default repertoire makes the file declare UTF-8 (dcmjs writes UTF-8). */
function needsUtf8(ds: DicomWriteDataset): boolean {
  const texts = [ds.patientName, ds.patientId, ds.issuerOfPatientId, ds.studyDescription, ds.seriesDescription, ds.referringPhysicianName, ds.institutionName, ds.accessionNumber];
  // eslint-disable-next-line no-control-regex
  return texts.some((t) => t !== undefined && /[^\x00-\x7f]/.test(t));
}

function datasetElements(ds: DicomWriteDataset): Record<string, Element> {
  const elements: Record<string, Element> = {
    [TAG.SOPClassUID]: el('UI', ds.sopClassUid),
    [TAG.SOPInstanceUID]: el('UI', ds.sopInstanceUid),
    [TAG.StudyDate]: el('DA', ds.studyDate),
    [TAG.StudyTime]: el('TM', ds.studyTime),
    [TAG.AccessionNumber]: el('SH', ds.accessionNumber),
    [TAG.Modality]: el('CS', ds.modality),
    [TAG.ReferringPhysicianName]: el('PN', ds.referringPhysicianName),
    [TAG.PatientName]: el('PN', ds.patientName),
    [TAG.PatientID]: el('LO', ds.patientId),
    [TAG.PatientBirthDate]: el('DA', ds.patientBirthDate),
    [TAG.PatientSex]: el('CS', ds.patientSex),
    [TAG.StudyInstanceUID]: el('UI', ds.studyInstanceUid),
    [TAG.SeriesInstanceUID]: el('UI', ds.seriesInstanceUid),
    [TAG.StudyID]: el('SH', ds.studyId),
    [TAG.SeriesNumber]: el('IS', ds.seriesNumber),
    [TAG.InstanceNumber]: el('IS', ds.instanceNumber),
    ...imageElements(ds.image ?? { rows: 8, columns: 8 }),
  };
  // Type 3 attributes are left out when unknown rather than written empty.
  const optional: [string, string, string | undefined][] = [
    [TAG.InstitutionName, 'LO', ds.institutionName],
    [TAG.StudyDescription, 'LO', ds.studyDescription],
    [TAG.SeriesDescription, 'LO', ds.seriesDescription],
    [TAG.IssuerOfPatientID, 'LO', ds.issuerOfPatientId],
    [TAG.BodyPartExamined, 'CS', ds.bodyPartExamined],
  ];
  for (const [tag, vr, value] of optional) if (value !== undefined && value !== '') elements[tag] = el(vr, value);
  if (needsUtf8(ds)) elements[TAG.SpecificCharacterSet] = el('CS', 'ISO_IR 192');
  return elements;
}

/**
 * Serializes one instance as a DICOM Part 10 file: 128-byte preamble, `DICM`, File Meta
 * Information (group 0002) and the data set in explicit VR little endian.
 * @throws RangeError for an invalid image size or pixel buffer; dcmjs errors for values too long for their VR.
 */
export function writeDicomPart10(ds: DicomWriteDataset): Uint8Array {
  const meta: Record<string, Element> = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': el('UI', ds.sopClassUid),
    '00020003': el('UI', ds.sopInstanceUid),
    '00020010': el('UI', EXPLICIT_VR_LITTLE_ENDIAN),
    '00020012': el('UI', IMPLEMENTATION_CLASS_UID),
    '00020013': el('SH', IMPLEMENTATION_VERSION_NAME),
  };
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = datasetElements(ds);
  return new Uint8Array(dict.write());
}
