import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseProcedureTerms } from '../procedure.ts';
import { clusterValues } from './cluster.ts';
import type { ClusterInput, ValueCluster } from './cluster.ts';
import { textSimilarity } from './similarity.ts';

const terms = parseProcedureTerms(parseYaml(readFileSync(new URL('../../../../mappings/procedure-terms.yaml', import.meta.url), 'utf8')));
const ctx = { terms, similarity: 0.9 };
const inputs = (modality: string | undefined, ...pairs: Array<[string, number]>): ClusterInput[] =>
  pairs.map(([value, count]) => ({ value, count, ...(modality === undefined ? {} : { modality }) }));
const clusterOf = (cs: readonly ValueCluster[], value: string): ValueCluster | undefined => cs.find((c) => c.variants.some((v) => v.value === value));
const together = (cs: readonly ValueCluster[], a: string, b: string): boolean => clusterOf(cs, a) !== undefined && clusterOf(cs, a) === clusterOf(cs, b);

describe('procedure clustering: vendor variants of one exam group together', () => {
  const cs = clusterValues('procedure', [
    ...inputs('CT', ['CT HEAD W/O', 7], ['CT HEAD WO', 2], ['BRAIN NON CON', 3], ['CT HEAD W', 2], ['Neuro^Head_KM', 1]),
    ...inputs('CR', ['CHEST PA/LAT', 15], ['THORAX PA+LAT', 7], ['Chest 2V', 2], ['CHEST AP', 6], ['Thorax AP portable', 3]),
    ...inputs('DX', ['CHEST PA/LAT', 3], ['CXR 2 VIEWS', 1]),
    ...inputs('MR', ['MR BRAIN W/O', 2], ['Knee Left', 2], ['KNEE R', 3]),
    ...inputs('US', ['US ABDOMEN COMPLETE', 4], ['Abdomen', 2]),
    ...inputs('CT', ['CT ABD/PELVIS C+', 2], ['Abdomen^01_AbdPelvis_KM', 8]),
  ], ctx);

  it.each([
    ['CT HEAD W/O', 'CT HEAD WO'], ['CT HEAD W/O', 'BRAIN NON CON'],
    ['CHEST PA/LAT', 'THORAX PA+LAT'], ['CHEST PA/LAT', 'Chest 2V'], ['CHEST PA/LAT', 'CXR 2 VIEWS'],
    ['CHEST AP', 'Thorax AP portable'], ['US ABDOMEN COMPLETE', 'Abdomen'], ['CT ABD/PELVIS C+', 'Abdomen^01_AbdPelvis_KM'],
    ['CT HEAD W', 'Neuro^Head_KM'],
  ])('%s ~ %s', (a, b) => expect(together(cs, a, b)).toBe(true));

  it.each([
    ['CT HEAD W/O', 'CT HEAD W'], // contrast
    ['CT HEAD W/O', 'MR BRAIN W/O'], // modality
    ['CHEST PA/LAT', 'CHEST AP'], // views
    ['Knee Left', 'KNEE R'], // side
    ['US ABDOMEN COMPLETE', 'CT ABD/PELVIS C+'], // modality and regions
  ])('%s ≁ %s', (a, b) => expect(together(cs, a, b)).toBe(false));

  it('counts every occurrence and reads the exam from the text', () => {
    const chest = clusterOf(cs, 'CHEST PA/LAT');
    expect(chest?.entry).toBe('CHEST PA/LAT');
    expect(chest?.count).toBe(15 + 3 + 7 + 2 + 1);
    expect(chest?.signature?.text).toBe('XR · chest · 2 views');
    expect(chest?.variants[0]?.how).toBe('standard');
  });
});

