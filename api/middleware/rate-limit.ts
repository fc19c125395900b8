import { Router, type RequestHandler } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { AppContext } from '../../domain/context';
import { tooManyRequests } from '../../domain/errors';
import { clientKey } from './client-key';

/** Requests per minute per client, counted under the salted client key (in memory, or in Redis for every API process). */
function perClientPerMinute(ctx: AppContext, name: string, points: number): RequestHandler {
  const limiter = ctx.rateLimits.limiter(name, { points, duration: 60 });
  return async (req, res, next) => {
    try {
      const state = await limiter.consume(clientKey(req));
      res.set('RateLimit-Remaining', String(state.remainingPoints));
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      next(tooManyRequests('rate_limited', Math.ceil(err.msBeforeNext / 1000)));
    }
  };
}

/**
 * The public side's per-client budgets, each its own: pages (the upload form, archive, search, hash
 * check, stations, map, and the login and one-time link forms), media files, and the JSON API. Uploads are left to their own throttle; login
 * has its own protection (domain/accounts/login-throttle.ts). Nothing is shared by all clients, so
 * no one client can spend a budget for everyone.
 */
export function publicRateLimits(ctx: AppContext): Router {
  const router = Router();
  const pages = perClientPerMinute(ctx, 'pages', ctx.config.publicPageRequestsPerMinute);
  router.get('/', pages);
  router.use(['/archive', '/search', '/check', '/stations', '/map', '/login', '/setup', '/set-password'], pages);
  // Static files: media, and the log's tiles (a mirror should copy the store's log/ folder instead).
  router.use(['/media', '/log'], perClientPerMinute(ctx, 'media', ctx.config.publicMediaRequestsPerMinute));
  const api = perClientPerMinute(ctx, 'api', ctx.config.publicApiRequestsPerMinute);
  // the upload endpoints (multipart and resumable: a file is several requests) have their own throttle
  const isUpload = (p: string) => p === '/submissions' || p === '/uploads' || p.startsWith('/uploads/');
  router.use('/api/v1', (req, res, next) => (isUpload(req.path) ? next() : api(req, res, next)));
  return router;
}
