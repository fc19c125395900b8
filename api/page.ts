import type { Request, Response } from 'express';
import type { AppContext } from '../domain/context';
import type { Html } from '../web/html';
import { pickLang, translator } from '../web/i18n';
import type { PageContext } from '../web/layout';
import { setCookie } from './middleware/session';

const YEAR_MS = 365 * 86_400_000;

/** What every page needs; an explicit ?lang= choice is remembered in a cookie. */
export function pageContext(ctx: AppContext, req: Request, res: Response): PageContext {
  const lang = pickLang(req);
  if (req.query.lang === lang && req.cookies.lang !== lang) setCookie(ctx, res, 'lang', lang, YEAR_MS);
  const url = new URL(req.originalUrl, 'http://local');
  url.searchParams.delete('lang');
  return {
    lang,
    t: translator(lang),
    path: url.pathname + url.search,
    user: req.user ? { email: req.user.email, role: req.user.role } : null,
    // read only by a page with a form: reading it may set the anonymous token's cookie
    get csrfToken() {
      return req.csrfToken;
    },
  };
}

export function sendHtml(res: Response, page: Html, status = 200): void {
  res.status(status).type('html').send(page.value);
}
