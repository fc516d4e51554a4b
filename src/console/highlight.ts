/**
 * Report text with the labeler's findings highlighted: each finding mention becomes a `<mark>` whose
 * class says its state (positive, negative, uncertain), and negated or uncertain mentions carry a
 * visible tag with the trigger that decided it ("no", "cannot be excluded"), so a reviewer sees what the
 * labeler read and where it may have misread.
 */
import { labelReport, type FindingMention, type FindingsLexicon, type ReportLabels } from '../transforms/report-text/index.ts';
import type { ProcedureTerms } from '../transforms/standardize/procedure.ts';
import type { Report } from '../model/types.ts';
import { html, type Html } from './html.ts';

const TAG: Readonly<Record<FindingMention['state'], string>> = { positive: 'present', negative: 'negated', uncertain: 'uncertain' };

/** Non-overlapping mentions in text order (the first of overlapping ones wins). */
function ordered(mentions: readonly FindingMention[], length: number): FindingMention[] {
  const out: FindingMention[] = [];
  let end = 0;
  for (const m of [...mentions].sort((a, b) => a.span[0] - b.span[0] || b.span[1] - a.span[1])) {
    if (m.span[0] < end || m.span[1] > length || m.span[0] >= m.span[1]) continue;
    out.push(m);
    end = m.span[1];
  }
  return out;
}

/** Marks up `text` with `mentions` (spans into `text`). */
export function highlightText(text: string, mentions: readonly FindingMention[]): Html {
  const parts: Html[] = [];
  let at = 0;
  for (const m of ordered(mentions, text.length)) {
    parts.push(html`${text.slice(at, m.span[0])}`);
    const why = `${m.finding}: ${m.state}${m.trigger ? ` (“${m.trigger}”)` : ''} in ${m.section}`;
    parts.push(html`<mark class="finding finding-${m.state}" title="${why}">${text.slice(m.span[0], m.span[1])}<span class="tag">${TAG[m.state]}${m.trigger && m.state !== 'positive' ? html`: ${m.trigger}` : ''}</span></mark>`);
    at = m.span[1];
  }
  parts.push(html`${text.slice(at)}`);
  return html`<pre class="report-text">${parts}</pre>`;
}

/** The labels of a report, or undefined without a lexicon or text. */
export function labelsOf(report: Report, lexicon: FindingsLexicon | undefined, terms: ProcedureTerms): ReportLabels | undefined {
  if (!lexicon || !report.text) return undefined;
  return labelReport(report, lexicon, terms);
}

/** Report text, highlighted when labels are available. */
export function reportTextHtml(report: Report, labels: ReportLabels | undefined): Html {
  if (!report.text) return html`<p class="muted">No report text (an order, or text not received).</p>`;
  return labels ? highlightText(report.text, labels.mentions) : html`<pre class="report-text">${report.text}</pre>`;
}

/** The report-level findings as a short list: finding and state. */
export function findingsList(labels: ReportLabels | undefined): Html {
  const entries = Object.entries(labels?.findings ?? {});
  if (entries.length === 0) return html`<p class="muted">The labeler found no findings.</p>`;
  return html`<ul class="findings">${entries.map(([f, s]) => html`<li><span class="finding finding-${s}">${f}</span> ${s}</li>`)}</ul>`;
}
