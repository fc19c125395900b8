import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import * as archive from '../../domain/archive/archive.service';
import { SIMILAR_MAX_BYTES } from '../../domain/archive/similar.service';
import { DERIVATIVE_FORMAT } from '../../domain/media/derivatives';
import type { AppContext } from '../../domain/context';
import { badRequest, notFound } from '../../domain/errors';
import { pickLang, translator } from '../../web/i18n';
import { entryUrl, stationUrl } from '../../web/links';
import { entryPage } from '../../web/pages/archive';
import { hashCheckPage } from '../../web/pages/hash-check';
import { mapPage } from '../../web/pages/map';
import { searchPage } from '../../web/pages/search';
import { stationPage } from '../../web/pages/station';
import { stationFiguresSection } from '../../web/pages/counts';
import { stationFigures } from '../../domain/counts/counts.service';
import { receivedImage, receiveImageInMemory } from '../middleware/upload';
import { parse, parseParams } from '../middleware/validate';
import { pageContext, sendHtml } from '../page';
import { cutOffWhenStalled, sendStoredFile } from '../send-file';
import { siteUrl } from '../site-url';
import { atomFeed, jsonArrayTransform } from './archive.export';
import { presentEntry, presentListItem, presentLookup, presentMap, presentSimilar, presentStation } from './archive.present';
import { originalDigest } from '../../domain/integrity/scrub.service';
import {
  checkQuery,
  entryParams,
  exportQuery,
  hashParams,
  langQuery,
  mapQuery,
  publicFileParams,
  searchQuery,
  stationParams,
  stationQuery,
} from './archive.schema';

/** What a GET form sends for a field left empty is no filter at all. */
function filledQuery(req: Request): Record<string, unknown> {
  return Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== ''));
}

const parseFilled = <S extends z.ZodType>(schema: S, req: Request): z.infer<S> => parse(schema, filledQuery(req));

/**
 * Public pages and API answers change only when something is published or withdrawn: a short
 * shared cache, and express's ETag turns a repeated request into a 304. A logged-in moderator's
 * page carries their session's form token: their browser's alone. (A response that sets a cookie
 * is never shared either: see session.ts.)
 */
function publicCache(res: Response, seconds: number, lastModified?: Date): void {
  res.set('Cache-Control', `${res.req.user ? 'private' : 'public'}, max-age=${seconds}`);
  res.vary('Accept-Language').vary('Cookie');
  if (lastModified) res.set('Last-Modified', lastModified.toUTCString());
}

/**
 * How long a cache may show what a moderator can withdraw (an entry, its files, the feed) before
 * it must ask again; asked again, a withdrawn file is a 404, never a 304.
 */
const WITHDRAWABLE_SECONDS = 60;

/** The search's own parameters, for links that keep them (feeds, exports, the map, next pages). */
function searchString(req: Request, drop: string[] = []): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filledQuery(req))) {
    if (drop.includes(k)) continue;
    for (const value of Array.isArray(v) ? v : [v]) params.append(k, String(value));
  }
  return params.toString();
}

/** The byte-order mark that tells spreadsheets a CSV is UTF-8. */
const UTF8_BOM = '\uFEFF';

