import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { AppContext } from '../domain/context';
import { adminRoutes } from './admin/admin.routes';
import { archiveRoutes } from './archive/archive.routes';
import { countsRoutes } from './counts/counts.routes';
import { countsStaffRoutes } from './counts/counts.staff.routes';
import { authRoutes } from './auth/auth.routes';
import { catalogRoutes } from './catalog/catalog.routes';
import { healthRoutes } from './health/health.routes';
import { logRoutes } from './log/log.routes';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { requestLog } from './middleware/request-log';
import { publicRateLimits } from './middleware/rate-limit';
import { loadSession, readCookies } from './middleware/session';
import { bodyRateWatch, uploadGuards } from './middleware/upload-guard';
import { moderationRoutes } from './moderation/moderation.routes';
import { openApiRoutes } from './openapi/openapi.routes';
import { processingRoutes } from './processing/processing.routes';
import { receiptsRoutes } from './receipts/receipts.routes';
import { submissionsRoutes } from './submissions/submissions.routes';
import { uploadsRoutes } from './uploads/uploads.routes';
import { integrityRoutes } from './integrity/integrity.routes';

const STATIC_DIR = path.join(__dirname, '..', 'web', 'static');
/** The tus client's browser build, served from this origin like every other script (no build step, no CDN). */
const TUS_CLIENT = require.resolve('tus-js-client/dist/tus.min.js');

/** The app for a server whose links start with `siteUrl` (api/site-url.ts). */
export function createApp(ctx: AppContext, siteUrl: string): express.Express {
  const app = express();
  app.locals.siteUrl = siteUrl;
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(
    helmet({
      // Nothing is loaded from third parties: every page works offline from this origin alone.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          mediaSrc: ["'self'", 'blob:'],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: false, // below: also when a trusted proxy says the request came over https
    }),
  );
  const hsts = helmet.strictTransportSecurity();
  app.use((req, res, next) => (ctx.config.cookieSecure || req.secure ? hsts(req, res, next) : next()));
  // First: a probe asked every few seconds costs no log line, session look-up, rate-limit slot or body parsing.
  app.use(healthRoutes(ctx));
  app.use(requestLog(ctx.log));
  app.get('/static/vendor/tus.min.js', (_req, res) => res.sendFile(TUS_CLIENT, { maxAge: '1h' }));
  app.use('/static', express.static(STATIC_DIR, { maxAge: '1h', index: false }));
  app.use(bodyRateWatch(ctx));
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 }));
  app.use(express.json({ limit: '64kb' }));
  app.use(readCookies);
  // Before the session: a flood with made-up session cookies is limited before it costs a query.
  app.use(publicRateLimits(ctx));
  app.use(loadSession(ctx));

  // One count of uploads in progress for both ways of sending files.
  const guards = uploadGuards(ctx);
  app.use(uploadsRoutes(ctx, guards));
  app.use(submissionsRoutes(ctx, guards));
  app.use(receiptsRoutes(ctx, guards));
  app.use(authRoutes(ctx));
  app.use(countsStaffRoutes(ctx));
  app.use(moderationRoutes(ctx));
  app.use(adminRoutes(ctx));
  app.use(integrityRoutes(ctx));
  app.use(processingRoutes(ctx));
  app.use(archiveRoutes(ctx));
  app.use(countsRoutes(ctx));
  app.use(openApiRoutes(ctx));
  app.use(catalogRoutes(ctx));
  app.use(logRoutes(ctx));

  app.use(notFoundHandler);
  app.use(errorHandler(ctx));
  return app;
}
