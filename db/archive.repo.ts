import QueryStream from 'pg-query-stream';
import type { PoolClient } from 'pg';
import type { MediaFileRow } from './media.repo';
import type { Queryable } from './pool';
import type { EntryLabels } from './submissions.repo';

/**
 * The public archive's reads: search, station counts, map clusters, exports, hash look-ups, and
 * the permalink. Everything reads archive_entries (migration 040: only published entries, only
 * public fields) or filters submissions on status, so nothing unpublished can leak from here.
 */

export type SearchSort = 'relevance' | 'captured' | 'published';

export type SearchFilters = {
  /** websearch_to_tsquery text, matched with both the Russian and the English configuration */
  text: string | null;
  /** words that may name a region: each matches its fuzzily resolved regions OR the text */
  regionWords: { word: string; regions: string[] }[];
  stationNumbers: string[];
  electionId: number | null;
  /** resolved region names; null means any region, [] means none matched (an honest empty result) */
  regions: string[] | null;
  categories: string[];
  capturedFrom: Date | null;
  capturedTo: Date | null;
  publishedFrom: Date | null;
  publishedTo: Date | null;
  verifiedSince: Date | null;
  hasPhoto: boolean;
  hasVideo: boolean;
};

/** Where the previous page ended: the sort key of its last row (a time, a rank or null) and its id. */
export type SearchAfter = { key: string | number | null; id: string };

export type ArchiveListRow = EntryLabels & {
  id: string;
  published_at: Date;
  verified_at: Date;
  captured_at: Date | null;
  has_photo: boolean;
  has_video: boolean;
  file_count: number;
  first_thumb_file_id: string | null;
  lat: number | null;
  lon: number | null;
  title: string | null;
  excerpt: string;
  rank: number | null;
};

/** Collects parameters so conditions can be composed without ever splicing a value into SQL. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const TSQUERY = (p: string) => `(websearch_to_tsquery('russian', ${p}) || websearch_to_tsquery('english', ${p}))`;

function conditions(f: SearchFilters, p: Params): string[] {
  const where: string[] = [];
  if (f.text) where.push(`a.search_text @@ ${TSQUERY(p.add(f.text))}`);
  for (const w of f.regionWords) {
    where.push(`(a.region = ANY(${p.add(w.regions)}::text[]) OR a.search_text @@ ${TSQUERY(p.add(w.word))})`);
  }
  if (f.stationNumbers.length) where.push(`a.station_number = ANY(${p.add(f.stationNumbers)}::text[])`);
  if (f.electionId !== null) where.push(`a.election_id = ${p.add(f.electionId)}`);
  if (f.regions !== null) where.push(`a.region = ANY(${p.add(f.regions)}::text[])`);
  if (f.categories.length) where.push(`a.category_code = ANY(${p.add(f.categories)}::text[])`);
  if (f.capturedFrom) where.push(`a.captured_at >= ${p.add(f.capturedFrom)}`);
  if (f.capturedTo) where.push(`a.captured_at < ${p.add(f.capturedTo)}`);
  if (f.publishedFrom) where.push(`a.published_at >= ${p.add(f.publishedFrom)}`);
  if (f.publishedTo) where.push(`a.published_at < ${p.add(f.publishedTo)}`);
  if (f.verifiedSince) where.push(`a.verified_at >= ${p.add(f.verifiedSince)}`);
  if (f.hasPhoto) where.push('a.has_photo');
  if (f.hasVideo) where.push('a.has_video');
  return where;
}

/** The sort key expression, its ORDER BY and the keyset condition after a given row. */
function ordering(sort: SearchSort, f: SearchFilters, after: SearchAfter | null, p: Params): { rank: string; orderBy: string; keyset: string | null } {
  const rank = sort === 'relevance' && f.text ? `ts_rank_cd(a.search_text, ${TSQUERY(p.add(f.text))})` : 'NULL::real';
  if (sort === 'relevance' && f.text) {
    const keyset = after ? `(${rank} < ${p.add(after.key)}::real OR (${rank} = $${p.values.length}::real AND a.id < ${p.add(after.id)}::uuid))` : null;
    return { rank, orderBy: `${rank} DESC, a.id DESC`, keyset };
  }
  if (sort === 'captured') {
    // Entries without a capture time come last; the keyset walks them by id.
    const keyset = after
      ? after.key === null
        ? `(a.captured_at IS NULL AND a.id < ${p.add(after.id)}::uuid)`
        : `(a.captured_at < ${p.add(after.key)}::timestamptz OR (a.captured_at = $${p.values.length}::timestamptz AND a.id < ${p.add(after.id)}::uuid) OR a.captured_at IS NULL)`
      : null;
    return { rank, orderBy: 'a.captured_at DESC NULLS LAST, a.id DESC', keyset };
  }
  const keyset = after ? `(a.published_at, a.id) < (${p.add(after.key)}::timestamptz, ${p.add(after.id)}::uuid)` : null;
  return { rank, orderBy: 'a.published_at DESC, a.id DESC', keyset };
}

