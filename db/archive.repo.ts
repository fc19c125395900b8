import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import QueryStream from 'pg-query-stream';
import type { Pool, PoolClient } from 'pg';
import type { PublicDerivativeName } from '../domain/media/derivatives';
import type {
  ArchiveListEntry,
  ExportFields,
  MapBox,
  MapCluster,
  PublicEntryFacts,
  PublicFileFacts,
  RankedMatch,
  RegionTerm,
  WalkedMatch,
  SearchAfter,
  SearchFilters,
  SearchSort,
  Station,
  StationCategoryCount,
  TimeSort,
} from '../domain/archive/model';
import type { Election } from '../domain/catalog/model';
import { ELECTION_COLUMNS } from './catalog.repo';
import { poolIsFull, type Queryable } from './pool';
import { Params, SettingParams } from './sql';

/**
 * The public archive's reads: search, station counts, map clusters, exports, hash look-ups, and
 * the permalink. Everything reads archive_entries (db/migrations/001_baseline.sql: only published entries, only
 * public fields) or filters submissions on status, so nothing unpublished can leak from here.
 */

/** A query in either language: the russian configuration stems Russian words as Russian and Latin-script words as English (db/migrations/001_baseline.sql). */
const TSQUERY = (p: string) => `websearch_to_tsquery('russian', ${p}::text)`;

/** The words of a search: its full text, and the words that may name a region. */
function textConditions(f: SearchFilters, p: Params): string[] {
  const where: string[] = [];
  if (f.text) where.push(`a.search_text @@ ${TSQUERY(p.add(f.text))}`);
  for (const w of f.regionWords) {
    where.push(`(a.region = ANY(${p.add(w.regions)}::text[]) OR a.search_text @@ ${TSQUERY(p.add(w.word))})`);
  }
  return where;
}

/**
 * `column` is one of `values`. A single value is written as an equality: with = ANY the planner
 * cannot read an index on (column, published_at) in time order and stop early, it reads and sorts
 * every match.
 */
const oneOf = (column: string, values: string[], p: Params) =>
  values.length === 1 ? `${column} = ${p.add(values[0])}::text` : `${column} = ANY(${p.add(values)}::text[])`;

/**
 * The election and the region as the text index's one key for the pair (db/migrations/022_search_filters_index.sql):
 * written exactly as the index's expression, so the planner matches it.
 */
const ELECTION_REGION = `((a.election_id::text || ' ') || a.region)`;

/**
 * Everything else a search narrows by (each has an index of its own). For the text index
 * (`textIndex`), an election with one region is written as the pair's key, which that index holds:
 * with the two written apart it would read the region's postings and check the election on the rows.
 */
function filterConditions(f: SearchFilters, p: Params, textIndex = false): string[] {
  const where: string[] = [];
  if (f.stationNumbers.length) where.push(`a.station_number = ANY(${p.add(f.stationNumbers)}::text[])`);
  if (textIndex && f.electionId !== null && f.regions?.length === 1) {
    where.push(`${ELECTION_REGION} = ${p.add(`${f.electionId} ${f.regions[0]}`)}::text`);
  } else {
    if (f.electionId !== null) where.push(`a.election_id = ${p.add(f.electionId)}::int`);
    if (f.regions !== null) where.push(oneOf('a.region', f.regions, p));
  }
  if (f.categories.length) where.push(oneOf('a.category_code', f.categories, p));
  if (f.capturedFrom) where.push(`a.captured_at >= ${p.add(f.capturedFrom)}::timestamptz`);
  if (f.capturedTo) where.push(`a.captured_at < ${p.add(f.capturedTo)}::timestamptz`);
  if (f.publishedFrom) where.push(`a.published_at >= ${p.add(f.publishedFrom)}::timestamptz`);
  if (f.publishedTo) where.push(`a.published_at < ${p.add(f.publishedTo)}::timestamptz`);
  if (f.verifiedSince) where.push(`a.verified_at >= ${p.add(f.verifiedSince)}::timestamptz`);
  if (f.hasPhoto) where.push('a.has_photo');
  if (f.hasVideo) where.push('a.has_video');
  return where;
}

