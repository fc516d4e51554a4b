/**
 * The Activity page: corrections over time by kind and destination, delivery failures and dead letters
 * with retry buttons, recent corrections with undo, and charts of match probabilities and review rates.
 * Undo and retry go through `src/engine/decisions.ts` and need the admin role.
 */
import type { FastifyInstance } from 'fastify';
import { retryDelivery, undoCorrection } from '../engine/decisions.ts';
import { barChart, histogram } from './charts.ts';
import { ConsoleHttpError, formField, type ConsoleContext } from './context.ts';
import { instant } from './format.ts';
import { csrfField, html, type Html } from './html.ts';
import { loadActivity, type Activity } from './activity-data.ts';
import { roleAtLeast } from './sessions.ts';

const BINS = 20;
const CORRECTION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function correctionsSection(a: Activity): Html {
  return html`<section aria-labelledby="corr-h"><h2 id="corr-h">Corrections per day</h2>
${barChart({
    id: 'chart-corrections', title: 'Corrections per day', description: 'Automatic corrections and corrections decided by a person, per day, last 14 days.',
    categories: a.byDay.map((d) => d.day.slice(5)), series: [
      { name: 'automatic', cls: 's1', values: a.byDay.map((d) => d.automatic) },
      { name: 'by a person', cls: 's2', values: a.byDay.map((d) => d.person) },
    ],
  })}
<details><summary>As a table</summary><table><thead><tr><th scope="col">Day</th><th scope="col">Automatic</th><th scope="col">By a person</th></tr></thead>
<tbody>${a.byDay.map((d) => html`<tr><td>${d.day}</td><td>${d.automatic}</td><td>${d.person}</td></tr>`)}</tbody></table></details>
<h3>By kind</h3>
${a.byReason.length === 0 ? html`<p class="muted">No corrections yet.</p>` : html`<table class="by-reason"><thead><tr><th scope="col">Reason</th><th scope="col">Corrections</th></tr></thead><tbody>${a.byReason.map((r) => html`<tr><td>${r.reason}</td><td>${r.count}</td></tr>`)}</tbody></table>`}
</section>`;
}

function destinationsSection(a: Activity, csrf: string, base: string, admin: boolean): Html {
  return html`<section aria-labelledby="dest-h"><h2 id="dest-h">Deliveries by destination</h2>
${a.byDestination.length === 0 ? html`<p class="muted">Nothing planned yet.</p>` : html`<table class="by-destination"><thead><tr><th scope="col">Destination</th><th scope="col">Planned</th><th scope="col">Delivered</th><th scope="col">Dead letters</th><th scope="col">Skipped</th></tr></thead>
<tbody>${a.byDestination.map((d) => html`<tr><td>${d.destination}</td><td>${d.planned}</td><td>${d.delivered}</td><td>${d.dead}</td><td>${d.skipped}</td></tr>`)}</tbody></table>`}
<h3 id="dead-h">Dead letters</h3>
${a.deadLetters.length === 0 ? html`<p class="muted" id="no-dead-letters">No dead letters.</p>` : html`<table class="dead-letters" aria-labelledby="dead-h"><thead><tr><th scope="col">When</th><th scope="col">Destination</th><th scope="col">Correction</th><th scope="col">Peer said</th><th scope="col">Action</th></tr></thead>
<tbody>${a.deadLetters.map((d) => html`<tr><td>${instant(d.at)}</td><td>${d.destination}</td><td><code>${d.correctionId}</code></td><td>${d.detail}</td><td>${admin ? html`<form method="post" action="${base}/activity/retry">${csrfField(csrf)}<input type="hidden" name="correctionId" value="${d.correctionId}"><input type="hidden" name="destination" value="${d.destination}"><button type="submit">Retry</button></form>` : html`<span class="muted">admin only</span>`}</td></tr>`)}</tbody></table>`}
</section>`;
}

