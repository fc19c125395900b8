import { Router } from 'express';
import type { AppContext } from '../../domain/context';
import { AppError, notFound } from '../../domain/errors';
import { decide, fileForModerator, reviewQueue, submissionForReview } from '../../domain/moderation/moderation.service';
import { queuePage, reviewPage } from '../../web/pages/moderation';
import { requireCsrf, requireRole } from '../middleware/session';
import { parseBody, parseParams, parseQuery } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { sendStoredFile } from '../send-file';
import { decisionSchema, fileVariantParams, idParams, queueQuery } from './moderation.schema';

export function moderationRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use('/moderation', requireRole('moderator', 'admin'), (_req, res, next) => {
    res.set('Cache-Control', 'no-store'); // unpublished evidence must not sit in shared caches
    next();
  });

  router.get('/moderation', async (req, res) => {
    const { after } = parseQuery(queueQuery, req);
    const queue = await reviewQueue(ctx, after);
    sendHtml(res, queuePage(pageContext(ctx, req, res), { ...queue, isFirst: !after }));
  });

  router.get('/moderation/submissions/:id', async (req, res) => {
    const { id } = parseParams(idParams, req);
    sendHtml(res, reviewPage(pageContext(ctx, req, res), await submissionForReview(ctx, id)));
  });

  router.post(
    '/moderation/submissions/:id/decision',
    (req, res, next) => {
      // A refused decision shows the submission again with the reason (e.g. who decided first).
      const { id } = parseParams(idParams, req); // captured now: the error handler sees other params
      res.locals.renderFormError = async (err: AppError) => {
        const detail = err.details?.decided_by ? ` (${err.details.decided_by}, ${err.details.decided_at})` : '';
        sendHtml(res, reviewPage(pageContext(ctx, req, res), { ...(await submissionForReview(ctx, id)), error: err.message + detail }), err.status);
      };
      next();
    },
    requireCsrf,
    async (req, res) => {
      const { id } = parseParams(idParams, req);
      const decision = parseBody(decisionSchema, req);
      await decide(ctx, id, req.user!, decision);
      res.redirect(303, `/moderation/submissions/${id}`);
    },
  );

  router.get('/moderation/files/:id/:variant', async (req, res) => {
    const { id, variant } = parseParams(fileVariantParams, req);
    const file = await fileForModerator(ctx, id);
    if (variant === 'original') {
      return await sendStoredFile(res, ctx.storage.openOriginal(file.sha256), {
        type: file.mime,
        sha256: file.sha256,
        downloadName: file.original_name,
      });
    }
    const wanted = variant === 'thumb.jpg' ? 'thumb' : 'preview';
    if (!(wanted === 'thumb' ? file.has_thumb : file.has_preview)) throw notFound('The preview');
    await sendStoredFile(res, ctx.storage.openDerivative(file.sha256, wanted), { type: 'image/jpeg' });
  });

  return router;
}