const conditions = (f: SearchFilters, p: Params, textIndex = false): string[] => [...textConditions(f, p), ...filterConditions(f, p, textIndex)];
const whereClause = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '');

const RANK = (p: Params, text: string) => `ts_rank_cd(a.search_text, ${TSQUERY(p.add(text))})`;

/** ORDER BY of a sort; relevance (exports only: they rank every match) needs text to rank by. */
function orderBy(sort: SearchSort, f: SearchFilters, p: Params): string {
  if (sort === 'relevance' && f.text) return `${RANK(p, f.text)} DESC, a.id DESC`;
  return sort === 'captured' ? 'a.captured_at DESC NULLS LAST, a.id DESC' : 'a.published_at DESC, a.id DESC';
}

/** The keyset condition: rows after the given one in a time sort. */
function keysetAfter(sort: TimeSort, after: SearchAfter, p: Params): string {
  if (sort === 'published') return `(a.published_at, a.id) < (${p.add(after.key)}::timestamptz, ${p.add(after.id)}::uuid)`;
  // Entries without a capture time come last; the keyset walks them by id.
  return after.key === null
    ? `(a.captured_at IS NULL AND a.id < ${p.add(after.id)}::uuid)`
    : `(a.captured_at < ${p.add(after.key)}::timestamptz OR (a.captured_at = ${p.add(after.key)}::timestamptz AND a.id < ${p.add(after.id)}::uuid) OR a.captured_at IS NULL)`;
}

/** What a list shows of an entry's description. */
const EXCERPT_CHARS = 300;
/** The columns a list row and an export row share. */
const EXPORT_COLUMNS = `a.id, a.election_id, e.name_ru AS election_name_ru, e.name_en AS election_name_en, a.region, a.station_number,
       a.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en, a.published_at, a.verified_at,
       a.captured_at, a.has_photo, a.has_video, a.file_count, a.lat, a.lon, a.title`;
const LIST_COLUMNS = `${EXPORT_COLUMNS}, a.first_thumb_file_id, left(a.description, ${EXCERPT_CHARS}) AS excerpt`;

/** A page of entries in a time sort, after the given row. */
export async function search(
  db: Queryable,
  f: SearchFilters,
  sort: TimeSort,
  after: SearchAfter | null,
  limit: number,
  opts: { prepared?: boolean } = {},
): Promise<ArchiveListEntry[]> {
  const p = new Params();
  const where = conditions(f, p);
  if (after) where.push(keysetAfter(sort, after, p));
  const text = `SELECT ${LIST_COLUMNS}, NULL::real AS rank
       FROM archive_entries a
       JOIN elections e ON e.id = a.election_id
       JOIN categories c ON c.code = a.category_code
      ${whereClause(where)}
      ORDER BY ${orderBy(sort, f, p)}
      LIMIT ${p.add(limit)}`;
  // prepared: a page whose filters always have the same shape (a station's) keeps its plan per
  // connection, named by its text; free searches are not, their shapes are many
  const name = opts.prepared ? `archive.search.${createHash('sha1').update(text).digest('hex').slice(0, 16)}` : undefined;
  const { rows } = await db.query<ArchiveListEntry>({ name, text, values: p.values });
  return rows;
}

/** Entries by id, in the order given (ids that are not public are left out). */
export async function listEntries(db: Queryable, ids: string[]): Promise<Omit<ArchiveListEntry, 'rank'>[]> {
  const { rows } = await db.query<Omit<ArchiveListEntry, 'rank'>>(
    `SELECT ${LIST_COLUMNS}
       FROM unnest($1::uuid[]) WITH ORDINALITY AS wanted (id, position)
       JOIN archive_entries a ON a.id = wanted.id
       JOIN elections e ON e.id = a.election_id
       JOIN categories c ON c.code = a.category_code
      ORDER BY wanted.position`,
    [ids],
  );
  return rows;
}

/**
 * The newest `size` matches among the newest `walkRows` entries that pass the other filters, the
 * words checked row by row: a common word is found within a few thousand rows, where the text
 * index would read all of its (hundreds of thousands of) postings first. The walk stops at the
 * size-th match. `exhausted`: it read every candidate there is (fewer than `walkRows`), so what it
 * found is all there is; told by the walkRows-th candidate, which is returned (not as a match)
 * when the walk reached it.
 */
