/**
 * Calendar arithmetic on local date-times for the synthetic world. Times are "minutes since the
 * epoch day 0" in local wall-clock time: no time zone, no daylight saving, as in DICOM StudyTime.
 */

const MINUTES_PER_DAY = 24 * 60;

/** Day number (days since 1970-01-01) of a `YYYY-MM-DD` date. */
export function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const day = Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000);
  // Date.UTC rolls 2026-13-45 over into 2027; a round trip catches it.
  if (dateOf(day) !== date) throw new RangeError(`not a valid date: ${date}`);
  return day;
}

/** Formatted days: a hospital has a few thousand distinct days and formats them millions of times. */
const dateCache = new Map<number, string>();

/** `YYYY-MM-DD` of a day number. */
export function dateOf(day: number): string {
  let s = dateCache.get(day);
  if (s === undefined) {
    s = new Date(day * 86_400_000).toISOString().slice(0, 10);
    if (dateCache.size < 100_000) dateCache.set(day, s);
  }
  return s;
}

/** Minutes since the epoch for a day number and minute of day. */
export function minutesAt(day: number, minuteOfDay: number): number {
  return day * MINUTES_PER_DAY + minuteOfDay;
}

/** Day number of a minutes-since-epoch value. */
export function dayOfMinutes(minutes: number): number {
  return Math.floor(minutes / MINUTES_PER_DAY);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DDTHH:MM:SS` for minutes (plus optional seconds) since the epoch. */
export function localDateTime(minutes: number, seconds = 0): string {
  const day = dayOfMinutes(minutes);
  const m = minutes - day * MINUTES_PER_DAY;
  return `${dateOf(day)}T${pad(Math.floor(m / 60))}:${pad(m % 60)}:${pad(seconds)}`;
}

/** Whole years between a birth date and a day (for age-plausible sampling). */
export function yearsBetween(birthDate: string, day: number): number {
  return Math.floor((day - dayNumber(birthDate)) / 365.25);
}

/** DICOM DA (`YYYYMMDD`) from `YYYY-MM-DD...`. */
export function dicomDate(isoDate: string): string {
  return isoDate.slice(0, 10).replaceAll('-', '');
}

/** Time parts `HH`, `MM`, `SS` from a `YYYY-MM-DDTHH:MM:SS` value, or null for a date-only value. */
export function timeParts(value: string): { hh: string; mm: string; ss: string } | null {
  const m = /T(\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (m === null) return null;
  return { hh: m[1] ?? '00', mm: m[2] ?? '00', ss: m[3] ?? '00' };
}
