/**
 * Server-side HTML for the review console: a tagged template that escapes every interpolated value
 * unless it is already {@link Html}, and the page layout. No client framework: pages are plain HTML,
 * and one small script (`static/console.js`) adds keyboard shortcuts.
 * @see https://html.spec.whatwg.org/multipage/syntax.html#escapingString
 */

/** Markup that is already safe to emit as is. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** A value a template accepts: escaped text, safe markup, or a list of those; null/undefined/false render nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: `html\`<p>${text}</p>\`` escapes `text`; nested `html` results are kept. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Trusted markup (built by this module's callers from escaped parts, e.g. SVG). */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** The user as the layout shows them. */
export interface LayoutUser {
  name: string;
  role: string;
  csrf: string;
}

export interface LayoutOptions {
  title: string;
  /** The console's mount point, e.g. `/console`. */
  base: string;
  user?: LayoutUser;
  /** Which navigation entry is current. */
  current?: 'queue' | 'headers' | 'mappings' | 'activity' | 'audit';
  /** One-off message (after a redirect). */
  flash?: { kind: 'ok' | 'error'; text: string };
  /** Where the queue board is mounted (bull-board), linked from the navigation. */
  queueBoard?: string;
  body: Html;
}

const NAV: ReadonlyArray<[NonNullable<LayoutOptions['current']>, string, string]> = [
  ['queue', 'queue', 'Review queue'],
  ['headers', 'headers', 'Header review'],
  ['mappings', 'mappings', 'Mappings'],
  ['activity', 'activity', 'Activity'],
  ['audit', 'audit', 'Audit trail'],
];

/** The page frame: skip link, navigation, user box with a CSRF-protected sign-out form, main landmark. */
export function layout(o: LayoutOptions): Html {
  const nav = o.user
    ? html`<nav aria-label="Console"><ul>${NAV.map(([key, path, label]) => html`<li><a href="${o.base}/${path}"${o.current === key ? raw(' aria-current="page"') : ''}>${label}</a></li>`)}${o.queueBoard ? html`<li><a href="${o.queueBoard}">Queue board</a></li>` : ''}</ul></nav>
<form class="user" method="post" action="${o.base}/logout"><span>${o.user.name} (${o.user.role})</span><input type="hidden" name="_csrf" value="${o.user.csrf}"><button type="submit">Sign out</button></form>`
    : '';
  const flash = o.flash ? html`<p class="flash flash-${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">${o.flash.text}</p>` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · acclink</title>
<link rel="icon" href="${o.base}/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${o.base}/static/console.css">
<script src="${o.base}/static/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">acclink</span>${nav}</header>
<main id="main" tabindex="-1">
${flash}
${o.body}
</main>
</body>
</html>
`;
}

/** A hidden CSRF field for a form. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** Formats a probability as a percentage with one decimal. */
export function pct(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}
