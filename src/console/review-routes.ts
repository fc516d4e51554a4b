/**
 * Review queue routes: the ranked list, an item page, its thumbnails, and the three decisions (link to a
 * candidate, none of these, defer). Decisions go through `src/engine/decisions.ts`, the same path as the
 * engine's own (audit with the person as actor, outbound messages, idempotency by correction id).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deferReview, linkByPerson, noneOfThese } from '../engine/decisions.ts';
import type { Correction } from '../model/link.ts';
import { ConsoleHttpError, formField, type ConsoleContext } from './context.ts';
import { labelsOf } from './highlight.ts';
import { roleAtLeast } from './sessions.ts';
import { findEntry, loadAll, loadQueue, loadRecords, pairOf, QUEUE_VIEWS, studyAtSlot, type QueueEntry, type QueueView } from './review-data.ts';
import { itemPage, queuePage, type CandidateView } from './review-view.ts';
import { createThumbnailCache } from './thumbnail.ts';
import { encodeGreyPng } from './png.ts';

/** A plain grey square, served when a study has no reachable image (the page says so in its alt text). */
const NO_IMAGE = encodeGreyPng(4, 4, new Uint8Array(16).fill(48));

function paramId(req: FastifyRequest): string {
  const { id } = req.params as { id?: string };
  if (!id || !/^[A-Za-z0-9_-]{10,64}$/.test(id)) throw new ConsoleHttpError(404, 'There is no such review item.');
  return id;
}

/** Loads an item that is still waiting for a decision; 409 when someone already decided it. */
async function undecided(ctx: ConsoleContext, req: FastifyRequest): Promise<{ entry: QueueEntry; next?: QueueEntry }> {
  const found = await findEntry(ctx, paramId(req));
  if (found.entry.view === 'resolved') throw new ConsoleHttpError(409, 'This item was already decided (perhaps by someone else a moment ago).');
  return found;
}

function summary(corrections: readonly Correction[]): string {
  if (corrections.length === 0) return 'no accession changed';
  return `${corrections.length} correction${corrections.length === 1 ? '' : 's'} sent (${corrections.map((c) => `${c.target} → ${c.to}`).join(', ')})`;
}

/** After a decision: the next item of the open queue, or the queue when none is left. */
async function afterDecision(ctx: ConsoleContext, req: FastifyRequest, reply: FastifyReply, decidedId: string, text: string): Promise<FastifyReply> {
  const open = (await loadQueue(ctx, 'open')).filter((e) => e.id !== decidedId);
  const target = open[0];
  return ctx.redirect(req, reply, target ? `/review/${target.id}` : '/queue', { kind: 'ok', text });
}

export function registerReviewRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const deps = ctx.opts.decisions;
  const thumbnail = createThumbnailCache({ maxSide: 160, ...(ctx.opts.dicomRoot ? { dicomRoot: ctx.opts.dicomRoot } : {}) });

  app.get('/queue', async (req, reply) => {
    const q = (req.query as { view?: string }).view;
    const view: QueueView = QUEUE_VIEWS.includes(q as QueueView) ? q as QueueView : 'open';
    const all = await loadAll(ctx);
    const counts: Record<string, number> = { open: 0, deferred: 0, resolved: 0 };
    for (const e of all) counts[e.view] = (counts[e.view] ?? 0) + 1;
    const entries = await loadQueue(ctx, view);
    return ctx.page(req, reply, { title: 'Review queue', current: 'queue', body: queuePage(ctx.base, view, entries, counts, deps.clock()) });
  });

  app.get('/review/:id', async (req, reply) => {
    const p = ctx.principal(req);
    const found = await findEntry(ctx, paramId(req));
    const records = await loadRecords(ctx, found.entry.item);
    const label = (r: Parameters<typeof labelsOf>[0] | undefined): ReturnType<typeof labelsOf> => (r ? labelsOf(r, ctx.opts.lexicon, ctx.opts.procedureTerms) : undefined);
    const candidates: CandidateView[] = records.candidates.map((c, i) => {
      const labels = label(c.report);
      return { n: i + 1, ...c, ...(labels ? { labels } : {}) };
    });
    const labels = label(records.report);
    const body = itemPage({
      base: ctx.base, ...found, ...(records.scan ? { scan: records.scan } : {}), ...(records.report ? { report: records.report } : {}),
      ...(labels ? { labels } : {}), candidates, csrf: p.session.csrf, canDecide: roleAtLeast(p.role, 'reviewer'), now: deps.clock(),
    });
    return ctx.page(req, reply, { title: 'Review item', current: 'queue', body });
  });

  app.get('/review/:id/image/:slot', async (req, reply) => {
    const found = await findEntry(ctx, paramId(req));
    const slot = Number((req.params as { slot: string }).slot);
    const uid = Number.isInteger(slot) && slot >= 0 ? studyAtSlot(found.entry.item, slot) : undefined;
    if (uid === undefined) throw new ConsoleHttpError(404, 'No study at this position.');
    const scan = await deps.store.getScan(uid);
    const png = scan ? await thumbnail(scan) : undefined;
    return reply.type('image/png').header('x-acclink-image', png ? 'study' : 'none').send(png ?? NO_IMAGE);
  });

  app.post('/review/:id/link', async (req, reply) => {
    const p = ctx.requireRole(req, 'reviewer');
    const { entry } = await undecided(ctx, req);
    const pair = pairOf(entry.item, Number(formField(req.body, 'candidate')));
    const { corrections } = await linkByPerson(deps, { ...pair, actor: p.user });
    return afterDecision(ctx, req, reply, entry.id, `Linked: ${summary(corrections)}.`);
  });

  app.post('/review/:id/none', async (req, reply) => {
    const p = ctx.requireRole(req, 'reviewer');
    const { entry } = await undecided(ctx, req);
    const mark = formField(req.body, 'mark');
    if (mark !== 'inconclusive' && mark !== 'leave') throw new ConsoleHttpError(422, 'Choose whether to mark the accession INCONCLUSIVE or leave it.');
    const subject = entry.item.studyInstanceUid !== undefined ? { studyInstanceUid: entry.item.studyInstanceUid } : { reportId: entry.item.reportId ?? '' };
    const { corrections } = await noneOfThese(deps, { ...subject, mark, actor: p.user });
    return afterDecision(ctx, req, reply, entry.id, `None of these: ${mark === 'leave' ? 'accession left as it is' : summary(corrections)}.`);
  });

  app.post('/review/:id/defer', async (req, reply) => {
    const p = ctx.requireRole(req, 'reviewer');
    const { entry } = await undecided(ctx, req);
    if (entry.view === 'deferred') throw new ConsoleHttpError(409, 'This item is already deferred.');
    const subject = entry.item.studyInstanceUid !== undefined ? { studyInstanceUid: entry.item.studyInstanceUid } : { reportId: entry.item.reportId ?? '' };
    await deferReview(deps, { ...subject, actor: p.user });
    return afterDecision(ctx, req, reply, entry.id, 'Deferred: the item waits under “deferred”.');
  });
}
