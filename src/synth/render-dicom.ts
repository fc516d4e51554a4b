/**
 * Renders the PACS side of a synthetic hospital as DICOM Part 10 files, from the observed values.
 * Lazy: `renderDicomFiles` yields one file at a time, so a writer never holds a whole archive.
 * Formatting choices (PN style, TM precision, file naming) are drawn per study from a generator
 * keyed by the study UID, so a study renders the same whatever else is rendered.
 */
import type { Rng } from '../model/ports.ts';
import type { PersonName } from '../model/types.ts';
import type { DicomImage, DicomWriteDataset } from '../transforms/dicom/write.ts';
import { writeDicomPart10 } from '../transforms/dicom/write.ts';
import { SopClassByModality } from './catalogue.ts';
import type { Hospital, SynthStudy } from './model.ts';
import { chance, fnv1a, int, subRng, weighted } from './rand.ts';
import { dicomDate, timeParts } from './time.ts';

/** Options of the DICOM renderer. */
export interface DicomRenderOptions {
  /** Exact number of instances per study, in one series (benchmarks use 1). Default: 1–3 series of 1–2. */
  instancesPerStudy?: number;
  /** Pixels for an instance; default an 8x8 gradient. The image model plugs real radiographs in here. */
  image?: (study: SynthStudy, seriesNumber: number, instanceNumber: number) => DicomImage | undefined;
}

/** One file to write: a path relative to the output root (`/`-separated) and its bytes. */
export interface RenderedFile {
  path: string;
  bytes: Uint8Array;
}

/** One instance before serialization. */
export interface DicomInstancePlan {
  path: string;
  dataset: DicomWriteDataset;
}

/** How PN values look on this study's modality: standard, with trailing `^`, or typed "FAMILY, GIVEN". */
const PN_STYLES = { components: 70, trailing: 20, comma: 10 } as const;
/** TM precision used by the modality. */
const TM_STYLES = { seconds: 60, minutes: 15, fraction: 25 } as const;
/** File naming of the archive export. */
const FILE_STYLES = { dcm: 70, bare: 20, uid: 10 } as const;

/** A PN value in one of the styles; components are escaped of the delimiter only by construction. */
export function formatPn(name: PersonName, style: keyof typeof PN_STYLES): string {
  if (style === 'comma') return `${name.family}, ${[name.given, name.middle].filter((x) => x !== undefined).join(' ')}`;
  const parts = [name.family, name.given, name.middle ?? '', name.prefix ?? '', name.suffix ?? ''];
  if (style === 'trailing') return parts.join('^');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('^');
}

function formatTm(dateTime: string, style: keyof typeof TM_STYLES, fraction: number): string {
  const t = timeParts(dateTime);
  if (t === null) return '';
  if (style === 'minutes') return `${t.hh}${t.mm}`;
  if (style === 'fraction') return `${t.hh}${t.mm}${t.ss}.${String(fraction).padStart(6, '0')}`;
  return `${t.hh}${t.mm}${t.ss}`;
}

/** Series numbers and their instance counts for a study. */
function seriesLayout(study: SynthStudy, opts: DicomRenderOptions, rng: Rng): number[] {
  if (opts.instancesPerStudy !== undefined) return [Math.max(1, Math.floor(opts.instancesPerStudy))];
  const n = int(rng, 1, Math.min(3, Math.max(1, study.seriesDescriptions.length)));
  return Array.from({ length: n }, () => int(rng, 1, 2));
}

/** Directory of a patient: an index in some exports, a hash of the MRN in others. */
function patientDir(hospital: Hospital, study: SynthStudy): string {
  if (hospital.seed % 2 === 0) return `P${String(study.patientIndex).padStart(6, '0')}`;
  return fnv1a(`${hospital.seed}/${study.patient.id}/${study.patientIndex}`).toString(16).padStart(8, '0');
}

/** The instances of one study, with their paths under `dicom/`. Cheap: no bytes are produced. */
export function planStudyInstances(hospital: Hospital, study: SynthStudy, opts: DicomRenderOptions = {}): DicomInstancePlan[] {
  const rng = subRng(hospital.seed, `dicom/${study.studyInstanceUid}`);
  const pnStyle = weighted(rng, PN_STYLES);
  const tmStyle = weighted(rng, TM_STYLES);
  const fileStyle = weighted(rng, FILE_STYLES);
  const fraction = int(rng, 0, 999_999);
  const common = {
    sopClassUid: SopClassByModality[study.modality],
    studyInstanceUid: study.studyInstanceUid,
    patientName: formatPn(study.patient.name, pnStyle),
    patientId: study.patient.id,
    issuerOfPatientId: study.patient.issuer === '' ? undefined : study.patient.issuer,
    patientBirthDate: dicomDate(study.patient.birthDate),
    patientSex: study.patient.sex === 'U' ? '' : study.patient.sex,
    studyDate: dicomDate(study.dateTime),
    studyTime: formatTm(study.dateTime, tmStyle, fraction),
    accessionNumber: study.accession,
    modality: study.modality,
    bodyPartExamined: chance(rng, 0.85) ? study.bodyPart : undefined,
    studyDescription: study.studyDescription,
    referringPhysicianName: formatPn(study.referringPhysician, 'components'),
    institutionName: study.institution,
    studyId: String(study.index + 1),
  };
  const dir = `dicom/${patientDir(hospital, study)}/ST${String(study.index).padStart(6, '0')}`;
  const plans: DicomInstancePlan[] = [];
  seriesLayout(study, opts, rng).forEach((count, s) => {
    const seriesNumber = s + 1;
    const seriesInstanceUid = `${study.studyInstanceUid}.${seriesNumber}`;
    for (let i = 1; i <= count; i++) {
      const sopInstanceUid = `${seriesInstanceUid}.${i}`;
      const file = fileStyle === 'dcm' ? `${i}.dcm` : fileStyle === 'bare' ? `IM${String(i).padStart(5, '0')}` : `${sopInstanceUid}.dcm`;
      const dataset: DicomWriteDataset = {
        ...common,
        sopInstanceUid,
        seriesInstanceUid,
        seriesDescription: study.seriesDescriptions[s] ?? '',
        seriesNumber,
        instanceNumber: i,
      };
      const image = opts.image?.(study, seriesNumber, i);
      if (image !== undefined) dataset.image = image;
      plans.push({ path: `${dir}/SE${seriesNumber}/${file}`, dataset });
    }
  });
  return plans;
}

/** Number of DICOM files the hospital renders to with these options (for progress totals). */
export function countDicomInstances(hospital: Hospital, opts: DicomRenderOptions = {}): number {
  let n = 0;
  for (const s of hospital.studies) n += planStudyInstances(hospital, s, opts).length;
  return n;
}

/** Every DICOM file of the hospital, one at a time, in study order. */
export function* renderDicomFiles(hospital: Hospital, opts: DicomRenderOptions = {}): Generator<RenderedFile> {
  for (const study of hospital.studies) {
    for (const plan of planStudyInstances(hospital, study, opts)) yield { path: plan.path, bytes: writeDicomPart10(plan.dataset) };
  }
}
