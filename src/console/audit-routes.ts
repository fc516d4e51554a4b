/**
 * The audit trail of one study or report, searched by accession, Study Instance UID or report id.
 * The search is a form post (the terms are identifiers that must not end up in URLs, logs or
 * browser history); results are rendered in the response.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditRecord } from '../model/store.ts';
import { ConsoleHttpError, formField, type ConsoleContext } from './context.ts';
import { instant, localTime, personName } from './format.ts';
import { csrfField, html, type Html } from './html.ts';
import { subjectKey } from './review-data.ts';

type SearchKind = 'accession' | 'study' | 'report';
interface Subject { studyInstanceUid?: string; reportId?: string }

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? v as Record<string, unknown> : {});

/** A short, content-free description of an audit row's payload (never a message body). */
function describe(r: AuditRecord): string {
  const before = obj(r.before);
  const after = obj(r.after);
  const result = obj(r.result);
  const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  if (r.action === 'planned') return `${text(result.messageType)} to ${text(result.destination)}`;
  if ('field' in after) return `${String(after.field)}: ${JSON.stringify(before.value ?? null)} → ${JSON.stringify(after.value ?? null)}`;
  const parts = Object.entries(result).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)).map(([k, v]) => `${k}: ${String(v as string)}`);
  return parts.join(', ');
}

/** Subjects matching a search: records by current accession, and records an accession correction moved from or to it. */
async function findSubjects(ctx: ConsoleContext, kind: SearchKind, term: string): Promise<Subject[]> {
  const store = ctx.opts.decisions.store;
  if (kind === 'study') return (await store.getScan(term)) || (await store.listAudit({ studyInstanceUid: term, limit: 1 })).length > 0 ? [{ studyInstanceUid: term }] : [];
  if (kind === 'report') return (await store.getReport(term)) || (await store.listAudit({ reportId: term, limit: 1 })).length > 0 ? [{ reportId: term }] : [];
  const out = new Map<string, Subject>();
  for (const s of await store.findScanCandidates({ accessionKeys: [term] })) out.set(`s:${s.studyInstanceUid}`, { studyInstanceUid: s.studyInstanceUid });
  for (const r of await store.findReportCandidates({ accessionKeys: [term] })) out.set(`r:${r.reportId}`, { reportId: r.reportId });
  // Records whose accession a correction moved from or to the value (an index lookup, not a scan of the trail).
  for (const c of await store.listCorrections({ value: term })) {
    if (c.studyInstanceUid !== undefined) out.set(`s:${c.studyInstanceUid}`, { studyInstanceUid: c.studyInstanceUid });
    if (c.reportId !== undefined) out.set(`r:${c.reportId}`, { reportId: c.reportId });
  }
  return [...out.values()];
}

async function subjectSection(ctx: ConsoleContext, s: Subject): Promise<Html> {
  const store = ctx.opts.decisions.store;
  const rows = await store.listAudit(s.studyInstanceUid !== undefined ? { studyInstanceUid: s.studyInstanceUid } : { reportId: s.reportId ?? '' });
  const scan = s.studyInstanceUid !== undefined ? await store.getScan(s.studyInstanceUid) : undefined;
  const report = s.reportId !== undefined ? await store.getReport(s.reportId) : undefined;
  const items = await store.listReviewItems(s);
  const head = scan
    ? html`Study <code>${scan.studyInstanceUid}</code> · accession ${scan.accession ?? '–'} · ${personName(scan.patient.name)} · ${scan.studyDescription ?? ''} ${localTime(scan.studyDateTime)}`
    : report
      ? html`Report <code>${report.reportId}</code> · accession ${report.accession ?? '–'} · ${personName(report.patient.name)} · ${report.procedureText ?? ''} ${localTime(report.examDateTime)}`
      : html`${s.studyInstanceUid !== undefined ? 'Study' : 'Report'} <code>${s.studyInstanceUid ?? s.reportId ?? ''}</code> (no longer stored)`;
  return html`<section class="audit-subject"><h2>${head}</h2>
${items.map((i) => html`<p><a href="${ctx.base}/review/${ctx.opaqueId('review', subjectKey(i))}">Review item (${i.state ?? 'open'})</a></p>`)}
${rows.length === 0 ? html`<p class="muted">No audit entries.</p>` : html`<table class="audit"><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Action</th><th scope="col">By</th><th scope="col">Correction</th><th scope="col">What</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${r.seq}</td><td>${instant(r.at)}</td><td>${r.action}</td><td>${r.actor}</td><td><code>${r.correctionId ?? ''}</code></td><td>${describe(r)}</td></tr>`)}</tbody></table>`}
</section>`;
}

function searchForm(ctx: ConsoleContext, csrf: string, kind: SearchKind, term: string): Html {
  const opt = (k: SearchKind, label: string): Html => html`<option value="${k}"${k === kind ? html` selected` : ''}>${label}</option>`;
  return html`<form method="post" action="${ctx.base}/audit" class="search" role="search">${csrfField(csrf)}
<p><label for="kind">Search by</label><select id="kind" name="kind">${opt('accession', 'Accession number')}${opt('study', 'Study Instance UID')}${opt('report', 'Report id')}</select>
<label for="term">Value</label><input id="term" name="term" value="${term}" required autocomplete="off" maxlength="128">
<button type="submit">Search</button></p></form>`;
}

export function registerAuditRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/audit', (req, reply) => {
    const p = ctx.principal(req);
    return ctx.page(req, reply, { title: 'Audit trail', current: 'audit', body: html`<h1>Audit trail</h1>${searchForm(ctx, p.session.csrf, 'accession', '')}` });
  });

  app.post('/audit', async (req, reply) => {
    const p = ctx.principal(req);
    const kindText = formField(req.body, 'kind');
    const kind: SearchKind = kindText === 'study' || kindText === 'report' ? kindText : 'accession';
    const term = formField(req.body, 'term') ?? '';
    if (term === '' || term.length > 128) throw new ConsoleHttpError(422, 'Enter an accession number, a study UID or a report id.');
    const subjects = await findSubjects(ctx, kind, term);
    const sections: Html[] = [];
    for (const s of subjects.slice(0, 20)) sections.push(await subjectSection(ctx, s));
    const body = html`<h1>Audit trail</h1>${searchForm(ctx, p.session.csrf, kind, term)}
<p role="status">${subjects.length === 0 ? 'Nothing found.' : `${subjects.length} record${subjects.length === 1 ? '' : 's'} found${subjects.length > 20 ? ' (showing 20)' : ''}.`}</p>
${sections}`;
    return ctx.page(req, reply, { title: 'Audit trail', current: 'audit', body });
  });
}
