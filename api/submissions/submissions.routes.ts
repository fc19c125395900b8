import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import * as catalog from '../../domain/catalog/catalog.service';
import { listRegions } from '../../domain/regions/regions.service';
import type { AppContext } from '../../domain/context';
import type { ShownError } from '../middleware/error-handler';
import { createSubmission, submitUploads, type Receipt } from '../../domain/submissions/submission.service';
import { uploadReceipt } from '../../domain/transparency/log.service';
import { forgottenPage } from '../../web/pages/receipt';
import { PRIVATE_PAGE, receiptPath, sendReceiptPage } from '../receipts/receipts.routes';
import { uploadPage, type UploadFormValues } from '../../web/pages/upload';
import { receiveFiles, receivedFiles } from '../middleware/upload';
import type { UploadGuards } from '../middleware/upload-guard';
import { assertCsrf, refuseCrossSite, requireCsrf } from '../middleware/session';
import { parseBody } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { siteUrl } from '../site-url';
import { formPostSchema, uploadsSubmissionSchema, type SubmissionForm } from './submissions.schema';
import { figuresFormFor, observerFiguresFromForm } from '../counts/counts.forms';
import { COUNT_CATEGORY, PROTOCOL_CATEGORY } from '../../domain/counts/model';

const MiB = 1024 * 1024;

/** A key for one submission, as the page's script makes one (192 random bits). */
const newClientKey = () => randomBytes(24).toString('base64url');


const toInput = (form: SubmissionForm) => ({
  electionId: form.election_id,
  region: form.region,
  stationNumber: form.station_number,
  categoryCode: form.category_code,
  description: form.description,
  happenedAt: form.happened_at,
  reporterRole: form.reporter_role,
  complaintStatus: form.complaint_status,
});

