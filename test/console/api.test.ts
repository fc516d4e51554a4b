/**
 * The review console over real HTTP: authentication, CSRF, roles, security headers, no PHI in URLs,
 * and every action (link, none, defer, undo, retry, audit search) through the engine's decision path,
 * checked in the store, the audit trail and the sinks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../src/console/index.ts';
import { sign } from '../../src/console/sessions.ts';
import { INCONCLUSIVE } from '../../src/engine/decisions.ts';
import { ConsoleClient, itemIds, signedIn as signIn, urlsOf } from './client.ts';
import { SECRET, USERS, buildWorld, waitFor, type World } from './world.ts';

let w: World;

/** The console's opaque id of a study's review item (as the plugin derives it). */
function reviewId(studyInstanceUid?: string, reportId?: string): string {
  return sign(SECRET, `review\u0000${studyInstanceUid ?? ''}|${reportId ?? ''}`).slice(0, 22);
}

beforeAll(async () => {
  w = await buildWorld();
});

afterAll(async () => {
  await w.close();
});

const signedIn = (user: string): Promise<ConsoleClient> => signIn(w.origin, user);

/** Identifiers that must never appear in a URL: accessions, patient ids, names, UIDs, report ids. */
function phiValues(): string[] {
  const out = new Set<string>();
  for (const s of w.scans) for (const v of [s.accession, s.patient.id, s.patient.name?.family, s.studyInstanceUid]) if (v && v.length >= 4) out.add(v);
  for (const r of w.reports) for (const v of [r.accession, r.patient.id, r.reportId]) if (v && v.length >= 4) out.add(v);
  return [...out];
}

function expectNoPhiInUrls(body: string): void {
  const urls = urlsOf(body);
  expect(urls.length).toBeGreaterThan(0);
  const values = phiValues();
  for (const u of urls) for (const v of values) expect(u.includes(v), `${u} contains an identifier`).toBe(false);
}

describe('authentication', () => {
  it('sends an unauthenticated visit to sign in, and refuses an unauthenticated post', async () => {
    const c = new ConsoleClient(w.origin);
    const page = await c.get('/console/queue');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/console/login');
    const post = await c.post('/console/review/abcdefghijklmnopqrstuv/defer', { _csrf: 'x' });
    expect(post.status).toBe(401);
    const img = await c.getBytes('/console/review/abcdefghijklmnopqrstuv/image/0');
    expect(img.status).toBe(303);
  });

  it('rejects a wrong password, a sign-in without its form token, and throttles guessing', async () => {
    const c = new ConsoleClient(w.origin);
    expect((await c.login(USERS.reviewer, 'wrong')).status).toBe(401);
    const forged = await new ConsoleClient(w.origin).post('/console/login', { user: USERS.reviewer, password: 'x', _csrf: 'made-up' });
    expect(forged.status).toBe(403);
    const g = new ConsoleClient(w.origin);
    for (let i = 0; i < 5; i++) expect((await g.login('mallory', 'guess')).status).toBe(401);
    expect((await g.login('mallory', 'guess')).status).toBe(429);
    expect((await g.get('/console/queue')).status).toBe(303);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie and ends the session at sign-out', async () => {
    const c = new ConsoleClient(w.origin);
    await c.get('/console/login');
    const res = await fetch(`${w.origin}/console/login`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: new URLSearchParams({ user: USERS.viewer, password: 'correct horse battery staple', _csrf: c.csrf }),
    });
    const session = res.headers.getSetCookie().find((x) => x.startsWith('acclink_console='));
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\/console/);
    const v = await signedIn(USERS.viewer);
    expect((await v.get('/console/queue')).status).toBe(200);
    const stale = new Map(v.cookies);
    expect((await v.post('/console/logout', {})).status).toBe(303);
    v.cookies.clear();
    for (const [k, val] of stale) v.cookies.set(k, val);
    expect((await v.get('/console/queue')).status).toBe(303);
  });

  it('rejects a tampered session cookie', async () => {
    const c = await signedIn(USERS.viewer);
    const value = c.cookies.get('acclink_console') ?? '';
    c.cookies.set('acclink_console', `${value.slice(0, -2)}xx`);
    expect((await c.get('/console/queue')).status).toBe(303);
  });
});

