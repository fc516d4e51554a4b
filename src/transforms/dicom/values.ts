/**
 * Conversions from DICOM value representations to the model's shapes: padding, DA, TM, PN, CS sex.
 * Everything here is lenient on input and strict on output: a value that cannot be read faithfully
 * becomes `undefined` rather than a guess.
 *
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (value representations)
 */
import type { LocalDateTime, PersonName } from '../../model/types.ts';
import { Sex } from '../../model/types.ts';

/**
 * Removes DICOM padding (trailing spaces and NULs, and the leading spaces that SH/LO/PN treat as
 * insignificant) and turns empty strings into `undefined`.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html
 */
export function cleanValue(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // NUL is a legal UI pad and a common illegal pad elsewhere; a NUL in the middle ends the value.
  const nul = raw.indexOf('\0');
  const cut = nul === -1 ? raw : raw.slice(0, nul);
  const trimmed = cut.trim();
  return trimmed === '' ? undefined : trimmed;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Parses a DA value to `YYYY-MM-DD`. Accepts `YYYYMMDD` and the ACR-NEMA `YYYY.MM.DD` form that old
 * archives still hold. With `allowPartial`, `YYYY` and `YYYYMM` give `YYYY` / `YYYY-MM` (birth dates
 * are sometimes only that precise). Impossible calendar dates give `undefined`.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (DA)
 */
export function parseDicomDate(raw: string | undefined, allowPartial = false): string | undefined {
  const value = cleanValue(raw)?.replaceAll('.', '').replaceAll('-', '');
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const year = Number(value.slice(0, 4));
  if (value.length === 4) return allowPartial && year > 0 ? value : undefined;
  const month = Number(value.slice(4, 6));
  if (month < 1 || month > 12 || year < 1) return undefined;
  if (value.length === 6) return allowPartial ? `${value.slice(0, 4)}-${pad2(month)}` : undefined;
  if (value.length !== 8) return undefined;
  const day = Number(value.slice(6, 8));
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${value.slice(0, 4)}-${pad2(month)}-${pad2(day)}`;
}

/**
 * Parses a TM value to `HH:MM:SS`. Accepts `HH`, `HHMM`, `HHMMSS`, `HHMMSS.ffffff` and the old
 * `HH:MM[:SS[.fff]]` form. Missing minutes/seconds become `00`; fractions are dropped because the
 * model keeps second precision; a leap second 60 is clamped to 59 so the result stays a valid time.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (TM)
 */
export function parseDicomTime(raw: string | undefined): string | undefined {
  const value = cleanValue(raw);
  if (value === undefined) return undefined;
  const match = /^(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,]\d{1,6})?)?)?$/.exec(value);
  if (match === null) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? '0');
  const seconds = Number(match[3] ?? '0');
  if (hours > 23 || minutes > 59 || seconds > 60) return undefined;
  return `${pad2(hours)}:${pad2(minutes)}:${pad2(Math.min(seconds, 59))}`;
}

/**
 * Combines a DA and a TM value into a LocalDateTime: `YYYY-MM-DDTHH:MM:SS`, or the date alone when
 * the time is missing or unreadable. No date gives `undefined` (a time alone places nothing).
 */
export function combineDateTime(date: string | undefined, time: string | undefined): LocalDateTime | undefined {
  const day = parseDicomDate(date);
  if (day === undefined) return undefined;
  const clock = parseDicomTime(time);
  return clock === undefined ? day : `${day}T${clock}`;
}

/**
 * Parses a PN value into components. Only the alphabetic component group (before the first `=`) is
 * used: the ideographic and phonetic groups are other spellings of the same name, and matching
 * against HL7 XPN works on the alphabetic one.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (PN)
 */
export function parsePersonName(raw: string | undefined): PersonName | undefined {
  const value = cleanValue(raw);
  if (value === undefined) return undefined;
  const alphabetic = value.split('=')[0] ?? '';
  const [family = '', given = '', middle, prefix, suffix] = alphabetic.split('^').map((c) => c.trim());
  const name: PersonName = { family, given };
  if (middle) name.middle = middle;
  if (prefix) name.prefix = prefix;
  if (suffix) name.suffix = suffix;
  return family || given || name.middle || name.prefix || name.suffix ? name : undefined;
}

/**
 * Maps Patient's Sex (0010,0040) to the model's Sex. `M`, `F`, `O` are the defined terms; `U` is not
 * defined by DICOM but is written by HL7-fed modalities and means the same as in HL7 table 0001.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part03/sect_C.7.html#sect_C.7.1.1
 */
export function parseSex(raw: string | undefined): Sex | undefined {
  switch (cleanValue(raw)?.toUpperCase()) {
    case 'M':
      return Sex.Male;
    case 'F':
      return Sex.Female;
    case 'O':
      return Sex.Other;
    case 'U':
      return Sex.Unknown;
    default:
      return undefined;
  }
}
