import type { Request, RequestHandler } from 'express';
import type { Logger } from '../../domain/logger';

/** What the logs call a request that matched no route: its path may hold a mistyped link token. */
const NO_ROUTE = '(no route)';

/** The route a request matched, as written in the code (`/set-password/:token`), never the path it sent. */
export function routePattern(req: Request): string {
  return req.route ? `${req.baseUrl}${String(req.route.path)}` : NO_ROUTE;
}

/**
 * Logs method, route pattern, status and duration only: never IPs, user agents, paths or query
 * strings (they may hold tokens) or bodies. Uploaders' safety depends on what we do not keep.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ method: req.method, path: routePattern(req), status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  };
}
