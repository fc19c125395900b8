import { Router } from 'express';
import type { AppContext } from '../../domain/context';
import { startFlagsBackfill } from '../../domain/processing/flags-backfill.service';
import { requireCsrf, requireRole } from '../middleware/session';

/** Admin-only maintenance of processed files. */
export function processingRoutes(ctx: AppContext): Router {
  const router = Router();

  /** Recomputes the flags of every processed file in the background (domain/processing/flags-backfill.service.ts). */
  router.post('/api/v1/admin/flags/backfill', requireRole('admin'), requireCsrf, async (req, res) => {
    res.status(202).json(await startFlagsBackfill(ctx, req.user!));
  });

  return router;
}