const LIST_COLUMNS = `a.id, a.election_id, e.name_ru AS election_name_ru, e.name_en AS election_name_en, a.region, a.station_number,
       a.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en, a.published_at, a.verified_at,
       a.captured_at, a.has_photo, a.has_video, a.file_count, a.first_thumb_file_id, a.lat, a.lon, a.title, a.excerpt`;

/**
 * Relevance ranks the newest RELEVANCE_WINDOW matches: ranking every match of a common word in a
 * million entries would read each of them (tens of thousands of rows) for every page. Time sorts
 * and exports see every match.
 */
export const RELEVANCE_WINDOW = 300;

/**
 * The newest entries the window is first looked for among, before all of them: the text index's
 * matches AND-ed with a publication-time range, so a common word's window reads a few hundred
 * rows instead of all its matches, while a word with fewer matches here is rare enough to collect
 * whole. Either gives the same window (every entry outside the span is older than all in it).
 * (Finding a span's edge walks the time index, so a wider second span costs more than it saves.)
 */
const RECENT_SPANS = [30_000];

/** The ids of the newest RELEVANCE_WINDOW entries matching the filters. */
async function relevanceWindow(db: Queryable, f: SearchFilters): Promise<string[]> {
  // Other filters make matches among the newest entries rare, and have their own indexes.
  const spans = narrowedOnlyByElectionOrCategory({ ...f, text: null }) && f.electionId === null && f.categories.length === 0 ? RECENT_SPANS : [];
  for (const span of spans) {
    const { rows: edge } = await db.query<{ published_at: Date }>(
      'SELECT published_at FROM archive_entries ORDER BY published_at DESC, id DESC OFFSET $1 LIMIT 1',
      [span - 1],
    );
    if (!edge[0]) break; // fewer entries than the span: search them all
    const ids = await newestMatches(db, f, edge[0].published_at);
    if (ids.length === RELEVANCE_WINDOW) return ids;
  }
  return newestMatches(db, f, null);
}

async function newestMatches(db: Queryable, f: SearchFilters, publishedSince: Date | null): Promise<string[]> {
  const p = new Params();
  const where = conditions(f, p);
  if (publishedSince) where.push(`a.published_at >= ${p.add(publishedSince)}`);
  // Without a time range the matches are few (the span held under a window of them): collect
  // them through the indexes, where walking the time index with a filter (the planner's pick for
  // a word it cannot estimate) would read the whole archive for a word that is nowhere.
  const { rows } = await db.query<{ id: string }>(
    `WITH matches AS ${publishedSince ? '' : 'MATERIALIZED'} (SELECT a.id, a.published_at FROM archive_entries a WHERE ${where.join(' AND ')})
     SELECT id FROM matches ORDER BY published_at DESC, id DESC LIMIT ${RELEVANCE_WINDOW}`,
    p.values,
  );
  return rows.map((r) => r.id);
}

