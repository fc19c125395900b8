import { createHmac, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppContext } from '../../domain/context';
import { tooManyRequests } from '../../domain/errors';

/**
 * Requests per minute per client for the public API, counted in this process's memory only. The
 * key is an HMAC of the address under a salt drawn at start and never written anywhere, so the
 * counters cannot be turned back into addresses and nothing outlives the process.
 */
export function publicApiRateLimit(ctx: AppContext): RequestHandler {
  const salt = randomBytes(32);
  const limiter = new RateLimiterMemory({ points: ctx.config.publicApiRequestsPerMinute, duration: 60 });
  return async (req, res, next) => {
    const key = createHmac('sha256', salt).update(req.ip ?? '').digest('base64url').slice(0, 22);
    try {
      const state = await limiter.consume(key);
      res.set('RateLimit-Remaining', String(state.remainingPoints));
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      res.set('Retry-After', String(Math.ceil(err.msBeforeNext / 1000)));
      next(tooManyRequests(`Too many requests; try again in ${Math.ceil(err.msBeforeNext / 1000)} s.`));
    }
  };
}
