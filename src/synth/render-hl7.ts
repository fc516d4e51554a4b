/**
 * Renders the RIS side of a synthetic hospital as HL7 v2 files, from the observed values, in the
 * dialects different RIS vendors really send: v2.3 and v2.5.1; `\r`, `\n` or `\r\n` segment
 * separators; one or many messages per file, batch-wrapped (FHS/BHS/BTS/FTS) or MLLP-framed;
 * PID-3 with one or two identifiers; names as components or "FAMILY, GIVEN"; OBR-4 coded or text
 * only; OBX as TX lines or one FT value with `\.br\`. Orphan orders go out as ORM^O01 / OMI^O23.
 * @see https://hl7-definition.caristix.com/v2/HL7v2.5.1/Segments/OBR
 */
import type { Rng } from '../model/ports.ts';
import type { PersonName } from '../model/types.ts';
import type { Hospital, PatientView, Physician, SynthReport } from './model.ts';
import { chance, int, pick, subRng, uid225, weighted } from './rand.ts';
import { timeParts } from './time.ts';

/** A text file to write: path relative to the output root and its content. */
export interface RenderedText {
  path: string;
  text: string;
  /** Number of records (messages, resources) in the file. */
  records: number;
}

/** A RIS vendor's dialect. */
export interface Hl7Vendor {
  name: string;
  version: '2.3' | '2.5.1';
  /** `mr`: MRN only; `mr-pi`: MRN then enterprise id; `pi-mr`: enterprise id first. */
  pid3: 'mr' | 'mr-pi' | 'pi-mr';
  names: 'components' | 'comma';
  obr4: 'coded' | 'text';
  obx: 'TX' | 'FT';
  /** Time-zone offset appended to timestamps, or '' for none. */
  tz: string;
  /** Whether timestamps carry seconds: always, never, or per message. */
  seconds: 'always' | 'never' | 'mixed';
}

/** The dialects, as seen at several sites' interfaces. Application names are invented. */
export const HL7_VENDORS: readonly Hl7Vendor[] = [
  { name: 'radris', version: '2.3', pid3: 'mr', names: 'components', obr4: 'coded', obx: 'TX', tz: '', seconds: 'always' },
  { name: 'dictate', version: '2.5.1', pid3: 'pi-mr', names: 'components', obr4: 'coded', obx: 'TX', tz: '+0100', seconds: 'always' },
  { name: 'legacyris', version: '2.3', pid3: 'mr-pi', names: 'comma', obr4: 'text', obx: 'FT', tz: '', seconds: 'never' },
  { name: 'risx', version: '2.5.1', pid3: 'mr', names: 'components', obr4: 'coded', obx: 'FT', tz: '-0500', seconds: 'mixed' },
];

/** How messages are packed into files. */
const WRAPS = { single: 30, multi: 30, batch: 25, mllp: 15 } as const;
type Wrap = keyof typeof WRAPS;
const SEPARATORS = { '\r': 60, '\n': 20, '\r\n': 20 } as const;

/** HL7 escaping of the delimiters in a text value (the escape character first). */
export function hl7Escape(text: string): string {
  return text.replaceAll('\\', '\\E\\').replaceAll('|', '\\F\\').replaceAll('^', '\\S\\').replaceAll('&', '\\T\\').replaceAll('~', '\\R\\');
}

/** HL7 TS from a local date-time: `YYYYMMDD[HHMM[SS]][±ZZZZ]`. */
export function hl7Ts(value: string, seconds: boolean, tz: string): string {
  const date = value.slice(0, 10).replaceAll('-', '');
  const t = timeParts(value);
  if (t === null) return date;
  return `${date}${t.hh}${t.mm}${seconds ? t.ss : ''}${tz}`;
}

function xpn(name: PersonName, style: Hl7Vendor['names']): string {
  if (style === 'comma') return hl7Escape(`${name.family}, ${[name.given, name.middle].filter((x) => x !== undefined).join(' ')}`);
  const parts = [name.family, name.given, name.middle ?? ''].map(hl7Escape);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('^');
}

function pid3(p: PatientView, style: Hl7Vendor['pid3']): string {
  const mr = `${p.id}^^^${p.issuer}^MR`;
  const others = p.otherIds.map((o) => `${o.id}^^^${o.issuer}^${o.type}`);
  if (style === 'mr' || others.length === 0) return mr;
  return style === 'mr-pi' ? [mr, ...others].join('~') : [...others, mr].join('~');
}

/** Per-message rendering context. */
export interface Hl7MessageContext {
  vendor: Hl7Vendor;
  seconds: boolean;
  facility: string;
  controlId: string;
  rng: Rng;
}

type Ctx = Hl7MessageContext;

function ts(ctx: Ctx, value: string | undefined): string {
  return value === undefined ? '' : hl7Ts(value, ctx.seconds, ctx.vendor.tz);
}

function msh(ctx: Ctx, type: 'ORU^R01' | 'ORM^O01' | 'OMI^O23', at: string): string {
  const v251 = ctx.vendor.version === '2.5.1';
  const structure = { 'ORU^R01': 'ORU_R01', 'ORM^O01': 'ORM_O01', 'OMI^O23': 'OMI_O23' }[type];
  const fields = ['MSH', '^~\\&', ctx.vendor.name.toUpperCase(), ctx.facility, 'ACCLINK', ctx.facility, ts(ctx, at), '', v251 ? `${type}^${structure}` : type, ctx.controlId, 'P', ctx.vendor.version];
  if (v251) fields.push('', '', 'AL', 'NE', '', 'UNICODE UTF-8');
  return fields.join('|');
}

