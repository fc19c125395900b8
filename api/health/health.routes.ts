import { Router } from 'express';
import type { AppContext } from '../../domain/context';
import { readiness } from '../../domain/health/health.service';

/** For load balancers and orchestrators; never cached, never rate-limited by a session. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();

  // Liveness: the process runs its event loop. It depends on nothing else on purpose: restarting
  // the API does not bring PostgreSQL back, it only loses the requests in flight.
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ ok: true });
  });

  // Readiness: PostgreSQL, Redis, storage and free disk, each in fixed words (domain/health).
  router.get('/readyz', async (_req, res) => {
    const result = await readiness(ctx);
    res.set('Cache-Control', 'no-store').status(result.ready ? 200 : 503).json(result);
  });

  return router;
}
