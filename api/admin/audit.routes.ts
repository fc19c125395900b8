import { Router } from 'express';
import { auditPage, verifyAuditChain } from '../../domain/audit/audit.service';
import type { AppContext } from '../../domain/context';
import { auditLogPage } from '../../web/pages/audit';
import { parseQuery } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { auditQuery } from './admin.schema';

/** The audit log, newest first, filterable by entity; ?verify=1 also recomputes the whole chain. */
export function auditRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/admin/audit', async (req, res) => {
    const q = parseQuery(auditQuery, req);
    const filter = { entityType: q.entity_type, entityId: q.entity_id, beforeSeq: q.before };
    const [page, chain] = await Promise.all([auditPage(ctx, filter), q.verify ? verifyAuditChain(ctx.db) : null]);
    sendHtml(res, auditLogPage(pageContext(ctx, req, res), { ...page, chain, filter }));
  });
  return router;
}
