import { html } from '../html';
import { layout, type PageContext } from '../layout';

export function errorPage(page: PageContext, status: number, message: string) {
  const { t } = page;
  const title = status === 404 ? t('not_found_title') : t('error_title');
  return layout(page, title, html`<h1>${title}</h1><p class="error" role="alert">${message}</p><p><a href="/">${t('go_home')}</a></p>`);
}