export async function search(
  db: Queryable,
  f: SearchFilters,
  sort: SearchSort,
  after: SearchAfter | null,
  limit: number,
): Promise<ArchiveListRow[]> {
  const p = new Params();
  const windowed = sort === 'relevance' && f.text !== null;
  const outer = windowed ? [`a.id = ANY(${p.add(await relevanceWindow(db, f))}::uuid[])`] : conditions(f, p);
  const { rank, orderBy, keyset } = ordering(sort, f, after, p);
  if (keyset) outer.push(keyset);
  const { rows } = await db.query<ArchiveListRow>(
    `SELECT ${LIST_COLUMNS}, ${rank} AS rank
       FROM archive_entries a
       JOIN elections e ON e.id = a.election_id
       JOIN categories c ON c.code = a.category_code
      ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
      ORDER BY ${orderBy}
      LIMIT ${p.add(limit)}`,
    p.values,
  );
  return rows;
}

export type ExportRow = Omit<ArchiveListRow, 'excerpt' | 'first_thumb_file_id' | 'rank'> & { description: string; sha256: string[] };

const EXPORT_FROM = `archive_entries a
       JOIN submissions s ON s.id = a.id
       JOIN elections e ON e.id = a.election_id
       JOIN categories c ON c.code = a.category_code
       CROSS JOIN LATERAL (
         SELECT array_agg(encode(m.sha256, 'hex') ORDER BY m.position) AS sha256 FROM media_files m WHERE m.submission_id = a.id
       ) h`;

/** Rows per cursor fetch: each is a round trip, and a batch of a few thousand rows is still a few MB. */
const EXPORT_BATCH_ROWS = 5000;

/** Every matching entry, ordered, as a server-side cursor; the caller owns the client until the stream ends. */
function streamExport(client: PoolClient, f: SearchFilters, sort: SearchSort, columns: (p: Params) => string): QueryStream {
  const p = new Params();
  const selected = columns(p);
  const where = conditions(f, p);
  const { orderBy } = ordering(sort, f, null, p);
  return client.query(
    new QueryStream(
      `SELECT ${selected} FROM ${EXPORT_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy}`,
      p.values,
      { batchSize: EXPORT_BATCH_ROWS },
    ),
  );
}

/**
 * Every matching entry as ExportRow objects, streamed through a server-side cursor in batches,
 * so an export of a million rows holds one batch in memory.
 */
export function streamSearch(client: PoolClient, f: SearchFilters, sort: SearchSort): QueryStream {
  return streamExport(
    client,
    f,
    sort,
    () => `${LIST_COLUMNS.replace(', a.excerpt', '').replace(', a.first_thumb_file_id', '')},
            coalesce(s.public_description, s.description) AS description, h.sha256`,
  );
}

/** An RFC 4180 field, always quoted (quotes doubled): cheaper than testing each value for what needs quoting. */
const csvText = (sql: string) => `coalesce('"' || replace(${sql}, '"', '""') || '"', '')`;
/** The instant as JavaScript's toISOString writes it (UTC, milliseconds), as the JSON export does. */
const isoTime = (sql: string) => `coalesce(to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')`;

/** The CSV export's columns and how each is written; the header is these names in this order. */
const CSV_FIELDS = (urlPrefix: string) => ({
  id: 'a.id::text',
  url: csvText(`(${urlPrefix} || a.id::text)`),
  election_id: 'a.election_id::text',
  election_en: csvText('e.name_en'),
  election_ru: csvText('e.name_ru'),
  region: csvText('a.region'),
  station_number: csvText('a.station_number'),
  category_code: csvText('a.category_code'),
  category_en: csvText('c.label_en'),
  category_ru: csvText('c.label_ru'),
  title: csvText('a.title'),
  description: csvText('coalesce(s.public_description, s.description)'),
  captured_at: isoTime('a.captured_at'),
  published_at: isoTime('a.published_at'),
  verified_at: isoTime('a.verified_at'),
  latitude: "coalesce(a.lat::text, '')",
  longitude: "coalesce(a.lon::text, '')",
  has_photo: 'a.has_photo::text',
  has_video: 'a.has_video::text',
  file_count: 'a.file_count::text',
  sha256: "coalesce(array_to_string(h.sha256, ' '), '')",
});

