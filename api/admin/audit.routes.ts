import { Router } from 'express';
import { auditPage, verifyAuditLog } from '../../domain/audit/audit.service';
import type { AppContext } from '../../domain/context';
import { auditLogPage } from '../../web/pages/audit';
import { parseQuery } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { auditQuery } from './admin.schema';

/** The audit log, newest first, filterable by entity; ?verify=1 also recomputes the whole chain and checks it against the log's anchors. */
export function auditRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/audit', async (req, res) => {
    const q = parseQuery(auditQuery, req);
    const filter = { entityType: q.entity_type, entityId: q.entity_id, beforeSeq: q.before };
    const [page, chain] = await Promise.all([auditPage(ctx, filter), q.verify ? verifyAuditLog(ctx) : null]);
    sendHtml(res, auditLogPage(pageContext(ctx, req, res), { ...page, chain, filter }));
  });
  return router;
}
