import type { RequestHandler } from 'express';
import type { Logger } from '../../domain/logger';

/**
 * Logs method, route path, status and duration only: never IPs, user agents, query strings
 * (they may hold tokens) or bodies. Uploaders' safety depends on what we do not keep.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ method: req.method, path: req.route?.path ?? req.path.split('/').slice(0, 3).join('/'), status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  };
}