function pid(ctx: Ctx, p: PatientView): string {
  return ['PID', '1', '', pid3(p, ctx.vendor.pid3), '', xpn(p.name, ctx.vendor.names), '', p.birthDate.replaceAll('-', ''), p.sex].join('|');
}

function doctor(d: Physician, sub: '^' | '&'): string {
  return [d.id, hl7Escape(d.family), hl7Escape(d.given)].join(sub);
}

function obr(ctx: Ctx, r: SynthReport): string {
  const f: string[] = new Array<string>(33).fill('');
  f[0] = 'OBR';
  f[1] = '1';
  f[2] = r.placerOrderNumber;
  f[3] = r.reportId;
  f[4] = ctx.vendor.obr4 === 'coded' ? `${r.procedureCode}^${hl7Escape(r.procedureText)}^CPT4` : `^${hl7Escape(r.procedureText)}`;
  f[7] = ts(ctx, r.examDateTime);
  f[16] = doctor(r.orderingPhysician, '^');
  f[18] = hl7Escape(r.accession);
  f[22] = ts(ctx, r.reportDateTime);
  f[24] = r.section;
  f[25] = r.resultStatus ?? '';
  if (r.kind === 'report') f[32] = doctor(r.interpreter, '&');
  while (f.length > 1 && f[f.length - 1] === '') f.pop();
  return f.join('|');
}

function obx(ctx: Ctx, r: SynthReport): string[] {
  const id = '18782-3^Radiology Study observation (narrative)^LN';
  const status = r.resultStatus ?? 'F';
  if (ctx.vendor.obx === 'FT') return [['OBX', '1', 'FT', id, '', r.text.map(hl7Escape).join('\\.br\\'), '', '', '', '', '', status].join('|')];
  return r.text.map((line, i) => ['OBX', String(i + 1), 'TX', id, '', hl7Escape(line), '', '', '', '', '', status].join('|'));
}

/** Segments of one message for a report (ORU^R01) or an order (ORM^O01 in v2.3, OMI^O23 in v2.5.1). */
export function messageSegments(ctx: Hl7MessageContext, r: SynthReport): string[] {
  const pv1 = `PV1|1|${pick(ctx.rng, ['O', 'E', 'I'])}`;
  if (r.kind === 'report') {
    return [msh(ctx, 'ORU^R01', r.reportDateTime ?? r.examDateTime), pid(ctx, r.patient), pv1, `ORC|RE|${r.placerOrderNumber}|${r.reportId}||CM`, obr(ctx, r), ...obx(ctx, r)];
  }
  const orderOrc = `ORC|NW|${r.placerOrderNumber}|${r.reportId}||SC`;
  if (ctx.vendor.version === '2.3') return [msh(ctx, 'ORM^O01', r.examDateTime), pid(ctx, r.patient), pv1, orderOrc, obr(ctx, r)];
  // IPC carries the accession again, with the study UID the RIS pre-assigned for the worklist.
  const ipc = ['IPC', hl7Escape(r.accession), `RP${r.placerOrderNumber}`, uid225(ctx.rng), `SPS${r.reportId}`, r.modality].join('|');
  return [msh(ctx, 'OMI^O23', r.examDateTime), pid(ctx, r.patient), pv1, orderOrc, `TQ1|1||||||${ts(ctx, r.examDateTime)}`, obr(ctx, r), ipc];
}

function wrapFile(messages: string[][], wrap: Wrap, sep: string, ctx: Ctx, at: string): string {
  if (wrap === 'mllp') return messages.map((m) => `\x0b${m.join('\r')}\r\x1c\r`).join('');
  const body = messages.map((m) => m.join(sep) + sep).join('');
  if (wrap !== 'batch') return body;
  const app = ctx.vendor.name.toUpperCase();
  const head = [`FHS|^~\\&|${app}|${ctx.facility}|||${ts(ctx, at)}`, `BHS|^~\\&|${app}|${ctx.facility}|||${ts(ctx, at)}`].join(sep) + sep;
  return `${head}${body}BTS|${messages.length}${sep}FTS|1${sep}`;
}

/**
 * All HL7 files of the hospital, lazily, in report order. Each file has one vendor dialect,
 * separator and packing; message-level choices (seconds, patient class) vary within a file.
 */
export function* renderHl7Files(hospital: Hospital): Generator<RenderedText> {
  const rng = subRng(hospital.seed, 'hl7');
  const facility = hospital.institution.issuer;
  let next = 0;
  let fileNo = 0;
  while (next < hospital.reports.length) {
    const vendor = pick(rng, HL7_VENDORS);
    const wrap = weighted(rng, WRAPS);
    const sep = wrap === 'mllp' ? '\r' : weighted(rng, SEPARATORS);
    const size = wrap === 'single' ? 1 : wrap === 'multi' ? int(rng, 2, 25) : wrap === 'batch' ? int(rng, 5, 50) : int(rng, 1, 20);
    const batch = hospital.reports.slice(next, next + size);
    next += batch.length;
    const messages = batch.map((r) => {
      const seconds = vendor.seconds === 'always' || (vendor.seconds === 'mixed' && chance(rng, 0.5));
      return messageSegments({ vendor, seconds, facility, controlId: `${vendor.name.slice(0, 3).toUpperCase()}${String(r.index + 1).padStart(8, '0')}`, rng }, r);
    });
    const first = batch[0] as SynthReport;
    const ctx: Ctx = { vendor, seconds: vendor.seconds !== 'never', facility, controlId: '', rng };
    yield { path: `hl7/${vendor.name}-${String(++fileNo).padStart(6, '0')}.hl7`, text: wrapFile(messages, wrap, sep, ctx, first.reportDateTime ?? first.examDateTime), records: batch.length };
  }
}
