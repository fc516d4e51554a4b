/**
 * Invented patients, including the confounders that make patient matching hard: people who share
 * a name with someone else, and twins (same surname and birth date).
 */
import type { Rng } from '../model/ports.ts';
import type { PersonName, Sex } from '../model/types.ts';
import type { SynthPatient } from './model.ts';
import { FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES, NEAR_GIVEN } from './names.ts';
import { chance, digits, int, pick, shuffle } from './rand.ts';
import { dateOf } from './time.ts';

/** How the site writes MRNs: width and zero padding are per hospital. */
interface MrnStyle {
  width: number;
  issuer: string;
}

function drawSex(rng: Rng): Sex {
  const r = rng.next();
  return r < 0.5 ? 'F' : r < 0.99 ? 'M' : r < 0.995 ? 'O' : 'U';
}

function givenFor(rng: Rng, sex: Sex): string {
  return pick(rng, sex === 'F' || sex === 'M' ? GIVEN_NAMES[sex] : rng.next() < 0.5 ? GIVEN_NAMES.F : GIVEN_NAMES.M);
}

function drawName(rng: Rng, sex: Sex): PersonName {
  const name: PersonName = { family: pick(rng, FAMILY_NAMES), given: givenFor(rng, sex) };
  if (chance(rng, 0.35)) name.middle = pick(rng, MIDDLE_NAMES);
  return name;
}

/** Ages skew adult, with some children, as in a general hospital. */
function drawBirthDate(rng: Rng, baseDay: number): string {
  const age = chance(rng, 0.08) ? int(rng, 0, 17) : int(rng, 18, 94);
  return dateOf(baseDay - age * 365 - int(rng, 0, 364));
}

function newMrn(rng: Rng, style: MrnStyle, used: Set<string>): string {
  for (;;) {
    // Padded sites keep leading zeros; the first digits stay low so that padding is visible.
    const mrn = style.width > 7 ? `0${digits(rng, style.width - 1)}` : `${int(rng, 1, 9)}${digits(rng, style.width - 1)}`;
    if (!used.has(mrn)) {
      used.add(mrn);
      return mrn;
    }
  }
}

function basePatient(rng: Rng, baseDay: number): Omit<SynthPatient, 'index' | 'id' | 'issuer' | 'otherIds'> {
  const sex = drawSex(rng);
  return { name: drawName(rng, sex), birthDate: drawBirthDate(rng, baseDay), sex };
}

/** Someone else with the same name, or the same name without (or with another) middle name. */
function sameNameOf(rng: Rng, other: SynthPatient, baseDay: number): Omit<SynthPatient, 'index' | 'id' | 'issuer' | 'otherIds'> {
  const name: PersonName = { family: other.name.family, given: other.name.given };
  const r = rng.next();
  if (r < 0.5 && other.name.middle !== undefined) name.middle = other.name.middle;
  else if (r < 0.75) name.middle = pick(rng, MIDDLE_NAMES);
  return { name, birthDate: drawBirthDate(rng, baseDay), sex: other.sex, resembles: { index: other.index, how: 'same-name' } };
}

/** A twin: same family name and birth date, a different (sometimes similar) given name. */
function twinOf(rng: Rng, other: SynthPatient): Omit<SynthPatient, 'index' | 'id' | 'issuer' | 'otherIds'> {
  const sex = chance(rng, 0.5) ? other.sex : drawSex(rng);
  const near = NEAR_GIVEN[other.name.given];
  let given = near !== undefined && chance(rng, 0.5) ? near : givenFor(rng, sex);
  for (let i = 0; given === other.name.given && i < 10; i++) given = givenFor(rng, sex);
  const name: PersonName = { family: other.name.family, given };
  return { name, birthDate: other.birthDate, sex, resembles: { index: other.index, how: 'twin' } };
}

/**
 * `count` patients, of which `sameNameRate` and `twinRate` (fractions) resemble another patient.
 * The order is shuffled so that confounders are not all at the end.
 */
export function generatePatients(rng: Rng, count: number, rates: { sameName: number; twin: number }, issuer: string, baseDay: number): SynthPatient[] {
  const nSame = Math.min(Math.round(count * rates.sameName), Math.floor(count / 3));
  const nTwin = Math.min(Math.round(count * rates.twin), Math.floor(count / 3));
  const nBase = count - nSame - nTwin;
  const drafts: Omit<SynthPatient, 'index' | 'id' | 'issuer' | 'otherIds'>[] = [];
  for (let i = 0; i < nBase; i++) drafts.push(basePatient(rng, baseDay));
  // Confounders refer to base patients by draft position for now.
  const bases: SynthPatient[] = drafts.map((d, i) => ({ ...d, index: i, id: '', issuer, otherIds: [] }));
  const targets = shuffle(rng, bases.slice());
  let t = 0;
  for (let i = 0; i < nSame && t < targets.length; i++) drafts.push(sameNameOf(rng, targets[t++] as SynthPatient, baseDay));
  for (let i = 0; i < nTwin && t < targets.length; i++) drafts.push(twinOf(rng, targets[t++] as SynthPatient));

  const order = shuffle(rng, drafts.map((_, i) => i));
  const newIndex = new Map<number, number>();
  order.forEach((draftPos, i) => newIndex.set(draftPos, i));
  const style: MrnStyle = { width: rng.next() < 0.5 ? 7 : 8, issuer };
  const used = new Set<string>();
  return order.map((draftPos, i) => {
    const d = drafts[draftPos] as (typeof drafts)[number];
    const p: SynthPatient = {
      ...d,
      index: i,
      id: newMrn(rng, style, used),
      issuer,
      otherIds: [{ id: `E${digits(rng, 9)}`, issuer: 'EMPI', type: 'PI' }],
    };
    if (d.resembles !== undefined) p.resembles = { index: newIndex.get(d.resembles.index) ?? 0, how: d.resembles.how };
    return p;
  });
}