export const CSV_COLUMNS = Object.keys(CSV_FIELDS('')) as (keyof ReturnType<typeof CSV_FIELDS>)[];

/**
 * Every matching entry as one ready CSV line each (without the line break): PostgreSQL encodes
 * the fields while it reads them, so the API only forwards text instead of building and
 * escaping a million row objects. `url` is each entry's permalink: urlBase followed by its id.
 */
export function streamCsvLines(client: PoolClient, f: SearchFilters, sort: SearchSort, urlBase: string): QueryStream {
  return streamExport(client, f, sort, (p) => `${Object.values(CSV_FIELDS(`${p.add(urlBase)}::text`)).join(` || ',' || `)} AS line`);
}

export type MapCluster = { lat: number; lon: number; count: number; id: string | null };
export type MapBox = { west: number; south: number; east: number; north: number };

/**
 * Published points in a box, merged into a grid of `cellDegrees` cells: a country-wide view is a
 * few hundred clusters whatever the number of entries. A cluster of one carries its entry id.
 */
export async function mapClusters(
  db: Queryable,
  f: SearchFilters,
  box: MapBox,
  cellDegrees: number,
  maxClusters: number,
): Promise<MapCluster[]> {
  const p = new Params();
  const where = conditions(f, p);
  where.push(`a.lat IS NOT NULL`);
  where.push(`a.lat BETWEEN ${p.add(box.south)} AND ${p.add(box.north)}`);
  where.push(`a.lon BETWEEN ${p.add(box.west)} AND ${p.add(box.east)}`);
  const cell = p.add(cellDegrees);
  const { rows } = await db.query<MapCluster>(
    `SELECT avg(a.lat) AS lat, avg(a.lon) AS lon, count(*)::int AS count,
            CASE WHEN count(*) = 1 THEN min(a.id::text) END AS id
       FROM archive_entries a
      WHERE ${where.join(' AND ')}
      GROUP BY floor(a.lat / ${cell}), floor(a.lon / ${cell})
      ORDER BY count(*) DESC
      LIMIT ${p.add(maxClusters)}`,
    p.values,
  );
  return rows;
}

/** The coarsest zooms are pre-aggregated per grid cell of 90 / 2^zoom degrees (migration 042). */
export const MAP_GRID_MAX_ZOOM = 5;

/** True when no filter but the election and categories is set (what the pre-aggregated map grid can answer). */
export function narrowedOnlyByElectionOrCategory(f: SearchFilters): boolean {
  return (
    f.text === null && f.regionWords.length === 0 && f.stationNumbers.length === 0 && f.regions === null &&
    f.capturedFrom === null && f.capturedTo === null && f.publishedFrom === null && f.publishedTo === null &&
    f.verifiedSince === null && !f.hasPhoto && !f.hasVideo
  );
}

/**
 * mapClusters for a coarse zoom and only election/category filters, read from the per-cell
 * counts: every cell touching the box counts whole (at these zooms a cell is over a degree, and
 * clusters that stay put while the map pans read better than ones clipped at the viewport's edge).
 * A cluster of one looks its entry up at its exact point.
 */
