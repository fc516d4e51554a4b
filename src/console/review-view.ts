/**
 * The review item page: the item's own record beside each candidate, field by field with the linker's
 * evidence (level and weight in bits), the report text with the labeler's findings and negations, a
 * thumbnail of the study, and the actions with their keyboard shortcuts.
 */
import type { Evidence, ReviewCandidate } from '../model/link.ts';
import type { Report, Scan } from '../model/types.ts';
import type { ReportLabels } from '../transforms/report-text/index.ts';
import { age, bits, evidenceLabel, instant, localTime, modelEvidence, personName } from './format.ts';
import { findingsList, reportTextHtml } from './highlight.ts';
import { csrfField, html, pct, type Html } from './html.ts';
import type { QueueEntry } from './review-data.ts';

/** One candidate as the page shows it. */
export interface CandidateView {
  n: number;
  candidate: ReviewCandidate;
  scan?: Scan;
  report?: Report;
  labels?: ReportLabels;
}

export interface ItemView {
  base: string;
  entry: QueueEntry;
  position: number;
  total: number;
  prev?: QueueEntry;
  next?: QueueEntry;
  scan?: Scan;
  report?: Report;
  labels?: ReportLabels;
  candidates: CandidateView[];
  csrf: string;
  /** Whether the viewer may decide (reviewer or admin). */
  canDecide: boolean;
  now: Date;
}

type Row = [label: string, scan: string, report: string, evidence: string[]];

function pairRows(scan: Scan | undefined, report: Report | undefined): Row[] {
  const s = scan;
  const r = report;
  return [
    ['Accession', s?.accession ?? '', r?.accession ?? '', ['accession']],
    ['Patient ID', s?.patient.id ?? '', r?.patient.id ?? '', ['patientId']],
    ['Name', personName(s?.patient.name), personName(r?.patient.name), ['name']],
    ['Birth date', s?.patient.birthDate ?? '', r?.patient.birthDate ?? '', ['birthDate']],
    ['Sex', s?.patient.sex ?? '', r?.patient.sex ?? '', ['sex']],
    ['Exam time', localTime(s?.studyDateTime), localTime(r?.examDateTime), ['examTime']],
    ['Modality', s?.modalities.join(', ') ?? '', r?.modality ?? r?.section ?? '', ['modality']],
    ['Procedure', s?.studyDescription ?? s?.procedureText ?? '', [r?.procedureCode, r?.procedureText].filter(Boolean).join(' '), ['bodyRegion', 'laterality', 'contrast']],
    ['Body part', s?.bodyParts.join(', ') ?? '', '', []],
    ['Institution', s?.institution ?? '', r?.institution ?? '', ['institution']],
    ['Study UID', s?.studyInstanceUid ?? '', r?.studyInstanceUid ?? '', ['studyUid']],
  ];
}

function evidenceCell(evidence: readonly Evidence[]): Html {
  if (evidence.length === 0) return html`<td class="muted">–</td>`;
  return html`<td>${evidence.map((e) => html`<span class="ev ${e.weight >= 0 ? 'ev-pos' : 'ev-neg'}">${evidence.length > 1 ? `${evidenceLabel(e)}: ` : ''}${e.level} <b>${bits(e.weight)}</b></span> `)}</td>`;
}

/** Field-by-field comparison of a study and a report with the candidate's evidence. */
function comparisonTable(n: number, scan: Scan | undefined, report: Report | undefined, evidence: readonly Evidence[]): Html {
  const used = new Set<string>();
  const rows = pairRows(scan, report).map(([label, sv, rv, fields]) => {
    const ev = evidence.filter((e) => fields.includes(e.field));
    for (const f of fields) used.add(f);
    const differs = sv !== '' && rv !== '' && sv.toUpperCase() !== rv.toUpperCase();
    return html`<tr${differs ? html` class="differs"` : ''}><th scope="row">${label}</th><td>${sv}</td><td>${rv}</td>${evidenceCell(ev)}</tr>`;
  });
  const rest = evidence.filter((e) => !used.has(e.field));
  return html`<table class="compare-table">
<caption>Candidate ${n}: fields compared (weights in bits; positive supports the link)</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Study</th><th scope="col">Report</th><th scope="col">Evidence</th></tr></thead>
<tbody>${rows}${rest.map((e) => html`<tr><th scope="row">${evidenceLabel(e)}</th><td colspan="2" class="muted">${e.source ?? 'header'}</td>${evidenceCell([e])}</tr>`)}</tbody>
</table>`;
}

