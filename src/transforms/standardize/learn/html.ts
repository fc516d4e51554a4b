/**
 * The learned proposal as a self-contained HTML report: a summary table, then per field its values
 * (bar charts made of CSS bars), its proposed standards with their synonyms, counts and confidences,
 * and its formats; then the dependency rules. Items a person should look at are marked with a visible
 * "review" label, not by colour alone. No scripts, no external resources. Pure: returns the text.
 */
import type { ValueCluster } from './cluster.ts';
import type { DependencyRule } from './dependencies.ts';
import type { HistogramEntry } from './histogram.ts';
import { clusterNeedsReview, needsReview, proposalSummary, reviewCount } from './learn.ts';
import type { FieldLearning, LearnOptions, LearnResult } from './learn.ts';

/** Options of {@link renderLearnHtml}. */
export interface LearnHtmlOptions {
  /** `YYYY-MM-DD` of the run. */
  date: string;
  /** File name of the YAML proposal the report belongs to. */
  yamlFile: string;
  /** File name of the evidence YAML. */
  evidenceFile?: string;
  /** How many inputs of each kind were given. */
  sources: { dicom: number; hl7: number; fhir: number };
  /** Values shown per histogram (default 40). */
  maxValues?: number;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
}
const e = escapeHtml;
const pct = (x: number): string => `${(Math.round(x * 1000) / 10).toString()}%`;
const conf = (x: number): string => x.toFixed(2);
const REVIEW = '<strong class="badge">review</strong>';

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;background:#fff;margin:0 auto;max-width:72rem;padding:1rem 1.5rem 3rem}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2.5rem;border-bottom:2px solid #d0d7de;padding-bottom:.2rem}h3{font-size:1.05rem;margin-top:1.4rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.barcell{width:40%}.bar{display:block;height:.9rem;background:#0969da;border-radius:2px;min-width:1px}
.bar.fill{background:#1a7f37}.bar.low{background:#bf8700}
tr.review td{background:#fff8c5}.badge{display:inline-block;font-size:.75rem;font-weight:700;text-transform:uppercase;color:#6a4a00;border:1px solid #bf8700;border-radius:3px;padding:0 .3rem;margin-left:.3rem}
.syn{display:inline-block;margin:0 .6rem .2rem 0}.syn.weak{font-style:italic}.muted{color:#57606a}.note{background:#f6f8fa;border-left:4px solid #0969da;padding:.5rem .8rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;background:#f6f8fa;padding:0 .2rem;border-radius:3px}
nav ul{columns:3;list-style:none;padding:0}a{color:#0969da}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}th{background:#161b22}th,td{border-color:#30363d}tr.review td{background:#3b2e00}.note,code{background:#161b22}.muted{color:#8b949e}a{color:#58a6ff}.badge{color:#e3b341}}
`;

/** A CSS bar `share` wide; hidden from screen readers, which read the number beside it. */
function bar(share: number, kind = ''): string {
  const w = Math.max(0, Math.min(100, share * 100)).toFixed(1);
  return `<span class="bar${kind === '' ? '' : ` ${kind}`}" style="width:${w}%" aria-hidden="true"></span>`;
}

/** A histogram as a table with bars: value, count, share. */
function histogramTable(caption: string, entries: readonly HistogramEntry[], total: number, max: number, valueHeader = 'Value', code = false): string {
  if (entries.length === 0) return `<p class="muted">${e(caption)}: no values.</p>`;
  const top = entries[0]?.count ?? 1;
  const rows = entries.slice(0, max).map((x) => {
    const value = code ? `<code>${e(x.value)}</code>` : e(x.value);
    return `<tr><td>${value}</td><td class="num">${x.count}</td><td class="num">${pct(total === 0 ? 0 : x.count / total)}</td><td class="barcell">${bar(x.count / top)}</td></tr>`;
  });
  const more = entries.length > max ? `<tr><td colspan="4" class="muted">… and ${entries.length - max} more values (${entries.slice(max).reduce((a, x) => a + x.count, 0)} occurrences)</td></tr>` : '';
  return `<table><caption>${e(caption)}</caption><thead><tr><th scope="col">${e(valueHeader)}</th><th scope="col" class="num">Count</th><th scope="col" class="num">Share</th><th scope="col"><span class="sr">Chart</span></th></tr></thead><tbody>${rows.join('')}${more}</tbody></table>`;
}

function synonymsCell(c: ValueCluster, o: LearnOptions): string {
  const others = c.variants.filter((v) => v.how !== 'standard');
  if (others.length === 0) return '<span class="muted">none</span>';
  return others.map((v) => {
    const weak = v.confidence < o.lowConfidence;
    const when = v.modalities === undefined ? '' : ` <span class="muted">when modality ${v.modalities.map(e).join(', ')}</span>`;
    const where = v.elsewhere === undefined ? '' : ` <span class="muted">(also under ${v.elsewhere.map((x) => `${e(x.value)} ×${x.count}`).join(', ')})</span>`;
    return `<span class="syn${weak ? ' weak' : ''}">${e(v.value)} <span class="muted">×${v.count}, ${conf(v.confidence)}, ${e(v.how)}</span>${when}${weak ? REVIEW : ''}${where}</span>`;
  }).join(' ');
}

function clustersTable(f: FieldLearning, o: LearnOptions): string {
  if (f.clusters.length === 0) return '';
  const exam = f.clusters.some((c) => c.signature !== undefined);
  const counter = f.clusters.some((c) => c.counterpart !== undefined);
  const rows = f.clusters.map((c) => {
    const review = clusterNeedsReview(c, o);
    const cells = [
      `<th scope="row">${e(c.entry)}${review ? REVIEW : ''}</th>`,
      ...(exam ? [`<td>${e(c.signature?.text ?? '')}</td>`] : []),
      ...(counter ? [`<td>${e(c.counterpart?.entry ?? '')}</td>`] : []),
      `<td class="num">${c.count}</td>`,
      `<td class="num">${conf(c.confidence)}</td>`,
      `<td>${synonymsCell(c, o)}</td>`,
    ];
    return `<tr${review ? ' class="review"' : ''}>${cells.join('')}</tr>`;
  });
  const heads = ['Proposed standard', ...(exam ? ['Exam read from the text'] : []), ...(counter ? ['Same exam in the other source'] : []), 'Count', 'Confidence', 'Synonyms (count, confidence, why)'];
  return `<table><caption>Proposed standards (${f.clusters.length}) with the variants grouped under them</caption><thead><tr>${heads.map((h) => `<th scope="col"${h === 'Count' || h === 'Confidence' ? ' class="num"' : ''}>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function formatLine(f: FieldLearning, o: LearnOptions): string {
  const fmt = f.format;
  if (fmt === undefined) return '';
  const parts = [
    ...(fmt.date === undefined ? [] : [`pattern <code>${e(fmt.date)}</code>`]),
    ...(fmt.style === undefined ? [] : [`layout ${e(fmt.style)}`]),
    ...(fmt.case === undefined ? [] : [`case ${e(fmt.case)}`]),
    ...(fmt.pattern === undefined ? [] : [`regex <code>${e(fmt.pattern)}</code>`]),
  ];
  const low = fmt.share < o.lowConfidence;
  return `<p${low ? ' class="review"' : ''}>Proposed format: ${parts.join(', ')} — followed by ${pct(fmt.share)} of values.${low ? REVIEW : ''}</p>`;
}

function fieldSection(f: FieldLearning, o: LearnOptions, max: number): string {
  const h = f.histogram;
  const who = f.spec.side === 'dicom' ? 'studies' : 'reports and orders';
  const head = `<section id="f-${e(f.spec.name)}" aria-labelledby="h-${e(f.spec.name)}"><h2 id="h-${e(f.spec.name)}">${e(f.spec.label)} <span class="muted">· <code>${e(f.spec.name)}</code> · ${e(f.spec.source)}</span></h2>`;
  const facts = `<p>Filled in ${h.filled} of ${h.records} ${who} (${pct(h.fillRate)}) — proposed <strong>${f.mandatory ? 'mandatory' : 'optional'}</strong> (mandatory from ${pct(o.mandatoryFillRate)}). ${h.entries.length} distinct ${f.spec.kind === 'format' ? 'formats' : 'values'} in ${h.occurrences} occurrences; ${f.fixedSet ? 'proposed as a fixed set of values' : 'no fixed set proposed'}${f.spec.profile ? '' : ' (learned for this report only: not a field of the standards profile)'}.</p>`;
  const parts = [head, facts, formatLine(f, o)];
  if (f.spec.kind === 'format') {
    parts.push(histogramTable('Formats seen (classes only: no value is shown)', h.entries, h.occurrences, max, 'Format', true));
  } else {
    parts.push(histogramTable('Values seen', h.entries, h.occurrences, max));
    parts.push(clustersTable(f, o));
    if (f.consensusStyle !== undefined) {
      const low = f.consensusStyle.share < o.lowConfidence;
      parts.push(`<p>Consensus description style: <strong>${e(f.consensusStyle.value)}</strong> (${pct(f.consensusStyle.share)} of values)${low ? REVIEW : ''}.</p>`);
      parts.push(histogramTable('Description styles (the order in which a description states its facts)', f.styles, h.occurrences, max, 'Style'));
    }
    parts.push(histogramTable('Letter case', f.cases, h.occurrences, max, 'Case'));
  }
  parts.push('</section>');
  return parts.filter((p) => p !== '').join('\n');
}

function summaryTable(result: LearnResult): string {
  const o = result.options;
  const rows = result.fields.map((f) => {
    const reviews = reviewCount(f, o);
    const proposal = proposalSummary(f);
    return `<tr><th scope="row"><a href="#f-${e(f.spec.name)}">${e(f.spec.label)}</a></th><td class="num">${pct(f.histogram.fillRate)}</td><td class="barcell">${bar(f.histogram.fillRate, f.mandatory ? 'fill' : 'low')}</td><td>${f.mandatory ? 'yes' : 'no'}</td><td class="num">${f.histogram.entries.length}</td><td>${e(proposal)}</td><td class="num">${reviews}</td></tr>`;
  });
  return `<table><caption>Fields: fill rate, proposal and items to review</caption><thead><tr><th scope="col">Field</th><th scope="col" class="num">Filled</th><th scope="col"><span class="sr">Chart</span></th><th scope="col">Mandatory</th><th scope="col" class="num">Distinct</th><th scope="col">Proposal</th><th scope="col" class="num">To review</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function ruleValues(values: DependencyRule['allowed']): string {
  return values.map((v) => `<span class="syn">${e(v.value)} <span class="muted">×${v.count}, ${pct(v.confidence)}, back ${pct(v.reverse)}</span></span>`).join(' ');
}

function dependencySection(result: LearnResult): string {
  const o = result.options;
  if (result.dependencies.length === 0) return '<section id="dependencies"><h2>Dependencies</h2><p class="muted">No rule found.</p></section>';
  const rows = result.dependencies.map((r) => {
    const review = needsReview(r.confidence, r.support, o);
    return `<tr${review ? ' class="review"' : ''}><th scope="row">${e(r.ifField)} = ${e(r.ifValue)}${review ? REVIEW : ''}</th><td>${e(r.thenField)} ∈ ${ruleValues(r.allowed)}</td><td>${r.direction === 'both' ? 'both ways' : 'one way'}</td><td class="num">${r.support}</td><td class="num">${pct(r.confidence)}</td><td>${r.leftOut.length === 0 ? '<span class="muted">none</span>' : ruleValues(r.leftOut)}</td></tr>`;
  });
  return `<section id="dependencies" aria-labelledby="h-dependencies"><h2 id="h-dependencies">Dependencies</h2>
<p>Which values occur together. <em>Support</em>: records with the <em>if</em> value; each allowed value shows its count, its share of those records, and how often it comes back to the <em>if</em> value. Values seen in under ${pct(o.ruleMinShare)} of the records are left out as likely errors.</p>
<table><caption>Proposed dependency rules (${result.dependencies.length})</caption><thead><tr><th scope="col">If</th><th scope="col">Then</th><th scope="col">Direction</th><th scope="col" class="num">Support</th><th scope="col" class="num">Confidence</th><th scope="col">Left out (rare)</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p>Proposed order to standardize fields in: ${result.order.map((f) => `<code>${e(f)}</code>`).join(' → ')}</p></section>`;
}

/** The HTML report text. */
export function renderLearnHtml(result: LearnResult, opts: LearnHtmlOptions): string {
  const max = opts.maxValues ?? 40;
  const o = result.options;
  const nav = result.fields.map((f) => `<li><a href="#f-${e(f.spec.name)}">${e(f.spec.label)}</a></li>`).join('');
  const s = opts.sources;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>acclink · learned standardization proposal · ${e(opts.date)}</title>
<style>${CSS}.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}</style>
</head>
<body>
<header>
<h1>Standardization proposal learned from this site's archive</h1>
<p>${e(opts.date)} · ${result.records.dicom} studies and ${result.records.hl7} reports/orders read from ${s.dicom} DICOM, ${s.hl7} HL7 and ${s.fhir} FHIR input${s.dicom + s.hl7 + s.fhir === 1 ? '' : 's'} · proposal <code>${e(opts.yamlFile)}</code>${opts.evidenceFile === undefined ? '' : ` · evidence <code>${e(opts.evidenceFile)}</code>`}</p>
<p class="note">A proposal for a person to review; nothing is applied. Items marked ${REVIEW} have a confidence under ${conf(o.lowConfidence)} or fewer than ${o.minSupport} occurrences. Patient names, identifiers and birth dates, and all person names, appear only as format classes and counts.</p>
</header>
<nav aria-label="Fields"><ul>${nav}<li><a href="#dependencies">Dependencies</a></li></ul></nav>
<main>
<section id="summary" aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2>
${summaryTable(result)}
</section>
${result.fields.map((f) => fieldSection(f, o, max)).join('\n')}
${dependencySection(result)}
</main>
</body>
</html>
`;
}
