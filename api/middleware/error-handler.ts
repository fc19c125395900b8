import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { AppContext } from '../../domain/context';
import { isNoSpace } from '../../domain/caught-errors';
import { AppError, fromStoreFailure, notFound } from '../../domain/errors';
import { storageFull } from '../../domain/submissions/disk-space';
import { errorText, fieldIssueText, type FieldIssue } from '../../web/error-messages';
import { pickLang, type Lang } from '../../web/i18n';
import { errorPage } from '../../web/pages/error';
import { pageContext, sendHtml } from '../page';
import { routePattern } from './request-log';

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound('page'));

/** Turns anything thrown into an AppError; unknown errors are bugs and are logged with context. */
function toAppError(ctx: AppContext, err: unknown, route: string): AppError {
  if (err instanceof AppError) return err;
  const mapped = fromStoreFailure(err);
  if (mapped) return mapped;
  if (isNoSpace(err)) return storageFull(); // storing an original or its folder ran out of disk
  const status = (err as { status?: number; type?: string }).status;
  if (status === 400 || status === 413 || status === 415) {
    // body-parser's own errors: malformed JSON or urlencoded body, or one too large
    return new AppError(status, status === 413 ? 'body_too_large' : 'malformed_body');
  }
  ctx.log.error({ err, route }, 'unhandled error');
  return new AppError(500, 'internal');
}

/** API clients get Russian only when they ask for it (a browser in Russian, or the lang cookie); pages default to it. */
export function apiLang(req: Parameters<RequestHandler>[0]): Lang {
  if (req.cookies?.lang === 'ru' || req.cookies?.lang === 'en') return req.cookies.lang;
  return /^\s*ru\b/i.test(req.get('accept-language') ?? '') ? 'ru' : 'en';
}

/** An /api answer's error: the code, its words in the client's language, and what the words were filled with. */
export function apiErrorBody(error: AppError, lang: Lang) {
  const params = Object.keys(error.params).length ? { params: error.params } : {};
  return { error: { code: error.code, message: errorText(error, lang), ...params, ...(error.details ? { details: detailsSaid(error.details, lang) } : {}) } };
}

/** Each field's problem also in words, for a client that shows them beside its own fields. */
function detailsSaid(details: Record<string, unknown>, lang: Lang): Record<string, unknown> {
  const fields = details.fields as FieldIssue[] | undefined;
  return Array.isArray(fields) ? { ...details, fields: fields.map((issue) => ({ ...issue, message: fieldIssueText(issue, lang) })) } : details;
}

/** What a page shows of an error: its status and code, and its words in the page's language. */
export type ShownError = { status: number; code: string; message: string; details?: Record<string, unknown> };

/** The one error handler: JSON for /api, the form again for form posts, an error page otherwise. */
export function errorHandler(ctx: AppContext): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    if (res.headersSent) {
      // A response cut short: a client that went away (or stopped reading and was cut off) is no bug.
      if ((err as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE') toAppError(ctx, err, routePattern(req));
      res.destroy();
      return;
    }
    const error = toAppError(ctx, err, routePattern(req));
    // Whatever lifetime the route set before it failed (a year for a signed head): an error is never
    // kept by a cache, or a head not signed yet, or a busy moment, would be "missing" for that long.
    // What the route made private stays so: a 404 at a capability URL (a receipt) is its asker's alone.
    const madePrivate = /\bprivate\b/.test(String(res.getHeader('Cache-Control') ?? ''));
    res.set('Cache-Control', madePrivate ? 'no-store, private' : 'no-store');
    res.removeHeader('ETag');
    res.removeHeader('Last-Modified');
    if (error.retryAfterSeconds) res.set('Retry-After', String(error.retryAfterSeconds));
    if (req.path.startsWith('/api/')) {
      res.status(error.status).json(apiErrorBody(error, apiLang(req)));
      return;
    }
    const shown: ShownError = { status: error.status, code: error.code, message: errorText(error, pickLang(req)), details: error.details };
    const renderForm = res.locals.renderFormError as ((e: ShownError) => Promise<void> | void) | undefined;
    if (renderForm && error.status < 500) {
      try {
        await renderForm(shown);
        return;
      } catch (renderErr) {
        ctx.log.error({ err: renderErr }, 'could not re-render the form');
      }
    }
    sendHtml(res, errorPage(pageContext(ctx, req, res), shown.status, shown.message), shown.status);
  };
}
