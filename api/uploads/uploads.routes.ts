import { Router, type Request, type RequestHandler } from 'express';
import { MemoryLocker, Server } from '@tus/server';
import type { AppContext } from '../../domain/context';
import { AppError, fromStoreFailure } from '../../domain/errors';
import { expireUploads, newUploadId } from '../../domain/uploads/uploads.service';
import { apiErrorBody, apiLang } from '../middleware/error-handler';
import { requireCsrf } from '../middleware/session';
import type { UploadGuards } from '../middleware/upload-guard';
import { TempFileStore } from './temp-file-store';

export const UPLOADS_PATH = '/api/v1/uploads';

/** The Express request under tus's web Request (srvx keeps it there). */
const expressRequestOf = (req: unknown) => (req as { runtime?: { node?: { req?: Request } } }).runtime?.node?.req;

/**
 * Resumable uploads, tus 1.0 (https://tus.io/protocols/resumable-upload): POST creates an upload of
 * a declared length, PATCH appends at the offset HEAD reports, DELETE gives it up. Each file is sent
 * on its own and resumes from the last byte the server has; a submission then names the finished
 * uploads (POST /api/v1/submissions). Same-origin only: no CORS headers, and the CSRF token on
 * every request that changes something.
 */
export function uploadsRoutes(ctx: AppContext, guards: UploadGuards): Router {
  const tus = new Server({
    path: UPLOADS_PATH,
    datastore: new TempFileStore(ctx),
    locker: new MemoryLocker(),
    relativeLocation: true,
    allowedOrigins: () => false,
    namingFunction: () => newUploadId(),
    // Our errors in our words (JSON, as every /api answer), in the client's language.
    onResponseError: (req, err) => {
      const error = err instanceof AppError ? err : fromStoreFailure(err);
      if (!error) {
        if (!('status_code' in err)) ctx.log.error({ err }, 'resumable upload failed');
        return undefined;
      }
      const expressReq = expressRequestOf(req);
      return { status_code: error.status, body: JSON.stringify(apiErrorBody(error, expressReq ? apiLang(expressReq) : 'en')) };
    },
  });
  const handle: RequestHandler = (req, res, next) => {
    tus.handle(req, res).catch(next);
  };

  const router = Router();
  const one = `${UPLOADS_PATH}/:id`;
  router.options(UPLOADS_PATH, handle);
  router.options(one, handle);
  router.post(UPLOADS_PATH, requireCsrf, guards.newUpload, handle);
  router.head(one, handle);
  router.patch(one, requireCsrf, guards.moreBytes, handle);
  router.delete(one, requireCsrf, handle);
  return router;
}

/** Removes expired uploads every so often (a quarter of the expiry period, between 1 s and 1 min); returns the stop. */
export function startUploadSweep(ctx: AppContext): () => void {
  const sweep = () =>
    expireUploads(ctx).then(
      (removed) => removed > 0 && ctx.log.info({ removed }, 'expired resumable uploads removed'),
      (err: Error) => ctx.log.warn({ err: err.message }, 'could not remove expired uploads; will try again'),
    );
  const timer = setInterval(() => void sweep(), Math.min(60_000, Math.max(1000, ctx.config.uploadExpiryMs / 4)));
  timer.unref();
  return () => clearInterval(timer);
}