function recentSection(a: Activity, csrf: string, base: string, admin: boolean): Html {
  return html`<section aria-labelledby="recent-h"><h2 id="recent-h">Recent corrections</h2>
${a.recent.length === 0 ? html`<p class="muted">No corrections yet.</p>` : html`<table class="recent"><thead><tr><th scope="col">When</th><th scope="col">By</th><th scope="col">Field</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Reason</th><th scope="col">Undo</th></tr></thead>
<tbody>${a.recent.map((r) => html`<tr data-correction="${r.correctionId}"><td>${instant(r.at)}</td><td>${r.actor}</td><td>${r.field}</td><td>${r.from ?? '–'}</td><td>${r.to}</td><td>${r.reason}</td><td>${r.reverted ? 'undone' : r.undoable && admin ? html`<form method="post" action="${base}/activity/undo">${csrfField(csrf)}<input type="hidden" name="correctionId" value="${r.correctionId}"><button type="submit">Undo</button></form>` : '–'}</td></tr>`)}</tbody></table>`}
</section>`;
}

function chartsSection(a: Activity): Html {
  const categories = Array.from({ length: BINS }, (_, i) => (i / BINS).toFixed(2));
  return html`<section aria-labelledby="prob-h"><h2 id="prob-h">Match probabilities</h2>
${barChart({
    id: 'chart-probability', title: 'Match probability distribution', description: `Links and the best candidate of each undecided review item, in ${BINS} bins from 0 to 1.`,
    categories, labelEvery: 4, series: [
      { name: `links (${a.linkProbabilities.length})`, cls: 's1', values: histogram(a.linkProbabilities, BINS) },
      { name: `in review (${a.reviewProbabilities.length})`, cls: 's3', values: histogram(a.reviewProbabilities, BINS) },
    ],
  })}
<h2 id="rate-h">Review rate</h2>
${barChart({
    id: 'chart-review', title: 'Review items opened and decided per day', description: 'Review items opened and decided per day, last 14 days.',
    categories: a.reviewByDay.map((d) => d.day.slice(5)), series: [
      { name: 'opened', cls: 's3', values: a.reviewByDay.map((d) => d.opened) },
      { name: 'decided', cls: 's2', values: a.reviewByDay.map((d) => d.decided) },
    ],
  })}
</section>`;
}

export function registerActivityRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const deps = ctx.opts.decisions;

  app.get('/activity', async (req, reply) => {
    const p = ctx.principal(req);
    const a = await loadActivity(deps.store, deps.clock(), { days: 14, recentLimit: 50 });
    const admin = roleAtLeast(p.role, 'admin');
    const body = html`<h1>Activity</h1>
<p>Audit trail of one study or report: <a href="${ctx.base}/audit">search by accession, study UID or report id</a>.</p>
${correctionsSection(a)}${destinationsSection(a, p.session.csrf, ctx.base, admin)}${recentSection(a, p.session.csrf, ctx.base, admin)}${chartsSection(a)}`;
    return ctx.page(req, reply, { title: 'Activity', current: 'activity', body });
  });

  app.post('/activity/undo', async (req, reply) => {
    const p = ctx.requireRole(req, 'admin');
    const correctionId = formField(req.body, 'correctionId') ?? '';
    if (!CORRECTION_ID.test(correctionId)) throw new ConsoleHttpError(422, 'Which correction? The form had no valid id.');
    const { reverse } = await undoCorrection(deps, { correctionId, actor: p.user });
    return ctx.redirect(req, reply, '/activity', { kind: 'ok', text: `Undone: the reverse correction ${reverse.id} was sent (${reverse.target} back to ${reverse.to}).` });
  });

  app.post('/activity/retry', async (req, reply) => {
    const p = ctx.requireRole(req, 'admin');
    const correctionId = formField(req.body, 'correctionId') ?? '';
    const destination = formField(req.body, 'destination') ?? '';
    if (!CORRECTION_ID.test(correctionId) || !/^[a-z0-9_-]{1,64}$/i.test(destination)) throw new ConsoleHttpError(422, 'Which delivery? The form had no valid id or destination.');
    if (!deps.destinations.has(destination)) throw new ConsoleHttpError(422, `There is no sink for destination ${destination}.`);
    await retryDelivery(deps, { correctionId, destination, actor: p.user });
    return ctx.redirect(req, reply, '/activity', { kind: 'ok', text: `Queued again: ${destination} delivery of ${correctionId}.` });
  });
}
