/**
 * Header review: the values a standardizing run could not decide (`header-review.jsonl`), each with the
 * proposed entry and its alternatives. Choosing an entry records the value as a synonym of it in the
 * site profile, with its dependency conditions (e.g. only when the modality is CT), the patent's
 * learning from a reviewer's answer; dismissing leaves the profile alone. Both are audited
 * (`header-review`) with the person's name, and the profile write is versioned (`mapping-edit`).
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import { readFile } from 'node:fs/promises';
import { HEADER_REVIEW_ITEM } from '../engine/standardize-worker.ts';
import type { FastifyInstance } from 'fastify';
import type { Scan } from '../model/types.ts';
import { addSynonym, headerOfScan, isFieldName, type FieldName, type StandardsProfile } from '../transforms/standardize/header/index.ts';
import type { HeaderReviewItem } from '../transforms/standardize/records.ts';
import { ConsoleHttpError, formField, type ConsoleContext } from './context.ts';
import { csrfField, html, pct, type Html } from './html.ts';
import { roleAtLeast } from './sessions.ts';

/** Audit action of a header review decision. */
export const HEADER_REVIEW = 'header-review';
/** Fields offered as conditions of a synonym (the patent's dependency requirements). */
const CONDITION_FIELDS: readonly FieldName[] = ['modality', 'bodyPartExamined'];

interface Entry {
  id: string;
  item: HeaderReviewItem;
  decided?: { by: string; at: string; decision: string };
}

async function readItems(file: string): Promise<HeaderReviewItem[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: HeaderReviewItem[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as HeaderReviewItem);
    } catch {
      // A broken line is skipped; the file is written by acclink and is not edited by hand.
    }
  }
  return out;
}

function keyOf(i: HeaderReviewItem): string {
  return `${i.target}|${i.studyInstanceUid ?? i.reportId ?? ''}|${i.field}|${i.value ?? ''}`;
}

/** Entries of the owning field of a profile (procedureText shares studyDescription's). */
function entriesOf(profile: StandardsProfile | undefined, field: FieldName): string[] {
  const owner = profile?.fields[field]?.sameStandardsAs ?? field;
  return (profile?.fields[owner]?.standards ?? []).map((e) => e.entry);
}

function itemCard(ctx: ConsoleContext, e: Entry, scan: Scan | undefined, profile: StandardsProfile | undefined, csrf: string, canDecide: boolean): Html {
  const i = e.item;
  const learnable = isFieldName(i.field) && entriesOf(profile, i.field).length > 0;
  const known = scan ? headerOfScan(scan) : {};
  const choices = [...new Set([...(i.proposed && i.proposed !== 'INCONCLUSIVE' ? [i.proposed] : []), ...(i.alternatives ?? []).map((a) => a.entry)])];
  const score = (entry: string): string => {
    const a = i.alternatives?.find((x) => x.entry === entry);
    return a ? ` (${pct(a.score)})` : '';
  };
  const decide = !canDecide || e.decided ? '' : html`<form method="post" action="${ctx.base}/headers/${e.id}/choose">${csrfField(csrf)}
${learnable ? html`<fieldset><legend>Standard entry for “${i.value ?? ''}”</legend>
${choices.map((c, n) => html`<p><input type="radio" name="entry" id="h-${e.id}-${n}" value="${c}"${n === 0 ? html` checked` : ''}><label for="h-${e.id}-${n}">${c}${score(c)}</label></p>`)}
<p><label for="h-${e.id}-other">Another entry</label><input id="h-${e.id}-other" name="other" list="h-${e.id}-entries"><datalist id="h-${e.id}-entries">${entriesOf(profile, i.field as FieldName).map((x) => html`<option value="${x}">`)}</datalist></p>
</fieldset>
<fieldset><legend>Only when</legend>${CONDITION_FIELDS.filter((f) => known[f]).map((f) => html`<p><input type="checkbox" name="when" id="h-${e.id}-${f}" value="${f}"${f === 'modality' ? html` checked` : ''}><label for="h-${e.id}-${f}">${f} is ${known[f] ?? ''}</label></p>`)}</fieldset>
<button type="submit" name="decision" value="synonym">Record as synonym</button>` : html`<p class="muted">This field has no standard entries to learn into.</p>`}
<button type="submit" name="decision" value="dismiss">Dismiss</button></form>`;
  return html`<article class="candidate" aria-labelledby="h-${e.id}-h"><h3 id="h-${e.id}-h">${i.field}: “${i.value ?? '(empty)'}” <span class="badge">${i.status}</span></h3>
<p>${scan ? `Study: ${scan.modalities.join('/')} ${scan.bodyParts.join('/')} · ${scan.studyDescription ?? ''}` : i.target}${i.proposed ? ` · proposed ${i.proposed}` : ''}${i.score !== undefined ? ` · score ${pct(i.score)}` : ''}${i.basis ? ` · ${i.basis}` : ''}</p>
${e.decided ? html`<p>Decided (${e.decided.decision}) by ${e.decided.by}.</p>` : decide}
</article>`;
}