export function submissionsRoutes(ctx: AppContext, guards: UploadGuards): Router {
  const router = Router();
  const limits = {
    maxPhotoBytes: ctx.config.maxPhotoBytes,
    maxVideoBytes: ctx.config.maxVideoBytes,
    maxFiles: ctx.config.maxFilesPerSubmission,
  };
  const upload = receiveFiles(ctx.blobs, limits);
  const uploadsSubmission = uploadsSubmissionSchema(limits.maxFiles);

  /** figuresCategory: the count or protocol-copy form (/count, /protocol), which is this form with the figures' fields. */
  async function renderForm(req: Request, res: Response, status: number, error?: string, figuresCategory?: string) {
    const [elections, categories, regions] = await Promise.all([catalog.activeElections(ctx), catalog.activeCategories(ctx), listRegions(ctx)]);
    const values = (req.body ?? {}) as UploadFormValues;
    const context = pageContext(ctx, req, res);
    const page = uploadPage(context, {
      elections,
      categories,
      regions,
      limits: { maxFiles: limits.maxFiles, maxPhotoMb: Math.round(limits.maxPhotoBytes / MiB), maxVideoMb: Math.round(limits.maxVideoBytes / MiB) },
      // A form shown again keeps its key: sending it twice still stores one submission.
      values: { ...values, idempotency_key: values.idempotency_key || newClientKey() },
      error,
      // a count or protocol form shown again keeps its fields
      figures: await figuresFormFor(ctx, context, { election_id: typeof req.query.election === 'string' ? req.query.election : undefined, ...values, ...(figuresCategory ? { category_code: figuresCategory } : {}) }),
    });
    // Each form carries a key of its own: never from a cache.
    res.set('Cache-Control', 'no-store');
    sendHtml(res, page, status);
  }

  /**
   * A multipart submission: parses the form, stores the submission (or finds the one sent before with
   * the same key), and always removes whatever temp files are left.
   */
  async function submitForm(req: Request, checkToken: boolean): Promise<{ receipt: Receipt; clientKey: string | null }> {
    const files = receivedFiles(req);
    try {
      if (checkToken) assertCsrf(req);
      const form = parseBody(formPostSchema, req);
      const clientKey = form.idempotency_key ?? null;
      return { receipt: await createSubmission(ctx, toInput(form), files, { clientKey, figures: observerFiguresFromForm(req.body ?? {}) }), clientKey };
    } finally {
      await Promise.all(files.map((f) => ctx.blobs.removeTemp(f.tempPath)));
    }
  }

  /**
   * The downloadable transparency-log receipt for what was received (proof URLs need an absolute
   * base). The files are already stored: if the log key cannot be read, say so in the log and
   * answer without it rather than report a failed upload.
   */
  const logReceipt = (req: Request, receipt: Receipt) =>
    uploadReceipt(ctx, receipt.files, siteUrl(req)).catch((err: Error) => {
      ctx.log.error({ err: err.message }, 'could not build the transparency receipt');
      return null;
    });

  const sendReceipt = async (req: Request, res: Response, receipt: Receipt, clientKey: string | null) => {
    const log = await logReceipt(req, receipt);
    res
      .status(201)
      .json({ ...receipt, receipt_url: clientKey ? receiptPath(clientKey) : null, log_receipt: log?.receipt ?? null, log_receipt_text: log?.text ?? null });
  };

  router.get('/', (req, res) => renderForm(req, res, 200));
  router.get('/count', (req, res) => renderForm(req, res, 200, undefined, COUNT_CATEGORY));
  router.get('/protocol', (req, res) => renderForm(req, res, 200, undefined, PROTOCOL_CATEGORY));

  // Without JavaScript: the form posts here and is sent on to its receipt (Post/Redirect/Get: a reload
  // shows the receipt again and posts nothing), or gets the form again with the error. The CSRF token
  // is a field of the body, checked once the body is in; a browser's cross-site post is refused before.
  router.post(
    '/submit',
    (req, res, next) => {
      res.locals.renderFormError = (err: ShownError) => renderForm(req, res, err.status, err.message);
      next();
    },
    refuseCrossSite,
    // Only a multipart body waits for its token until it is read; any other carries it where it can be checked now.
    (req, res, next) => (req.is('multipart/form-data') ? next() : requireCsrf(req, res, next)),
    guards.newUpload,
    upload,
    async (req, res) => {
      // A form from before keys existed (a cached page) still gets a receipt page of its own.
      if (!req.body?.idempotency_key) req.body = { ...req.body, idempotency_key: newClientKey() };
      const { clientKey } = await submitForm(req, true);
      res.redirect(303, receiptPath(clientKey!));
    },
  );

  // The receipt of one submission, for whoever holds its key: never kept by a shared cache, indexed,
  // or named to another site. An unknown key and a malformed one get the same plain 404.
  router.get('/receipt/:key', (req, res) => sendReceiptPage(ctx, req, res, String(req.params.key)));

  // "Forget this upload on this phone": the browser removes everything of this origin (its script
  // has already cleared what it can reach), and the answer is a page with nothing of the upload.
  router.post('/forget', refuseCrossSite, (_req, res) => {
    res.set({ ...PRIVATE_PAGE, 'Clear-Site-Data': '"cache", "cookies", "storage"' }).redirect(303, '/forgotten');
  });
  router.get('/forgotten', (req, res) => {
    res.set(PRIVATE_PAGE);
    sendHtml(res, forgottenPage(pageContext(ctx, req, res)));
  });

  // With JavaScript: either the finished resumable uploads named in JSON (api/uploads), or the files
  // in one multipart request. With the same idempotency_key, a retry gets the first receipt.
  router.post(
    '/api/v1/submissions',
    requireCsrf,
    async (req, res, next) => {
      if (!req.is('application/json')) return next();
      const form = parseBody(uploadsSubmission, req);
      await sendReceipt(req, res, await submitUploads(ctx, toInput(form), form.idempotency_key, form.uploads, observerFiguresFromForm(req.body)), form.idempotency_key);
    },
    guards.newUpload,
    upload,
    async (req, res) => {
      const { receipt, clientKey } = await submitForm(req, false);
      await sendReceipt(req, res, receipt, clientKey);
    },
  );

  return router;
}
