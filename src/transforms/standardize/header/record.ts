/**
 * Header values of the model's records, in DICOM value formats, for standardizeHeader.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (DA, PN)
 */
import type { PersonName, Report, Scan } from '../../../model/types.ts';
import type { HeaderValues } from './fields.ts';

/** Modalities of objects that are not images: a study's header modality is its first image modality. */
const NON_IMAGE = new Set(['SR', 'KO', 'PR', 'SEG', 'REG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'RTRECORD', 'DOC', 'FID', 'PLAN']);

/**
 * A study's header: first image modality, first body part, study description, procedure text, and dates
 * back in DICOM DA form (`YYYYMMDD`; partial birth dates as stored, which the date rule reports).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.2.html (General Study)
 */
export function headerOfScan(scan: Scan): HeaderValues {
  const modality = scan.modalities.find((m) => !NON_IMAGE.has(m.toUpperCase())) ?? scan.modalities[0];
  return defined({
    accessionNumber: scan.accession,
    patientName: scan.patient.name === undefined ? undefined : dicomName(scan.patient.name),
    patientSex: scan.patient.sex,
    birthDate: dicomDate(scan.patient.birthDate),
    studyDate: dicomDate(scan.studyDateTime),
    modality,
    bodyPartExamined: scan.bodyParts[0],
    studyDescription: scan.studyDescription,
    procedureText: scan.procedureText,
    institutionName: scan.institution,
  });
}

/**
 * A report's or order's header: procedure text, stated modality (else OBR-24 section), exam date.
 * @see https://hl7-definition.caristix.com/v2/HL7v2.5.1/Segments/OBR
 */
export function headerOfReport(report: Report): HeaderValues {
  return defined({
    accessionNumber: report.accession,
    patientName: report.patient.name === undefined ? undefined : dicomName(report.patient.name),
    patientSex: report.patient.sex,
    birthDate: dicomDate(report.patient.birthDate),
    studyDate: dicomDate(report.examDateTime),
    modality: report.modality ?? report.section,
    procedureText: report.procedureText,
    institutionName: report.institution,
  });
}

/** `Family^Given^Middle^Prefix^Suffix` without trailing empty components. */
function dicomName(n: PersonName): string {
  const parts = [n.family, n.given, n.middle ?? '', n.prefix ?? '', n.suffix ?? ''];
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('^');
}

/** `YYYY-MM-DD[THH:MM:SS]` → `YYYYMMDD`; other forms unchanged. */
function dicomDate(d: string | undefined): string | undefined {
  const m = d === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
  return m === null ? d : `${m[1] ?? ''}${m[2] ?? ''}${m[3] ?? ''}`;
}

function defined(h: HeaderValues): HeaderValues {
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined && v !== ''));
}
