import { Router } from 'express';
import type { AppContext } from '../../domain/context';
import { integrityReport, publicIntegrityStatus } from '../../domain/integrity/alarms.service';
import { requireRole } from '../middleware/session';

/**
 * What the server's self-checks found (domain/integrity): for monitoring, counts only, 503 while an
 * alarm is open (GET /healthz stays the liveness check containers restart on); for admins, each
 * open alarm in full.
 */
export function integrityRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz/integrity', async (_req, res) => {
    const status = await publicIntegrityStatus(ctx);
    res.set('Cache-Control', 'no-store').status(status.ok ? 200 : 503).json(status);
  });
  router.get('/admin/integrity', requireRole('admin'), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await integrityReport(ctx));
  });
  return router;
}
