import { Router } from 'express';
import * as catalog from '../../domain/catalog/catalog.service';
import type { AppContext } from '../../domain/context';

export function catalogRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/v1/elections', async (_req, res) => {
    const rows = await catalog.activeElections(ctx);
    res.json({ items: rows.map((e) => ({ id: e.id, slug: e.slug, name: { ru: e.name_ru, en: e.name_en }, country: e.country, voting_starts_on: e.voting_starts_on, voting_ends_on: e.voting_ends_on })) });
  });
  router.get('/api/v1/categories', async (_req, res) => {
    const rows = await catalog.activeCategories(ctx);
    res.json({ items: rows.map((c) => ({ code: c.code, phase: { code: c.phase_code, ru: c.phase_label_ru, en: c.phase_label_en }, ru: c.label_ru, en: c.label_en })) });
  });
  return router;
}
