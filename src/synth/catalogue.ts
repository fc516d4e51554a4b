/**
 * The procedure catalogue of the synthetic hospital: what is ordered in the RIS, how the modality
 * names the same exam in DICOM, and which series it produces. The two vocabularies differ on purpose
 * (RIS "XR CHEST 2 VIEWS" vs DICOM "CHEST PA/LAT"), as they do in real departments.
 *
 * Codes are CPT-style five-digit procedure codes as a RIS would send them in OBR-4.
 * `{SIDE}`, `{Side}` and `{S}` are replaced by the exam's laterality (RIGHT / Right / R).
 */

/** DICOM modality codes used by the catalogue (part 3, C.7.3.1.1.1 defined terms). */
export const Modality = { CT: 'CT', MR: 'MR', CR: 'CR', DX: 'DX', US: 'US', MG: 'MG', NM: 'NM' } as const;
export type Modality = (typeof Modality)[keyof typeof Modality];

/** Storage SOP classes by modality (part 4, B.5). */
export const SopClassByModality: Readonly<Record<Modality, string>> = {
  CT: '1.2.840.10008.5.1.4.1.1.2',
  MR: '1.2.840.10008.5.1.4.1.1.4',
  CR: '1.2.840.10008.5.1.4.1.1.1',
  DX: '1.2.840.10008.5.1.4.1.1.1.1',
  US: '1.2.840.10008.5.1.4.1.1.6.1',
  MG: '1.2.840.10008.5.1.4.1.1.1.2',
  NM: '1.2.840.10008.5.1.4.1.1.20',
};

/** OBR-24 diagnostic service section ids a RIS may send for each modality, besides the generic `RAD`. */
export const SectionsByModality: Readonly<Record<Modality, readonly string[]>> = {
  CT: ['CT'],
  MR: ['MR', 'NMR'],
  CR: ['CR', 'XR'],
  DX: ['DX', 'XR'],
  US: ['US', 'RUS'],
  MG: ['MG', 'MAM'],
  NM: ['NM', 'NMS'],
};

/** Body regions, used to pick report text and to group similar exams. */
export const Region = {
  Chest: 'chest',
  Abdomen: 'abdomen',
  Head: 'head',
  Knee: 'knee',
  Spine: 'spine',
  Hand: 'hand',
  Breast: 'breast',
  Bone: 'bone',
  Heart: 'heart',
} as const;
export type Region = (typeof Region)[keyof typeof Region];

/** One orderable exam. */
export interface Procedure {
  key: string;
  /** Possible DICOM modalities; plain radiography is CR in some rooms and DX in others. */
  modalities: readonly Modality[];
  code: string;
  /** RIS wording (OBR-4.2). */
  risText: string;
  /** DICOM BodyPartExamined (0018,0015) defined term. */
  bodyPart: string;
  region: Region;
  /** StudyDescription styles of the different modalities/vendors. */
  dicomDescriptions: readonly string[];
  seriesDescriptions: readonly string[];
  /** Relative frequency in the department's workload. */
  weight: number;
  lateral?: boolean;
  femaleOnly?: boolean;
  minAge?: number;
}

