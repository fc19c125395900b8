import { Router } from 'express';
import type { AppContext } from '../../domain/context';
import { replicationStatus } from '../../domain/replication/replication.service';
import { replicationAdminPage } from '../../web/pages/replication';
import { pageContext, sendHtml } from '../page';

/** Admins (the /admin prefix requires the role): how far each off-site replica has copied the originals and the log. */
export function replicationRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/replication', async (req, res) => {
    sendHtml(res, replicationAdminPage(pageContext(ctx, req, res), await replicationStatus(ctx)));
  });
  return router;
}
