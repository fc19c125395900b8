import type { AccountSummary } from '../../domain/accounts/model';
import type { Election } from '../../domain/catalog/model';
import type { AppSettings, PublicationHold } from '../../domain/settings/model';
import type { StationCount } from '../../domain/stations/model';
import type { ImportReport } from '../../domain/stations/stations.service';
import { html } from '../html';
import { errorBox, formatInstant, layout, rowProblemsList, type PageContext } from '../layout';
import { adminNav } from './admin';

const csrfField = (page: PageContext) => html`<input type="hidden" name="_csrf" value="${page.csrfToken}">`;

export function accountsAdminPage(
  page: PageContext,
  data: { accounts: AccountSummary[]; settings: AppSettings; self: string; error?: string; link?: string; linkFor?: { email: string; kind: 'reset' | 'invitation' } },
) {
  const { t } = page;
  const csrf = csrfField(page);
  const body = html`
${adminNav(page)}
<h1>${t('accounts_title')}</h1>
${errorBox(data.error)}
${data.link ? html`<div class="notice" role="status"><p>${data.linkFor ? t(data.linkFor.kind === 'reset' ? 'account_reset_link_for' : 'account_invitation_for', { email: data.linkFor.email }) : t('account_created')}</p><p>${t('account_link_once')}</p><p><code class="hash" id="set-password-link">${data.link}</code></p></div>` : null}
<div class="table-scroll"><table class="files" id="accounts">
  <thead><tr><th>${t('email')}</th><th>${t('account_role')}</th><th>${t('status')}</th><th>${t('totp_title')}</th><th>${t('sessions_title')}</th><th></th></tr></thead>
  <tbody>${data.accounts.map((a) => html`<tr data-account="${a.email}">
    <td>${a.email}${a.id === data.self ? html` <strong>(${t('account_you')})</strong>` : null}</td>
    <td>${a.id === data.self ? t(`role_${a.role}`) : html`<form method="post" action="/admin/accounts/${a.id}/role" class="row-form">${csrf}
      <label for="role-${a.id}" class="visually-hidden">${t('account_role')} ${a.email}</label>
      <select id="role-${a.id}" name="role">${(['moderator', 'admin'] as const).map((r) => html`<option value="${r}" ${a.role === r ? html`selected` : null}>${t(`role_${r}`)}</option>`)}</select>
      <button type="submit" class="link">${t('save')}</button></form>`}</td>
    <td>${a.disabled_at ? t('account_disabled', { at: formatInstant(a.disabled_at) }) : a.has_password ? t('account_active') : t('account_no_password')}</td>
    <td>${a.has_totp ? '✓' : '—'}</td><td>${a.sessions}</td>
    <td>${a.disabled_at ? null : html`<form method="post" action="/admin/accounts/${a.id}/password-link" class="row-form">${csrf}
      <button type="submit" class="secondary" aria-label="${t(a.has_password ? 'account_reset_link' : 'account_resend_invitation')}: ${a.email}">${t(a.has_password ? 'account_reset_link' : 'account_resend_invitation')}</button></form>`}
      ${a.id === data.self ? null : html`<form method="post" action="/admin/accounts/${a.id}/disabled">${csrf}
      <input type="hidden" name="disabled" value="${a.disabled_at ? 'false' : 'true'}">
      <button type="submit" class="${a.disabled_at ? 'secondary' : 'danger'}">${a.disabled_at ? t('account_enable') : t('account_disable')}</button></form>`}</td>
  </tr>`)}</tbody>
</table></div>
<form method="post" action="/admin/accounts" class="narrow">${csrf}
  <h2>${t('account_create')}</h2>
  <label for="new-email">${t('email')}</label><input id="new-email" name="email" type="email" required maxlength="254">
  <label for="new-role">${t('account_role')}</label>
  <select id="new-role" name="role"><option value="moderator">${t('role_moderator')}</option><option value="admin">${t('role_admin')}</option></select>
  <button type="submit">${t('account_create')}</button>
</form>`;
  return layout(page, t('accounts_title'), body);
}

