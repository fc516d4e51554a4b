/**
 * The scenario where headers cannot decide (issue 5): one patient, two same-day chest radiographs with no
 * accession in the PACS, two reports with identical header fields. Only the images (from the
 * PneumoniaMNIST test split, with known labels) and the report texts tell them apart.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { imageAt, loadSplit, SIDE } from '../../models/pneumonia-cxr/train/dataset.ts';
import type { Report, Scan } from '../../src/model/types.ts';
import { writeDicomPart10 } from '../../src/transforms/dicom/write.ts';

const CR = '1.2.840.10008.5.1.4.1.1.1';
const PNEUMONIA_TEXT = 'EXAM: XR CHEST 1 VIEW\nFINDINGS: Right lower lobe airspace consolidation.\nIMPRESSION: Right lower lobe pneumonia.';
const NORMAL_TEXT = 'EXAM: XR CHEST 1 VIEW\nFINDINGS: The lungs are clear. No consolidation, effusion or pneumothorax.\nIMPRESSION: No acute cardiopulmonary process.';

export interface ImageScenario {
  scans: Scan[];
  reports: Report[];
  /** Study UID → report id. */
  truth: Map<string, string>;
}

function indicesOf(labels: Uint8Array, label: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length && out.length < count; i++) if (labels[i] === label) out.push(i);
  return out;
}

/** Write `pairs` patients' DICOM files under `dir` and return their scans, reports and truth. */
export async function buildImageScenario(dir: string, pairs: number): Promise<ImageScenario> {
  const test = loadSplit('test');
  const positives = indicesOf(test.labels, 1, pairs);
  const negatives = indicesOf(test.labels, 0, pairs);
  const scenario: ImageScenario = { scans: [], reports: [], truth: new Map() };
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < Math.min(positives.length, negatives.length); i++) {
    const patient = { id: `IMG${String(1000 + i)}`, name: { family: `CASE${i}`, given: 'TEST' }, birthDate: `2019-0${1 + (i % 9)}-1${i % 10}`, sex: i % 2 ? ('M' as const) : ('F' as const) };
    for (const [kind, index, text] of [['p', positives[i], PNEUMONIA_TEXT], ['n', negatives[i], NORMAL_TEXT]] as const) {
      const uid = `2.25.77${i}${kind === 'p' ? 1 : 2}`;
      const file = path.join(dir, `${uid}.dcm`);
      await writeFile(file, writeDicomPart10({
        sopClassUid: CR, sopInstanceUid: `${uid}.1.1`, studyInstanceUid: uid, seriesInstanceUid: `${uid}.1`, modality: 'CR',
        patientId: patient.id, patientName: `${patient.name.family}^${patient.name.given}`, patientBirthDate: patient.birthDate.replace(/-/g, ''),
        patientSex: patient.sex, studyDate: '20260410', studyTime: '091500', bodyPartExamined: 'CHEST', studyDescription: 'CHEST 1 VIEW',
        image: { rows: SIDE, columns: SIDE, pixels: imageAt(test, index ?? 0) },
      }));
      scenario.scans.push({
        studyInstanceUid: uid, patient, studyDateTime: '2026-04-10T09:15:00', modalities: ['CR'], bodyParts: ['CHEST'], studyDescription: 'CHEST 1 VIEW',
        seriesDescriptions: [], seriesCount: 1, instanceCount: 1, sources: [{ kind: 'dicom', path: file, id: `${uid}.1.1` }],
      });
      const reportId = `IMGR${i}${kind}`;
      scenario.reports.push({
        reportId, kind: 'report', accession: `IMG${i}${kind.toUpperCase()}`, patient, examDateTime: '2026-04-10T09:10:00',
        procedureText: 'XR CHEST 1 VIEW', section: 'CR', resultStatus: 'F', text, sources: [{ kind: 'hl7', path: 'scenario' }],
      });
      scenario.truth.set(uid, reportId);
    }
  }
  return scenario;
}
