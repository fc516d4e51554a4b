/**
 * Format classes: what a value looks like without what it says. Accession numbers become regex classes
 * (`A\d{7}`), dates and times become patterns (`YYYYMMDD`, `HHMMSS.FFFFFF`), person names become
 * layouts (`FAMILY^GIVEN · upper`). A class never contains a character of a name, so classes of
 * patient fields can be reported without disclosing anyone.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part05/sect_6.2.html (DA, TM, PN)
 * @see https://hl7-definition.caristix.com/v2/HL7v2.5.1/DataTypes/XPN
 */

/** Letter case of a text: `none` when it has no letters. */
export type CaseStyle = 'upper' | 'lower' | 'title' | 'mixed' | 'none';

/** The letter case of `text`. Title case: every word starts upper-case and goes on lower-case ("Chest Pa", "O'Brien"). */
export function caseStyle(text: string): CaseStyle {
  const words = text.match(/\p{L}+/gu);
  if (words === null) return 'none';
  const joined = words.join('');
  if (joined === joined.toUpperCase() && joined !== joined.toLowerCase()) return 'upper';
  if (joined === joined.toLowerCase() && joined !== joined.toUpperCase()) return 'lower';
  const title = words.every((w) => w.length === 0 || (w[0] === w[0]?.toUpperCase() && w.slice(1) === w.slice(1).toLowerCase()));
  return title ? 'title' : 'mixed';
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const quantified = (atom: string, n: number): string => (n === 1 ? atom : `${atom}{${n}}`);

/**
 * The regex class of an identifier such as an accession number: a leading letter prefix of up to four
 * letters is kept as written (it is usually a site constant), digits become `\d{n}`, later letters
 * `[A-Z]{n}` / `[a-z]{n}`, anything else stays literal. `A0268781` → `A\d{7}`, `2026-CT-001` → `\d{4}-[A-Z]{2}-\d{3}`.
 */
export function identifierClass(value: string): string {
  const runs = value.trim().match(/\d+|[A-Z]+|[a-z]+|[^A-Za-z\d]/g) ?? [];
  return runs.map((run, i) => {
    if (/^\d/.test(run)) return quantified('\\d', run.length);
    if (/^[A-Z]/.test(run)) return i === 0 && run.length <= 4 ? run : quantified('[A-Z]', run.length);
    if (/^[a-z]/.test(run)) return i === 0 && run.length <= 4 ? run : quantified('[a-z]', run.length);
    return escapeRegex(run);
  }).join('');
}

/** A pattern accepting any of `classes` (regex classes from {@link identifierClass}), anchored. */
export function identifierPattern(classes: readonly string[]): string {
  if (classes.length === 0) return '';
  return classes.length === 1 ? `^${classes[0] ?? ''}$` : `^(?:${classes.join('|')})$`;
}

/** Digits become 9, letters A/a: the shape of a value that fits no known date/time pattern. */
function shape(value: string): string {
  return value.replace(/\d/g, '9').replace(/[A-Z]/g, 'A').replace(/[a-z]/g, 'a');
}

const fraction = (digits: string | undefined): string => (digits === undefined || digits === '' ? '' : `.${'F'.repeat(digits.length)}`);

/**
 * The pattern of a DICOM DA value: `YYYYMMDD`, the ACR-NEMA `YYYY.MM.DD`, `YYYY-MM-DD`, partial
 * `YYYYMM` / `YYYY`, or the shape of anything else (`99/99/9999`).
 */
export function dateClass(raw: string): string {
  const v = raw.trim();
  if (/^\d{8}$/.test(v)) return 'YYYYMMDD';
  if (/^\d{4}\.\d{2}\.\d{2}$/.test(v)) return 'YYYY.MM.DD';
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return 'YYYY-MM-DD';
  if (/^\d{6}$/.test(v)) return 'YYYYMM';
  if (/^\d{4}$/.test(v)) return 'YYYY';
  return shape(v);
}

/** The pattern of a DICOM TM value: `HHMMSS`, `HHMM`, `HH`, `HHMMSS.FFFFFF` (as many F as digits), `HH:MM:SS`, or a shape. */
export function timeClass(raw: string): string {
  const v = raw.trim();
  const m = /^(\d{2})(\d{2})?(\d{2})?(?:\.(\d{1,6}))?$/.exec(v);
  if (m !== null) return `HH${m[2] === undefined ? '' : 'MM'}${m[3] === undefined ? '' : 'SS'}${fraction(m[4])}`;
  const c = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/.exec(v);
  if (c !== null) return `HH:MM${c[3] === undefined ? '' : ':SS'}${fraction(c[4])}`;
  return shape(v);
}

const DTM_PARTS = ['YYYY', 'MM', 'DD', 'HH', 'MM', 'SS'];

/**
 * The pattern of an HL7 DTM/TS (or DICOM DT) value: `YYYYMMDDHHMMSS`, `YYYYMMDDHHMM±ZZZZ`,
 * `YYYYMMDDHHMMSS.FFFF`, ... or a shape.
 */
export function dateTimeClass(raw: string): string {
  const v = raw.trim().split('^')[0] ?? '';
  const m = /^(\d{4,14})(?:\.(\d{1,6}))?([+-]\d{4})?$/.exec(v);
  const digits = m?.[1];
  if (m === null || digits === undefined || digits.length % 2 !== 0) return shape(v);
  return `${DTM_PARTS.slice(0, 1 + (digits.length - 4) / 2).join('')}${fraction(m[2])}${m[3] === undefined ? '' : '±ZZZZ'}`;
}

/** How a person name value is laid out. */
export type NameScheme =
  /** DICOM PN: family^given^middle^prefix^suffix, `=` before other spellings. */
  | 'pn'
  /** HL7 XPN: family^given^middle^suffix^prefix^degree^type. */
  | 'xpn'
  /** HL7 CNN (OBR-32 component 1): id&family&given&middle&suffix&prefix. */
  | 'cnn';

const NAME_LABELS: Record<NameScheme, { sep: string; labels: readonly string[] }> = {
  pn: { sep: '^', labels: ['FAMILY', 'GIVEN', 'MIDDLE', 'PREFIX', 'SUFFIX'] },
  xpn: { sep: '^', labels: ['FAMILY', 'GIVEN', 'MIDDLE', 'SUFFIX', 'PREFIX', 'DEGREE', 'TYPE'] },
  cnn: { sep: '&', labels: ['ID', 'FAMILY', 'GIVEN', 'MIDDLE', 'SUFFIX', 'PREFIX', 'DEGREE'] },
};

/** The layout family of a name: proper components, components with trailing separators, "FAMILY, GIVEN" typed into one, or one free-text component. */
export type NameStyle = 'components' | 'trailing' | 'comma' | 'single';

/** A name's format class: a layout made of component labels, its style and its letter case. */
export interface NameClass {
  layout: string;
  style: NameStyle;
  case: CaseStyle;
}

/** The class of a raw name value, or undefined for an empty value. No character of the name is kept. */
export function nameClass(raw: string, scheme: NameScheme): NameClass | undefined {
  const { sep, labels } = NAME_LABELS[scheme];
  const [alphabetic = '', ...others] = raw.trim().split('=');
  const parts = alphabetic.split(sep).map((p) => p.trim());
  const letters = (scheme === 'cnn' ? parts.slice(1) : parts).join(' ');
  if (parts.every((p) => p === '')) return undefined;
  const extra = others.some((o) => o.trim() !== '') ? ' =…' : '';
  const textIndex = scheme === 'cnn' ? 1 : 0;
  const filled = parts.map((p, i) => (p === '' ? -1 : i)).filter((i) => i >= 0);
  const onlyText = filled.length === 1 && filled[0] === textIndex;
  const text = parts[textIndex] ?? '';
  const prefix = scheme === 'cnn' ? `${parts[0] === '' ? '' : 'ID'}${sep}` : '';
  if (onlyText && text.includes(',')) {
    const after = (text.split(',')[1] ?? '').trim().split(/\s+/).filter((w) => w !== '').length;
    return { layout: `${prefix}FAMILY, GIVEN${after > 1 ? ' MIDDLE' : ''}${extra}`, style: 'comma', case: caseStyle(letters) };
  }
  if (parts.length === 1 + textIndex && scheme !== 'cnn') {
    const words = text.split(/\s+/).filter((w) => w !== '').length;
    return { layout: `NAME (${words} word${words === 1 ? '' : 's'})${extra}`, style: 'single', case: caseStyle(letters) };
  }
  const last = filled.at(-1) ?? 0;
  const trailing = parts.length - 1 > last;
  const layout = parts.map((p, i) => (p === '' ? '' : (labels[i] ?? `C${i + 1}`))).join(sep);
  return { layout: `${layout}${extra}`, style: trailing ? 'trailing' : 'components', case: caseStyle(letters) };
}

/** The class of a name as one histogram key: `FAMILY^GIVEN · upper`. */
export function nameClassKey(c: NameClass): string {
  return `${c.layout} · ${c.case}`;
}

/** Parses a key made by {@link nameClassKey} back into layout, style and case. */
export function parseNameClassKey(key: string): NameClass | undefined {
  const m = /^(.*) · (upper|lower|title|mixed|none)$/.exec(key);
  if (m === null) return undefined;
  const layout = m[1] ?? '';
  const style: NameStyle = layout.includes(', ') ? 'comma' : layout.startsWith('NAME (') ? 'single' : /[\^&](?: =…)?$/.test(layout) ? 'trailing' : 'components';
  return { layout, style, case: m[2] as CaseStyle };
}

/** A regular expression for values of a name style, for the proposal's `format.pattern`. */
export function nameStylePattern(style: NameStyle, scheme: NameScheme): string {
  const s = escapeRegex(NAME_LABELS[scheme].sep);
  const c = `[^${s},=]`;
  switch (style) {
    case 'components':
      return `^${c}+(?:${s}${c}*)*(?<!${s})$`;
    case 'trailing':
      return `^${c}+(?:${s}${c}*)*${s}$`;
    case 'comma':
      return `^${c}+, ${c}+$`;
    case 'single':
      return `^${c}+$`;
  }
}
