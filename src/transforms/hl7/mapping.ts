/**
 * Where each Report field is read from in an HL7 v2 message, as data a site can override
 * (`mappings/hl7-fields.yaml`). Every field lists positions in order; the first non-empty one wins.
 * Positions are looked up in the current order group (ORC/OBR and the segments after it) before the
 * message-level segments (MSH, PID, PV1), so multi-OBR messages read each OBR's own values.
 * @see IHE RAD TF-2, RAD-4 Procedure Scheduled and RAD-13 Procedure Update (OMI^O23 IPC, ORM^O01 ZDS)
 * @see IHE RAD TF-2, RAD-28 Structured Report Export / RAD-128 (ORU^R01)
 * @see HL7 v2.5.1 Chapter 4, section 4.5.3 (OBR) and Chapter 7, section 7.4.2 (OBX)
 */
import { z } from 'zod';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';
import { tryParseHl7Path } from './path.ts';

/** Report fields read from one or more positions. */
export interface Hl7FieldPaths {
  /** Accession number. OMI carries it in IPC-1 (EI); ORM/ORU in OBR-18 (placer field 1). */
  accession: readonly string[];
  accessionIssuer: readonly string[];
  /** Report id: filler order number first, placer order number last. */
  reportId: readonly string[];
  /** CX fields; whole fields only (the identifier is chosen by CX-5 type). */
  patientId: readonly string[];
  /** XPN fields; whole fields only. */
  patientName: readonly string[];
  birthDate: readonly string[];
  sex: readonly string[];
  examDateTime: readonly string[];
  reportDateTime: readonly string[];
  procedureCode: readonly string[];
  procedureText: readonly string[];
  section: readonly string[];
  /** Explicit modality (IPC-5); otherwise `section` is looked up in `sectionModalities`. */
  modality: readonly string[];
  resultStatus: readonly string[];
  /** NDL/XCN fields; whole fields only. */
  interpreter: readonly string[];
  institution: readonly string[];
  /** Study Instance UID positions; OBX observations named in `studyUidObservations` are tried after them. */
  studyInstanceUid: readonly string[];
}

/** The parsed content of `mappings/hl7-fields.yaml`. */
export interface Hl7FieldMapping {
  version: 1;
  fields: Hl7FieldPaths;
  /** CX-5 identifier types preferred for the patient id, in order (table 0203). */
  patientIdTypes: readonly string[];
  /** Report text: OBX field and the OBX-2 value types whose values are text lines. */
  text: { field: string; valueTypes: readonly string[] };
  /** OBX-3 codes or texts (component 1 or 2, case-insensitive) whose OBX-5 is the Study Instance UID. */
  studyUidObservations: readonly string[];
  /** OBR-24 diagnostic service section (table 0074, plus common local codes) to DICOM modality. */
  sectionModalities: Readonly<Record<string, string>>;
}