export async function newestMatchesWalking(
  db: Queryable,
  f: SearchFilters,
  walkRows: number,
  size: number,
  olderThan: WalkedMatch | null = null,
): Promise<{ matches: RankedMatch[]; exhausted: boolean; last: WalkedMatch | null }> {
  const p = new Params();
  const filters = filterConditions(f, p);
  // A walk may go on where an earlier one's last match was (the same words, no filters): the
  // entries it read are not read again.
  const where = olderThan ? [...filters, `(a.published_at, a.id) < (${p.add(olderThan.publishedAt)}::timestamptz, ${p.add(olderThan.id)}::uuid)`] : filters;
  // reached: the candidate's place in the walk (counted as the rows stream, so the walk still stops early)
  const limit = p.add(walkRows);
  const candidates = `SELECT a.id, a.published_at, a.region, a.search_text, row_number() OVER (ORDER BY a.published_at DESC, a.id DESC)::int AS reached
                        FROM archive_entries a ${whereClause(where)}
                       ORDER BY a.published_at DESC, a.id DESC LIMIT ${limit}`;
  const words = textConditions(f, p).join(' AND ');
  const { rows } = await db.query<RankedMatch & { published_at: Date; reached: number; matched: boolean }>(
    `SELECT a.id, a.published_at, a.reached, ${RANK(p, f.text!)} AS rank, (${words}) AS matched
       FROM (${candidates}) a
      WHERE (${words}) OR a.reached = ${limit}
      ORDER BY a.published_at DESC, a.id DESC
      LIMIT ${p.add(size + 1)}`,
    p.values,
  );
  const found = rows.filter((r) => r.matched).slice(0, size);
  const last = found.at(-1);
  return {
    matches: found.map(({ id, rank }) => ({ id, rank })),
    exhausted: found.length < size && !rows.some((r) => r.reached === walkRows),
    last: last ? { id: last.id, publishedAt: last.published_at, reached: last.reached } : null,
  };
}

/** When the n-th newest entry was published (null when there are fewer): where the newest n begin. */
export async function publicationEdge(db: Queryable, n: number): Promise<Date | null> {
  const { rows } = await db.query<{ published_at: Date }>(
    'SELECT published_at FROM archive_entries ORDER BY published_at DESC, id DESC OFFSET $1 LIMIT 1',
    [n - 1],
  );
  return rows[0]?.published_at ?? null;
}

/**
 * The newest `size` matches through the text index, optionally only among entries published
 * since a time (from the start of its UTC day: more entries, but still the newest): the index
 * reads every posting of the words, so this is for words too rare to be found by
 * newestMatchesWalking, or for filters the index holds.
 */
export async function newestMatchesIndexed(db: Queryable, f: SearchFilters, publishedSince: Date | null, size: number): Promise<RankedMatch[]> {
  const p = new Params();
  const where = conditions(f, p, true);
  // Written as the text index's day of publication (db/migrations/022_search_filters_index.sql), so the index answers it:
  // the entries since that day, the newest all the same.
  if (publishedSince) where.push(`((a.published_at AT TIME ZONE 'UTC')::date) >= (${p.add(publishedSince)}::timestamptz AT TIME ZONE 'UTC')::date`);
  // Without a time range, collect every match through the indexes (the words are rare, or the
  // other filters narrow): walking the time index with a filter, the planner's pick for words it
  // cannot estimate, would read the whole archive for a word that is nowhere.
  const { rows } = await db.query<RankedMatch>(
    `WITH matches AS ${publishedSince ? '' : 'MATERIALIZED'} (SELECT a.id, a.published_at, a.search_text FROM archive_entries a ${whereClause(where)})
     SELECT a.id, ${RANK(p, f.text!)} AS rank FROM (SELECT * FROM matches ORDER BY published_at DESC, id DESC LIMIT ${p.add(size)}) a`,
    p.values,
  );
  return rows;
}

