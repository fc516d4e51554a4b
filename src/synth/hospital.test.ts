import { describe, expect, it } from 'vitest';
import { digitCore, editKindBetween } from './accession.ts';
import { generateHospital } from './hospital.ts';
import type { Category, Hospital, SynthReport, SynthStudy } from './model.ts';
import { Category as Categories, DEFAULT_ERROR_RATES } from './model.ts';

const opts = { seed: 42, patients: 300, baseDate: '2026-01-05' };

function index(h: Hospital): { study: Map<string, SynthStudy>; report: Map<string, SynthReport> } {
  return {
    study: new Map(h.studies.map((s) => [s.studyInstanceUid, s])),
    report: new Map(h.reports.map((r) => [r.reportId, r])),
  };
}

describe('generateHospital: determinism', () => {
  it('gives the same hospital for the same seed and a different one for another seed', () => {
    const a = generateHospital(opts);
    const b = generateHospital(opts);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = generateHospital({ ...opts, seed: 43 });
    expect(JSON.stringify(c.truth)).not.toBe(JSON.stringify(a.truth));
    expect(c.studies[0]?.studyInstanceUid).not.toBe(a.studies[0]?.studyInstanceUid);
  });

  it('rejects invalid options', () => {
    expect(() => generateHospital({ ...opts, patients: 0 })).toThrow(RangeError);
    expect(() => generateHospital({ ...opts, days: 0 })).toThrow(RangeError);
    expect(() => generateHospital({ ...opts, baseDate: '2026-13-45' })).toThrow();
  });

  it('generates 200 patients quickly', () => {
    const t = performance.now();
    generateHospital({ ...opts, patients: 200 });
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe.each([1, 2, 3, 42])('generateHospital: seed %i, 300 patients', (seed) => {
  const h = generateHospital({ ...opts, seed });
  const { study, report } = index(h);

  it('shows every category at the default rates', () => {
    const seen = new Set<Category>([...h.truth.studies.map((t) => t.category), ...h.truth.reports.map((t) => t.category)]);
    for (const c of Object.values(Categories)) expect(seen, c).toContain(c);
  });

  it('touches 25–35% of studies at the default rates', () => {
    const confounders: readonly Category[] = ['clean', 'prior', 'same-name', 'twin'];
    const touched = h.truth.studies.filter((t) => !confounders.includes(t.category)).length;
    expect(touched / h.studies.length).toBeGreaterThan(0.22);
    expect(touched / h.studies.length).toBeLessThan(0.38);
  });

  it('has exactly one truth entry per study and per report, linked both ways', () => {
    expect(h.truth.studies.map((t) => t.studyInstanceUid).sort()).toEqual(h.studies.map((s) => s.studyInstanceUid).sort());
    expect(h.truth.reports.map((t) => t.reportId).sort()).toEqual(h.reports.map((r) => r.reportId).sort());
    expect(new Set(h.studies.map((s) => s.studyInstanceUid)).size).toBe(h.studies.length);
    expect(new Set(h.reports.map((r) => r.reportId)).size).toBe(h.reports.length);
    const reportTruth = new Map(h.truth.reports.map((t) => [t.reportId, t]));
    for (const t of h.truth.studies) {
      if (t.reportId === null) {
        expect(t.category).toBe('pending-study');
        continue;
      }
      expect(reportTruth.get(t.reportId)?.studyInstanceUid).toBe(t.studyInstanceUid);
      expect(study.get(t.studyInstanceUid)?.patientIndex).toBe(report.get(t.reportId)?.patientIndex);
    }
    for (const t of h.truth.reports) if (t.studyInstanceUid === null) expect(t.category).toBe('orphan-report');
  });

  it('records typos exactly one edit of the stated kind away from the true accession', () => {
    for (const t of h.truth.studies) {
      const m = /^typo-(study|report)-(\w+)$/.exec(t.category);
      if (m === null || t.reportId === null) continue;
      const s = study.get(t.studyInstanceUid) as SynthStudy;
      const r = report.get(t.reportId) as SynthReport;
      const [truthAcc, damaged] = m[1] === 'study' ? [r.accession, s.accession] : [s.accession, r.accession];
      expect(editKindBetween(truthAcc, damaged), `${truthAcc} → ${damaged}`).toBe(m[2]);
      expect(digitCore(damaged)).not.toBe(digitCore(truthAcc));
    }
  });

  it('empties the stated side for missing-* and keeps format noise a formatting difference', () => {
    for (const t of h.truth.studies) {
      const s = study.get(t.studyInstanceUid) as SynthStudy;
      const r = t.reportId === null ? undefined : report.get(t.reportId);
      if (t.category === 'missing-study' || t.category === 'human' || t.category === 'missing-both') expect(s.accession).toBe('');
      if (t.category === 'missing-report' || t.category === 'missing-both') expect(r?.accession).toBe('');
      if (t.category === 'missing-study') expect(r?.accession).not.toBe('');
      if (t.category === 'format-noise') {
        expect(s.accession).not.toBe(r?.accession);
        expect(digitCore(s.accession)).toBe(digitCore(r?.accession ?? ''));
        expect(s.accession.replace(/\d+$/, '').toUpperCase()).toBe(r?.accession.replace(/\d+$/, ''));
      }
      if (t.category === 'clean' || t.category === 'prior' || t.category === 'twin' || t.category === 'same-name') expect(s.accession).toBe(r?.accession);
    }
  });

  it('exchanges accessions between the two studies of a swapped pair', () => {
    const swapped = h.truth.studies.filter((t) => t.category === 'swapped');
    expect(swapped.length).toBeGreaterThanOrEqual(2);
    for (const t of swapped) {
      const other = h.truth.studies.find((x) => x.studyInstanceUid === t.pair);
      expect(other?.category).toBe('swapped');
      const mine = study.get(t.studyInstanceUid) as SynthStudy;
      const theirs = study.get(other?.studyInstanceUid ?? '') as SynthStudy;
      expect(mine.patientIndex).not.toBe(theirs.patientIndex);
      expect(mine.accession).toBe(report.get(other?.reportId ?? '')?.accession);
      expect(Math.abs(Date.parse(mine.dateTime) - Date.parse(theirs.dateTime))).toBeLessThan(8 * 86_400_000);
    }
  });

  it('gives the later study of a duplicate pair the earlier one’s accession, and makes human pairs reviews', () => {
    for (const t of h.truth.studies.filter((x) => x.category === 'duplicate' || x.category === 'human')) {
      const s = study.get(t.studyInstanceUid) as SynthStudy;
      const p = study.get(t.pair ?? '') as SynthStudy;
      expect(s.patientIndex).toBe(p.patientIndex);
      expect(s.dateTime.slice(0, 10)).toBe(p.dateTime.slice(0, 10));
      if (t.category === 'human') {
        expect(t.expectReview).toBe(true);
        expect(s.procedureKey).toBe(p.procedureKey);
      } else if (s.dateTime > p.dateTime) {
        expect(s.accession).toBe(p.accession);
        expect(s.procedureKey).not.toBe(p.procedureKey);
      }
    }
    expect(h.truth.studies.filter((t) => t.expectReview).every((t) => t.category === 'human')).toBe(true);
  });

  it('follows the accession policy: the report’s, else the study’s, else a new one', () => {
    for (const t of h.truth.studies) {
      const s = study.get(t.studyInstanceUid) as SynthStudy;
      const r = t.reportId === null ? undefined : report.get(t.reportId);
      if (r !== undefined && r.accession !== '') expect(t.expectedAccession).toBe(r.accession);
      else if (t.category === 'missing-both') expect(t.expectedAccession).toBeNull();
      else expect(t.expectedAccession).toBe(s.accession);
    }
    const expected = h.truth.studies.map((t) => t.expectedAccession).filter((a) => a !== null);
    expect(new Set(expected).size).toBe(expected.length);
  });

  it('keeps confounders clean and makes twins share surname and birth date', () => {
    const twins = h.patients.filter((p) => p.resembles?.how === 'twin');
    expect(twins.length).toBeGreaterThan(0);
    for (const p of twins) {
      const other = h.patients[p.resembles?.index ?? -1];
      expect(other?.name.family).toBe(p.name.family);
      expect(other?.birthDate).toBe(p.birthDate);
      expect(other?.id).not.toBe(p.id);
    }
    for (const p of h.patients.filter((x) => x.resembles?.how === 'same-name')) {
      expect(h.patients[p.resembles?.index ?? -1]?.name.given).toBe(p.name.given);
    }
  });
});

describe('generateHospital: realism', () => {
  const h = generateHospital({ ...opts, patients: 1000 });

  it('uses diverse names: accents, apostrophes, hyphens', () => {
    const names = h.patients.map((p) => `${p.name.family} ${p.name.given}`);
    expect(names.some((n) => /[^ -~]/.test(n))).toBe(true);
    expect(names.some((n) => n.includes("'"))).toBe(true);
    expect(names.some((n) => n.includes('-'))).toBe(true);
  });

  it('puts RIS exam times near the study time, sometimes hours off or date-only', () => {
    const { study } = index(h);
    const deltas: number[] = [];
    let dateOnly = 0;
    for (const r of h.reports) {
      const t = h.truth.reports.find((x) => x.reportId === r.reportId);
      const s = study.get(t?.studyInstanceUid ?? '');
      if (s === undefined) continue;
      if (r.examDateTime.length === 10) dateOnly++;
      else deltas.push(Math.abs(Date.parse(s.dateTime) - Date.parse(r.examDateTime)) / 60_000);
    }
    const within = deltas.filter((d) => d <= 61).length / deltas.length;
    expect(within).toBeGreaterThan(0.7);
    expect(Math.max(...deltas)).toBeLessThanOrEqual(361);
    expect(dateOnly).toBeGreaterThan(0);
  });

  it('writes RIS procedure text differently from the DICOM description', () => {
    const { report } = index(h);
    const differ = h.truth.studies.filter((t) => t.reportId !== null && report.get(t.reportId)?.procedureText !== h.studies.find((s) => s.studyInstanceUid === t.studyInstanceUid)?.studyDescription);
    expect(differ.length / h.truth.studies.length).toBeGreaterThan(0.9);
  });

  it('honours overridden rates', () => {
    const none = Object.fromEntries(Object.keys(DEFAULT_ERROR_RATES).map((k) => [k, 0]));
    const clean = generateHospital({ ...opts, errorRates: none });
    const cats = new Set(clean.truth.studies.map((t) => t.category));
    expect([...cats].sort()).toEqual(['clean', 'prior']);
    expect(clean.reports.length).toBe(clean.studies.length);
  });
});

describe('generateHospital: small and odd configurations', () => {
  it.each([1, 2, 5, 17])('copes with %i patients over one day', (patients) => {
    const h = generateHospital({ seed: patients, patients, baseDate: '2024-02-29', days: 1 });
    expect(h.patients.length).toBe(patients);
    expect(h.truth.studies.length).toBe(h.studies.length);
    for (const s of h.studies) expect(s.studyInstanceUid).toMatch(/^2\.25\.\d{39}$/);
  });

  it('makes pending studies recent', () => {
    const h = generateHospital({ ...opts, patients: 1000 });
    const uids = new Set(h.truth.studies.filter((t) => t.category === 'pending-study').map((t) => t.studyInstanceUid));
    const pending = h.studies.filter((s) => uids.has(s.studyInstanceUid));
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((s) => s.dateTime >= '2026-01-28')).toBe(true);
  });
});