export function registerHeaderRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const deps = ctx.opts.decisions;
  const mappings = ctx.mappings;

  // Items come from the engine's standardize stage (audit rows) and, when configured, from a batch run's
  // header-review.jsonl; one item seen in both is listed once.
  const load = async (): Promise<Entry[]> => {
    const decided = new Map<string, Entry['decided']>();
    for (const r of await deps.store.listAudit({ actions: [HEADER_REVIEW] })) {
      const res = r.result as { item?: string; decision?: string } | undefined;
      if (res?.item) decided.set(res.item, { by: r.actor, at: r.at, decision: res.decision ?? '' });
    }
    const fromEngine = (await deps.store.listAudit({ actions: [HEADER_REVIEW_ITEM] })).map((r) => r.after as HeaderReviewItem);
    const fromFile = ctx.opts.headerReview ? await readItems(ctx.opts.headerReview.file) : [];
    const items = new Map<string, HeaderReviewItem>();
    for (const item of [...fromEngine, ...fromFile]) items.set(keyOf(item), item);
    return [...items.entries()].map(([key, item]) => {
      const id = ctx.opaqueId('header', key);
      const d = decided.get(id);
      return { id, item, ...(d ? { decided: d } : {}) };
    });
  };
  const profile = async (): Promise<StandardsProfile | undefined> => (mappings ? (await mappings.read(mappings.options.profile)).profile : undefined);

  app.get('/headers', async (req, reply) => {
    const p = ctx.principal(req);
    const entries = await load();
    const open = entries.filter((e) => !e.decided);
    const prof = await profile().catch(() => undefined);
    const cards: Html[] = [];
    for (const e of open.slice(0, 50)) cards.push(itemCard(ctx, e, e.item.studyInstanceUid ? await deps.store.getScan(e.item.studyInstanceUid) : undefined, prof, p.session.csrf, roleAtLeast(p.role, 'reviewer') && mappings !== undefined));
    const body = html`<h1>Header review</h1>
${entries.length > 0 || ctx.opts.headerReview ? html`<p>${open.length} open, ${entries.length - open.length} decided.${mappings ? html` Synonyms go to <a href="${ctx.base}/mappings?file=${encodeURIComponent(mappings.options.profile)}">${mappings.options.profile}</a>.` : html` <span class="muted">No mappings folder configured: decisions cannot be recorded.</span>`}</p>
${open.length === 0 ? html`<p class="empty">Nothing to review.</p>` : cards}` : html`<p class="muted">No header review items: the engine records them when a standards profile is configured (<code>standardize.profile</code>), and a batch run's <code>header-review.jsonl</code> can be shown with the option <code>headerReview.file</code>.</p>`}`;
    return ctx.page(req, reply, { title: 'Header review', current: 'headers', body });
  });

  app.post('/headers/:id/choose', async (req, reply) => {
    const p = ctx.requireRole(req, 'reviewer');
    const { id } = req.params as { id: string };
    const entry = (await load()).find((e) => e.id === id);
    if (!entry) throw new ConsoleHttpError(404, 'There is no such header review item.');
    if (entry.decided) throw new ConsoleHttpError(409, `This item was already decided by ${entry.decided.by}.`);
    const i = entry.item;
    const subject = { ...(i.studyInstanceUid ? { studyInstanceUid: i.studyInstanceUid } : {}), ...(i.reportId ? { reportId: i.reportId } : {}) };
    const at = deps.clock().toISOString();
    if (formField(req.body, 'decision') === 'dismiss') {
      await deps.store.appendAudit({ at, action: HEADER_REVIEW, actor: p.user, ...subject, result: { item: id, field: i.field, value: i.value, decision: 'dismissed' } });
      return ctx.redirect(req, reply, '/headers', { kind: 'ok', text: `Dismissed: ${i.field} “${i.value ?? ''}”.` });
    }
    if (!mappings) throw new ConsoleHttpError(409, 'No mappings folder is configured: a synonym cannot be recorded.');
    if (!isFieldName(i.field) || i.value === null) throw new ConsoleHttpError(422, 'This item cannot become a synonym.');
    const chosen = formField(req.body, 'other') || formField(req.body, 'entry');
    if (!chosen) throw new ConsoleHttpError(422, 'Choose a standard entry.');
    const raw = (req.body as Record<string, unknown>).when;
    const wanted = (Array.isArray(raw) ? raw : [raw]).filter((x): x is string => typeof x === 'string');
    const scan = i.studyInstanceUid ? await deps.store.getScan(i.studyInstanceUid) : undefined;
    const known = scan ? headerOfScan(scan) : {};
    const conditions: Partial<Record<FieldName, string>> = {};
    for (const f of CONDITION_FIELDS) if (wanted.includes(f) && known[f]) conditions[f] = known[f];
    const { profile: current } = await mappings.read(mappings.options.profile);
    const next = addSynonym(current, i.field, i.value, chosen, Object.keys(conditions).length > 0 ? conditions : undefined);
    const version = await mappings.writeProfile(mappings.options.profile, next, p.user, `header review: “${i.value}” → ${chosen} (${i.field})`);
    await deps.store.appendAudit({ at, action: HEADER_REVIEW, actor: p.user, ...subject, result: { item: id, field: i.field, value: i.value, decision: 'synonym', chosen, conditions, version: version.seq } });
    return ctx.redirect(req, reply, '/headers', { kind: 'ok', text: `Recorded: “${i.value}” is a synonym of ${chosen}${Object.keys(conditions).length > 0 ? ` when ${Object.entries(conditions).map(([k, v]) => `${k} is ${v}`).join(' and ')}` : ''}.` });
  });
}
