import type { SessionSummary } from '../../domain/accounts/model';
import { html } from '../html';
import { errorBox, formatInstant, layout, type PageContext } from '../layout';

/** One's own account: two-factor login and the sessions that are logged in, each revocable. */
export function accountPage(
  page: PageContext,
  data: { sessions: SessionSummary[]; hasTotp: boolean; setup: { secret: string; uri: string }; mustSetUp: boolean; error?: string },
) {
  const { t } = page;
  const csrf = html`<input type="hidden" name="_csrf" value="${page.csrfToken}">`;
  const body = html`
<h1>${t('account_title')}</h1>
${data.mustSetUp ? html`<p class="error" role="alert">${t('totp_must_set_up')}</p>` : null}
${errorBox(data.error)}
<section aria-labelledby="totp-h">
<h2 id="totp-h">${t('totp_title')}</h2>
${data.hasTotp
  ? html`<p id="totp-state">${t('totp_on')}</p>
<form method="post" action="/account/totp/disable" class="narrow">${csrf}
  <label for="disable-code">${t('totp_code')}</label>
  <input id="disable-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required>
  <button type="submit" class="secondary">${t('totp_turn_off')}</button>
</form>`
  : html`<p id="totp-state">${t('totp_off')}</p>
<ol class="steps">
  <li>${t('totp_step_add')}<br><code id="totp-secret" class="hash">${data.setup.secret}</code><br><span class="muted">${t('totp_or_uri')}</span> <code class="hash" id="totp-uri">${data.setup.uri}</code></li>
  <li>${t('totp_step_confirm')}</li>
</ol>
<form method="post" action="/account/totp" class="narrow">${csrf}
  <input type="hidden" name="secret" value="${data.setup.secret}">
  <label for="totp-code">${t('totp_code')}</label>
  <input id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required>
  <button type="submit">${t('totp_turn_on')}</button>
</form>`}
</section>
<section aria-labelledby="sessions-h">
<h2 id="sessions-h">${t('sessions_title')}</h2>
<table class="files" id="sessions">
  <thead><tr><th>${t('session_started')}</th><th>${t('session_last_seen')}</th><th>${t('session_expires')}</th><th></th></tr></thead>
  <tbody>${data.sessions.map((s) => html`<tr>
    <td>${formatInstant(s.created_at)}${s.current ? html` <strong>(${t('session_current')})</strong>` : null}</td>
    <td>${formatInstant(s.last_seen_at)}</td><td>${formatInstant(s.expires_at)}</td>
    <td><form method="post" action="/account/sessions/${s.id}/revoke">${csrf}<button type="submit" class="link">${t('session_revoke')}</button></form></td>
  </tr>`)}</tbody>
</table>
</section>`;
  return layout(page, t('account_title'), body);
}
