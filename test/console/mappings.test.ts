/**
 * Header review and the Mappings page over real HTTP: a reviewer's choice becomes a synonym with its
 * conditions in the profile file, every profile write is validated and versioned with its author, and
 * a `mappings learn` proposal of the same hospital imports as it is.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLearnMappings } from '../../src/app/learn-mappings.ts';
import { signedIn as signIn, type ConsoleClient } from './client.ts';
import { USERS, buildWorld, type World } from './world.ts';

let w: World;

beforeAll(async () => {
  w = await buildWorld();
});

afterAll(async () => {
  await w.close();
});

const signedIn = (user: string): Promise<ConsoleClient> => signIn(w.origin, user);

describe('header review and mappings', () => {
  const globalYaml = (): Promise<string> => readFile(path.join(w.mappingsDir, 'global.yaml'), 'utf8');
  const entryOf = (yaml: string, field: string, entry: string): { synonyms: Array<string | { text: string; when?: Record<string, unknown> }> } | undefined =>
    (parseYaml(yaml) as { fields: Record<string, { standards: Array<{ entry: string; synonyms: Array<string | { text: string }> }> }> }).fields[field]?.standards.find((e) => e.entry === entry);
  const headerIds = (body: string): string[] => [...body.matchAll(/action="\/console\/headers\/([A-Za-z0-9_-]+)\/choose"/g)].map((m) => m[1] ?? '');

  it('lists undecided header values; a reviewer records one as a synonym with its modality condition', async () => {
    const v = await signedIn(USERS.viewer);
    const viewed = await v.get('/console/headers');
    expect(viewed.body).toContain('20 open, 0 decided');
    expect(headerIds(viewed.body)).toEqual([]);

    const r = await signedIn(USERS.reviewer);
    const page = await r.get('/console/headers');
    const ids = headerIds(page.body);
    expect(ids.length).toBe(20);
    const hand = /action="\/console\/headers\/([A-Za-z0-9_-]+)\/choose">(?:(?!<\/form>).)*“HAND”/s.exec(page.body);
    const handId = hand?.[1] ?? '';
    expect(handId).not.toBe('');
    expect((await v.post(`/console/headers/${handId}/choose`, { decision: 'synonym', entry: 'XR HAND 3 VIEWS LEFT', when: 'modality' })).status).toBe(403);
    const done = await r.post(`/console/headers/${handId}/choose`, { decision: 'synonym', entry: 'XR HAND 3 VIEWS LEFT', when: 'modality' });
    expect(done.status).toBe(303);
    const hand3 = entryOf(await globalYaml(), 'studyDescription', 'XR HAND 3 VIEWS LEFT');
    expect(hand3?.synonyms).toContainEqual({ text: 'HAND', when: { modality: expect.any(String) as unknown } });
    const [edit] = await w.store.listAudit({ actions: ['mapping-edit'] });
    expect(edit).toMatchObject({ actor: USERS.reviewer, after: { file: 'global.yaml', yaml: await globalYaml() } });
    expect((await w.store.listAudit({ actions: ['header-review'] })).at(-1)).toMatchObject({ actor: USERS.reviewer, result: { decision: 'synonym', chosen: 'XR HAND 3 VIEWS LEFT' } });
    expect((await r.post(`/console/headers/${handId}/choose`, { decision: 'dismiss' })).status).toBe(409);
    const after = await r.get('/console/headers');
    expect(after.body).toContain('19 open, 1 decided');
    const other = headerIds(after.body)[0] ?? '';
    expect((await r.post(`/console/headers/${other}/choose`, { decision: 'dismiss' })).status).toBe(303);
    expect((await r.get('/console/headers')).body).toContain('18 open, 2 decided');
  });

  it("also lists the items the engine's standardize stage recorded in the audit trail, once", async () => {
    const item = { target: 'scan', studyInstanceUid: '1.2.826.0.1.3680043.99.123', field: 'studyDescription', value: 'WEIRD PROTOCOL 7', status: 'INCONCLUSIVE', proposed: 'INCONCLUSIVE' };
    for (let i = 0; i < 2; i++) await w.store.appendAudit({ at: '2026-03-20T10:00:00Z', action: 'header-review-item', actor: 'acclink', after: item });
    const r = await signedIn(USERS.reviewer);
    const page = await r.get('/console/headers');
    expect(page.body).toContain('19 open, 2 decided');
    expect(page.body.match(/<h3[^>]*>studyDescription: “WEIRD PROTOCOL 7”/g)).toHaveLength(1);
  });

  it('edits synonyms and YAML (admin only), keeps every version, refuses an invalid profile, and restores', async () => {
    const v = await signedIn(USERS.viewer);
    const viewed = await v.get('/console/mappings');
    expect(viewed.body).toContain('CT CHEST WITHOUT CONTRAST');
    expect(viewed.body).not.toContain('action="/console/mappings/synonym"');
    expect((await v.post('/console/mappings/synonym', { file: 'global.yaml', field: 'studyDescription', entry: 'CT CHEST WITHOUT CONTRAST', text: 'THX NATIVE' })).status).toBe(403);

    const a = await signedIn(USERS.admin);
    await a.get('/console/mappings');
    const added = await a.post('/console/mappings/synonym', { file: 'global.yaml', field: 'studyDescription', entry: 'CT CHEST WITHOUT CONTRAST', text: 'Thorax^02_Native', when: 'modality=CT' });
    expect(added.status).toBe(303);
    expect(entryOf(await globalYaml(), 'studyDescription', 'CT CHEST WITHOUT CONTRAST')?.synonyms).toContainEqual({ text: 'Thorax^02_Native', when: { modality: 'CT' } });
    const before = await globalYaml();
    expect((await a.post('/console/mappings/synonym', { file: 'global.yaml', field: 'studyDescription', entry: 'NO SUCH ENTRY', text: 'x y' })).status).toBe(422);
    expect((await a.post('/console/mappings/synonym', { file: '../escape.yaml', field: 'studyDescription', entry: 'CT CHEST WITHOUT CONTRAST', text: 'x y' })).status).toBe(422);
    expect((await a.post('/console/mappings/yaml', { file: 'global.yaml', yaml: 'fields: [unclosed' })).status).toBe(422);
    expect((await a.post('/console/mappings/yaml', { file: 'global.yaml', yaml: 'version: 1\nname: broken\nfields:\n  modality: { fixedSet: true, standards: [] }\n' })).status).toBe(422);
    expect(await globalYaml()).toBe(before);

    const page = await a.get('/console/mappings?file=global.yaml');
    const remove = /<input type="hidden" name="field" value="studyDescription"><input type="hidden" name="entry" value="(\d+)"><input type="hidden" name="synonym" value="(\d+)"><input type="hidden" name="text" value="Thorax\^02_Native">/.exec(page.body);
    expect(remove).not.toBeNull();
    expect((await a.post('/console/mappings/synonym/remove', { file: 'global.yaml', field: 'studyDescription', entry: remove?.[1] ?? '', synonym: remove?.[2] ?? '', text: 'something else' })).status).toBe(409);
    expect((await a.post('/console/mappings/synonym/remove', { file: 'global.yaml', field: 'studyDescription', entry: remove?.[1] ?? '', synonym: remove?.[2] ?? '', text: 'Thorax^02_Native' })).status).toBe(303);
    expect(await globalYaml()).not.toContain('Thorax^02_Native');

    const versions = (await w.store.listAudit({ actions: ['mapping-edit'] })).filter((x) => (x.after as { file: string }).file === 'global.yaml');
    expect(versions.map((x) => x.actor)).toEqual([USERS.reviewer, USERS.admin, USERS.admin]);
    const withSynonym = versions[1];
    const shown = await a.get(`/console/mappings/version/${withSynonym?.seq ?? 0}`);
    expect(shown.body).toContain('Thorax^02_Native');
    expect((await a.post('/console/mappings/restore', { seq: String(withSynonym?.seq ?? 0) })).status).toBe(303);
    expect(await globalYaml()).toBe((withSynonym?.after as { yaml: string }).yaml);
  });

  it('imports a proposal written by mappings learn from the same hospital', async () => {
    const out = path.join(w.dir, 'proposal', 'site.yaml');
    await runLearnMappings({ paths: { dicom: [path.join(w.dir, 'dicom')], hl7: [path.join(w.dir, 'hl7')], fhir: [] }, out, progress: { update: () => undefined, done: () => undefined }, now: new Date(w.now.ms) });
    const proposal = await readFile(out, 'utf8');
    const a = await signedIn(USERS.admin);
    await a.get('/console/mappings');
    expect((await a.post('/console/mappings/import', { file: 'learned.yaml', yaml: proposal })).status).toBe(303);
    expect(await readFile(path.join(w.mappingsDir, 'learned.yaml'), 'utf8')).toBe(proposal);
    const page = await a.get('/console/mappings?file=learned.yaml');
    expect(page.body).toContain('imported a mappings learn proposal');
    expect((await a.post('/console/mappings/import', { file: 'bad.yaml', yaml: 'not: [a profile' })).status).toBe(422);
  });
});
