/**
 * Format rules of header fields: case, dates as DICOM DA, patient names as DICOM PN, allowed characters,
 * length and a whole-value pattern. Pure: "today" is passed in.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (DA, PN, LO, SH, CS)
 */

/**
 * Format rules of one field, as in the `format:` block of a standards profile.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html
 */
export interface FormatRules {
  /** `upper` and `title` rewrite the value's case; `asis` (the default) never does. */
  case?: 'upper' | 'title' | 'asis';
  /** A regular expression the whole (reformatted) value must match. */
  pattern?: string;
  /** Dates are rewritten to DICOM DA `YYYYMMDD`. */
  date?: 'YYYYMMDD';
  /** How to read `nn/nn/yyyy` dates; without it only unambiguous ones are read. `dd.mm.yyyy` is always DMY. */
  dateOrder?: 'DMY' | 'MDY';
  /** A date after `today` is invalid (checked only when the caller passes today). */
  notInFuture?: boolean;
  /** The contents of a regular-expression character class, e.g. `A-Z0-9 ^'-`. */
  allowedChars?: string;
  /** Longest allowed value (DICOM VR limits: CS 16, SH 16, LO 64, PN 64 per component group). */
  maxLength?: number;
  /** `dicom`: "Family, Given Middle" becomes `FAMILY^GIVEN^MIDDLE`; trailing empty components drop. */
  personName?: 'dicom';
}

/**
 * A broken format rule: `rule` is the rule's key (`format.pattern`, `format.date`, ...).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html
 */
export interface FormatProblem {
  rule: string;
  message: string;
}

/**
 * The reformatted value, or the problem that makes the value invalid.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html
 */
export type FormatResult = { value: string; problem?: undefined } | { value?: undefined; problem: FormatProblem };

const regexCache = new Map<string, RegExp>();

/**
 * A compiled (and cached) regular expression; throws SyntaxError for a bad source.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html
 */
export function compiledRegex(source: string, flags = 'u'): RegExp {
  const key = `${flags}/${source}`;
  let re = regexCache.get(key);
  if (re === undefined) {
    re = new RegExp(source, flags);
    regexCache.set(key, re);
  }
  return re;
}

/**
 * The pattern that accepts exactly the characters of an `allowedChars` class.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html
 */
export function allowedCharsRegex(allowedChars: string): RegExp {
  return compiledRegex(`^[${allowedChars}]*$`);
}

/**
 * Applies format rules: whitespace is trimmed and collapsed, then date, person-name and case rewriting,
 * then the checks (not in the future, length, allowed characters, pattern).
 * @param today `YYYYMMDD` or `YYYY-MM-DD`, for `notInFuture`.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html
 */
export function applyFormat(value: string, rules: FormatRules, today?: string): FormatResult {
  let v = value.trim().replace(/\s+/g, ' ');
  if (rules.date !== undefined) {
    const date = parseDate(v, rules.dateOrder);
    if (typeof date !== 'string') return { problem: date };
    v = date;
    const now = today === undefined ? undefined : parseDate(today, undefined);
    if (rules.notInFuture === true && typeof now === 'string' && v > now) {
      return { problem: { rule: 'format.notInFuture', message: `date ${v} is after today (${now})` } };
    }
  }
  if (rules.personName === 'dicom') v = dicomPersonName(v);
  if (rules.case === 'upper') v = v.toUpperCase();
  else if (rules.case === 'title') v = titleCase(v);
  const problem = checkFormat(v, rules);
  return problem === undefined ? { value: v } : { problem };
}

/**
 * Checks a value against the non-rewriting rules (length, allowed characters, pattern, case, date shape).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html
 */
export function checkFormat(v: string, rules: FormatRules): FormatProblem | undefined {
  if (rules.maxLength !== undefined && v.length > rules.maxLength) {
    return { rule: 'format.maxLength', message: `${v.length} characters, at most ${rules.maxLength} allowed` };
  }
  if (rules.allowedChars !== undefined && !allowedCharsRegex(rules.allowedChars).test(v)) {
    const bad = [...new Set([...v].filter((c) => !allowedCharsRegex(rules.allowedChars ?? '').test(c)))].join('');
    return { rule: 'format.allowedChars', message: `characters not allowed: ${JSON.stringify(bad)}` };
  }
  if (rules.pattern !== undefined && !compiledRegex(rules.pattern).test(v)) {
    return { rule: 'format.pattern', message: `does not match ${rules.pattern}` };
  }
  if (rules.case === 'upper' && v !== v.toUpperCase()) return { rule: 'format.case', message: 'not upper case' };
  if (rules.date !== undefined && parseDate(v, undefined) !== v) return { rule: 'format.date', message: 'not a YYYYMMDD date' };
  return undefined;
}

/**
 * Reads a date as DICOM DA: `YYYYMMDD`, `YYYY-MM-DD` (also with `/` or `.`, and with a time part),
 * DICOM DT, `dd.mm.yyyy`, and `nn/nn/yyyy` per `order` (or when unambiguous).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (DA)
 */
export function parseDate(text: string, order: 'DMY' | 'MDY' | undefined): string | FormatProblem {
  const v = text.trim();
  let m = /^(\d{4})(\d{2})(\d{2})(?:\d{2,6}(?:\.\d{1,6})?)?(?:[+-]\d{4})?$/.exec(v) ?? /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\S*)?$/.exec(v);
  if (m !== null) return ymd(Number(m[1]), Number(m[2]), Number(m[3]), v);
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v);
  if (m !== null) return ymd(Number(m[3]), Number(m[2]), Number(m[1]), v);
  m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(v);
  if (m !== null) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const year = Number(m[3]);
    const dmy = order === 'DMY' || (order === undefined && a > 12) || (order === undefined && a === b);
    const mdy = order === 'MDY' || (order === undefined && b > 12);
    if (dmy) return ymd(year, b, a, v);
    if (mdy) return ymd(year, a, b, v);
    return { rule: 'format.date', message: `ambiguous date "${v}" (day and month both 12 or less)` };
  }
  return { rule: 'format.date', message: `not a date: "${v}"` };
}

function ymd(year: number, month: number, day: number, text: string): string | FormatProblem {
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (year < 1850 || year > 2999 || month < 1 || month > 12 || day < 1 || day > (days[month - 1] ?? 0)) {
    return { rule: 'format.date', message: `no such date: "${text}"` };
  }
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

/** "Doe, John A" → `Doe^John^A`; `Doe^John^^` → `Doe^John`; a name without `^` or `,` is left alone. */
function dicomPersonName(v: string): string {
  if (v.includes('=')) return v;
  let parts: string[];
  if (v.includes('^')) parts = v.split('^').map((p) => p.trim().replace(/\s+/g, ' '));
  else if (v.includes(',')) {
    const comma = v.indexOf(',');
    const [given = '', ...middle] = v.slice(comma + 1).trim().split(' ');
    parts = [v.slice(0, comma).trim(), given, middle.join(' ')];
  } else return v;
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('^');
}

/** Upper-cases the first letter of each word (after a space, `^`, `-`, `/` or `(`), lower-cases the rest. */
function titleCase(v: string): string {
  return v.toLowerCase().replace(/(^|[\s^\-/(])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}