export async function mapGridClusters(
  db: Queryable,
  f: Pick<SearchFilters, 'electionId' | 'categories'>,
  box: MapBox,
  zoom: number,
  maxClusters: number,
): Promise<MapCluster[]> {
  const p = new Params();
  const scale = `${p.add(2 ** zoom / 90)}::float8`;
  const where = [
    `g.zoom = ${p.add(zoom)}::smallint`,
    `g.cell_y BETWEEN floor(${p.add(box.south)}::float8 * ${scale}) AND floor(${p.add(box.north)}::float8 * ${scale})`,
    `g.cell_x BETWEEN floor(${p.add(box.west)}::float8 * ${scale}) AND floor(${p.add(box.east)}::float8 * ${scale})`,
  ];
  const entryWhere: string[] = [];
  if (f.electionId !== null) {
    where.push(`g.election_id = ${p.add(f.electionId)}`);
    entryWhere.push(`a.election_id = $${p.values.length}`);
  }
  if (f.categories.length) {
    where.push(`g.category_code = ANY(${p.add(f.categories)}::text[])`);
    entryWhere.push(`a.category_code = ANY($${p.values.length}::text[])`);
  }
  const { rows } = await db.query<MapCluster>(
    `SELECT k.lat, k.lon, k.count,
            CASE WHEN k.count = 1 THEN (
              SELECT a.id::text FROM archive_entries a
               WHERE a.lat BETWEEN k.lat - 1e-9 AND k.lat + 1e-9 AND a.lon BETWEEN k.lon - 1e-9 AND k.lon + 1e-9
                     ${entryWhere.map((w) => `AND ${w}`).join(' ')}
               LIMIT 1) END AS id
       FROM (SELECT sum(g.lat_sum) / sum(g.entries) AS lat, sum(g.lon_sum) / sum(g.entries) AS lon, sum(g.entries)::int AS count
               FROM archive_map_cells g
              WHERE ${where.join(' AND ')}
              GROUP BY g.cell_y, g.cell_x
              ORDER BY count DESC
              LIMIT ${p.add(maxClusters)}) k
      ORDER BY k.count DESC`,
    p.values,
  );
  return rows;
}

/** Regions that have published entries (a loose index scan: one index probe per region). */
export async function publishedRegions(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ region: string }>(
    `WITH RECURSIVE r AS (
       (SELECT region FROM archive_entries ORDER BY region LIMIT 1)
       UNION ALL
       SELECT (SELECT a.region FROM archive_entries a WHERE a.region > r.region ORDER BY a.region LIMIT 1) FROM r WHERE r.region IS NOT NULL
     )
     SELECT region FROM r WHERE region IS NOT NULL`,
  );
  return rows.map((r) => r.region);
}

/**
 * Regions whose name contains something like `term` (trigram word similarity ≥ minScore), best
 * first, keeping only those about as good as the best: "Масква" → Москва, "татарстан" →
 * Республика Татарстан.
 */
export async function matchRegions(db: Queryable, regions: string[], term: string, minScore: number): Promise<string[]> {
  const { rows } = await db.query<{ region: string }>(
    `WITH scored AS (
       SELECT region, word_similarity(lower($2), lower(region)) AS score FROM unnest($1::text[]) AS region
     )
     SELECT region FROM scored
      WHERE score >= $3 AND score >= (SELECT max(score) FROM scored) - 0.05
      ORDER BY score DESC, region`,
    [regions, term, minScore],
  );
  return rows.map((r) => r.region);
}

export type StationCategoryCount = { category_code: string; label_ru: string; label_en: string; count: number };

export async function stationCategoryCounts(
  db: Queryable,
  station: { electionId: number; region: string; number: string },
): Promise<StationCategoryCount[]> {
  const { rows } = await db.query<StationCategoryCount>(
    `SELECT a.category_code, c.label_ru, c.label_en, count(*)::int AS count
       FROM archive_entries a JOIN categories c ON c.code = a.category_code
      WHERE a.station_number = $3 AND a.region = $2 AND a.election_id = $1
      GROUP BY a.category_code, c.label_ru, c.label_en, c.phase_code, c.position
      ORDER BY count(*) DESC, a.category_code`,
    [station.electionId, station.region, station.number],
  );
  return rows;
}

