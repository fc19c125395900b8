import type { Category, CategoryPhase, Election } from '../../domain/catalog/model';
import type { ProcessingBacklog, WaitingFile } from '../../domain/processing/backlog';
import type { DiskSpace } from '../../domain/submissions/disk-space';
import { html } from '../html';
import { errorBox, formatInstant, layout, type PageContext } from '../layout';
import { diskWarning, processingLine } from './review-panels';

/** The admin section's own navigation, first on every admin page. */
export function adminNav(page: PageContext) {
  const { t } = page;
  const links: [string, string][] = [
    ['/admin/catalog', t('admin_catalog_title')],
    ['/admin/accounts', t('accounts_title')],
    ['/admin/stations', t('stations_title')],
    ['/admin/counts', t('admin_counts')],
    ['/admin/settings', t('settings_title')],
    ['/admin/replication', t('replication_title')],
    ['/admin/processing', t('processing_title')],
    ['/admin/audit', t('audit_title')],
    ['/account', t('nav_account')],
  ];
  const current = page.path.split('?')[0];
  return html`<nav class="subnav" aria-label="${t('nav_admin')}">${links.map(([href, label]) =>
    html`<a href="${href}" ${current === href ? html`aria-current="page"` : null}>${label}</a>`)}</nav>`;
}

/** Processing at a glance: free disk, how far behind, and every file waiting to be retried with why. */
export function processingAdminPage(page: PageContext, data: { disk: DiskSpace; backlog: ProcessingBacklog; waiting: WaitingFile[] }) {
  const { t } = page;
  const body = html`
${adminNav(page)}
<h1>${t('processing_title')}</h1>
${diskWarning(page, data.disk)}
${processingLine(page, data.disk, data.backlog)}
<h2>${t('processing_waiting_title')}</h2>
<p class="hint">${t('processing_waiting_intro')}</p>
${data.waiting.length === 0
  ? html`<p id="waiting-none">${t('processing_waiting_none')}</p>`
  : html`<div class="table-scroll"><table class="files" id="waiting-files">
  <thead><tr><th scope="col">${t('processing_file')}</th><th scope="col">${t('processing_reason')}</th><th scope="col">${t('processing_attempts')}</th><th scope="col">${t('received_at')}</th><th scope="col">${t('processing_parked_at')}</th></tr></thead>
  <tbody>
  ${data.waiting.map((f) => html`<tr>
    <td><a href="/moderation/submissions/${f.submissionId}#file-${f.id}">${f.name}</a></td><td>${f.reason}</td><td>${f.attempts}</td>
    <td>${formatInstant(f.receivedAt)}</td><td>${formatInstant(f.parkedAt)}</td>
  </tr>`)}
  </tbody>
</table></div>`}`;
  return layout(page, t('processing_title'), body);
}

export function catalogAdminPage(
  page: PageContext,
  data: { elections: Election[]; categories: Category[]; phases: CategoryPhase[]; error?: string },
) {
  const { t, lang } = page;
  const csrf = html`<input type="hidden" name="_csrf" value="${page.csrfToken}">`;
  const body = html`
${adminNav(page)}
<h1>${t('admin_catalog_title')}</h1>
${errorBox(data.error)}
<h2>${t('admin_elections')}</h2>
<table class="files">
  <thead><tr><th>${t('admin_slug')}</th><th>${t('election')}</th><th>${t('admin_voting_days')}</th><th>${t('admin_active')}</th></tr></thead>
  <tbody>
  ${data.elections.map((e) => html`<tr>
    <td><code>${e.slug}</code></td><td>${e.name_ru}<br>${e.name_en}</td><td>${e.voting_starts_on} – ${e.voting_ends_on}</td>
    <td><form method="post" action="/admin/elections/${e.id}">${csrf}
      <input type="hidden" name="active" value="${e.active ? 'false' : 'true'}">
      <button type="submit" class="link">${e.active ? t('admin_deactivate') : t('admin_activate')}</button></form></td>
  </tr>`)}
  </tbody>
</table>
<form method="post" action="/admin/elections" class="narrow">${csrf}
  <h3>${t('admin_add_election')}</h3>
  <label for="slug">${t('admin_slug')}</label><input id="slug" name="slug" required pattern="[a-z0-9-]{3,80}" placeholder="ru-duma-2026">
  <label for="name_ru">${t('admin_name_ru')}</label><input id="name_ru" name="name_ru" required maxlength="300">
  <label for="name_en">${t('admin_name_en')}</label><input id="name_en" name="name_en" required maxlength="300">
  <label for="country">${t('admin_country')}</label><input id="country" name="country" required maxlength="2" placeholder="RU">
  <label for="voting_starts_on">${t('admin_starts')}</label><input id="voting_starts_on" name="voting_starts_on" type="date" required>
  <label for="voting_ends_on">${t('admin_ends')}</label><input id="voting_ends_on" name="voting_ends_on" type="date" required>
  <button type="submit">${t('save')}</button>
</form>

<h2>${t('admin_categories')}</h2>
<p class="hint">${t('admin_codes_permanent')}</p>
${data.phases.map((p) => html`<h3>${lang === 'ru' ? p.label_ru : p.label_en}</h3>
<ul class="files">
${data.categories.filter((c) => c.phase_code === p.code).map((c) => html`<li>
  <form method="post" action="/admin/categories/${c.code}">${csrf}
    <code>${c.code}</code>
    <label for="ru-${c.code}">${t('admin_label_ru')}</label><input id="ru-${c.code}" name="label_ru" value="${c.label_ru}" required maxlength="300">
    <label for="en-${c.code}">${t('admin_label_en')}</label><input id="en-${c.code}" name="label_en" value="${c.label_en}" required maxlength="300">
    <label><input type="checkbox" name="active" ${c.active ? html`checked` : null}> ${t('admin_active')}</label>
    <button type="submit">${t('save')}</button>
  </form>
</li>`)}
</ul>`)}
<form method="post" action="/admin/categories" class="narrow">${csrf}
  <h3>${t('admin_add_category')}</h3>
  <label for="code">${t('admin_code')}</label><input id="code" name="code" required pattern="[a-z0-9_]{2,60}">
  <label for="phase_code">${t('admin_phase')}</label>
  <select id="phase_code" name="phase_code" required>${data.phases.map((p) => html`<option value="${p.code}">${lang === 'ru' ? p.label_ru : p.label_en}</option>`)}</select>
  <label for="label_ru">${t('admin_label_ru')}</label><input id="label_ru" name="label_ru" required maxlength="300">
  <label for="label_en">${t('admin_label_en')}</label><input id="label_en" name="label_en" required maxlength="300">
  <button type="submit">${t('save')}</button>
</form>`;
  return layout(page, t('admin_catalog_title'), body);
}