export function archiveRoutes(ctx: AppContext): Router {
  const router = Router();

  // ---------------------------------------------------------------------------------------------
  // Pages

  const searchHandler = async (req: Request, res: Response) => {
    const query = parseFilled(searchQuery, req);
    const page = await archive.searchEntries(ctx, query);
    publicCache(res, 30);
    sendHtml(res, searchPage(pageContext(ctx, req, res), { query, page, catalog: await archive.searchCatalog(ctx), search: searchString(req, ['after', 'lang']) }));
  };
  router.get('/archive', searchHandler);
  router.get('/search', searchHandler);

  router.get('/archive/:id', async (req, res) => {
    const { id } = parseParams(entryParams, req);
    parseFilled(langQuery, req);
    const data = await archive.publicEntry(ctx, id);
    publicCache(res, WITHDRAWABLE_SECONDS, data.entry.withdrawn_at ?? data.entry.published_at);
    sendHtml(res, entryPage(pageContext(ctx, req, res), data, { baseUrl: siteUrl(req) }));
  });

  /** A station URL naming its region otherwise than the list does (case, ё, a typo, English) is moved to the canonical one. */
  async function redirectedToCanonicalStation(req: Request, res: Response, station: { election: number; region: string; number: string }, prefix: string): Promise<boolean> {
    const region = await archive.canonicalStationRegion(ctx, station.region);
    if (region === station.region) return false;
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    res.redirect(301, prefix + stationUrl({ election_id: station.election, region, station_number: station.number }) + query);
    return true;
  }

  router.get('/stations/:election/:region/:number', async (req, res) => {
    const station = parseParams(stationParams, req);
    if (await redirectedToCanonicalStation(req, res, station, '')) return;
    const { after, limit } = parseFilled(stationQuery, req);
    const [data, figures] = await Promise.all([
      archive.stationPage(ctx, { electionId: station.election, region: station.region, number: station.number }, { after, limit }),
      stationFigures(ctx, station.election, station.number),
    ]);
    publicCache(res, 30);
    const page = pageContext(ctx, req, res);
    sendHtml(res, stationPage(page, data, stationFiguresSection(page, figures)));
  });

  router.get('/map', async (req, res) => {
    const query = parseFilled(searchQuery, req);
    const tileUrl = ctx.config.mapTileUrl;
    if (tileUrl) {
      // Only with MAP_TILE_URL set may this one page load images from the tile server.
      const csp = String(res.getHeader('Content-Security-Policy') ?? '');
      res.set('Content-Security-Policy', csp.replace(/img-src ([^;]*)/, `img-src $1 ${new URL(tileUrl.replace(/[{}]/g, '')).origin}`));
    }
    publicCache(res, 300);
    sendHtml(res, mapPage(pageContext(ctx, req, res), { query, catalog: await archive.searchCatalog(ctx), tileUrl, search: searchString(req, ['after', 'lang', 'sort', 'limit']) }));
  });

  router.get('/check', async (req, res) => {
    const { sha256 } = parseFilled(checkQuery, req);
    res.set('Cache-Control', 'no-store');
    sendHtml(res, hashCheckPage(pageContext(ctx, req, res), sha256 ? await archive.lookupFile(ctx, sha256) : null));
  });

  // Published copies are re-encoded, oriented, with every metadata tag removed; the original
  // only where the moderator allowed it. Either may be withdrawn: caches revalidate (ETag).
  router.get('/media/:id/:variant', async (req, res) => {
    const { id, variant } = parseParams(publicFileParams, req);
    if (variant === 'original') {
      const file = await archive.downloadableOriginal(ctx, id);
      await sendStoredFile(res, ctx.blobs.openOriginal(file.sha256), {
        mime: file.mime,
        identity: file.sha256,
        stallMs: ctx.config.exportStallMs,
        // what the bytes were last found to hash to (by the scrub, or now), not what they were on upload
        digestSha256: await originalDigest(ctx, file.sha256),
        cacheSeconds: WITHDRAWABLE_SECONDS,
        downloadAs: `svidetel-${file.id}-original`,
      });
      return;
    }
    if (variant === 'video.mp4') {
      const { file, copySha256 } = await archive.publishedVideoCopy(ctx, id);
      const copies = file.redacted_copies_key ?? file.sha256;
      // Range requests (206) let a player seek and start at once; the copy has faststart.
      await sendStoredFile(res, ctx.blobs.openDerivative(copies, 'video'), {
        mime: DERIVATIVE_FORMAT.video.mime,
        identity: `${copies}/video/${copySha256}`,
        stallMs: ctx.config.exportStallMs,
        cacheSeconds: WITHDRAWABLE_SECONDS,
      });
      return;
    }
    const file = await archive.publishedFile(ctx, id);
    const name = variant === 'thumb.jpg' ? 'thumb' : 'preview';
    if (!(name === 'thumb' ? file.has_thumb : file.has_preview)) throw notFound('file');
    // a redacted file's public copies are those rendered with the redaction, never the moderators' ones
    const copies = file.redacted_copies_key ?? file.sha256;
    await sendStoredFile(res, ctx.blobs.openDerivative(copies, name), {
      mime: 'image/jpeg',
      identity: `${copies}/${name}`,
      stallMs: ctx.config.exportStallMs,
      cacheSeconds: WITHDRAWABLE_SECONDS,
      downloadAs: variant === 'published.jpg' ? `svidetel-${file.id}` : undefined,
    });
  });

  // ---------------------------------------------------------------------------------------------
  // JSON API, exports and feeds (rate-limited per client in api/middleware/rate-limit.ts)

  const searchApi = async (req: Request, res: Response) => {
    const query = parseFilled(searchQuery, req);
    const page = await archive.searchEntries(ctx, query);
    publicCache(res, 30);
    res.json({ items: page.items.map(presentListItem), next: page.next, sort: page.sort });
  };
  router.get('/api/v1/search', searchApi);
  router.get('/api/v1/entries', searchApi);

  router.get('/api/v1/entries/:id', async (req, res) => {
    const { id } = parseParams(entryParams, req);
    const data = await archive.publicEntry(ctx, id);
    publicCache(res, WITHDRAWABLE_SECONDS, data.entry.withdrawn_at ?? data.entry.published_at);
    res.json(presentEntry(data));
  });

  router.get('/api/v1/stations/:election/:region/:number', async (req, res) => {
    const station = parseParams(stationParams, req);
    if (await redirectedToCanonicalStation(req, res, station, '/api/v1')) return;
    const { after, limit } = parseFilled(stationQuery, req);
    const data = await archive.stationPage(ctx, { electionId: station.election, region: station.region, number: station.number }, { after, limit });
    publicCache(res, 30);
    res.json(presentStation(data));
  });

  router.get('/api/v1/map', async (req, res) => {
    const query = parseFilled(mapQuery, req);
    publicCache(res, 60);
    res.json(presentMap(await archive.mapClusters(ctx, query)));
  });

  router.get('/api/v1/files/:sha256', async (req, res) => {
    const { sha256 } = parseParams(hashParams, req);
    res.set('Cache-Control', 'no-store');
    res.json(presentLookup(await archive.lookupFile(ctx, sha256)));
  });

  // The journalist's own image, only after they asked: in memory for this request, then gone. No
  // CSRF token: it changes nothing, and scripts may call it like any other /api/v1 look-up.
  router.post(
    '/api/v1/similar',
    (_req, res, next) => {
      res.set('Cache-Control', 'no-store');
      next();
    },
    receiveImageInMemory('image', SIMILAR_MAX_BYTES),
    async (req, res) => {
      const image = receivedImage(req);
      if (!image) throw badRequest('no_image', { field: 'image' });
      res.json(presentSimilar(await archive.similarPublished(ctx, image)));
    },
  );

  router.get('/api/v1/export.:format', async (req, res) => {
    const format = req.params.format;
    if (format !== 'csv' && format !== 'json') throw notFound('export_format');
    const query = parseFilled(exportQuery, req);
    cutOffWhenStalled(res, ctx.config.exportStallMs); // its export ended and its connection freed
    const exported = format === 'csv' ? await archive.exportCsv(ctx, query, siteUrl(req) + entryUrl('')) : await archive.exportRows(ctx, query);
    res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    res.attachment(`svidetel-export.${format}`);
    res.set('Cache-Control', 'no-store');
    if (format === 'csv') res.write(UTF8_BOM); // without it Excel reads the Cyrillic as Windows-1251
    await (format === 'csv' ? pipeline(exported, res) : pipeline(exported, jsonArrayTransform(siteUrl(req)), res));
  });

  router.get('/api/v1/feed.atom', async (req, res) => {
    const query = parseFilled(exportQuery, req);
    const rows = await archive.feedEntries(ctx, query);
    const base = siteUrl(req);
    const search = searchString(req);
    const lang = pickLang(req);
    const filters = searchString(req, ['lang']);
    publicCache(res, WITHDRAWABLE_SECONDS, rows[0]?.published_at);
    res.vary('Accept-Language');
    res.type('application/atom+xml; charset=utf-8').send(
      atomFeed(rows, {
        lang,
        title: translator(lang)(filters ? 'feed_title_search' : 'feed_title', { search: [...new URLSearchParams(filters)].map(([k, v]) => `${k}=${v}`).join(', ') }),
        selfUrl: `${base}/api/v1/feed.atom${search ? `?${search}` : ''}`,
        pageUrl: `${base}/archive${search ? `?${search}` : ''}`,
        baseUrl: base,
      }),
    );
  });

  return router;
}