function studyPanel(v: ItemView, scan: Scan | undefined, slot: number, evidence: readonly Evidence[]): Html {
  if (!scan) return html`<p class="muted">The study is no longer in the store.</p>`;
  const model = modelEvidence(evidence);
  return html`<div class="study">
<img class="thumb" src="${v.base}/review/${v.entry.id}/image/${slot}" alt="Thumbnail of a representative image of the study (shows “no image” when no DICOM file is reachable)" width="160" height="160">
<dl class="fields">
<dt>Description</dt><dd>${scan.studyDescription ?? '–'}</dd>
<dt>Modality</dt><dd>${scan.modalities.join(', ') || '–'}</dd>
<dt>Study time</dt><dd>${localTime(scan.studyDateTime) || '–'}</dd>
<dt>Series / images</dt><dd>${scan.seriesCount} / ${scan.instanceCount}</dd>
</dl>
${model.length > 0 ? html`<p class="model-findings">Image model: ${model.map((e) => html`<span class="ev ${e.weight >= 0 ? 'ev-pos' : 'ev-neg'}">${evidenceLabel(e)} ${e.level} (${e.source ?? ''})</span> `)}</p>` : html`<p class="muted">No image-model findings for this pair.</p>`}
</div>`;
}

function reportPanel(report: Report | undefined, labels: ReportLabels | undefined): Html {
  if (!report) return html`<p class="muted">The report is no longer in the store.</p>`;
  return html`<div class="report">
<p class="meta">${report.kind === 'order' ? 'Order' : 'Report'}${report.resultStatus ? ` · status ${report.resultStatus}` : ''}${report.reportDateTime ? ` · reported ${localTime(report.reportDateTime)}` : ''}</p>
${reportTextHtml(report, labels)}
<h4>Findings the labeler read</h4>
${findingsList(labels)}
</div>`;
}

function candidateCard(v: ItemView, c: CandidateView): Html {
  const scan = c.candidate.kind === 'scan' ? c.scan : v.scan;
  const report = c.candidate.kind === 'report' ? c.report : v.report;
  const kind = c.candidate.kind === 'scan' ? 'study' : 'report';
  const label = `Link to this ${kind}`;
  return html`<article class="candidate" id="candidate-${c.n}" aria-labelledby="candidate-${c.n}-h">
<h3 id="candidate-${c.n}-h"><span class="key" aria-hidden="true">${c.n}</span> Candidate ${kind} ${c.n} <span class="prob">${pct(c.candidate.probability)}</span> <span class="muted">(match weight ${bits(c.candidate.matchWeight)} bits)</span></h3>
${c.candidate.kind === 'scan' ? studyPanel(v, c.scan, c.n, c.candidate.evidence) : reportPanel(c.report, c.labels)}
${comparisonTable(c.n, scan, report, c.candidate.evidence)}
${v.canDecide && v.entry.view !== 'resolved' ? html`<form method="post" action="${v.base}/review/${v.entry.id}/link">${csrfField(v.csrf)}<input type="hidden" name="candidate" value="${c.n}"><button type="submit" class="primary" data-shortcut="${c.n <= 9 ? String(c.n) : ''}" aria-keyshortcuts="${c.n <= 9 ? String(c.n) : ''}">${label} (${c.n})</button></form>` : ''}
</article>`;
}

function actions(v: ItemView): Html {
  if (v.entry.view === 'resolved') {
    const r = v.entry.item.resolution;
    return html`<section class="resolution" aria-labelledby="res-h"><h2 id="res-h">Decided</h2><p>${r ? `${r.action}${r.mark ? ` (${r.mark})` : ''} by ${r.by} at ${instant(r.at)}` : 'Resolved.'}</p></section>`;
  }
  if (!v.canDecide) return html`<p class="muted">You can look but not decide (viewer role).</p>`;
  const subject = v.entry.item.studyInstanceUid !== undefined ? 'study' : 'report';
  return html`<section class="actions" aria-labelledby="actions-h">
<h2 id="actions-h">None of these?</h2>
<form method="post" action="${v.base}/review/${v.entry.id}/none">${csrfField(v.csrf)}<input type="hidden" name="mark" value="leave"><button type="submit" data-shortcut="n" aria-keyshortcuts="n">None of these, leave the accession (n)</button></form>
<form method="post" action="${v.base}/review/${v.entry.id}/none">${csrfField(v.csrf)}<input type="hidden" name="mark" value="inconclusive"><button type="submit" data-shortcut="i" aria-keyshortcuts="i">None of these, mark the ${subject}’s accession INCONCLUSIVE (i)</button></form>
${v.entry.view === 'open' ? html`<form method="post" action="${v.base}/review/${v.entry.id}/defer">${csrfField(v.csrf)}<button type="submit" data-shortcut="d" aria-keyshortcuts="d">Defer (d)</button></form>` : ''}
</section>`;
}

