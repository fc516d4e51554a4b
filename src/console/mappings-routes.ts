/**
 * The Mappings page: browse standards profiles (entries, synonyms with their conditions, dependency
 * rules), add and remove synonyms, edit a profile's YAML, import a `mappings learn` proposal, and see or
 * restore earlier versions. Every write is validated as a profile first and versioned in the audit
 * trail with its author; edits need the admin role.
 * @see https://dicom.nema.org/medical/dicom/current/output/chtml/part16/chapter_L.html
 */
import type { FastifyInstance } from 'fastify';
import type { Conditions, StandardsProfile } from '../transforms/standardize/header/index.ts';
import { addSynonym, FIELD_NAMES, isFieldName, type FieldName } from '../transforms/standardize/header/index.ts';
import { ConsoleHttpError, formField, type ConsoleContext } from './context.ts';
import { instant } from './format.ts';
import { csrfField, html, type Html } from './html.ts';
import { checkFileName, type MappingsStore } from './mappings-store.ts';
import { roleAtLeast } from './sessions.ts';

/** "modality=CT; bodyPartExamined=CHEST,THORAX" → conditions for addSynonym. */
export function parseConditions(text: string | undefined): Partial<Record<FieldName, string[]>> | undefined {
  if (!text) return undefined;
  const out: Partial<Record<FieldName, string[]>> = {};
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [field, values] = part.split('=').map((x) => x.trim());
    if (!field || !values || !isFieldName(field)) throw new ConsoleHttpError(422, `Conditions are field=value pairs separated by “;”, with fields from: ${FIELD_NAMES.join(', ')}.`);
    out[field] = values.split(',').map((v) => v.trim()).filter(Boolean);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function conditionsText(c: Conditions | undefined): string {
  if (!c) return '';
  return Object.entries(c).map(([f, t]) => `${f}=${t?.pattern !== undefined ? `/${t.pattern}/` : (t?.values ?? []).join(',')}`).join('; ');
}

function profileTables(ctx: ConsoleContext, file: string, p: StandardsProfile, csrf: string, admin: boolean): Html {
  const fields = Object.entries(p.fields).filter(([, r]) => r !== undefined && r.standards.length > 0);
  return html`${fields.map(([name, rules]) => html`<details class="profile-field"><summary><span class="field-name">${name}</span> <span class="muted">(${rules?.standards.length ?? 0} entries${rules?.fixedSet ? ', fixed set' : ''})</span></summary>
<table><thead><tr><th scope="col">Entry</th><th scope="col">Synonyms (conditions)</th><th scope="col">Depends on</th></tr></thead><tbody>
${(rules?.standards ?? []).map((e, ei) => html`<tr><td>${e.entry}${e.global ? html` <span class="muted">→ ${e.global}</span>` : ''}</td><td>${e.synonyms.map((s, si) => html`<span class="synonym">${s.text}${s.when ? html` <span class="muted">(when ${conditionsText(s.when)})</span>` : ''}${admin ? html`<form method="post" action="${ctx.base}/mappings/synonym/remove" class="inline">${csrfField(csrf)}<input type="hidden" name="file" value="${file}"><input type="hidden" name="field" value="${name}"><input type="hidden" name="entry" value="${ei}"><input type="hidden" name="synonym" value="${si}"><input type="hidden" name="text" value="${s.text}"><button type="submit" aria-label="Remove synonym ${s.text} of ${e.entry}">×</button></form>` : ''}</span>${si < e.synonyms.length - 1 ? ' · ' : ''}`)}</td><td>${conditionsText(e.dependsOn)}</td></tr>`)}
</tbody></table></details>`)}
<section aria-labelledby="deps-h"><h3 id="deps-h">Dependency rules</h3>
${p.dependencies.length === 0 ? html`<p class="muted">None.</p>` : html`<table><thead><tr><th scope="col">Rule</th><th scope="col">If</th><th scope="col">Then</th><th scope="col">Direction</th></tr></thead><tbody>${p.dependencies.map((d, i) => html`<tr><td>${d.id ?? `#${i + 1}`}</td><td>${conditionsText(d.if)}</td><td>${conditionsText(d.then)}</td><td>${d.direction}</td></tr>`)}</tbody></table>`}
</section>`;
}

function editForms(ctx: ConsoleContext, file: string, text: string, p: StandardsProfile, csrf: string): Html {
  const fields = Object.entries(p.fields).filter(([, r]) => (r?.standards.length ?? 0) > 0).map(([f]) => f);
  return html`<section aria-labelledby="add-h"><h2 id="add-h">Add a synonym</h2>
<form method="post" action="${ctx.base}/mappings/synonym">${csrfField(csrf)}<input type="hidden" name="file" value="${file}">
<p><label for="syn-field">Field</label><select id="syn-field" name="field">${fields.map((f) => html`<option${f === 'studyDescription' ? html` selected` : ''}>${f}</option>`)}</select>
<label for="syn-entry">Standard entry</label><input id="syn-entry" name="entry" required list="entries">
<datalist id="entries">${Object.values(p.fields).flatMap((r) => r?.standards ?? []).map((e) => html`<option value="${e.entry}">`)}</datalist></p>
<p><label for="syn-text">Synonym text</label><input id="syn-text" name="text" required>
<label for="syn-when">Only when</label><input id="syn-when" name="when" placeholder="modality=CT; bodyPartExamined=CHEST" aria-describedby="syn-when-help"></p>
<p id="syn-when-help" class="muted">Conditions (optional): field=value pairs separated by “;”, several values with “,”.</p>
<p><button type="submit">Add synonym</button></p></form></section>
<section aria-labelledby="yaml-h"><h2 id="yaml-h">Edit ${file}</h2>
<form method="post" action="${ctx.base}/mappings/yaml">${csrfField(csrf)}<input type="hidden" name="file" value="${file}">
<p><label for="yaml">Profile YAML (entries, synonyms, dependency rules)</label></p><textarea id="yaml" name="yaml" spellcheck="false">${text}</textarea>
<p><button type="submit">Validate and save</button></p></form></section>
<section aria-labelledby="import-h"><h2 id="import-h">Import a proposal from <code>acclink mappings learn</code></h2>
<form method="post" action="${ctx.base}/mappings/import">${csrfField(csrf)}
<p><label for="import-file">Save as</label><input id="import-file" name="file" required placeholder="site.yaml" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]*\\.ya?ml"></p>
<p><label for="import-yaml">Proposal YAML (the file <code>--out</code> wrote, as reviewed)</label></p><textarea id="import-yaml" name="yaml" spellcheck="false" required></textarea>
<p><button type="submit">Validate and import</button></p></form></section>`;
}

function versionsTable(ctx: ConsoleContext, versions: Awaited<ReturnType<MappingsStore['versions']>>, csrf: string, admin: boolean): Html {
  if (versions.length === 0) return html`<p class="muted">No edits through the console yet.</p>`;
  return html`<table class="versions"><thead><tr><th scope="col">Version</th><th scope="col">When</th><th scope="col">By</th><th scope="col">What</th><th scope="col"></th></tr></thead><tbody>
${versions.slice(0, 50).map((v) => html`<tr><td><a href="${ctx.base}/mappings/version/${v.seq}">#${v.seq}</a></td><td>${instant(v.at)}</td><td>${v.actor}</td><td>${v.note}</td><td>${admin ? html`<form method="post" action="${ctx.base}/mappings/restore">${csrfField(csrf)}<input type="hidden" name="seq" value="${v.seq}"><button type="submit">Restore</button></form>` : ''}</td></tr>`)}
</tbody></table>`;
}

export function registerMappingRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const store = ctx.mappings;
  const need = (): MappingsStore => {
    if (!store) throw new ConsoleHttpError(404, 'No mappings folder is configured for the console (option `mappings`).');
    return store;
  };
  const fileOf = (v: string | undefined): string => {
    try {
      return checkFileName(v ?? '');
    } catch {
      throw new ConsoleHttpError(422, 'A profile file name is letters, digits, dots, dashes and underscores, ending in .yaml.');
    }
  };

  app.get('/mappings', async (req, reply) => {
    const p = ctx.principal(req);
    if (!store) return ctx.page(req, reply, { title: 'Mappings', current: 'mappings', body: html`<h1>Mappings</h1><p class="muted">No mappings folder is configured for the console (option <code>mappings</code>).</p>` });
    const files = await store.list();
    const asked = (req.query as { file?: string }).file;
    const file = asked !== undefined && files.includes(asked) ? asked : files.includes(store.options.profile) ? store.options.profile : files[0];
    const admin = roleAtLeast(p.role, 'admin');
    const current = file ? await store.read(file) : undefined;
    const body = html`<h1>Mappings</h1>
<nav aria-label="Profiles"><ul class="tabs">${files.map((f) => html`<li><a href="${ctx.base}/mappings?file=${encodeURIComponent(f)}"${f === file ? html` aria-current="page"` : ''}>${f}</a></li>`)}</ul></nav>
${current && file ? html`<h2>${current.profile.name}${current.profile.title ? ` — ${current.profile.title}` : ''} <span class="muted">(${file}${file === store.options.profile ? ', receives header review synonyms' : ''})</span></h2>
${profileTables(ctx, file, current.profile, p.session.csrf, admin)}
${admin ? editForms(ctx, file, current.text, current.profile, p.session.csrf) : html`<p class="muted">Editing needs the admin role.</p>`}
<h2>Versions of ${file}</h2>${versionsTable(ctx, await store.versions(file), p.session.csrf, admin)}` : html`<p class="muted">No profile files in the folder.</p>`}`;
    return ctx.page(req, reply, { title: 'Mappings', current: 'mappings', body });
  });

  app.get('/mappings/version/:seq', async (req, reply) => {
    const seq = Number((req.params as { seq: string }).seq);
    const v = (await need().versions()).find((x) => x.seq === seq);
    if (!v) throw new ConsoleHttpError(404, 'There is no such version.');
    return ctx.page(req, reply, { title: 'Mapping version', current: 'mappings', body: html`<h1>${v.file}, version #${v.seq}</h1><p>${instant(v.at)} by ${v.actor}: ${v.note} · SHA-256 <code>${v.sha256}</code></p><pre class="yaml">${v.yaml}</pre>` });
  });

  app.post('/mappings/synonym', async (req, reply) => {
    const p = ctx.requireRole(req, 'admin');
    const file = fileOf(formField(req.body, 'file'));
    const field = formField(req.body, 'field') ?? '';
    const [entry, text] = [formField(req.body, 'entry') ?? '', formField(req.body, 'text') ?? ''];
    if (!isFieldName(field) || entry === '' || text === '') throw new ConsoleHttpError(422, 'Give a field, a standard entry and the synonym text.');
    const s = need();
    const { profile } = await s.read(file);
    const next = addSynonym(profile, field, text, entry, parseConditions(formField(req.body, 'when')));
    await s.writeProfile(file, next, p.user, `synonym “${text}” → ${entry} (${field})`);
    return ctx.redirect(req, reply, `/mappings?file=${encodeURIComponent(file)}`, { kind: 'ok', text: `Saved: “${text}” is now a synonym of ${entry}.` });
  });

  app.post('/mappings/synonym/remove', async (req, reply) => {
    const p = ctx.requireRole(req, 'admin');
    const file = fileOf(formField(req.body, 'file'));
    const field = formField(req.body, 'field') ?? '';
    const [ei, si] = [Number(formField(req.body, 'entry')), Number(formField(req.body, 'synonym'))];
    const s = need();
    const { profile } = await s.read(file);
    const rules = isFieldName(field) ? profile.fields[field] : undefined;
    const entry = rules?.standards[ei];
    const synonym = entry?.synonyms[si];
    // The text guards against a profile that changed since the page was shown.
    if (!rules || !entry || !synonym || synonym.text !== formField(req.body, 'text')) throw new ConsoleHttpError(409, 'The profile changed since the page was shown; reload and try again.');
    const standards = rules.standards.map((e, i) => (i === ei ? { ...e, synonyms: e.synonyms.filter((_, j) => j !== si) } : e));
    await s.writeProfile(file, { ...profile, fields: { ...profile.fields, [field]: { ...rules, standards } } }, p.user, `removed synonym “${synonym.text}” of ${entry.entry} (${field})`);
    return ctx.redirect(req, reply, `/mappings?file=${encodeURIComponent(file)}`, { kind: 'ok', text: `Removed “${synonym.text}”.` });
  });

  app.post('/mappings/yaml', async (req, reply) => {
    const p = ctx.requireRole(req, 'admin');
    const file = fileOf(formField(req.body, 'file'));
    const yaml = (req.body as Record<string, unknown>).yaml;
    if (typeof yaml !== 'string' || yaml.trim() === '') throw new ConsoleHttpError(422, 'The profile text is empty.');
    await need().write(file, yaml, p.user, 'edited as YAML');
    return ctx.redirect(req, reply, `/mappings?file=${encodeURIComponent(file)}`, { kind: 'ok', text: `Saved ${file}.` });
  });

  app.post('/mappings/import', async (req, reply) => {
    const p = ctx.requireRole(req, 'admin');
    const file = fileOf(formField(req.body, 'file'));
    const yaml = (req.body as Record<string, unknown>).yaml;
    if (typeof yaml !== 'string' || yaml.trim() === '') throw new ConsoleHttpError(422, 'Paste the proposal YAML.');
    await need().write(file, yaml, p.user, 'imported a mappings learn proposal');
    return ctx.redirect(req, reply, `/mappings?file=${encodeURIComponent(file)}`, { kind: 'ok', text: `Imported as ${file}.` });
  });

  app.post('/mappings/restore', async (req, reply) => {
    const p = ctx.requireRole(req, 'admin');
    const seq = Number(formField(req.body, 'seq'));
    const s = need();
    const v = (await s.versions()).find((x) => x.seq === seq);
    if (!v) throw new ConsoleHttpError(404, 'There is no such version.');
    await s.write(v.file, v.yaml, p.user, `restored version #${v.seq}`);
    return ctx.redirect(req, reply, `/mappings?file=${encodeURIComponent(v.file)}`, { kind: 'ok', text: `Restored ${v.file} to version #${v.seq}.` });
  });
}
