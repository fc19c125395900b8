import { createHash } from 'node:crypto';
import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import type { AppContext } from '../../domain/context';
import { notFound } from '../../domain/errors';
import type { ShownError } from '../middleware/error-handler';
import { addNote, decideAndPickNext, decideMany, editPublicText, fileForModerator, liveQueueState, reviewQueue, setMyRegion, submissionForReview, videoCopyForModerator } from '../../domain/moderation/moderation.service';
import { queueUrl, reviewUrl } from '../../web/queue-links';
import { reviewPage } from '../../web/pages/moderation';
import { queuePage } from '../../web/pages/queue';
import { requireCsrf, requireRole } from '../middleware/session';
import { parseBody, parseParams, parseQuery } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { sendStoredFile } from '../send-file';
import { bulkSchema, decisionFromForm, fileVariantParams, idParams, myRegionSchema, noteSchema, publicTextSchema, QUEUE_RENAMED_PARAMS, queueQuery, reviewContextOf } from './moderation.schema';
import { DERIVATIVE_FORMAT } from '../../domain/media/derivatives';
import { originalDigest } from '../../domain/integrity/scrub.service';
import { figuresPanelFor } from '../counts/counts.staff.routes';
import { replicationStatus } from '../../domain/replication/replication.service';
import { replicationAdminPage } from '../../web/pages/replication';