/** The whole item page body. */
export function itemPage(v: ItemView): Html {
  const item = v.entry.item;
  const own = item.studyInstanceUid !== undefined ? 'study' : 'report';
  const nav = html`<nav class="pager" aria-label="Review items">
${v.prev ? html`<a href="${v.base}/review/${v.prev.id}" data-shortcut="k" rel="prev">← Previous (k)</a>` : html`<span class="muted">← Previous</span>`}
<a href="${v.base}/queue${v.entry.view === 'open' ? '' : `?view=${v.entry.view}`}" data-shortcut="q">Queue (q)</a>
${v.next ? html`<a href="${v.base}/review/${v.next.id}" data-shortcut="j" rel="next">Next (j) →</a>` : html`<span class="muted">Next →</span>`}
</nav>`;
  return html`<h1>Review: ${own} ${v.position} of ${v.total} ${v.entry.view === 'open' ? '' : html`<span class="badge">${v.entry.view}</span>`} ${v.entry.urgent ? html`<span class="badge badge-urgent">urgent</span>` : ''}</h1>
${nav}
<p class="item-meta">Status <b>${item.status}</b> · reason <b>${item.reason}</b> · open for ${age(item.openedAt, v.now)}</p>
<div class="review-grid">
<section class="subject" aria-labelledby="subject-h">
<h2 id="subject-h">This ${own}</h2>
${own === 'study' ? studyPanel(v, v.scan, 0, item.candidates.flatMap((c) => c.evidence)) : reportPanel(v.report, v.labels)}
</section>
<section class="candidates" aria-labelledby="cands-h">
<h2 id="cands-h">${v.candidates.length} candidate ${own === 'study' ? 'report' : 'stud'}${own === 'study' ? (v.candidates.length === 1 ? '' : 's') : (v.candidates.length === 1 ? 'y' : 'ies')}</h2>
${v.candidates.map((c) => candidateCard(v, c))}
</section>
</div>
${actions(v)}
<aside class="shortcuts" aria-labelledby="keys-h"><h2 id="keys-h">Keyboard</h2><p><kbd>1</kbd>–<kbd>9</kbd> link to that candidate · <kbd>n</kbd> none, leave · <kbd>i</kbd> none, mark INCONCLUSIVE · <kbd>d</kbd> defer · <kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>q</kbd> queue</p></aside>`;
}

/** The queue list body. */
export function queuePage(base: string, view: 'open' | 'deferred' | 'resolved', entries: readonly QueueEntry[], counts: Record<string, number>, now: Date): Html {
  const tabs = (['open', 'deferred', 'resolved'] as const).map((t) => html`<li><a href="${base}/queue${t === 'open' ? '' : `?view=${t}`}"${t === view ? html` aria-current="page"` : ''}>${t} (${counts[t] ?? 0})</a></li>`);
  const rows = entries.map((e, i) => {
    const best = e.item.candidates[0];
    return html`<tr${e.urgent ? html` class="urgent"` : ''}>
<td>${i + 1}</td>
<td><a href="${base}/review/${e.id}" data-row="${i}">${e.item.studyInstanceUid !== undefined ? 'Study' : 'Report'}: ${e.item.status}</a>${e.urgent ? html` <span class="badge badge-urgent">urgent</span>` : ''}</td>
<td>${e.item.reason}</td>
<td>${e.item.candidates.length}</td>
<td>${best ? pct(best.probability) : '–'}</td>
<td>${view === 'resolved' ? `${e.item.resolution?.action ?? ''} by ${e.item.resolution?.by ?? ''}` : age(e.item.openedAt, now)}</td>
</tr>`;
  });
  return html`<h1>Review queue</h1>
<nav aria-label="Queue views"><ul class="tabs">${tabs}</ul></nav>
${entries.length === 0 ? html`<p class="empty">Nothing to review here.</p>` : html`<table class="queue">
<caption>${view === 'resolved' ? 'Decided items, latest first' : 'Ranked by urgency (mismatch and duplicate first), then age'}</caption>
<thead><tr><th scope="col">#</th><th scope="col">Item</th><th scope="col">Reason</th><th scope="col">Candidates</th><th scope="col">Best</th><th scope="col">${view === 'resolved' ? 'Decision' : 'Waiting'}</th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="muted">Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> open.</p>`}`;
}
