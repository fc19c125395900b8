import { Router } from 'express';
import type { AppContext } from '../../domain/context';
import { pageContext, sendHtml } from '../page';
import { apiDocsPage } from './docs-page';
import { openApiDocument } from './openapi';

export function openApiRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600');
    res.json(openApiDocument());
  });
  router.get('/api/v1/docs', (req, res) => {
    res.set('Cache-Control', 'public, max-age=3600');
    sendHtml(res, apiDocsPage(pageContext(ctx, req, res), openApiDocument() as Parameters<typeof apiDocsPage>[1]));
  });
  return router;
}
