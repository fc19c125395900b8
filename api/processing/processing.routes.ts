import { Router } from 'express';
import type { AppContext } from '../../domain/context';
import { processingOverview, waitingFileOf } from '../../domain/processing/backlog';
import { processingAdminPage } from '../../web/pages/admin';
import { pageContext, sendHtml } from '../page';
import { startFlagsBackfill } from '../../domain/processing/flags-backfill.service';
import { requireCsrf, requireRole } from '../middleware/session';

/** Admin-only maintenance of processed files. */
export function processingRoutes(ctx: AppContext): Router {
  const router = Router();

  /** Recomputes the flags of every processed file in the background (domain/processing/flags-backfill.service.ts). */
  router.post('/api/v1/admin/flags/backfill', requireRole('admin'), requireCsrf, async (req, res) => {
    res.status(202).json(await startFlagsBackfill(ctx, req.user!));
  });

  /** How far behind processing is, the free disk, and every file parked as waiting_retry with its reason. */
  router.get('/api/v1/admin/processing', requireRole('admin'), async (_req, res) => {
    const { disk, backlog, waitingRetry } = await processingOverview(ctx);
    res.set('Cache-Control', 'no-store').json({
      disk: { free_bytes: disk.freeBytes, reserve_bytes: disk.reserveBytes, state: disk.state },
      unfinished: backlog.unfinished,
      waiting_retry: backlog.waitingRetry,
      oldest_unfinished_received_at: backlog.oldestUnfinishedAt?.toISOString() ?? null,
      waiting_retry_files: waitingRetry.map((f) => ({
        id: f.id,
        submission_id: f.submission_id,
        original_name: f.original_name,
        reason: f.retry_reason,
        attempts: f.attempts,
        received_at: f.received_at.toISOString(),
        parked_at: f.parked_at.toISOString(),
      })),
    });
  });

  /** The same for a person: free disk, how far behind, and the files waiting to be retried. */
  router.get('/admin/processing', requireRole('admin'), async (req, res) => {
    const { disk, backlog, waitingRetry } = await processingOverview(ctx);
    res.set('Cache-Control', 'no-store');
    sendHtml(res, processingAdminPage(pageContext(ctx, req, res), { disk, backlog, waiting: waitingRetry.map(waitingFileOf) }));
  });

  return router;
}
