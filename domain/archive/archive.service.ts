import type { Readable } from 'node:stream';
import type { Election, Category } from '../catalog/model';
import type { AppContext } from '../context';
import { canonicalRegion } from '../regions/regions.service';
import { PUBLIC_DERIVATIVES } from '../media/derivatives';
import { carriedBy } from '../media/original-reveals';
import { notFound, serviceBusy } from '../errors';
import { publicFlags } from '../processing/media-relations.service';
import type { ArchiveListEntry, FileLookup, FileLookupEntry, MapBox, MapCluster, PublicEntry, PublishedFile, SearchFilters, SearchSort, Station, StationCategoryCount } from './model';
import { buildFilters, DEFAULT_PAGE_SIZE, decodeSearchCursor, effectiveSort, encodeSearchCursor, type SearchQuery } from './search.service';

export { searchEntries, type SearchQuery } from './search.service';
export { similarPublished } from './similar.service';

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
export async function publicEntry(ctx: AppContext, id: string): Promise<PublicEntry> {
  const stored = await ctx.repos.archive.findPublicEntry(id);
  if (!stored) throw notFound('entry');
  const entry = { ...stored, received_at: roundDown(stored.received_at, ctx.config.publicTimePrecisionMs) };
  const rows = entry.status === 'published' ? await ctx.repos.archive.listPublicFiles(id) : [];
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

export async function publishedFile(ctx: AppContext, fileId: string): Promise<PublishedFile> {
  const file = await ctx.repos.media.findPublishedMediaFile(fileId);
  if (!file) throw notFound('file');
  return file;
}

/** A published video's copy, once made: the file and the copy's SHA-256 (its identity for caches). */
export async function publishedVideoCopy(ctx: AppContext, fileId: string): Promise<{ file: PublishedFile; copySha256: string }> {
  const file = await publishedFile(ctx, fileId);
  const copy = await ctx.repos.videoCopies.findVideoCopy(fileId);
  // a copy made with another redaction than the publication's (none, before a redaction was decided) is never served
  if (copy?.status !== 'ready' || !copy.sha256 || copy.redaction_key !== file.redacted_copies_key) throw notFound('video_copy');
  return { file, copySha256: copy.sha256 };
}

/** The original bytes of a published file, only where the moderator allowed downloading them. */
export async function downloadableOriginal(ctx: AppContext, fileId: string): Promise<PublishedFile> {
  const file = await publishedFile(ctx, fileId);
  const entry = await ctx.repos.archive.findPublicEntry(file.submission_id);
  // a redacted file's original shows what the redaction covers (the decision refuses both together)
  if (!entry?.original_downloadable || file.redacted_copies_key) throw notFound('original');
  return file;
}

/**
 * "Is this file in the archive?": the published entries holding these exact bytes, as an original or
 * as a copy the archive served of one (thumb, preview, poster; with the original's hash). Anything not
 * published answers exactly as bytes never received: whoever seized a phone must not learn from
 * here which of its files were sent (an observer checks their own upload with their receipt).
 */
export async function lookupFile(ctx: AppContext, sha256: string): Promise<FileLookup> {
  const [originals, copies] = await Promise.all([
    ctx.repos.archive.findPublishedByHash(sha256),
    ctx.repos.archive.findPublishedCopiesByHash(sha256, PUBLIC_DERIVATIVES),
  ]);
  const entries: FileLookupEntry[] = [
    ...originals.map((e) => ({ ...e, copyOf: null })),
    ...copies.map((c) => ({ id: c.id, published_at: c.published_at, copyOf: { kind: c.kind, fileId: c.file_id, originalSha256: c.original_sha256 } })),
  ];
  return { sha256, status: entries.length ? 'published' : 'unknown', entries };
}

export type SearchCatalog = { elections: Election[]; categories: Category[] };

/** Every election and category, active or not: old evidence stays findable. */
export async function searchCatalog(ctx: AppContext): Promise<SearchCatalog> {
  const [elections, categories] = await Promise.all([ctx.repos.catalog.listElections(false), ctx.repos.catalog.listCategories(false)]);
  return { elections, categories };
}

export type StationData = {
  station: Station;
  election: Election;
  counts: StationCategoryCount[];
  total: number;
  items: ArchiveListEntry[];
  next: string | null;
};

/** Everything published for one polling station, with counts per category. */
/**
 * The region a station URL should name: the list's canonical name for what it says (any case,
 * ё/е, a typo, the English name), else the text as it is. A URL naming it otherwise is redirected.
 */
export async function canonicalStationRegion(ctx: AppContext, region: string): Promise<string> {
  return (await canonicalRegion(ctx, region))?.name_ru ?? region;
}

export async function stationPage(ctx: AppContext, station: Station, page: { after?: string; limit?: number }): Promise<StationData> {
  const query: SearchQuery = { election: station.electionId, station: station.number, sort: 'published', after: page.after, limit: page.limit };
  const filters = { ...(await buildFilters(ctx, query)), regions: [station.region] };
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  const [{ election, counts }, rows] = await Promise.all([
    ctx.repos.archive.stationSummary(station),
    ctx.repos.archive.search(filters, 'published', decodeSearchCursor(page.after, 'published'), limit + 1, { prepared: true }),
  ]);
  if (!election || !counts.length) throw notFound('station');
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

// Grid cells of about a quarter of a 256 px tile at the zoom level: a few hundred clusters at most.
const CELLS_PER_TILE = 4;
const MAX_CLUSTERS = 2000;
const WORLD: MapBox = { west: -180, south: -90, east: 180, north: 90 };

export async function mapClusters(
  ctx: AppContext,
  query: SearchQuery & { bbox?: [number, number, number, number]; zoom?: number },
): Promise<{ cellDegrees: number; clusters: MapCluster[] }> {
  const filters = await buildFilters(ctx, query);
  const box = query.bbox ? { west: query.bbox[0], south: query.bbox[1], east: query.bbox[2], north: query.bbox[3] } : WORLD;
  const zoom = query.zoom ?? 3;
  const cellDegrees = 360 / 2 ** zoom / CELLS_PER_TILE;
  const clusters = await ctx.repos.archive.mapClusters(filters, { box, zoom, cellDegrees }, MAX_CLUSTERS);
  return { cellDegrees, clusters };
}

/** When a refused export may try again: about the time a typical export takes. */
const EXPORT_RETRY_SECONDS = 30;

/**
 * Every entry matching a search, streamed from the exports' own pool (see exportEntries in
 * db/archive.repo.ts); with every export connection in use, refused at once (503).
 */
async function exportMatches(
  ctx: AppContext,
  query: SearchQuery,
  open: (filters: SearchFilters, sort: SearchSort) => Promise<Readable | null>,
): Promise<Readable> {
  const filters = await buildFilters(ctx, query);
  const stream = await open(filters, effectiveSort(query, filters));
  if (!stream) throw serviceBusy('exports_busy', EXPORT_RETRY_SECONDS);
  return stream;
}

/** Every entry matching a search as ExportEntry objects (the JSON export). */
export function exportRows(ctx: AppContext, query: SearchQuery): Promise<Readable> {
  return exportMatches(ctx, query, (filters, sort) => ctx.exportRepos.archive.exportEntries(filters, sort));
}

/** Every entry matching a search as CSV text (header first), each permalink being permalinkBase + id. */
export function exportCsv(ctx: AppContext, query: SearchQuery, permalinkBase: string): Promise<Readable> {
  return exportMatches(ctx, query, (filters, sort) => ctx.exportRepos.archive.exportCsv(filters, sort, permalinkBase));
}

/** The newest entries matching a search, for the Atom feed (read like the exports, on their pool). */
export async function feedEntries(ctx: AppContext, query: SearchQuery): Promise<ArchiveListEntry[]> {
  const filters = await buildFilters(ctx, query);
  return ctx.exportRepos.archive.search(filters, 'published', null, 50);
}