/** The IHE Radiology Scheduled Workflow defaults. Equal to `mappings/hl7-fields.yaml` (a test keeps them so). */
export const DEFAULT_HL7_FIELD_MAPPING: Hl7FieldMapping = deepFreeze({
  version: 1,
  fields: {
    accession: ['IPC-1', 'OBR-18'],
    accessionIssuer: ['IPC-1.2', 'IPC-1.3'],
    reportId: ['OBR-3', 'ORC-3', 'OBR-2', 'ORC-2'],
    patientId: ['PID-3'],
    patientName: ['PID-5'],
    birthDate: ['PID-7'],
    sex: ['PID-8'],
    examDateTime: ['OBR-7'],
    reportDateTime: ['OBR-22'],
    procedureCode: ['OBR-4.1', 'OBR-4.4'],
    procedureText: ['OBR-4.2', 'OBR-4.5'],
    section: ['OBR-24'],
    modality: ['IPC-5'],
    resultStatus: ['OBR-25'],
    interpreter: ['OBR-32'],
    institution: ['MSH-4'],
    studyInstanceUid: ['IPC-3', 'ZDS-1'],
  },
  patientIdTypes: ['MR'],
  text: { field: 'OBX-5', valueTypes: ['TX', 'FT', 'ST'] },
  studyUidObservations: ['113014', '110180', '121018', 'Study Instance UID', 'DICOM Study'],
  sectionModalities: {
    CT: 'CT',
    MR: 'MR',
    NMR: 'MR',
    US: 'US',
    RUS: 'US',
    OUS: 'US',
    VUS: 'US',
    CUS: 'US',
    NM: 'NM',
    NMS: 'NM',
    MG: 'MG',
    CR: 'CR',
    DX: 'DX',
    XA: 'XA',
    RF: 'RF',
  },
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Fields whose reader interprets a whole composite (CX, XPN, NDL), so a component position makes no sense. */
const WHOLE_FIELD_KEYS: ReadonlySet<string> = new Set(['patientId', 'patientName', 'interpreter']);

const position = z.string().refine((s) => tryParseHl7Path(s) !== undefined, {
  error: 'is not an HL7 position such as OBR-18, PID-5.1 or OBX[2]-5',
});
const positions = z.array(position).min(1, { error: 'must list at least one position' });
const code = z.string().trim().min(1, { error: 'must not be empty' });

const fieldsSchema = z
  .strictObject({
    accession: positions.optional(),
    accessionIssuer: positions.optional(),
    reportId: positions.optional(),
    patientId: positions.optional(),
    patientName: positions.optional(),
    birthDate: positions.optional(),
    sex: positions.optional(),
    examDateTime: positions.optional(),
    reportDateTime: positions.optional(),
    procedureCode: positions.optional(),
    procedureText: positions.optional(),
    section: positions.optional(),
    modality: positions.optional(),
    resultStatus: positions.optional(),
    interpreter: positions.optional(),
    institution: positions.optional(),
    studyInstanceUid: positions.optional(),
  })
  .superRefine((fields, ctx) => {
    for (const [key, list] of Object.entries(fields)) {
      if (!WHOLE_FIELD_KEYS.has(key) || list === undefined) continue;
      list.forEach((p, i) => {
        if (tryParseHl7Path(p)?.component !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key, i], message: 'must name a whole field such as PID-5, not a component' });
        }
      });
    }
  });

const mappingSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1' }),
  fields: fieldsSchema.optional(),
  patientIdTypes: z.array(code).optional(),
  text: z
    .strictObject({
      field: position.refine((s) => s.startsWith('OBX'), { error: 'must be an OBX position such as OBX-5' }),
      valueTypes: z.array(code).min(1, { error: 'must list at least one value type' }),
    })
    .optional(),
  studyUidObservations: z.array(code).optional(),
  sectionModalities: z.record(z.string(), code).optional(),
});

/**
 * Validates parsed mapping YAML. Keys left out take the defaults of {@link DEFAULT_HL7_FIELD_MAPPING}, so a
 * site file may hold only what it changes; unknown keys are errors, so a misspelt key cannot be ignored.
 * @throws AcclinkError MAPPING_INVALID naming every offending path, e.g. `fields.accession[1]: 'OBR18' is not ...`.
 */
export function parseHl7FieldMapping(data: unknown): Hl7FieldMapping {
  const parsed = mappingSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${formatPath(issue.path, data)}: ${issue.message}`);
    throw new AcclinkError(ErrorCode.MappingInvalid, `HL7 field mapping is invalid:\n  ${lines.join('\n  ')}`);
  }
  const m = parsed.data;
  const d = DEFAULT_HL7_FIELD_MAPPING;
  return deepFreeze({
    version: 1,
    fields: { ...d.fields, ...stripUndefined(m.fields ?? {}) },
    patientIdTypes: m.patientIdTypes ?? d.patientIdTypes,
    text: m.text ?? d.text,
    studyUidObservations: m.studyUidObservations ?? d.studyUidObservations,
    sectionModalities: m.sectionModalities ?? d.sectionModalities,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `fields.accession[1]: 'OBR18'` — the offending value is a position or code, never message content. */
function formatPath(path: readonly PropertyKey[], data: unknown): string {
  let text = '';
  let node: unknown = data;
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `${text === '' ? '' : '.'}${String(key)}`;
    node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  const where = text === '' ? '(root)' : text;
  return typeof node === 'string' ? `${where} '${node}'` : where;
}
