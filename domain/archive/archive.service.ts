import type { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import * as archiveRepo from '../../db/archive.repo';
import * as catalogRepo from '../../db/catalog.repo';
import * as mediaRepo from '../../db/media.repo';
import type { AppContext } from '../context';
import { carriedBy } from '../media/original-reveals';
import { poolIsFull } from '../../db/pool';
import { notFound, serviceBusy } from '../errors';
import { publicFlags } from '../processing/media-relations';
import { buildFilters, DEFAULT_PAGE_SIZE, decodeSearchCursor, effectiveSort, encodeSearchCursor, type SearchQuery } from './search';

export { searchEntries, type SearchQuery } from './search';
export { similarPublished } from './similar';

/** An instant rounded down to a step (steps fall on whole minutes of UTC). */
const roundDown = (at: Date, stepMs: number) => new Date(Math.floor(at.getTime() / stepMs) * stepMs);

/**
 * A published entry with its files, or a withdrawn one (which the permalink explains instead of
 * vanishing). Anything else is indistinguishable from a missing entry. What could be matched with
 * an ISP's traffic records to name the sender is coarsened: the receive time is rounded down to
 * PUBLIC_TIME_PRECISION_MINUTES, and a file's size is given only when its original can be
 * downloaded (it is then no secret), as is what that original carries. The observer's receipt
 * keeps the exact values.
 */
export async function publicEntry(ctx: AppContext, id: string) {
  const stored = await archiveRepo.findPublicEntry(ctx.db, id);
  if (!stored) throw notFound('The entry');
  const entry = { ...stored, received_at: roundDown(stored.received_at, ctx.config.publicTimePrecisionMs) };
  const rows = entry.status === 'published' ? await archiveRepo.listPublicFiles(ctx.db, id) : [];
  const files = await Promise.all(
    rows.map(async ({ metadata, ...f }) => ({
      ...f,
      bytes: entry.original_downloadable ? f.bytes : null,
      flags: await publicFlags(ctx, { ...f, submission_id: id }),
      // What the public original carries that the published copies do not (GPS, device, serials).
      original_carries: entry.original_downloadable ? carriedBy({ ...f, metadata }) : null,
    })),
  );
  return { entry, files };
}

export type PublicEntry = Awaited<ReturnType<typeof publicEntry>>;
export type PublicFile = PublicEntry['files'][number];

/**
 * The public place of an entry, as the archive's view (archive_entry_source) computes it: precise = the first file's
 * GPS; rounded = the polling station's registered place if known, else GPS to 2 decimals (about
 * 1 km); hidden = nothing.
 */
export function publicPlace({ entry, files }: PublicEntry): { lat: number; lon: number; precision: 'precise' | 'rounded' } | null {
  if (entry.public_location === 'hidden') return null;
  const gps = files.find((f) => f.gps_lat !== null && f.gps_lon !== null);
  if (entry.public_location === 'precise' && gps) return { lat: gps.gps_lat!, lon: gps.gps_lon!, precision: 'precise' };
  if (entry.station_lat !== null && entry.station_lon !== null) return { lat: entry.station_lat, lon: entry.station_lon, precision: 'rounded' };
  if (!gps) return null;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { lat: round(gps.gps_lat!), lon: round(gps.gps_lon!), precision: 'rounded' };
}

export async function publishedFile(ctx: AppContext, fileId: string) {
  const file = await mediaRepo.findPublishedMediaFile(ctx.db, fileId);
  if (!file) throw notFound('The file');
  return file;
}

/** The original bytes of a published file, only where the moderator allowed downloading them. */
export async function downloadableOriginal(ctx: AppContext, fileId: string) {
  const file = await publishedFile(ctx, fileId);
  const entry = await archiveRepo.findPublicEntry(ctx.db, file.submission_id);
  if (!entry?.original_downloadable) throw notFound('The original of this file');
  return file;
}

/**
 * "Is this file in the archive?": the published entries holding these exact bytes. Anything not
 * published answers exactly as bytes never received: whoever seized a phone must not learn from
 * here which of its files were sent (an observer checks their own upload with their receipt).
 */
export async function lookupFile(ctx: AppContext, sha256: string) {
  const entries = await archiveRepo.findPublishedByHash(ctx.db, sha256);
  return { sha256, status: entries.length ? 'published' : 'unknown', entries } as const;
}

/** Every election and category, active or not: old evidence stays findable. */
export async function searchCatalog(ctx: AppContext) {
  const [elections, categories] = await Promise.all([catalogRepo.listElections(ctx.db, false), catalogRepo.listCategories(ctx.db, false)]);
  return { elections, categories };
}

export type SearchCatalog = Awaited<ReturnType<typeof searchCatalog>>;

export type Station = { electionId: number; region: string; number: string };

/** Everything published for one polling station, with counts per category. */
export async function stationPage(ctx: AppContext, station: Station, page: { after?: string; limit?: number }) {
  const query: SearchQuery = { election: station.electionId, station: station.number, sort: 'published', after: page.after, limit: page.limit };
  const filters = { ...(await buildFilters(ctx, query)), regions: [station.region] };
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  const [election, counts, rows] = await Promise.all([
    catalogRepo.findElection(ctx.db, station.electionId),
    archiveRepo.stationCategoryCounts(ctx.db, station),
    archiveRepo.search(ctx.db, filters, 'published', decodeSearchCursor(page.after, 'published'), limit + 1),
  ]);
  if (!election || !counts.length) throw notFound('This polling station (nothing is published for it)');
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    station,
    election,
    counts,
    total: counts.reduce((n, c) => n + c.count, 0),
    items,
    next: rows.length > limit && last ? encodeSearchCursor('published', last) : null,
  };
}