export function stationsAdminPage(
  page: PageContext,
  data: { elections: Election[]; overview: StationCount[]; report?: ImportReport; error?: string },
) {
  const { t, lang } = page;
  const body = html`
${adminNav(page)}
<h1>${t('stations_title')}</h1>
${errorBox(data.error)}
${data.report
  ? html`<div class="${data.report.errors.length ? 'error' : 'notice'}" role="status" id="import-report">
  <p>${t('stations_imported', { n: data.report.imported, linked: data.report.linked, bad: data.report.errors.length })}</p>
  ${data.report.placeFlagsChanged ? html`<p>${t('stations_place_flags', { n: data.report.placeFlagsChanged })}</p>` : null}
  ${rowProblemsList(page, data.report.errors)}
</div>`
  : null}
<table class="files">
  <thead><tr><th>${t('election')}</th><th>${t('stations_count')}</th><th>${t('stations_with_coordinates')}</th><th>${t('stations_linked')}</th></tr></thead>
  <tbody>${data.overview.map((o) => html`<tr><td>${lang === 'ru' ? o.name_ru : o.name_en}</td><td>${o.stations}</td><td>${o.with_coordinates}</td><td>${o.linked_submissions}</td></tr>`)}</tbody>
</table>
<form method="post" action="/admin/stations?_csrf=${encodeURIComponent(page.csrfToken)}" enctype="multipart/form-data" class="narrow">
  <h2>${t('stations_import')}</h2>
  <p class="hint">${t('stations_format')}</p>
  <label for="station-election">${t('election')}</label>
  <select id="station-election" name="election_id" required>${data.elections.map((e) => html`<option value="${e.id}">${lang === 'ru' ? e.name_ru : e.name_en}</option>`)}</select>
  <label for="station-file">${t('stations_file')}</label>
  <input id="station-file" name="file" type="file" accept=".csv,text/csv" required>
  <button type="submit">${t('stations_import')}</button>
</form>`;
  return layout(page, t('stations_title'), body);
}

export function settingsAdminPage(
  page: PageContext,
  data: { settings: AppSettings; holds: PublicationHold[]; error?: string; backfillStarted?: { files: number } },
) {
  const { t, lang } = page;
  const csrf = csrfField(page);
  const local = (d: Date | null) => (d ? d.toISOString().slice(0, 16) : '');
  const body = html`
${adminNav(page)}
<h1>${t('settings_title')}</h1>
${errorBox(data.error)}
<form method="post" action="/admin/settings/totp">${csrf}
  <h2>${t('totp_title')}</h2>
  <label class="inline"><input type="checkbox" name="require_totp" id="require_totp" ${data.settings.require_totp ? html`checked` : null}> ${t('settings_require_totp')}</label>
  <br><button type="submit">${t('save')}</button>
</form>
<h2>${t('settings_hold')}</h2>
<p class="hint">${t('settings_hold_hint')}</p>
${data.holds.map((h) => html`<form method="post" action="/admin/settings/elections/${h.id}/hold" class="decision">${csrf}
  <h3>${lang === 'ru' ? h.name_ru : h.name_en}</h3>
  <label for="close-${h.id}">${t('settings_polls_close')}</label>
  <input id="close-${h.id}" name="polls_close_at" type="datetime-local" value="${local(h.polls_close_at)}">
  <label class="inline"><input type="checkbox" name="hold_publication" ${h.hold_publication ? html`checked` : null}> ${t('settings_hold_until_close')}</label>
  <br><button type="submit">${t('save')}</button>
</form>`)}
<form method="post" action="/admin/settings/flags-backfill" id="flags-backfill">${csrf}
  <h2>${t('flags_backfill_title')}</h2>
  <p class="hint">${t('flags_backfill_hint')}</p>
  ${data.backfillStarted ? html`<p class="notice" role="status" id="flags-backfill-started">${t('flags_backfill_started', { n: data.backfillStarted.files })}</p>` : null}
  <button type="submit" class="secondary">${t('flags_backfill_start')}</button>
</form>`;
  return layout(page, t('settings_title'), body);
}