export function moderationRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use('/moderation', requireRole('moderator', 'admin'), (_req, res, next) => {
    res.set('Cache-Control', 'no-store'); // unpublished evidence must not sit in shared caches
    next();
  });

  router.get('/moderation', async (req, res) => {
    // A link or bookmark with the queue's old parameter names lands on the same queue under the shared names.
    const url = new URL(req.originalUrl, 'http://queue.invalid');
    const renamed = Object.keys(QUEUE_RENAMED_PARAMS).filter((old) => url.searchParams.has(old));
    if (renamed.length) {
      for (const old of renamed) {
        for (const value of url.searchParams.getAll(old)) url.searchParams.append(QUEUE_RENAMED_PARAMS[old]!, value);
        url.searchParams.delete(old);
      }
      res.redirect(301, `${url.pathname}?${url.searchParams}`);
      return;
    }
    const { after, filter, bulk, decided } = parseQuery(queueQuery, req);
    const queue = await reviewQueue(ctx, req.user!, filter, after);
    sendHtml(res, queuePage(pageContext(ctx, req, res), { ...queue, filter, isFirst: !after, bulk, decided }));
  });

  // The live queue polls this (web/static/live-queue.js) with If-None-Match: 304 while nothing changed.
  // Compared here, not by Express: fetch() sends `Cache-Control: no-cache` with any If-None-Match it is
  // given (the Fetch standard's no-store mode), and Express's freshness check then never answers 304.
  router.get('/moderation/live', async (req, res) => {
    const { filter } = parseQuery(queueQuery, req);
    const { disk, backlog, ...state } = await liveQueueState(ctx, filter.status);
    const body = JSON.stringify(state);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    res.set('ETag', etag);
    if (req.get('If-None-Match') === etag) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(body);
  });

  // Moderators see how far the off-site replicas are behind too (admins: /admin/replication).
  router.get('/moderation/replication', async (req, res) => {
    sendHtml(res, replicationAdminPage(pageContext(ctx, req, res), await replicationStatus(ctx), 'moderation'));
  });

  router.post('/moderation/my-region', requireCsrf, async (req, res) => {
    const region = parseBody(myRegionSchema, req);
    await setMyRegion(ctx, req.user!, region);
    res.redirect(303, region ? queueUrl(null, { region }) : '/moderation');
  });

  // One decision for the ticked entries (a cluster, spam); the queue says how many were decided.
  router.post('/moderation/bulk', (req, res, next) => {
    res.locals.renderFormError = async (err: ShownError) => {
      const { filter } = parseQuery(queueQuery, req);
      sendHtml(res, queuePage(pageContext(ctx, req, res), { ...(await reviewQueue(ctx, req.user!, filter, undefined)), filter, isFirst: true, bulk: null, decided: null, error: err.message }), err.status);
    };
    next();
  }, requireCsrf, async (req, res) => {
    const { ids, decision } = parseBody(bulkSchema, req);
    const result = await decideMany(ctx, req.user!, ids, decision);
    res.redirect(303, `/moderation?bulk_done=${result.decided.length}&bulk_refused=${result.refused.length}`);
  });

  router.get('/moderation/submissions/:id', async (req, res) => {
    const { id } = parseParams(idParams, req);
    const context = reviewContextOf(req.query);
    const page = pageContext(ctx, req, res);
    // the entry and its figures are read at the same time (the page waits for the slower, not the sum)
    const [review, figures] = await Promise.all([submissionForReview(ctx, id, req.user!, context.queue), figuresPanelFor(ctx, page, id)]);
    sendHtml(res, reviewPage(page, { ...review, ...context, figures }));
  });

  /** A refused form shows the entry again, as it is now, with the reason (e.g. who decided first). */
  const reviewAgainOnError: RequestHandler = (req, res, next) => {
    const { id } = parseParams(idParams, req); // captured now: the error handler sees other params
    const { queue } = reviewContextOf(req.query);
    res.locals.renderFormError = async (err: ShownError) => {
      const page = pageContext(ctx, req, res);
      const [review, figures] = await Promise.all([submissionForReview(ctx, id, req.user!, queue), figuresPanelFor(ctx, page, id)]);
      sendHtml(res, reviewPage(page, { ...review, queue, decided: null, figures, error: err.message }), err.status);
    };
    next();
  };

  router.post('/moderation/submissions/:id/decision', reviewAgainOnError, requireCsrf, async (req, res) => {
    const { id } = parseParams(idParams, req);
    const { queue } = reviewContextOf(req.query);
    const decision = decisionFromForm(req.body ?? {});
    // Opened from the queue: on to its next entry (or the queue, saying it is empty). An entry opened
    // by its link, or one just unpublished, shows its new state.
    const onward = queue && decision.action !== 'unpublish' ? queue : null;
    const { next } = await decideAndPickNext(ctx, id, req.user!, decision, onward);
    if (!onward) {
      res.redirect(303, reviewUrl(id, queue));
      return;
    }
    res.redirect(303, next ? reviewUrl(next, onward, { decided: id }) : queueUrl(onward, { decided: id }));
  });

  router.post('/moderation/submissions/:id/notes', reviewAgainOnError, requireCsrf, async (req, res) => {
    const { id } = parseParams(idParams, req);
    const note = parseBody(noteSchema, req);
    const row = await addNote(ctx, id, req.user!, { body: note.body, parentId: note.parent_id ?? null });
    res.redirect(303, `${reviewUrl(id, reviewContextOf(req.query).queue)}#note-${row.id}`);
  });

  router.post('/moderation/submissions/:id/public-text', reviewAgainOnError, requireCsrf, async (req, res) => {
    const { id } = parseParams(idParams, req);
    const edit = parseBody(publicTextSchema, req);
    await editPublicText(ctx, id, req.user!, { version: edit.version, title: edit.public_title, description: edit.public_description });
    res.redirect(303, `/moderation/submissions/${id}`);
  });

  router.get('/moderation/files/:id/:variant', async (req, res) => {
    const { id, variant } = parseParams(fileVariantParams, req);
    if (variant === 'video.mp4') {
      // the web-playable copy, for a video whose original the browser cannot play (HEVC, AVCHD, …)
      const { file, copySha256 } = await videoCopyForModerator(ctx, id);
      await sendStoredFile(res, ctx.blobs.openDerivative(file.sha256, 'video'), {
        mime: DERIVATIVE_FORMAT.video.mime,
        identity: `${file.sha256}/video/${copySha256}`,
        stallMs: ctx.config.exportStallMs,
      });
      return;
    }
    const file = await fileForModerator(ctx, id);
    if (variant === 'original') {
      return await sendStoredFile(res, ctx.blobs.openOriginal(file.sha256), {
        mime: file.mime,
        identity: file.sha256,
        stallMs: ctx.config.exportStallMs,
        // what the bytes were last found to hash to (by the scrub, or now), not what they were on upload
        digestSha256: await originalDigest(ctx, file.sha256),
        // the observer's name without its extension (which may be .html or .exe): the type decides it
        downloadAs: path.parse(file.original_name).name || 'original',
      });
    }
    const [wanted, exists] =
      variant === 'thumb.jpg' ? (['thumb', file.has_thumb] as const)
      : variant === 'contact.jpg' ? (['contact', file.has_contact] as const)
      : (['preview', file.has_preview] as const);
    if (!exists) throw notFound('preview');
    await sendStoredFile(res, ctx.blobs.openDerivative(file.sha256, wanted), {
      mime: 'image/jpeg',
      identity: `${file.sha256}/${wanted}`,
      stallMs: ctx.config.exportStallMs,
    });
  });

  return router;
}