/** The catalogue, most frequent first. */
export const PROCEDURES: readonly Procedure[] = [
  { key: 'xr-chest-2v', modalities: ['CR', 'DX'], code: '71046', risText: 'XR CHEST 2 VIEWS', bodyPart: 'CHEST', region: 'chest',
    dicomDescriptions: ['CHEST PA/LAT', 'Chest 2V', 'THORAX PA+LAT', 'CHEST'], seriesDescriptions: ['PA', 'LAT', 'LATERAL'], weight: 16 },
  { key: 'xr-chest-1v', modalities: ['CR', 'DX'], code: '71045', risText: 'XR CHEST 1 VIEW', bodyPart: 'CHEST', region: 'chest',
    dicomDescriptions: ['CHEST AP PORTABLE', 'Chest AP', 'THORAX AP'], seriesDescriptions: ['AP', 'AP PORTABLE'], weight: 8 },
  { key: 'xr-knee-3v', modalities: ['CR', 'DX'], code: '73562', risText: 'XR KNEE 3 VIEWS {SIDE}', bodyPart: 'KNEE', region: 'knee',
    dicomDescriptions: ['KNEE {S} AP/LAT/SUNRISE', 'Knee {Side} 3V', 'KNEE'], seriesDescriptions: ['AP', 'LAT', 'SUNRISE'], weight: 5, lateral: true },
  { key: 'xr-hand-3v', modalities: ['CR', 'DX'], code: '73130', risText: 'XR HAND 3+ VIEWS {SIDE}', bodyPart: 'HAND', region: 'hand',
    dicomDescriptions: ['HAND {S} 3V', 'Hand {Side} PA/Obl/Lat', 'HAND'], seriesDescriptions: ['PA', 'OBL', 'LAT'], weight: 3, lateral: true },
  { key: 'ct-chest-wo', modalities: ['CT'], code: '71250', risText: 'CT CHEST WITHOUT CONTRAST', bodyPart: 'CHEST', region: 'chest',
    dicomDescriptions: ['Thorax^01_Routine', 'CT THORAX W/O', 'CHEST ROUTINE'],
    seriesDescriptions: ['Topogram 0.6 T20f', 'Thorax 1.0 Br40', 'Lung 1.0 Bl57', 'AX 5mm MEDIASTINUM'], weight: 7 },
  { key: 'ct-chest-w', modalities: ['CT'], code: '71260', risText: 'CT CHEST WITH CONTRAST', bodyPart: 'CHEST', region: 'chest',
    dicomDescriptions: ['Thorax^02_KM', 'CT CHEST W CONTRAST', 'CHEST C+'], seriesDescriptions: ['Topogram 0.6 T20f', 'Thorax KM 1.0 Br40', 'COR 3mm'], weight: 4 },
  { key: 'ct-abdpel-w', modalities: ['CT'], code: '74177', risText: 'CT ABDOMEN AND PELVIS WITH CONTRAST', bodyPart: 'ABDOMEN', region: 'abdomen',
    dicomDescriptions: ['Abdomen^01_AbdPelvis_KM', 'CT ABD/PELVIS C+', 'ABDPELVIS ROUTINE'],
    seriesDescriptions: ['Topogram 0.6 T20f', 'Abdomen PV 3.0 Br40', 'COR 3mm', 'SAG 3mm'], weight: 7 },
  { key: 'ct-head-wo', modalities: ['CT'], code: '70450', risText: 'CT HEAD WITHOUT CONTRAST', bodyPart: 'HEAD', region: 'head',
    dicomDescriptions: ['Head^01_Routine', 'CT HEAD W/O', 'BRAIN NON CON'], seriesDescriptions: ['Topogram 0.6 T20f', 'Head 5.0 H31s', 'Bone 2.0 H70h'], weight: 7 },
  { key: 'mr-brain-wo', modalities: ['MR'], code: '70551', risText: 'MRI BRAIN WITHOUT CONTRAST', bodyPart: 'BRAIN', region: 'head',
    dicomDescriptions: ['Neuro^Brain_Routine', 'MR BRAIN W/O', 'BRAIN'], seriesDescriptions: ['localizer', 't2_tse_tra', 't1_mprage_sag', 't2_flair_tra', 'ep2d_diff_tra'], weight: 4 },
  { key: 'mr-brain-wwo', modalities: ['MR'], code: '70553', risText: 'MRI BRAIN WITHOUT AND WITH CONTRAST', bodyPart: 'BRAIN', region: 'head',
    dicomDescriptions: ['Neuro^Brain_KM', 'MR BRAIN W/WO', 'BRAIN +C'], seriesDescriptions: ['localizer', 't2_tse_tra', 't1_mprage_sag_KM', 't2_flair_tra'], weight: 3 },
  { key: 'mr-knee-wo', modalities: ['MR'], code: '73721', risText: 'MRI KNEE {SIDE} WITHOUT CONTRAST', bodyPart: 'KNEE', region: 'knee',
    dicomDescriptions: ['Knee^Routine', 'MR KNEE {S}', 'KNEE {SIDE}'], seriesDescriptions: ['localizer', 'PD_FS_COR', 'PD_SAG', 'T1_COR'], weight: 3, lateral: true },
  { key: 'mr-lspine-wo', modalities: ['MR'], code: '72148', risText: 'MRI LUMBAR SPINE WITHOUT CONTRAST', bodyPart: 'LSPINE', region: 'spine',
    dicomDescriptions: ['Spine^LSpine_Routine', 'MR L-SPINE', 'LSPINE'], seriesDescriptions: ['localizer', 't2_tse_sag', 't1_tse_sag', 't2_tse_tra'], weight: 3 },
  { key: 'us-abd', modalities: ['US'], code: '76700', risText: 'US ABDOMEN COMPLETE', bodyPart: 'ABDOMEN', region: 'abdomen',
    dicomDescriptions: ['ABDOMEN', 'US Abdomen Complete', 'ABD COMPLETE'], seriesDescriptions: ['ABDOMEN', 'LIVER', 'KIDNEYS'], weight: 8 },
  { key: 'mg-screen', modalities: ['MG'], code: '77067', risText: 'MG SCREENING BILATERAL', bodyPart: 'BREAST', region: 'breast',
    dicomDescriptions: ['Screening Mammogram', 'MAMMO SCREEN BIL', 'MG BILAT SCREEN'], seriesDescriptions: ['R CC', 'L CC', 'R MLO', 'L MLO'],
    weight: 7, femaleOnly: true, minAge: 40 },
  { key: 'nm-bone-wb', modalities: ['NM'], code: '78306', risText: 'NM BONE SCAN WHOLE BODY', bodyPart: 'WHOLEBODY', region: 'bone',
    dicomDescriptions: ['WB BONE SCAN', 'Bone^WholeBody', 'NM BONE WB'], seriesDescriptions: ['ANT', 'POST'], weight: 2 },
  { key: 'nm-mpi', modalities: ['NM'], code: '78452', risText: 'NM MYOCARDIAL PERFUSION SPECT MULTIPLE', bodyPart: 'HEART', region: 'heart',
    dicomDescriptions: ['MPI REST/STRESS', 'Cardiac^MPI', 'NM MYOCARD PERF'], seriesDescriptions: ['REST', 'STRESS'], weight: 2, minAge: 30 },
];

/** Procedure by key. */
export function procedureByKey(key: string): Procedure {
  const p = PROCEDURES.find((x) => x.key === key);
  if (p === undefined) throw new Error(`unknown procedure ${key}`);
  return p;
}

/** Replaces the laterality placeholders of a catalogue text. */
export function withSide(text: string, side: 'R' | 'L' | undefined): string {
  if (side === undefined) return text.replaceAll(' {SIDE}', '').replaceAll(' {Side}', '').replaceAll(' {S}', '');
  const word = side === 'R' ? 'Right' : 'Left';
  return text.replaceAll('{SIDE}', word.toUpperCase()).replaceAll('{Side}', word).replaceAll('{S}', side);
}
