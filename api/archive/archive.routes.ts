import { Router } from 'express';
import { listPublishedEntries, publishedEntry, publishedFile } from '../../domain/archive/archive.service';
import type { AppContext } from '../../domain/context';
import { notFound } from '../../domain/errors';
import { archiveListPage, entryPage } from '../../web/pages/archive';
import { parseParams, parseQuery } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { sendStoredFile } from '../send-file';
import { presentEntry, presentListItem } from './archive.present';
import { archiveQuery, entryParams, publicFileParams } from './archive.schema';

export function archiveRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/archive', async (req, res) => {
    const { after } = parseQuery(archiveQuery, req);
    sendHtml(res, archiveListPage(pageContext(ctx, req, res), { ...(await listPublishedEntries(ctx, after)), isFirst: !after }));
  });

  router.get('/archive/:id', async (req, res) => {
    const { id } = parseParams(entryParams, req);
    sendHtml(res, entryPage(pageContext(ctx, req, res), await publishedEntry(ctx, id)));
  });

  // The published copy is the sanitized preview: re-encoded, oriented, with every metadata tag removed.
  router.get('/media/:id/:variant', async (req, res) => {
    const { id, variant } = parseParams(publicFileParams, req);
    const file = await publishedFile(ctx, id);
    const name = variant === 'thumb.jpg' ? 'thumb' : 'preview';
    if (!(name === 'thumb' ? file.has_thumb : file.has_preview)) throw notFound('The file');
    await sendStoredFile(res, ctx.storage.openDerivative(file.sha256, name), {
      type: 'image/jpeg',
      cacheSeconds: 300,
      downloadName: variant === 'published.jpg' ? `svidetel-${file.id}.jpg` : undefined,
    });
  });

  router.get('/api/v1/entries', async (req, res) => {
    const { after } = parseQuery(archiveQuery, req);
    const page = await listPublishedEntries(ctx, after);
    res.json({ items: page.items.map(presentListItem), next: page.next });
  });

  router.get('/api/v1/entries/:id', async (req, res) => {
    const { id } = parseParams(entryParams, req);
    res.json(presentEntry(await publishedEntry(ctx, id)));
  });

  return router;
}
