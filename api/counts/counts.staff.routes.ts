import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { catalogForAdmin } from '../../domain/catalog/catalog.service';
import type { AppContext } from '../../domain/context';
import * as counts from '../../domain/counts/counts.service';
import { badRequest, payloadTooLarge } from '../../domain/errors';
import type { ShownError } from '../middleware/error-handler';
import type { OfficialImportReport } from '../../domain/counts/model';
import type { Html } from '../../web/html';
import type { PageContext } from '../../web/layout';
import { countsAdminPage, figuresReviewPanel } from '../../web/pages/counts';
import { requireCsrf, requireRole } from '../middleware/session';
import { parseBody, parseParams } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { checkForm, figuresFromForm, idParams, linesForm, officialImportForm, verifyForm } from './counts.schema';

const MAX_CSV_BYTES = 100 * 1024 * 1024;

/** The figures panel of a submission's review page, or nothing when it carries no count or protocol copy. */
export async function figuresPanelFor(ctx: AppContext, page: PageContext, submissionId: string): Promise<Html | null> {
  const figures = await counts.figuresForReview(ctx, submissionId);
  return figures && figuresReviewPanel(page, submissionId, figures);
}

/** Moderators verify counts and transcribe protocol copies; admins configure protocols and import official results. */
export function countsStaffRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use('/moderation/submissions/:id/', requireRole('moderator', 'admin'));
  const back = (res: Response, id: string) => res.redirect(303, `/moderation/submissions/${id}#figures`);

  router.post('/moderation/submissions/:id/count-verification', requireCsrf, async (req, res) => {
    const { id } = parseParams(idParams, req);
    await counts.verifyCount(ctx, req.user!, id, parseBody(verifyForm, req).verified);
    back(res, id);
  });
  router.post('/moderation/submissions/:id/protocol', requireCsrf, async (req, res) => {
    const { id } = parseParams(idParams, req);
    await counts.transcribeProtocol(ctx, req.user!, id, figuresFromForm(req.body ?? {}));
    back(res, id);
  });
  router.post('/moderation/submissions/:id/protocol-check', requireCsrf, async (req, res) => {
    const { id } = parseParams(idParams, req);
    await counts.checkProtocol(ctx, req.user!, id, parseBody(checkForm, req).checked);
    back(res, id);
  });

  // ---- Admins
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 5 } }).single('file');
  async function render(req: Request, res: Response, electionId: number | null, extra: { error?: string; report?: OfficialImportReport } = {}, status = 200) {
    const [{ elections }, imports, lines] = await Promise.all([catalogForAdmin(ctx), counts.recentImports(ctx), electionId ? counts.protocolLines(ctx, electionId) : Promise.resolve([])]);
    res.set('Cache-Control', 'no-store');
    sendHtml(res, countsAdminPage(pageContext(ctx, req, res), { elections, electionId, linesText: counts.linesAsText(lines), imports, ...extra }), status);
  }
  const electionOf = (req: Request) => Number(req.body?.election_id ?? req.query.election_id) || null;
  router.use('/admin/counts', requireRole('admin'), (req, res, next) => {
    res.locals.renderFormError = (err: ShownError) => render(req, res, electionOf(req), { error: err.message }, err.status);
    next();
  });
  router.get('/admin/counts', (req, res) => render(req, res, electionOf(req)));
  router.post('/admin/counts/lines', requireCsrf, async (req, res) => {
    const form = parseBody(linesForm, req);
    await counts.configureLines(ctx, req.user!, form.election_id, form.lines);
    res.redirect(303, `/admin/counts?election_id=${form.election_id}`);
  });
  // multipart: the CSRF token comes in the query string (the form's action carries it)
  router.post(
    '/admin/counts/official',
    requireCsrf,
    (req, res, next) =>
      upload(req, res, (err: unknown) => {
        if ((err as { code?: string })?.code === 'LIMIT_FILE_SIZE') return next(payloadTooLarge({ limit_mib: MAX_CSV_BYTES / 1024 / 1024 }));
        if (err) return next(badRequest('malformed_csv_form'));
        next();
      }),
    async (req, res) => {
      const { election_id } = parseBody(officialImportForm, req);
      if (!req.file) throw badRequest('no_file');
      const report = await counts.importOfficialResults(ctx, req.user!, election_id, req.file.buffer);
      await render(req, res, election_id, { report }); // good rows are in; the bad ones are listed with their line
    },
  );
  return router;
}
