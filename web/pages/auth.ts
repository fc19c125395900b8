import { html } from '../html';
import { errorBox, layout, type PageContext } from '../layout';

export function loginPage(page: PageContext, data: { email?: string; error?: string; notice?: string }) {
  const { t } = page;
  return layout(
    page,
    t('login_title'),
    html`<h1>${t('login_title')}</h1>
${data.notice ? html`<p class="notice" role="status">${data.notice}</p>` : null}
${errorBox(data.error)}
<form method="post" action="/login" class="narrow">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  <label for="email">${t('email')}</label>
  <input id="email" name="email" type="email" required autocomplete="username" value="${data.email ?? ''}" autofocus>
  <label for="password">${t('password')}</label>
  <input id="password" name="password" type="password" required autocomplete="current-password">
  <label for="code">${t('totp_login_code')}</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
  <button type="submit">${t('nav_login')}</button>
</form>`,
  );
}

/** The first-admin setup form and the set-password form share this shape. */
export function passwordFormPage(
  page: PageContext,
  data: { kind: 'setup' | 'set_password'; action: string; email?: string; error?: string },
) {
  const { t } = page;
  const title = data.kind === 'setup' ? t('setup_title') : t('set_password_title');
  return layout(
    page,
    title,
    html`<h1>${title}</h1>
${errorBox(data.error)}
<form method="post" action="${data.action}" class="narrow">
  <input type="hidden" name="_csrf" value="${page.csrfToken}">
  ${data.kind === 'setup'
    ? html`<label for="email">${t('email')}</label>
  <input id="email" name="email" type="email" required autocomplete="username" value="${data.email ?? ''}">`
    : null}
  <label for="password">${t('password')}</label>
  <input id="password" name="password" type="password" required minlength="12" autocomplete="new-password" aria-describedby="pw-hint">
  <p class="hint" id="pw-hint">${t('password_hint')}</p>
  <button type="submit">${t('save')}</button>
</form>`,
  );
}
