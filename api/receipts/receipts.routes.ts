import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../domain/context';
import { notFound } from '../../domain/errors';
import type { ShownError } from '../middleware/error-handler';
import { answerQuestion } from '../../domain/submissions/observer-answer.service';
import { receiptView } from '../../domain/submissions/receipt-page.service';
import { printableReceiptPage, receiptPage } from '../../web/pages/receipt';
import { receiveFiles, receivedFiles } from '../middleware/upload';
import type { UploadGuards } from '../middleware/upload-guard';
import { assertCsrf, refuseCrossSite, requireCsrf } from '../middleware/session';
import { parseBody } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { siteUrl } from '../site-url';
import { answerFormSchema, answerUploadsSchema } from './receipts.schema';

/** A page only its holder may see: no shared cache keeps it, no search engine lists it, no link names it. */
export const PRIVATE_PAGE = { 'Cache-Control': 'no-store, private', 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'no-referrer' };

/** Where the receipt of the submission sent with this key is shown: the key is the only way in. */
export const receiptPath = (clientKey: string) => `/receipt/${clientKey}`;

/** The receipt page of this key (an unknown or malformed key is a plain 404), with a form error if any. */
export async function sendReceiptPage(ctx: AppContext, req: Request, res: Response, key: string, options: { status?: number; error?: string } = {}) {
  res.set(PRIVATE_PAGE);
  const view = await receiptView(ctx, key, siteUrl(req));
  if (!view) throw notFound('receipt');
  sendHtml(res, receiptPage(pageContext(ctx, req, res), view, { key, maxFiles: ctx.config.maxFilesPerSubmission, error: options.error }), options.status ?? 200);
}

/**
 * The observer's answer to a moderator's question, from the receipt page: without JavaScript the
 * form posts its text and files at once and is sent back to the receipt (Post/Redirect/Get); with
 * JavaScript the files go first as resumable uploads and a small JSON request names them. Either
 * way the receipt's key is the only way in.
 */
export function receiptsRoutes(ctx: AppContext, guards: UploadGuards): Router {
  const router = Router();
  const limits = { maxPhotoBytes: ctx.config.maxPhotoBytes, maxVideoBytes: ctx.config.maxVideoBytes, maxFiles: ctx.config.maxFilesPerSubmission };
  const upload = receiveFiles(ctx.blobs, limits);
  const answerUploads = answerUploadsSchema(limits.maxFiles);

  // The printable receipt with a QR code of the receipt's absolute address (built from PUBLIC_URL).
  router.get('/receipt/:key/print', async (req, res) => {
    res.set(PRIVATE_PAGE);
    const key = String(req.params.key);
    const base = siteUrl(req);
    const view = await receiptView(ctx, key, base);
    if (!view) throw notFound('receipt');
    sendHtml(res, printableReceiptPage(pageContext(ctx, req, res), view, { key, url: `${base}${receiptPath(key)}` }));
  });

  router.post(
    '/receipt/:key/answer',
    (req, res, next) => {
      res.locals.renderFormError = (err: ShownError) => sendReceiptPage(ctx, req, res, String(req.params.key), { status: err.status, error: err.message });
      next();
    },
    refuseCrossSite,
    (req, res, next) => (req.is('multipart/form-data') ? next() : requireCsrf(req, res, next)),
    guards.newUpload,
    upload,
    async (req, res) => {
      const key = String(req.params.key);
      const files = receivedFiles(req);
      try {
        assertCsrf(req);
        const form = parseBody(answerFormSchema, req);
        await answerQuestion(ctx, key, { questionId: form.question_id, body: form.body, files });
      } finally {
        await Promise.all(files.map((f) => ctx.blobs.removeTemp(f.tempPath)));
      }
      res.set(PRIVATE_PAGE).redirect(303, `${receiptPath(key)}#conversation`);
    },
  );

  router.post('/api/v1/receipts/:key/answer', requireCsrf, async (req, res) => {
    res.set(PRIVATE_PAGE);
    const form = parseBody(answerUploads, req);
    const answer = await answerQuestion(ctx, String(req.params.key), { questionId: form.question_id, body: form.body, uploadIds: form.uploads });
    res.status(201).json({ answer_id: answer.answerId, answered_at: answer.answeredAt, files: answer.files, receipt_url: receiptPath(String(req.params.key)) });
  });

  return router;
}
