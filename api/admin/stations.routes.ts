import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { catalogForAdmin } from '../../domain/catalog/catalog.service';
import type { AppContext } from '../../domain/context';
import { badRequest, payloadTooLarge } from '../../domain/errors';
import type { ShownError } from '../middleware/error-handler';
import { importStations, stationsOverview, type ImportReport } from '../../domain/stations/stations.service';
import { stationsAdminPage } from '../../web/pages/admin-workspace';
import { requireCsrf } from '../middleware/session';
import { parseBody } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { stationsImportSchema } from './admin.schema';

const MAX_CSV_BYTES = 50 * 1024 * 1024;

/** Polling-station registers, imported per election from CSV; admins only (checked by adminRoutes). */
export function stationsRoutes(ctx: AppContext): Router {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 5 } }).single('file');

  async function render(req: Request, res: Response, extra: { error?: string; report?: ImportReport } = {}, status = 200) {
    const [{ elections }, overview] = await Promise.all([catalogForAdmin(ctx), stationsOverview(ctx)]);
    sendHtml(res, stationsAdminPage(pageContext(ctx, req, res), { elections, overview, ...extra }), status);
  }
  router.use('/admin/stations', (req, res, next) => {
    res.locals.renderFormError = (err: ShownError) => render(req, res, { error: err.message }, err.status);
    next();
  });
  router.get('/admin/stations', (req, res) => render(req, res));

  // multipart: the CSRF token comes in the query string (the form's action carries it)
  router.post(
    '/admin/stations',
    requireCsrf,
    (req, res, next) =>
      upload(req, res, (err: unknown) => {
        if ((err as { code?: string })?.code === 'LIMIT_FILE_SIZE') return next(payloadTooLarge({ limit_mib: MAX_CSV_BYTES / 1024 / 1024 }));
        if (err) return next(badRequest('malformed_csv_form'));
        next();
      }),
    async (req, res) => {
      const { election_id } = parseBody(stationsImportSchema, req);
      if (!req.file) throw badRequest('no_file');
      const report = await importStations(ctx, req.user!, election_id, req.file.buffer);
      await render(req, res, { report }); // good rows are in; the bad ones are listed with their line
    },
  );

  return router;
}
