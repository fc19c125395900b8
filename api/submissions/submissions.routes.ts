import { Router, type Request, type Response } from 'express';
import * as catalog from '../../domain/catalog/catalog.service';
import type { AppContext } from '../../domain/context';
import { AppError } from '../../domain/errors';
import { createSubmission, type Receipt } from '../../domain/submissions/submission.service';
import { uploadReceipt } from '../../domain/transparency/log.service';
import { receiptPage, uploadPage, type UploadFormValues } from '../../web/pages/upload';
import { receiveFiles, receivedFiles } from '../middleware/upload';
import { uploadGuard } from '../middleware/upload-guard';
import { requireCsrf } from '../middleware/session';
import { parseBody } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { siteUrl } from '../site-url';
import { submissionFormSchema } from './submissions.schema';

const MiB = 1024 * 1024;

export function submissionsRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = {
    maxPhotoBytes: ctx.config.maxPhotoBytes,
    maxVideoBytes: ctx.config.maxVideoBytes,
    maxFiles: ctx.config.maxFilesPerSubmission,
  };
  // The guard refuses or watches an upload before multer reads a byte of its body.
  const guard = uploadGuard(ctx);
  const upload = receiveFiles(ctx.blobs, limits);

  async function renderForm(req: Request, res: Response, status: number, error?: string) {
    const [elections, categories] = await Promise.all([catalog.activeElections(ctx), catalog.activeCategories(ctx)]);
    const page = uploadPage(pageContext(ctx, req, res), {
      elections,
      categories,
      limits: { maxFiles: limits.maxFiles, maxPhotoMb: Math.round(limits.maxPhotoBytes / MiB), maxVideoMb: Math.round(limits.maxVideoBytes / MiB) },
      values: (req.body ?? {}) as UploadFormValues,
      error,
    });
    sendHtml(res, page, status);
  }

  /** Parses the form, stores the submission, and always removes whatever temp files are left. */
  async function submit(req: Request): Promise<Receipt> {
    const files = receivedFiles(req);
    try {
      const form = parseBody(submissionFormSchema, req);
      return await createSubmission(
        ctx,
        {
          electionId: form.election_id,
          region: form.region,
          stationNumber: form.station_number,
          categoryCode: form.category_code,
          description: form.description,
          happenedAt: form.happened_at,
          reporterRole: form.reporter_role,
          complaintStatus: form.complaint_status,
        },
        files,
      );
    } finally {
      await Promise.all(files.map((f) => ctx.blobs.removeTemp(f.tempPath)));
    }
  }

  /**
   * The downloadable transparency-log receipt for what was just received (proof URLs need an
   * absolute base). The files are already stored: if the log key cannot be read, say so in the
   * log and answer without it rather than report a failed upload.
   */
  const logReceipt = (req: Request, receipt: Receipt) =>
    uploadReceipt(ctx, receipt.files, siteUrl(req)).catch((err: Error) => {
      ctx.log.error({ err: err.message }, 'could not build the transparency receipt');
      return null;
    });

  router.get('/', (req, res) => renderForm(req, res, 200));

  // Without JavaScript: the form posts here and gets the receipt page, or the form again with the error.
  router.post(
    '/submit',
    (req, res, next) => {
      res.locals.renderFormError = (err: AppError) => renderForm(req, res, err.status, err.message);
      next();
    },
    requireCsrf,
    guard,
    upload,
    async (req, res) => {
      const receipt = await submit(req);
      sendHtml(res, receiptPage(pageContext(ctx, req, res), receipt, await logReceipt(req, receipt)), 201);
    },
  );

  router.post('/api/v1/submissions', requireCsrf, guard, upload, async (req, res) => {
    const receipt = await submit(req);
    const log = await logReceipt(req, receipt);
    res.status(201).json({ ...receipt, log_receipt: log?.receipt ?? null, log_receipt_text: log?.text ?? null });
  });

  return router;
}
