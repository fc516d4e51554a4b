/**
 * Realistic variations our synthetic generator does not produce, applied to records after reading,
 * so the accuracy benchmark shows how the linker degrades on data shaped differently from our own.
 */
import type { Rng } from '../../src/model/ports.ts';
import type { Report, Scan } from '../../src/model/types.ts';

export interface Scenario {
  name: string;
  description: string;
  apply(scans: Scan[], reports: Report[], rng: Rng): { scans: Scan[]; reports: Report[] };
}

function shiftDateTime(v: string | undefined, minutes: number): string | undefined {
  if (!v || v.length < 16) return v;
  const d = new Date(`${v}Z`);
  d.setUTCMinutes(d.getUTCMinutes() + minutes);
  return d.toISOString().slice(0, 19);
}

const clone = <T>(x: T): T => structuredClone(x);

export const SCENARIOS: readonly Scenario[] = [
  { name: 'as generated', description: 'the synthetic hospital as written', apply: (scans, reports) => ({ scans, reports }) },
  {
    name: 'OBR-7 is order time',
    description: 'the RIS sends the order time in OBR-7: 2 h to 3 days before the exam',
    apply: (scans, reports, rng) => ({
      scans,
      reports: reports.map((r) => ({ ...clone(r), examDateTime: shiftDateTime(r.examDateTime, -Math.round(120 + rng.next() * 4200)) })),
    }),
  },
  {
    name: 'date-only study times',
    description: 'modalities send StudyDate without StudyTime',
    apply: (scans, reports) => ({ scans: scans.map((s) => ({ ...clone(s), studyDateTime: s.studyDateTime?.slice(0, 10) })), reports }),
  },
  {
    name: 'RIS ids reformatted',
    description: 'PID-3 carries the MRN zero-padded to 10 digits or with a site prefix',
    apply: (scans, reports, rng) => ({
      scans,
      reports: reports.map((r) => {
        const c = clone(r);
        if (c.patient.id) c.patient.id = rng.next() < 0.5 ? c.patient.id.padStart(10, '0') : `H-${c.patient.id}`;
        return c;
      }),
    }),
  },
  {
    name: 'codes only',
    description: 'the RIS sends procedure codes without text and OBR-24 is RAD',
    apply: (scans, reports) => ({
      scans,
      reports: reports.map((r) => {
        const { procedureText: _t, modality: _m, ...rest } = clone(r);
        return { ...rest, section: 'RAD' };
      }),
    }),
  },
  {
    name: 'anonymized PACS names',
    description: 'the archive holds no patient names or birth dates (research copy)',
    apply: (scans, reports) => ({
      scans: scans.map((s) => {
        const c = clone(s);
        delete c.patient.name;
        delete c.patient.birthDate;
        return c;
      }),
      reports,
    }),
  },
  {
    name: 'different id domains',
    description: 'PACS and RIS use different patient id schemes (issuers differ): names and birth dates must carry',
    apply: (scans, reports) => ({
      // A separate numbering: the PACS id shares no digits with the MRN (reversed digits, offset).
      scans: scans.map((s) => ({ ...clone(s), patient: { ...s.patient, id: `P${[...(s.patient.id ?? '')].reverse().join('')}7`, issuer: 'PACSDOMAIN' } })),
      reports: reports.map((r) => ({ ...clone(r), patient: { ...r.patient, issuer: 'RISDOMAIN' } })),
    }),
  },
];