/**
 * How many entries the planner expects to pass these filters, from PostgreSQL's statistics
 * (planning only, nothing is read; the conditions written as the text index's, so an election with
 * one region is the pair's key, whose statistics are the pair's own). For filters on columns it
 * knows this is close; for words it is not to be trusted: it multiplies the words' shares, and
 * words that come together ("протокол переписали") are then taken for far rarer than they are.
 */
export async function estimateMatches(db: Queryable, f: SearchFilters): Promise<number> {
  const p = new Params();
  const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM archive_entries a ${whereClause(conditions(f, p, true))}`,
    p.values,
  );
  return rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'];
}

const EXPORT_FROM = `archive_entries a
       JOIN elections e ON e.id = a.election_id
       JOIN categories c ON c.code = a.category_code`;

/** Rows per cursor fetch: each is a round trip, and a batch of a few thousand rows is still a few MB. */
const EXPORT_BATCH_ROWS = 5000;

/**
 * Every matching entry as ExportEntry objects, ordered, streamed through a server-side cursor in
 * batches, so an export of a million rows holds one batch in memory.
 */
function streamEntries(client: PoolClient, f: SearchFilters, sort: SearchSort): QueryStream {
  const p = new Params();
  return client.query(
    new QueryStream(
      `SELECT ${EXPORT_COLUMNS}, a.description, a.file_sha256 AS sha256
         FROM ${EXPORT_FROM} ${whereClause(conditions(f, p))} ORDER BY ${orderBy(sort, f, p)}`,
      p.values,
      { batchSize: EXPORT_BATCH_ROWS },
    ),
  );
}

/** The instant as JavaScript's toISOString writes it (UTC, milliseconds), as the JSON export does. */
const isoTime = (sql: string) => `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A text cell a spreadsheet would run as a formula (it starts with =, +, -, @, tab, CR or LF) gets a
 * leading single quote, as OWASP's CSV-injection advice has it: an observer's region must not
 * become =HYPERLINK(...) on a journalist's screen. CSV only; the JSON export stays exact.
 */
const csvText = (sql: string) => `CASE WHEN left(${sql}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r', E'\\n') THEN '''' || ${sql} ELSE ${sql} END`;

/** One [name, SQL] pair per export field, in EXPORT_FIELDS' order (the compiler checks names and order). */
type ColumnsOf<Fields extends readonly string[]> = { [I in keyof Fields]: readonly [Fields[I], string] };

/** The CSV export's columns: ExportRecord's fields, each as the JSON export writes its value (true/false, ISO times, hashes space-separated). */
const CSV_COLUMNS = (urlPrefix: string): ColumnsOf<ExportFields> => [
  ['id', 'a.id'],
  ['url', csvText(`${urlPrefix} || a.id::text`)],
  ['election_id', 'a.election_id'],
  ['election_en', csvText('e.name_en')],
  ['election_ru', csvText('e.name_ru')],
  ['region', csvText('a.region')],
  ['station_number', csvText('a.station_number')],
  ['category_code', csvText('a.category_code')],
  ['category_en', csvText('c.label_en')],
  ['category_ru', csvText('c.label_ru')],
  ['title', csvText('a.title')],
  ['description', csvText('a.description')],
  ['captured_at', isoTime('a.captured_at')],
  ['published_at', isoTime('a.published_at')],
  ['verified_at', isoTime('a.verified_at')],
  ['latitude', 'a.lat'],
  ['longitude', 'a.lon'],
  ['has_photo', 'a.has_photo::text'],
  ['has_video', 'a.has_video::text'],
  ['file_count', 'a.file_count'],
  ['sha256', "array_to_string(a.file_sha256, ' ')"],
];

/**
 * Every matching entry as CSV (a header, then a line per entry; fields quoted where they need it,
 * lines ended by LF, empty for null), written by PostgreSQL's COPY: it encodes in C while it reads
 * and streams without pausing for the client's fetches, and the bytes pass through untouched. `url`
 * is each entry's permalink: permalinkBase followed by its id. Runs in a read-only transaction of
 * its own on `client` (the filters are its settings), committed when the stream ends.
 */
async function streamCsv(client: PoolClient, f: SearchFilters, sort: SearchSort, permalinkBase: string): Promise<Readable> {
  const p = new SettingParams();
  const columns = CSV_COLUMNS(`${p.add(permalinkBase)}::text`).map(([name, sql]) => `${sql} AS ${name}`);
  const query = `SELECT ${columns.join(', ')} FROM ${EXPORT_FROM} ${whereClause(conditions(f, p))} ORDER BY ${orderBy(sort, f, p)}`;
  await client.query('BEGIN READ ONLY');
  await client.query(p.setStatement(), p.values);
  const copy = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER)`));
  const commitAtEnd = new Transform({
    transform: (chunk: Buffer, _enc, done) => done(null, chunk),
    flush: (done) => void client.query('COMMIT').then(() => done(), done),
  });
  pipeline(copy, commitAtEnd, () => undefined); // an error reaches the caller through commitAtEnd
  return commitAtEnd;
}

/**
 * A stream read on a connection of its own from `pool`, or null at once when every connection of
 * the pool is in use (the caller refuses rather than queues). The connection goes back to the pool
 * when the stream ends; when it fails or is closed before its end (a client that went away or
 * stopped reading) the connection is discarded, since it may be mid-transaction or mid-stream.
 */
async function onOwnConnection(pool: Pool, open: (client: PoolClient) => Readable | Promise<Readable>): Promise<Readable | null> {
  if (poolIsFull(pool)) return null;
  const client = await pool.connect();
  let stream: Readable;
  try {
    stream = await open(client);
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

/** Every matching entry as ExportEntry objects (the JSON export), on a connection of its own; null when the pool is full. */
export function exportEntries(pool: Pool, f: SearchFilters, sort: SearchSort): Promise<Readable | null> {
  return onOwnConnection(pool, (client) => streamEntries(client, f, sort));
}

/** Every matching entry as CSV text (see streamCsv), on a connection of its own; null when the pool is full. */
export function exportCsv(pool: Pool, f: SearchFilters, sort: SearchSort, permalinkBase: string): Promise<Readable | null> {
  return onOwnConnection(pool, (client) => streamCsv(client, f, sort, permalinkBase));
}

/** The coarsest zooms are pre-aggregated per grid cell of 90 / 2^zoom degrees (db/migrations/001_baseline.sql). */
const MAP_GRID_MAX_ZOOM = 5;

/**
 * Published points in a box, merged into a grid of `cellDegrees` cells: a country-wide view is a
 * few hundred clusters whatever the number of entries. A cluster of one carries its entry id.
 * Coarse zooms narrowed by nothing but the election and categories read the pre-aggregated cells.
 */
export function mapClusters(
  db: Queryable,
  f: SearchFilters,
  view: { box: MapBox; zoom: number; cellDegrees: number },
  maxClusters: number,
): Promise<MapCluster[]> {
  return view.zoom <= MAP_GRID_MAX_ZOOM && narrowedOnlyByElectionOrCategory(f)
    ? gridClusters(db, f, view.box, view.zoom, maxClusters)
    : liveClusters(db, f, view.box, view.cellDegrees, maxClusters);
}

/** mapClusters counted from the entries themselves. */
async function liveClusters(db: Queryable, f: SearchFilters, box: MapBox, cellDegrees: number, maxClusters: number): Promise<MapCluster[]> {
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

/** True when no filter but the election and categories is set (what the pre-aggregated map grid can answer). */
function narrowedOnlyByElectionOrCategory(f: SearchFilters): boolean {
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
async function gridClusters(
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
    entryWhere.push(`a.election_id = ${p.add(f.electionId)}`);
  }
  if (f.categories.length) {
    where.push(`g.category_code = ANY(${p.add(f.categories)}::text[])`);
    entryWhere.push(`a.category_code = ANY(${p.add(f.categories)}::text[])`);
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

/**
 * For each term, the regions with published entries whose name contains something like it, best
 * first, keeping only those about as good as the best: "Масква" → Москва, "татарстан" →
 * Республика Татарстан. One query for all terms; the regions are found by a loose index scan (one
 * index probe per region).
 */
export async function matchRegions(db: Queryable, terms: RegionTerm[]): Promise<string[][]> {
  if (!terms.length) return [];
  const { rows } = await db.query<{ term: number; regions: string[] }>(
    `WITH RECURSIVE published AS (
       (SELECT region FROM archive_entries ORDER BY region LIMIT 1)
       UNION ALL
       SELECT (SELECT a.region FROM archive_entries a WHERE a.region > p.region ORDER BY a.region LIMIT 1) FROM published p WHERE p.region IS NOT NULL
     ),
     scored AS (
       SELECT t.n, p.region, t.min_score, word_similarity(lower(t.term), lower(p.region)) AS score
         FROM unnest($1::text[], $2::real[]) WITH ORDINALITY AS t (term, min_score, n)
        CROSS JOIN published p WHERE p.region IS NOT NULL
     )
     SELECT s.n::int AS term, array_agg(s.region ORDER BY s.score DESC, s.region) AS regions
       FROM scored s
      WHERE s.score >= s.min_score AND s.score >= (SELECT max(b.score) FROM scored b WHERE b.n = s.n) - 0.05
      GROUP BY s.n`,
    [terms.map((t) => t.term), terms.map((t) => t.minScore)],
  );
  return terms.map((_, i) => rows.find((r) => r.term === i + 1)?.regions ?? []);
}

/**
 * A station's election and its published entries by category, in one statement prepared by name once
 * per connection: a station page's first read, which was two round trips, each planned in more time
 * than it ran.
 */
export async function stationSummary(db: Queryable, station: Station): Promise<{ election: Election | null; counts: StationCategoryCount[] }> {
  const { rows } = await db.query<{ election: Election | null; counts: StationCategoryCount[] }>({
    name: 'archive.station_summary',
    text: `SELECT (SELECT row_to_json(e) FROM (SELECT ${ELECTION_COLUMNS} FROM elections WHERE id = $1) e) AS election,
       (SELECT coalesce(json_agg(json_build_object('category_code', k.category_code, 'label_ru', k.label_ru, 'label_en', k.label_en, 'count', k.count)
                 ORDER BY k.count DESC, k.category_code), '[]')
          FROM (SELECT a.category_code, c.label_ru, c.label_en, count(*)::int AS count
                  FROM archive_entries a JOIN categories c ON c.code = a.category_code
                 WHERE a.station_number = $3 AND a.region = $2 AND a.election_id = $1
                 GROUP BY a.category_code, c.label_ru, c.label_en, c.phase_code, c.position) k) AS counts`,
    values: [station.electionId, station.region, station.number],
  });
  return rows[0]!;
}

/**
 * A published or withdrawn entry (a withdrawn permalink explains itself); null for anything else.
 * Its place is the archive's (archive_entry_source owns that rule; nothing for a withdrawn entry),
 * precise where the view showed a file's own GPS point: the moderator chose 'precise' and a file has one.
 */
export async function findPublicEntry(db: Queryable, id: string): Promise<PublicEntryFacts | null> {
  const { rows } = await db.query<PublicEntryFacts>(
    `SELECT s.id, s.status, s.election_id, e.name_ru AS election_name_ru, e.name_en AS election_name_en,
            s.region, s.station_number, s.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en,
            s.public_title AS title, coalesce(s.public_description, s.description) AS description,
            to_char(s.happened_at, 'YYYY-MM-DD"T"HH24:MI') AS happened_at,
            s.received_at, s.published_at, d.created_at AS verified_at, s.withdrawn_at, s.withdrawal_reason,
            s.public_location, s.public_device, s.original_downloadable,
            ps.address AS station_address, ps.tik AS station_tik,
            CASE WHEN a.lat IS NOT NULL THEN json_build_object('lat', a.lat, 'lon', a.lon, 'precision',
              CASE WHEN s.public_location = 'precise' AND EXISTS (SELECT 1 FROM media_files m WHERE m.submission_id = s.id AND m.gps_lat IS NOT NULL)
                   THEN 'precise' ELSE 'rounded' END) END AS place
       FROM submissions s
       JOIN elections e ON e.id = s.election_id
       JOIN categories c ON c.code = s.category_code
       JOIN decisions d ON d.id = s.publish_decision_id
       LEFT JOIN polling_stations ps ON ps.id = s.polling_station_id
       LEFT JOIN archive_entries a ON a.id = s.id
      WHERE s.id = $1 AND s.status IN ('published', 'withdrawn')`,
    [id],
  );
  return rows[0] ?? null;
}

/** A published entry's files, in their order. */
export async function listPublicFiles(db: Queryable, entryId: string): Promise<PublicFileFacts[]> {
  const { rows } = await db.query<PublicFileFacts>(
    `SELECT m.id, encode(m.sha256, 'hex') AS sha256, b.bytes::float8 AS bytes, b.mime, b.kind, m.width, m.height, m.duration_s,
            to_char(m.taken_at_local, 'YYYY-MM-DD"T"HH24:MI:SS') AS taken_at_local, m.taken_at_offset, m.offset_source,
            m.taken_at_utc, m.taken_at_source, m.gps_lat, m.gps_lon, m.make, m.model, m.flags, m.has_thumb, m.has_preview,
            lpad(to_hex(m.phash), 16, '0') AS phash, m.content_identifier,
            jsonb_build_object('serial_numbers', m.metadata->'serial_numbers') AS metadata,
            CASE WHEN v.status = 'ready' AND v.redaction_key IS NOT DISTINCT FROM r.copies_key
                 THEN json_build_object('sha256', encode(v.sha256, 'hex'), 'bytes', v.bytes) END AS video_copy,
            (v.status = 'failed' AND v.redaction_key IS NOT DISTINCT FROM r.copies_key) IS TRUE AS video_copy_failed,
            r.media_file_id IS NOT NULL AS redacted
       FROM media_files m JOIN blobs b ON b.sha256 = m.sha256 JOIN submissions s ON s.id = m.submission_id
       LEFT JOIN media_redactions r ON r.decision_id = s.publish_decision_id AND r.media_file_id = m.id
       LEFT JOIN video_copies v ON v.media_file_id = m.id
      WHERE m.submission_id = $1 ORDER BY m.position`,
    [entryId],
  );
  return rows;
}

/**
 * The published entries holding a file's bytes (hex SHA-256, lowercase), oldest first. Reads
 * archive_entries only, where nothing unpublished is: its answer and its cost are the same for a
 * file never received and for one received but not published (db/migrations/001_baseline.sql).
 */
export async function findPublishedByHash(db: Queryable, sha256: string): Promise<{ id: string; published_at: Date }[]> {
  const { rows } = await db.query<{ id: string; published_at: Date }>(
    `SELECT a.id, a.published_at FROM archive_entries a WHERE a.file_sha256 @> ARRAY[$1::text] ORDER BY a.published_at, a.id`,
    [sha256],
  );
  return rows;
}

export type PublishedCopyRow = { id: string; published_at: Date; file_id: string; kind: PublicDerivativeName; original_sha256: string };

/**
 * The published entries holding a file one of whose copies (of these kinds) has this SHA-256. Like
 * findPublishedByHash it answers only through archive_entries: a copy of anything unpublished is
 * not found, as bytes never received.
 */
export async function findPublishedCopiesByHash(db: Queryable, sha256: string, kinds: readonly PublicDerivativeName[]): Promise<PublishedCopyRow[]> {
  // the copies made with a redaction are recorded with their decision (media_redactions), the rest as made
  const { rows } = await db.query<PublishedCopyRow>(
    `SELECT a.id, a.published_at, m.id AS file_id, d.kind, encode(m.sha256, 'hex') AS original_sha256
       FROM (SELECT media_file_id, kind FROM derivative_hashes WHERE sha256 = decode($1, 'hex')
             UNION SELECT media_file_id, 'thumb' FROM media_redactions WHERE thumb_sha256 = decode($1, 'hex')
             UNION SELECT media_file_id, 'preview' FROM media_redactions WHERE preview_sha256 = decode($1, 'hex')) d
       JOIN media_files m ON m.id = d.media_file_id
       JOIN archive_entries a ON a.id = m.submission_id
      WHERE d.kind = ANY($2::text[])
      ORDER BY a.published_at, a.id, m.position, d.kind`,
    [sha256, kinds],
  );
  return rows;
}