export type PublicEntryRow = EntryLabels & {
  id: string;
  status: 'published' | 'withdrawn';
  title: string | null;
  description: string;
  happened_at: string | null;
  received_at: Date;
  published_at: Date;
  verified_at: Date;
  withdrawn_at: Date | null;
  withdrawal_reason: string | null;
  public_location: 'precise' | 'rounded' | 'hidden';
  public_device: boolean;
  original_downloadable: boolean;
  /** the polling-station register's entry, when the submission was matched to one */
  station_address: string | null;
  station_tik: string | null;
  station_lat: number | null;
  station_lon: number | null;
};

/** A published or withdrawn entry (a withdrawn permalink explains itself); null for anything else. */
export async function findPublicEntry(db: Queryable, id: string): Promise<PublicEntryRow | null> {
  const { rows } = await db.query<PublicEntryRow>(
    `SELECT s.id, s.status, s.election_id, e.name_ru AS election_name_ru, e.name_en AS election_name_en,
            s.region, s.station_number, s.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en,
            s.public_title AS title, coalesce(s.public_description, s.description) AS description,
            to_char(s.happened_at, 'YYYY-MM-DD"T"HH24:MI') AS happened_at,
            s.received_at, s.published_at, d.created_at AS verified_at, s.withdrawn_at, s.withdrawal_reason,
            s.public_location, s.public_device, s.original_downloadable,
            ps.address AS station_address, ps.tik AS station_tik, ps.latitude AS station_lat, ps.longitude AS station_lon
       FROM submissions s
       JOIN elections e ON e.id = s.election_id
       JOIN categories c ON c.code = s.category_code
       JOIN decisions d ON d.id = s.publish_decision_id
       LEFT JOIN polling_stations ps ON ps.id = s.polling_station_id
      WHERE s.id = $1 AND s.status IN ('published', 'withdrawn')`,
    [id],
  );
  return rows[0] ?? null;
}

/** A published file as the public pages read it: the worker's columns a journalist may see. */
export type PublicFileRow = Pick<
  MediaFileRow,
  | 'id' | 'sha256' | 'bytes' | 'mime' | 'kind' | 'width' | 'height' | 'duration_s'
  | 'taken_at_local' | 'taken_at_offset' | 'offset_source' | 'taken_at_utc' | 'taken_at_source'
  | 'gps_lat' | 'gps_lon' | 'make' | 'model' | 'flags' | 'has_thumb' | 'has_preview'
>;

export async function listPublicFiles(db: Queryable, entryId: string): Promise<PublicFileRow[]> {
  const { rows } = await db.query<PublicFileRow>(
    `SELECT m.id, encode(m.sha256, 'hex') AS sha256, b.bytes::float8 AS bytes, b.mime, b.kind, m.width, m.height, m.duration_s,
            to_char(m.taken_at_local, 'YYYY-MM-DD"T"HH24:MI:SS') AS taken_at_local, m.taken_at_offset, m.offset_source,
            m.taken_at_utc, m.taken_at_source, m.gps_lat, m.gps_lon, m.make, m.model, m.flags, m.has_thumb, m.has_preview
       FROM media_files m JOIN blobs b ON b.sha256 = m.sha256
      WHERE m.submission_id = $1 ORDER BY m.position`,
    [entryId],
  );
  return rows;
}

/** What the archive can say about a file's bytes: the published entries holding them, and whether any submission does. */
export async function findByHash(db: Queryable, sha256: string): Promise<{ received: boolean; entries: { id: string; published_at: Date }[] }> {
  const { rows } = await db.query<{ id: string; status: string; published_at: Date | null }>(
    `SELECT s.id, s.status, s.published_at FROM media_files m JOIN submissions s ON s.id = m.submission_id
      WHERE m.sha256 = decode($1, 'hex')
      ORDER BY s.published_at NULLS LAST, s.id`,
    [sha256],
  );
  return {
    received: rows.length > 0,
    entries: rows.filter((r) => r.status === 'published').map((r) => ({ id: r.id, published_at: r.published_at! })),
  };
}
