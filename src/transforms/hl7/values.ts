/**
 * Readers for HL7 v2 data types that carry identity: TS/DTM dates, administrative sex, XPN/XCN/CNN names
 * and CX identifiers. Each returns undefined for an unusable value instead of failing the message:
 * a bad birth date must not hide the accession number next to it.
 * @see HL7 v2.5.1 Chapter 2A (data types TS, DTM, XPN, XCN, CNN, CX, HD)
 */
import type { LocalDateTime, PersonName } from '../../model/types.ts';
import { Sex } from '../../model/types.ts';
import type { Hl7Segment } from './message.ts';

/** A trimmed value, with the HL7 explicit null `""` read as empty. */
export function present(value: string): string {
  const v = value.trim();
  return v === '""' ? '' : v;
}

interface TsParts {
  year: string;
  month?: string;
  day?: string;
  hour?: string;
  minute?: string;
  second?: string;
}

// YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]
const TS_RE = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?)?)?)?(?:[+-]\d{4})?$/;

/** Splits and range-checks an HL7 TS/DTM; also accepts ISO `YYYY-MM-DD[THH:MM[:SS]]` that some feeds send. */
function parseTs(value: string): TsParts | undefined {
  let v = present(value);
  if (v.length >= 10 && v[4] === '-') v = v.replace(/[-:T ]/g, '');
  const m = TS_RE.exec(v);
  if (m === null) return undefined;
  const [, year, month, day, hour, minute, second] = m;
  const parts: TsParts = { year: year as string, month, day, hour, minute, second };
  return inRange(parts) ? parts : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function inRange(p: TsParts): boolean {
  const y = Number(p.year);
  if (y < 1800 || y > 2999) return false;
  if (p.month !== undefined && (Number(p.month) < 1 || Number(p.month) > 12)) return false;
  if (p.day !== undefined && p.month !== undefined) {
    if (Number(p.day) < 1 || Number(p.day) > daysInMonth(y, Number(p.month))) return false;
  }
  if (p.hour !== undefined && Number(p.hour) > 23) return false;
  if (p.minute !== undefined && Number(p.minute) > 59) return false;
  return p.second === undefined || Number(p.second) <= 59;
}

/**
 * HL7 TS/DTM to {@link LocalDateTime}: `YYYY-MM-DDTHH:MM:SS`, or `YYYY-MM-DD` when no time is given.
 * The offset and fractional seconds are dropped on purpose (DICOM times are local). A value that is not
 * at least a full date, or is out of range, gives undefined.
 * @see HL7 v2.5.1 Chapter 2A, section 2.A.74 "TS - time stamp"
 */
export function hl7DateTime(value: string): LocalDateTime | undefined {
  const p = parseTs(value);
  if (p?.day === undefined || p.month === undefined) return undefined;
  const date = `${p.year}-${p.month}-${p.day}`;
  if (p.hour === undefined) return date;
  return `${date}T${p.hour}:${p.minute ?? '00'}:${p.second ?? '00'}`;
}

/** HL7 TS/DT to a birth date `YYYY-MM-DD`, or `YYYY` / `YYYY-MM` where only that is known; time dropped. */
export function hl7Date(value: string): string | undefined {
  const p = parseTs(value);
  if (p === undefined) return undefined;
  if (p.month === undefined) return p.year;
  return p.day === undefined ? `${p.year}-${p.month}` : `${p.year}-${p.month}-${p.day}`;
}

/** True for an HL7 TS/DTM as written in messages (`YYYYMMDDHHMMSS[.S][+ZZZZ]` or a shorter precision). */
export function isHl7Ts(value: string): boolean {
  return TS_RE.test(value) && parseTs(value) !== undefined;
}

/** A LocalDateTime or partial date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS`) as an HL7 TS. */
export function toHl7Ts(value: string): string | undefined {
  const digits = value.replace(/[-:T]/g, '');
  return parseTs(digits) === undefined ? undefined : digits;
}

/**
 * HL7 table 0001 administrative sex to the model's {@link Sex}: `A` (ambiguous) is Other and
 * `N` (not applicable) Unknown, because DICOM (0010,0040) has neither.
 * @see HL7 v2.5.1 Table 0001 "Administrative sex"
 */
export const HL7_SEX: Readonly<Record<string, Sex>> = {
  M: Sex.Male,
  F: Sex.Female,
  O: Sex.Other,
  U: Sex.Unknown,
  A: Sex.Other,
  N: Sex.Unknown,
  MALE: Sex.Male,
  FEMALE: Sex.Female,
};

/** Reads HL7 table 0001 (case-insensitive); undefined for anything else. */
export function hl7Sex(value: string): Sex | undefined {
  return HL7_SEX[present(value).toUpperCase()];
}

/** Builds a PersonName from trimmed parts, leaving empty optional parts out. */
function personName(family: string, given: string, middle = '', suffix = '', prefix = ''): PersonName | undefined {
  if (family === '' && given === '' && middle === '') return undefined;
  const name: PersonName = { family, given };
  if (middle !== '') name.middle = middle;
  if (suffix !== '') name.suffix = suffix;
  if (prefix !== '') name.prefix = prefix;
  return name;
}

/** `FAMILY, GIVEN MIDDLE` written into the family component by feeds that ignore XPN. */
function commaName(text: string): PersonName | undefined {
  const comma = text.indexOf(',');
  if (comma < 0) return undefined;
  return personName(text.slice(0, comma).trim(), text.slice(comma + 1).trim());
}

/**
 * One XPN repetition: family ^ given ^ middle ^ suffix ^ prefix (not DICOM PN's family^given^middle^prefix^suffix).
 * Family is FN, whose first subcomponent is the surname. When only the first component is filled and holds a
 * comma, it is read as `FAMILY, GIVEN`.
 * @see HL7 v2.5.1 Chapter 2A, section 2.A.88 "XPN - extended person name"
 */
export function readXpn(seg: Hl7Segment, field: number, repetition = 1): PersonName | undefined {
  const c = (n: number): string => present(seg.value(field, repetition, n));
  const family = c(1);
  const [given, middle, suffix, prefix] = [c(2), c(3), c(4), c(5)];
  if (given === '' && middle === '' && suffix === '' && prefix === '') {
    const split = commaName(family);
    if (split !== undefined) return split;
  }
  return personName(family, given, middle, suffix, prefix);
}

/**
 * The patient's name from a repeating XPN field: the legal name (XPN-7 = `L`) when flagged, else the first
 * repetition that holds a name.
 */
export function readPatientName(seg: Hl7Segment, field: number): PersonName | undefined {
  const count = seg.rawRepetitions(field).length;
  let first: PersonName | undefined;
  for (let r = 1; r <= count; r++) {
    const name = readXpn(seg, field, r);
    if (name === undefined) continue;
    if (present(seg.value(field, r, 7)).toUpperCase() === 'L') return name;
    first ??= name;
  }
  return first;
}

/**
 * A clinician from an NDL (OBR-32..35: CNN `id&family&given&middle&suffix&prefix` in component 1) or,
 * as some feeds send it, an XCN (`id^family^given^middle^suffix^prefix`). A bare first component is read
 * as a name only when it looks like one (`FAMILY, GIVEN` or words), since it is more often an ID.
 * @see HL7 v2.5.1 Chapter 2A, sections 2.A.49 "NDL", 2.A.8 "CNN", 2.A.89 "XCN"
 */
export function readClinician(seg: Hl7Segment, field: number, repetition = 1): PersonName | undefined {
  const first = seg.rawAt(field, repetition, 1);
  if (first.includes(seg.encoding.subcomponent)) {
    const s = (n: number): string => present(seg.value(field, repetition, 1, n));
    return personName(s(2), s(3), s(4), s(5), s(6));
  }
  const c = (n: number): string => present(seg.value(field, repetition, n));
  if (c(2) !== '' || c(3) !== '') return personName(c(2), c(3), c(4), c(5), c(6));
  const only = c(1);
  if (only.includes(',')) return commaName(only);
  return /[A-Za-z]\s+[A-Za-z]/.test(only) ? personName(only, '') : undefined;
}

/** A patient identifier and its assigning authority. */
export interface Hl7Identifier {
  id: string;
  issuer?: string;
}

/**
 * Picks one identifier from a repeating CX field: the first repetition whose CX-5 identifier type is the
 * earliest of `preferredTypes`, else the first repetition with an ID (or only `onlyRepetition`). The issuer is CX-4 (HD) namespace id,
 * else its universal id.
 * @see HL7 v2.5.1 Chapter 2A, section 2.A.14 "CX - extended composite ID with check digit"
 * @see HL7 v2.5.1 Table 0203 "Identifier type" (MR = medical record number)
 */
export function readIdentifier(
  seg: Hl7Segment, field: number, preferredTypes: readonly string[], onlyRepetition?: number,
): Hl7Identifier | undefined {
  const count = seg.rawRepetitions(field).length;
  const reps: { id: string; type: string; rep: number }[] = [];
  for (let r = onlyRepetition ?? 1; r <= (onlyRepetition ?? count); r++) {
    const id = present(seg.value(field, r, 1));
    if (id !== '') reps.push({ id, type: present(seg.value(field, r, 5)).toUpperCase(), rep: r });
  }
  let chosen = reps[0];
  for (const t of preferredTypes) {
    const hit = reps.find((x) => x.type === t.toUpperCase());
    if (hit !== undefined) {
      chosen = hit;
      break;
    }
  }
  if (chosen === undefined) return undefined;
  const issuer = present(seg.value(field, chosen.rep, 4, 1)) || present(seg.value(field, chosen.rep, 4, 2));
  return issuer === '' ? { id: chosen.id } : { id: chosen.id, issuer };
}