describe('pages', () => {
  it('serves every page with the security headers and no PHI in any URL', async () => {
    const c = await signedIn(USERS.viewer);
    const queue = await c.get('/console/queue');
    expect(queue.status).toBe(200);
    const ids = itemIds(queue.body);
    expect(ids.length).toBe(w.result.review.length);
    for (const path of ['/console/queue', `/console/review/${ids[0] ?? ''}`, '/console/activity', '/console/audit', '/console/login']) {
      const p = await c.get(path);
      expect([200, 303]).toContain(p.status);
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(p.headers.get(k), `${k} on ${path}`).toBe(v);
      if (p.status === 200) {
        expectNoPhiInUrls(p.body);
        expect(p.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
        expect(p.body).not.toMatch(/\sstyle="/);
        expect(p.body).not.toMatch(/\son[a-z]+="/);
      }
    }
    expect((await c.get('/console')).location).toBe('/console/queue');
    const css = await c.get('/console/static/console.css');
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect((await c.get('/console/static/../plugin.ts')).status).toBe(404);
  });

  it('ranks urgent items (mismatch, duplicate) first, then the oldest', async () => {
    const c = await signedIn(USERS.viewer);
    const queue = await c.get('/console/queue');
    const statuses = [...queue.body.matchAll(/data-row="\d+">(?:Study|Report): (\w+)</g)].map((m) => m[1]);
    const urgent = statuses.map((s) => s === 'mismatch' || s === 'duplicate');
    expect(urgent).toContain(true);
    expect(urgent.indexOf(false)).toBeGreaterThan(urgent.lastIndexOf(true));
  });

  it('shows an item: records side by side, evidence, highlighted report text, and a thumbnail PNG', async () => {
    const c = await signedIn(USERS.viewer);
    const [id] = itemIds((await c.get('/console/queue')).body);
    const page = await c.get(`/console/review/${id ?? ''}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('class="compare-table"');
    expect(page.body).toMatch(/<mark class="finding finding-(positive|negative|uncertain)"/);
    expect(page.body).toMatch(/<span class="ev ev-(pos|neg)">/);
    // A viewer sees no decision buttons.
    expect(page.body).not.toContain('data-shortcut="1"');
    const img = await c.getBytes(`/console/review/${id ?? ''}/image/0`);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(img.headers.get('x-acclink-image')).toBe('study');
    expect([...img.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect((await c.getBytes(`/console/review/${id ?? ''}/image/7`)).status).toBe(404);
    expect((await c.get('/console/review/unknown-item-id-000')).status).toBe(404);
  });

  it('shows a report item beside its candidate studies, with their thumbnails', async () => {
    const c = await signedIn(USERS.viewer);
    const study = w.result.review.find((i) => i.studyInstanceUid !== undefined && i.candidates.length > 0);
    const reportId = study?.candidates[0]?.id ?? '';
    const item = {
      reportId, reason: 'probability-in-review-band', status: 'orphan' as const, openedAt: '2026-03-01T00:00:00.000Z',
      candidates: [{ id: study?.studyInstanceUid ?? '', kind: 'scan' as const, probability: 0.9, matchWeight: 5, evidence: study?.candidates[0]?.evidence ?? [] }],
    };
    await w.store.putReviewItem(item);
    try {
      const id = reviewId(undefined, reportId);
      const page = await c.get(`/console/review/${id}`);
      expect(page.body).toContain('<h2 id="subject-h">This report</h2>');
      expect(page.body).toContain('1 candidate study');
      expect(page.body).toContain(`src="/console/review/${id}/image/1"`);
      expectNoPhiInUrls(page.body);
      expect((await c.getBytes(`/console/review/${id}/image/1`)).headers.get('x-acclink-image')).toBe('study');
      expect((await c.getBytes(`/console/review/${id}/image/0`)).status).toBe(404);
    } finally {
      await w.store.putReviewItem({ ...item, state: 'resolved', resolution: { action: 'superseded', by: 'acclink', at: '2026-03-01T00:00:00.000Z' } });
    }
  });

  it('shows "no image" when a study has no reachable DICOM file', async () => {
    const c = await signedIn(USERS.viewer);
    const scan = w.scans[0];
    if (!scan) throw new Error('no scan');
    // Another study (a new UID, so not cached) whose file is gone.
    const ghost = { ...scan, studyInstanceUid: `${scan.studyInstanceUid}.9`, sources: [{ kind: 'dicom' as const, path: '/nonexistent/file.dcm' }] };
    await w.store.putScan(ghost);
    const item = { studyInstanceUid: ghost.studyInstanceUid, reason: 'test', status: 'orphan' as const, candidates: [], openedAt: '2026-03-01T00:00:00.000Z' };
    await w.store.putReviewItem(item);
    try {
      const id = reviewId(ghost.studyInstanceUid);
      expect(itemIds((await c.get('/console/queue')).body)).toContain(id);
      const img = await c.getBytes(`/console/review/${id}/image/0`);
      expect(img.status).toBe(200);
      expect(img.headers.get('x-acclink-image')).toBe('none');
      expect((await c.get(`/console/review/${id}`)).body).toContain('no image');
    } finally {
      await w.store.putReviewItem({ ...item, state: 'resolved', resolution: { action: 'superseded', by: 'acclink', at: '2026-03-01T00:00:00.000Z' } });
    }
  });
});

describe('decisions', () => {
  it('refuses a post without the session CSRF token, and a viewer deciding', async () => {
    const r = await signedIn(USERS.reviewer);
    const [id] = itemIds((await r.get('/console/queue')).body);
    const decided = (await w.store.listAudit({ actions: ['review-decision'] })).length;
    expect((await r.post(`/console/review/${id ?? ''}/defer`, { _csrf: null })).status).toBe(403);
    expect((await r.post(`/console/review/${id ?? ''}/defer`, { _csrf: 'not-the-token' })).status).toBe(403);
    const v = await signedIn(USERS.viewer);
    await v.get('/console/queue');
    expect((await v.post(`/console/review/${id ?? ''}/link`, { candidate: '1' })).status).toBe(403);
    expect((await v.post(`/console/review/${id ?? ''}/defer`, {})).status).toBe(403);
    expect((await v.post('/console/activity/undo', { correctionId: 'abc' })).status).toBe(403);
    expect(await w.store.listAudit({ actions: ['review-decision'] })).toHaveLength(decided);
    expect(await w.store.listReviewItems({ state: 'deferred' })).toHaveLength(0);
  });

  it('links an item to a candidate: corrections audited as the person, delivered, item resolved, next item shown', async () => {
    const r = await signedIn(USERS.reviewer);
    const ids = itemIds((await r.get('/console/queue')).body);
    const item = (await w.store.listReviewItems()).find((i) => reviewId(i.studyInstanceUid, i.reportId) === ids[0]);
    if (!item?.studyInstanceUid) throw new Error('expected a study item first');
    await r.get(`/console/review/${ids[0] ?? ''}`);
    expect((await r.post(`/console/review/${ids[0] ?? ''}/link`, { candidate: '9' })).status).toBe(422);
    const done = await r.post(`/console/review/${ids[0] ?? ''}/link`, { candidate: '1' });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/console/review/${ids[1] ?? ''}`);
    const next = await r.get(done.location ?? '');
    expect(next.body).toMatch(/class="flash flash-ok" role="status">Linked: /);

    const [stored] = await w.store.listReviewItems({ studyInstanceUid: item.studyInstanceUid });
    expect(stored).toMatchObject({ state: 'resolved', resolution: { action: 'linked', by: USERS.reviewer, chosen: item.candidates[0]?.id } });
    const link = (await w.store.listLinks({ studyInstanceUid: item.studyInstanceUid }))[0];
    expect(link?.reportId).toBe(item.candidates[0]?.id);
    const corrections = await w.store.listCorrections({ studyInstanceUid: item.studyInstanceUid });
    const decided = await w.store.listAudit({ studyInstanceUid: item.studyInstanceUid, actions: ['decided', 'review-decision'] });
    expect(decided.map((a) => a.actor)).toEqual(decided.map(() => USERS.reviewer));
    expect(decided.some((a) => a.action === 'review-decision')).toBe(true);
    for (const c of corrections) {
      await waitFor(async () => (await w.store.listAudit({ correctionId: c.id, actions: ['delivered'] })).length > 0, 'delivery of the person\'s correction');
    }
    if (corrections.length > 0) expect(w.pacs.messages.some((m) => m.correctionId === corrections[0]?.id) || w.ris.messages.some((m) => m.correctionId === corrections[0]?.id)).toBe(true);

    // Deciding it again (a second tab, a double submit) is a conflict, and changes nothing.
    const before = (await w.store.listAudit()).length;
    expect((await r.post(`/console/review/${ids[0] ?? ''}/link`, { candidate: '1' })).status).toBe(409);
    expect((await w.store.listAudit()).length).toBe(before);
  });

  it('none of these: marks the accession INCONCLUSIVE, or leaves it', async () => {
    const r = await signedIn(USERS.reviewer);
    const [first, second] = itemIds((await r.get('/console/queue')).body);
    const byId = async (id: string | undefined): Promise<NonNullable<Awaited<ReturnType<typeof w.store.listReviewItems>>[number]>> => {
      const found = (await w.store.listReviewItems()).find((i) => reviewId(i.studyInstanceUid, i.reportId) === id);
      if (!found) throw new Error('unknown item');
      return found;
    };
    const a = await byId(first);
    const b = await byId(second);
    expect((await r.post(`/console/review/${first ?? ''}/none`, { mark: 'maybe' })).status).toBe(422);
    expect((await r.post(`/console/review/${first ?? ''}/none`, { mark: 'inconclusive' })).status).toBe(303);
    const marked = await w.store.listCorrections({ studyInstanceUid: a.studyInstanceUid ?? '' });
    expect(marked.map((c) => c.to)).toContain(INCONCLUSIVE);
    expect((await byId(first)).resolution).toMatchObject({ action: 'none', mark: 'inconclusive', by: USERS.reviewer });

    const untouched = await w.store.getScan(b.studyInstanceUid ?? '');
    expect((await r.post(`/console/review/${second ?? ''}/none`, { mark: 'leave' })).status).toBe(303);
    expect((await byId(second)).resolution).toMatchObject({ action: 'none', mark: 'leave' });
    expect(await w.store.listCorrections({ studyInstanceUid: b.studyInstanceUid ?? '' })).toEqual([]);
    expect(await w.store.getScan(b.studyInstanceUid ?? '')).toEqual(untouched);
  });

  it('defers an item: it leaves the open queue for the deferred view, once', async () => {
    const r = await signedIn(USERS.reviewer);
    const [id] = itemIds((await r.get('/console/queue')).body);
    expect((await r.post(`/console/review/${id ?? ''}/defer`, {})).status).toBe(303);
    expect(itemIds((await r.get('/console/queue')).body)).not.toContain(id);
    expect(itemIds((await r.get('/console/queue?view=deferred')).body)).toContain(id);
    expect((await r.post(`/console/review/${id ?? ''}/defer`, {})).status).toBe(409);
    const audit = await w.store.listAudit({ actions: ['review-decision'] });
    expect(audit.at(-1)).toMatchObject({ actor: USERS.reviewer, result: { decision: 'deferred' } });
  });

  it('undo (admin only) sends the reverse correction and shows it undone in Activity', async () => {
    const r = await signedIn(USERS.reviewer);
    const act = await r.get('/console/activity');
    expect(act.body).not.toContain('/console/activity/undo');
    const byPerson = (await w.store.listAudit({ actions: ['decided'] })).find((a) => a.actor === USERS.reviewer && typeof (a.before as { value?: unknown }).value === 'string');
    if (!byPerson?.correctionId) throw new Error('no correction by the reviewer');
    expect((await r.post('/console/activity/undo', { correctionId: byPerson.correctionId })).status).toBe(403);

    const a = await signedIn(USERS.admin);
    const page = await a.get('/console/activity');
    expect(page.body).toContain(`data-correction="${byPerson.correctionId}"`);
    expect((await a.post('/console/activity/undo', { correctionId: 'no-such-correction' })).status).toBe(404);
    const done = await a.post('/console/activity/undo', { correctionId: byPerson.correctionId });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/console/activity');
    const reverted = await w.store.listAudit({ correctionId: byPerson.correctionId, actions: ['reverted'] });
    expect(reverted).toEqual([expect.objectContaining({ actor: USERS.admin })]);
    const reverse = (reverted[0]?.result as { reverse: string }).reverse;
    await waitFor(async () => (await w.store.listAudit({ correctionId: reverse, actions: ['delivered'] })).length > 0, 'the reverse delivered');
    const after = await a.get('/console/activity');
    expect(after.body).toMatch(new RegExp(`data-correction="${byPerson.correctionId}">(?:(?!</tr>).)*undone`, 's'));
  });

  it('lists a dead letter with a retry button (admin only) and re-queues it', async () => {
    w.rejects.pacs = true;
    const r = await signedIn(USERS.reviewer);
    const [id] = itemIds((await r.get('/console/queue')).body);
    const item = (await w.store.listReviewItems()).find((i) => reviewId(i.studyInstanceUid, i.reportId) === id);
    expect((await r.post(`/console/review/${id ?? ''}/none`, { mark: 'inconclusive' })).status).toBe(303);
    const [c] = await w.store.listCorrections({ studyInstanceUid: item?.studyInstanceUid ?? '' });
    if (!c) throw new Error('no correction');
    const dest = 'pacs';
    await waitFor(async () => (await w.store.listAudit({ correctionId: c.id, actions: ['dead-letter'] })).length > 0, 'the dead letter');
    w.rejects.pacs = false;

    const a = await signedIn(USERS.admin);
    const page = await a.get('/console/activity');
    expect(page.body).toContain(`<input type="hidden" name="correctionId" value="${c.id}"><input type="hidden" name="destination" value="${dest}"><button type="submit">Retry</button>`);
    expect((await r.post('/console/activity/retry', { correctionId: c.id, destination: dest })).status).toBe(403);
    expect((await a.post('/console/activity/retry', { correctionId: c.id, destination: 'nowhere' })).status).toBe(422);
    expect((await a.post('/console/activity/retry', { correctionId: c.id, destination: dest })).status).toBe(303);
    await waitFor(async () => (await w.store.listAudit({ correctionId: c.id, actions: ['delivered'] })).some((x) => x.actor === dest), 'the retried delivery');
    expect((await w.store.listAudit({ correctionId: c.id, actions: ['retry-requested'] }))[0]?.actor).toBe(USERS.admin);
    expect((await a.get('/console/activity')).body).not.toContain(`name="correctionId" value="${c.id}"><input type="hidden" name="destination"`);
    // Nothing left to retry.
    expect((await a.post('/console/activity/retry', { correctionId: c.id, destination: dest })).status).toBe(409);
  });

  it('searches the audit trail by accession, study UID and report id with a post (nothing in the URL)', async () => {
    const v = await signedIn(USERS.viewer);
    const form = await v.get('/console/audit');
    expect(form.body).toContain('method="post" action="/console/audit"');
    const row = (await w.store.listAudit({ actions: ['decided'] })).find((x) => x.actor === USERS.reviewer && x.studyInstanceUid);
    const uid = row?.studyInstanceUid ?? '';
    const scan = await w.store.getScan(uid);
    const byUid = await v.post('/console/audit', { kind: 'study', term: uid });
    expect(byUid.status).toBe(200);
    expect(byUid.body).toContain('1 record found');
    expect(byUid.body).toContain('<td>review-decision</td>');
    expect(byUid.body).toContain(`<td>${USERS.reviewer}</td>`);
    const old = (row?.before as { value?: string } | undefined)?.value;
    if (old) expect((await v.post('/console/audit', { kind: 'accession', term: old })).body).toContain(uid);
    if (scan?.accession) expect((await v.post('/console/audit', { kind: 'accession', term: scan.accession })).body).toContain(uid);
    const report = w.reports[0];
    expect((await v.post('/console/audit', { kind: 'report', term: report?.reportId ?? '' })).body).toMatch(/1 record found|Nothing found/);
    expect((await v.post('/console/audit', { kind: 'report', term: 'no-such-report' })).body).toContain('Nothing found.');
    expect((await v.post('/console/audit', { kind: 'study', term: '' })).status).toBe(422);
  });
});

describe('reverse-proxy authentication', () => {
  let p: World;
  beforeAll(async () => {
    p = await buildWorld({ auth: { mode: 'proxy' } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('takes user and role from the trusted proxy headers, and refuses requests without them', async () => {
    expect((await new ConsoleClient(p.origin).get('/console/queue')).status).toBe(401);
    expect((await new ConsoleClient(p.origin, { 'x-remote-user': 'pat' }).get('/console/queue')).status).toBe(401);
    expect((await new ConsoleClient(p.origin, { 'x-remote-user': 'pat', 'x-remote-role': 'root' }).get('/console/queue')).status).toBe(401);
    const c = new ConsoleClient(p.origin, { 'x-remote-user': 'pat', 'x-remote-role': 'reviewer' });
    const page = await c.get('/console/queue');
    expect(page.status).toBe(200);
    expect(page.body).toContain('pat (reviewer)');
    const [id] = itemIds(page.body);
    expect((await c.post(`/console/review/${id ?? ''}/defer`, { _csrf: null })).status).toBe(403);
    expect((await c.post(`/console/review/${id ?? ''}/defer`, {})).status).toBe(303);
    expect((await p.store.listAudit({ actions: ['review-decision'] }))[0]?.actor).toBe('pat');
  });

  it('ignores the headers from an untrusted address', async () => {
    const q = await buildWorld({ auth: { mode: 'proxy', trustedAddresses: ['10.9.8.7'] } });
    try {
      expect((await new ConsoleClient(q.origin, { 'x-remote-user': 'pat', 'x-remote-role': 'admin' }).get('/console/queue')).status).toBe(401);
    } finally {
      await q.close();
    }
  });
});