describe('procedure clustering: descriptions that say less', () => {
  const cs = clusterValues('procedure', inputs('CR', ['CHEST PA/LAT', 30], ['CHEST AP', 10], ['CHEST', 8]), ctx);

  it('join the most frequent compatible exam with the confidence cut to its share', () => {
    const chest = clusterOf(cs, 'CHEST');
    expect(chest?.entry).toBe('CHEST PA/LAT');
    const v = chest?.variants.find((x) => x.value === 'CHEST');
    expect(v?.how).toBe('fewer-terms');
    expect(v?.confidence).toBeLessThan(0.8);
    expect(v?.confidence).toBeGreaterThan(0.5);
  });

  it('never become the entry when a variant states the whole exam', () => {
    const many = clusterValues('procedure', inputs('CT', ['HEAD', 50], ['CT HEAD W/O', 2]), ctx);
    expect(many).toHaveLength(1);
    expect(many[0]?.entry).toBe('CT HEAD W/O');
  });

  it('a text under two modalities is a variant of each exam, for its own modalities', () => {
    const k = clusterValues('procedure', [...inputs('CR', ['KNEE', 5], ['KNEE 3V', 4]), ...inputs('DX', ['KNEE', 1]), ...inputs('MR', ['KNEE', 2], ['MR KNEE', 3])], ctx);
    const xr = k.find((c) => c.entry === 'KNEE 3V');
    const mr = k.find((c) => c.entry === 'MR KNEE');
    expect(xr?.variants.find((x) => x.value === 'KNEE')).toMatchObject({ count: 6, modalities: ['CR', 'DX'], elsewhere: [{ value: 'MR KNEE', count: 2 }] });
    expect(mr?.variants.find((x) => x.value === 'KNEE')).toMatchObject({ count: 2, modalities: ['MR'], elsewhere: [{ value: 'KNEE 3V', count: 6 }] });
    // Its confidence is cut by the share of its occurrences in each group.
    expect(mr?.variants.find((x) => x.value === 'KNEE')?.confidence).toBeLessThan(0.3);
  });

  it('a value is the entry of one group only', () => {
    const k = clusterValues('procedure', [...inputs('CR', ['KNEE', 5]), ...inputs('MR', ['KNEE', 2], ['Knee^Routine', 1])], ctx);
    expect(k.map((c) => c.entry)).toEqual(['KNEE', 'Knee^Routine']);
  });

  it('descriptions naming no region group by text only', () => {
    const t = clusterValues('procedure', inputs('CT', ['Topogram 0.6 T20f', 4], ['TOPOGRAM 0.6 T20F', 1], ['localizer', 3]), ctx);
    expect(together(t, 'Topogram 0.6 T20f', 'TOPOGRAM 0.6 T20F')).toBe(true);
    expect(together(t, 'Topogram 0.6 T20f', 'localizer')).toBe(false);
  });
});

describe('text, region, code and exact clustering', () => {
  it('text: spelling and case variants group; other numbers and other words do not', () => {
    const cs = clusterValues('text', inputs(undefined, ['localizer', 10], ['LOCALIZER', 3], ['Localiser', 1], ['t1_tse_sag', 5], ['t2_tse_sag', 6], ['t2_tse_tra', 4], ['Thorax 1.0 Br40', 3], ['Thorax KM 1.0 Br40', 2]), ctx);
    expect(together(cs, 'localizer', 'LOCALIZER')).toBe(true);
    expect(together(cs, 'localizer', 'Localiser')).toBe(true);
    expect(together(cs, 't1_tse_sag', 't2_tse_sag')).toBe(false);
    expect(together(cs, 't2_tse_sag', 't2_tse_tra')).toBe(false);
    expect(together(cs, 'Thorax 1.0 Br40', 'Thorax KM 1.0 Br40')).toBe(false);
    expect(textSimilarity('Br40', 'Bl57')).toBe(0);
  });

  it('region: body part spellings of one region group; different names for it are doubtful', () => {
    const cs = clusterValues('region', inputs(undefined, ['LSPINE', 10], ['L-SPINE', 2], ['LUMBAR SPINE', 1], ['HEAD', 8], ['BRAIN', 4], ['CHEST', 20]), ctx);
    expect(together(cs, 'LSPINE', 'L-SPINE')).toBe(true);
    expect(together(cs, 'LSPINE', 'LUMBAR SPINE')).toBe(true);
    expect(together(cs, 'LSPINE', 'CHEST')).toBe(false);
    const head = clusterOf(cs, 'BRAIN');
    expect(head?.entry).toBe('HEAD');
    expect(head?.variants.find((v) => v.value === 'BRAIN')?.confidence).toBeLessThan(0.8);
    expect(clusterOf(cs, 'L-SPINE')?.variants.find((v) => v.value === 'L-SPINE')?.confidence).toBe(1);
  });

  it('code: abbreviations and case variants group', () => {
    const cs = clusterValues('code', inputs(undefined, ['M', 40], ['MALE', 3], ['m', 1], ['F', 50], ['FEMALE', 2], ['U', 1]), ctx);
    expect(cs.map((c) => c.entry)).toEqual(['F', 'M', 'U']);
    expect(clusterOf(cs, 'MALE')?.entry).toBe('M');
    expect(clusterOf(cs, 'FEMALE')?.entry).toBe('F');
  });

  it('exact: codes stay apart unless only case or spacing differ', () => {
    const cs = clusterValues('exact', inputs(undefined, ['CR', 10], ['DX', 8], ['ct', 1], ['CT', 9], ['NMR', 2], ['MR', 3]), ctx);
    expect(cs.map((c) => c.entry)).toEqual(['CR', 'CT', 'DX', 'MR', 'NMR']);
    expect(clusterOf(cs, 'ct')?.entry).toBe('CT');
  });
});
