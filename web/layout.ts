import { html, type Html } from './html';
import type { Lang, T } from './i18n';
import { errorText } from './error-messages';
import type { RowProblem } from '../domain/imports/row-problem';

export type PageContext = {
  lang: Lang;
  t: T;
  path: string; // for the language switch links
  user: { email: string; role: string } | null;
  csrfToken: string;
};

/** wide: the page uses the window's whole width (the moderators' review page: two columns on a laptop). */
export function layout(page: PageContext, title: string, body: Html, options: { scripts?: string[]; head?: Html; wide?: boolean } = {}): Html {
  const { t, lang } = page;
  const other: Lang = lang === 'ru' ? 'en' : 'ru';
  const sep = page.path.includes('?') ? '&' : '?';
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${t('app_name')}</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="data:,">
${options.head ?? null}
</head>
<body>
<header class="top">
  <a class="brand" href="/">${t('app_name')}</a>
  <nav>
    <a href="/">${t('nav_upload')}</a>
    <a href="/archive">${t('nav_archive')}</a>
    <a href="/map">${t('nav_map')}</a>
    <a href="/counts">${t('nav_counts')}</a>
    <a href="/check">${t('nav_check')}</a>
    ${page.user
      ? html`<a href="/moderation">${t('nav_moderation')}</a>
        ${page.user.role === 'admin' ? html`<a href="/admin/catalog">${t('nav_admin')}</a>` : null}
        <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${page.csrfToken}"><button class="link">${t('nav_logout')}</button></form>`
      : html`<a href="/login">${t('nav_login')}</a>`}
    <a href="${page.path}${sep}lang=${other}" lang="${other}" hreflang="${other}">${other === 'ru' ? 'Русский' : 'English'}</a>
  </nav>
</header>
<main id="main"${options.wide ? html` class="wide"` : null}>
${body}
</main>
<footer><p>${t('tagline')}</p></footer>
${(options.scripts ?? []).map((s) => html`<script src="/static/${s}" defer></script>`)}
</body>
</html>`;
}

export function errorBox(message: string | null | undefined): Html | null {
  return message ? html`<p class="error" role="alert">${message}</p>` : null;
}

/** The lines an import left out, each with why, in the reader's language. */
export function rowProblemsList(page: PageContext, problems: readonly RowProblem[]): Html | null {
  return problems.length
    ? html`<ul id="import-errors">${problems.map((p) => html`<li>${page.t('stations_line', { line: p.line })}: ${errorText(p, page.lang)}</li>`)}</ul>`
    : null;
}

export function formatBytes(bytes: number, lang: Lang): string {
  const units = lang === 'ru' ? ['Б', 'КБ', 'МБ', 'ГБ'] : ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)}\u00a0${units[unit]}`; // no line break inside a size
}

/** Times are shown in UTC with the zone named, so no reader guesses which zone they are in. */
export function formatInstant(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
}