export type StationData = Awaited<ReturnType<typeof stationPage>>;

// Grid cells of about a quarter of a 256 px tile at the zoom level: a few hundred clusters at most.
const CELLS_PER_TILE = 4;
const MAX_CLUSTERS = 2000;
const WORLD: archiveRepo.MapBox = { west: -180, south: -90, east: 180, north: 90 };

export async function mapClusters(ctx: AppContext, query: SearchQuery & { bbox?: [number, number, number, number]; zoom?: number }) {
  const filters = await buildFilters(ctx, query);
  const box = query.bbox ? { west: query.bbox[0], south: query.bbox[1], east: query.bbox[2], north: query.bbox[3] } : WORLD;
  const zoom = query.zoom ?? 3;
  const cellDegrees = 360 / 2 ** zoom / CELLS_PER_TILE;
  const clusters =
    zoom <= archiveRepo.MAP_GRID_MAX_ZOOM && archiveRepo.narrowedOnlyByElectionOrCategory(filters)
      ? await archiveRepo.mapGridClusters(ctx.db, filters, box, zoom, MAX_CLUSTERS)
      : await archiveRepo.mapClusters(ctx.db, filters, box, cellDegrees, MAX_CLUSTERS);
  return { cellDegrees, clusters };
}

/** When a refused export may try again: about the time a typical export takes. */
const EXPORT_RETRY_SECONDS = 30;

/**
 * Every entry matching a search, as a stream read on a connection of the exports' own pool: the
 * connection goes back to the pool when the stream ends; when it fails or is closed before its
 * end (a client that went away or stopped reading) the connection is discarded, since it may be
 * mid-transaction or mid-stream. With every export connection in use, refused at once (503).
 */
async function streamMatches(
  ctx: AppContext,
  query: SearchQuery,
  open: (client: PoolClient, filters: archiveRepo.SearchFilters, sort: archiveRepo.SearchSort) => Readable | Promise<Readable>,
): Promise<Readable> {
  const filters = await buildFilters(ctx, query);
  const sort = effectiveSort(query, filters);
  if (poolIsFull(ctx.exportDb)) {
    throw serviceBusy('exports_busy', 'Too many exports are running right now; please try again in a minute.', EXPORT_RETRY_SECONDS);
  }
  const client = await ctx.exportDb.connect();
  let stream: Readable;
  try {
    stream = await open(client, filters, sort);
  } catch (err) {
    client.release(err as Error);
    throw err;
  }
  let released = false;
  const release = (err?: Error) => {
    if (released) return;
    released = true;
    client.release(err);
  };
  stream.once('end', () => release());
  stream.once('close', () => release(new Error('the export stream closed before its end')));
  stream.once('error', (err: Error) => release(err));
  return stream;
}

/** Every entry matching a search as ExportRow objects (the JSON export). */
export function exportRows(ctx: AppContext, query: SearchQuery): Promise<Readable> {
  return streamMatches(ctx, query, archiveRepo.streamSearch);
}

/** Every entry matching a search as CSV text (header first), each permalink being urlBase + id. */
export function exportCsv(ctx: AppContext, query: SearchQuery, urlBase: string): Promise<Readable> {
  return streamMatches(ctx, query, (client, filters, sort) => archiveRepo.streamCsv(client, filters, sort, urlBase));
}

/** The newest entries matching a search, for the Atom feed (read like the exports, on their pool). */
export async function feedEntries(ctx: AppContext, query: SearchQuery) {
  const filters = await buildFilters(ctx, query);
  return archiveRepo.search(ctx.exportDb, filters, 'published', null, 50);
}
