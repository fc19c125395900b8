import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { AppContext } from '../../domain/context';
import { AppError, notFound } from '../../domain/errors';
import { mapDatabaseError } from '../../db/errors';
import { errorPage } from '../../web/pages/error';
import { pageContext, sendHtml } from '../page';

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound('This page'));

/** Turns anything thrown into an AppError; unknown errors are bugs and are logged with context. */
function toAppError(ctx: AppContext, err: unknown, path: string): AppError {
  if (err instanceof AppError) return err;
  const mapped = mapDatabaseError(err);
  if (mapped) return mapped;
  const status = (err as { status?: number; type?: string }).status;
  if (status === 400 || status === 413 || status === 415) {
    // body-parser's own errors: malformed JSON or urlencoded body, or one too large
    return new AppError(status, 'malformed_body', status === 413 ? 'The request is too large.' : 'The request body is malformed.');
  }
  ctx.log.error({ err, path }, 'unhandled error');
  return new AppError(500, 'internal', 'Something went wrong on our side. Nothing you sent was lost; please try again.');
}

/** The one error handler: JSON for /api, the form again for form posts, an error page otherwise. */
export function errorHandler(ctx: AppContext): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    const error = toAppError(ctx, err, req.path);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (req.path.startsWith('/api/')) {
      res.status(error.status).json({ error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } });
      return;
    }
    const renderForm = res.locals.renderFormError as ((e: AppError) => Promise<void> | void) | undefined;
    if (renderForm && error.status < 500) {
      try {
        await renderForm(error);
        return;
      } catch (renderErr) {
        ctx.log.error({ err: renderErr }, 'could not re-render the form');
      }
    }
    sendHtml(res, errorPage(pageContext(ctx, req, res), error.status, error.message), error.status);
  };
}
