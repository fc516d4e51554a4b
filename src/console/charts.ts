/**
 * Inline SVG bar charts (no script, no inline styles: colours come from classes in console.css, which
 * the Content Security Policy allows). Each chart has a title and description for screen readers, and
 * callers put the same numbers in a table beside it.
 * @see https://www.w3.org/TR/SVG2/struct.html#DescriptionAndTitleElements
 */
import { html, type Html } from './html.ts';

export interface Series {
  name: string;
  /** CSS class of the bars, e.g. `s1`. */
  cls: string;
  values: readonly number[];
}

export interface BarChartOptions {
  id: string;
  title: string;
  description: string;
  categories: readonly string[];
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Label every n-th category on the x axis. */
  labelEvery?: number;
}

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

/** Grouped bars: one group per category, one bar per series, with a y axis from 0 to the maximum. */
export function barChart(o: BarChartOptions): Html {
  const width = o.width ?? 640;
  const height = o.height ?? 220;
  const [left, right, top, bottom] = [40, 10, 10, 40];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...o.series.flatMap((s) => s.values));
  const groupW = plotW / Math.max(1, o.categories.length);
  const barW = Math.max(1, (groupW * 0.8) / Math.max(1, o.series.length));
  const every = o.labelEvery ?? Math.max(1, Math.ceil(o.categories.length / 10));
  const bars = o.series.flatMap((s, si) => s.values.map((v, ci) => {
    const h = (v / max) * plotH;
    const x = left + ci * groupW + groupW * 0.1 + si * barW;
    return html`<rect class="${s.cls}" x="${fmt(x)}" y="${fmt(top + plotH - h)}" width="${fmt(barW)}" height="${fmt(h)}"><title>${o.categories[ci] ?? ''}: ${s.name} ${v}</title></rect>`;
  }));
  const labels = o.categories.map((c, ci) => (ci % every === 0
    ? html`<text class="axis" x="${fmt(left + ci * groupW + groupW / 2)}" y="${height - bottom + 14}" text-anchor="middle">${c}</text>`
    : ''));
  const legend = o.series.map((s, si) => html`<rect class="${s.cls}" x="${left + si * 140}" y="${height - 14}" width="10" height="10"></rect><text class="axis" x="${left + si * 140 + 14}" y="${height - 5}">${s.name}</text>`);
  return html`<svg class="chart" id="${o.id}" role="img" aria-labelledby="${o.id}-t ${o.id}-d" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${o.id}-t">${o.title}</title><desc id="${o.id}-d">${o.description}</desc>
<line class="axis-line" x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}"></line>
<line class="axis-line" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}"></line>
<text class="axis" x="${left - 4}" y="${top + 8}" text-anchor="end">${max}</text><text class="axis" x="${left - 4}" y="${top + plotH}" text-anchor="end">0</text>
${bars}${labels}${legend}
</svg>`;
}

/** Counts of `values` in `bins` equal bins over [0, 1] (1 falls in the last bin). */
export function histogram(values: readonly number[], bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = Math.min(bins - 1, Math.max(0, Math.floor(v * bins)));
    out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}
