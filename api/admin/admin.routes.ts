import { Router, type Request, type Response } from 'express';
import { actorOf } from '../../domain/accounts/accounts.service';
import * as catalog from '../../domain/catalog/catalog.service';
import type { AppContext } from '../../domain/context';
import type { ShownError } from '../middleware/error-handler';
import { catalogAdminPage } from '../../web/pages/admin';
import { requireCsrf, requireRole } from '../middleware/session';
import { parseBody, parseParams } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { categoryParams, editCategorySchema, electionActiveSchema, electionParams, newCategorySchema, newElectionSchema } from './admin.schema';
import { accountsRoutes } from './accounts.routes';
import { auditRoutes } from './audit.routes';
import { replicationRoutes } from './replication.routes';
import { stationsRoutes } from './stations.routes';

/** Admin-only: the catalog (elections, violation taxonomy) here; the audit log and the rest in their own routers. */
export function adminRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use('/admin', requireRole('admin'), (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(auditRoutes(ctx));
  router.use(accountsRoutes(ctx));
  router.use(stationsRoutes(ctx));
  router.use(replicationRoutes(ctx));

  const catalogForm = (req: Request, res: Response, next: () => void) => {
    res.locals.renderFormError = (err: ShownError) => render(req, res, err.status, err.message);
    next();
  };
  router.use(['/admin/catalog', '/admin/elections', '/admin/categories'], catalogForm);

  async function render(req: Request, res: Response, status = 200, error?: string) {
    sendHtml(res, catalogAdminPage(pageContext(ctx, req, res), { ...(await catalog.catalogForAdmin(ctx)), error }), status);
  }
  const back = (res: Response) => res.redirect(303, '/admin/catalog');

  router.get('/admin/catalog', (req, res) => render(req, res));

  router.post('/admin/elections', requireCsrf, async (req, res) => {
    const e = parseBody(newElectionSchema, req);
    await catalog.createElection(ctx, {
      slug: e.slug,
      nameRu: e.name_ru,
      nameEn: e.name_en,
      country: e.country,
      votingStartsOn: e.voting_starts_on,
      votingEndsOn: e.voting_ends_on,
    }, actorOf(req.user!));
    back(res);
  });

  router.post('/admin/elections/:id', requireCsrf, async (req, res) => {
    const { id } = parseParams(electionParams, req);
    await catalog.setElectionActive(ctx, id, parseBody(electionActiveSchema, req).active, actorOf(req.user!));
    back(res);
  });

  router.post('/admin/categories', requireCsrf, async (req, res) => {
    const c = parseBody(newCategorySchema, req);
    await catalog.addCategory(ctx, { code: c.code, phaseCode: c.phase_code, labelRu: c.label_ru, labelEn: c.label_en }, actorOf(req.user!));
    back(res);
  });

  router.post('/admin/categories/:code', requireCsrf, async (req, res) => {
    const { code } = parseParams(categoryParams, req);
    const c = parseBody(editCategorySchema, req);
    await catalog.editCategory(ctx, code, { labelRu: c.label_ru, labelEn: c.label_en, active: c.active }, actorOf(req.user!));
    back(res);
  });

  return router;
}
