import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { AppContext } from '../context';
import { badRequest } from '../errors';
import { isCursorTime } from '../pagination';
import type { ArchiveListEntry, RankedMatch, SearchAfter, SearchFilters, SearchSort } from './model';

/** A search as a journalist asks it (validated by the API's zod schema; every field optional). */
export type SearchQuery = {
  q?: string;
  election?: number;
  region?: string;
  station?: string;
  category?: string[];
  captured_from?: Date;
  captured_to?: Date;
  published_from?: Date;
  published_to?: Date;
  verified_since?: Date;
  has_photo?: boolean;
  has_video?: boolean;
  sort?: SearchSort;
  after?: string;
  limit?: number;
};

export const DEFAULT_PAGE_SIZE = 20;
// A typo in a region filter ("Масква") still finds it; a word of free text must be closer to be
// taken as a region, because ordinary words resemble region names ("камера" ~ Камчатский край).
const REGION_FILTER_MIN_SCORE = 0.4;
const REGION_WORD_MIN_SCORE = 0.5;
const STATION_TOKEN = /^(?:№|#)?([0-9]{1,6})$/;
/**
 * How people name a polling station before its number: «УИК 2034», «участок №2034», «избирательный
 * участок 2034», «ИК 2034», "polling station 2034", "station #2034", "precinct 2034". The words go
 * with the number (a station filter), not into the text, where no entry need say them.
 */
const STATION_PHRASE =
  /(?<![\p{L}\p{N}])(?:(?:избирательн\p{L}*\s+)?участ\p{L}*|уик|ик|(?:polling\s+)?station|precinct)\s*(?:№|#|no\.?)?\s*([0-9]{1,6})(?![\p{L}\p{N}])/giu;
/** A word that may name a region: letters (and inner hyphens), not an exclusion such as "-Москва". */
const PLAIN_WORD = /^\p{L}[\p{L}-]{3,}$/u;

/** Relevance needs words to rank by (station numbers and region names are filters); without them the newest come first. */
export function effectiveSort(query: SearchQuery, filters: SearchFilters): SearchSort {
  const sort = query.sort ?? 'relevance';
  return sort === 'relevance' && !filters.text ? 'published' : sort;
}

/**
 * Turns the query into repository filters: numbers in the text are polling-station numbers,
 * plain words that name a region (trigram similarity) match that region or the text, the rest is
 * full text (websearch syntax: "phrases", -exclusions, or).
 */
export async function buildFilters(ctx: AppContext, query: SearchQuery): Promise<SearchFilters> {
  const stationNumbers: string[] = [];
  const typed = (query.q ?? '').replace(STATION_PHRASE, (_phrase, number: string) => {
    stationNumbers.push(number);
    return ' ';
  });
  const tokens = typed.trim().split(/\s+/).filter(Boolean);
  const quoted = typed.includes('"');
  const candidates: string[] = [];
  for (const token of tokens) {
    const station = STATION_TOKEN.exec(token);
    if (station) stationNumbers.push(station[1]!);
    else if (!quoted && PLAIN_WORD.test(token)) candidates.push(token);
  }
  // One look-up for every word that may name a region and for the region filter.
  const regionTerms = candidates.map((term) => ({ term, minScore: REGION_WORD_MIN_SCORE }));
  if (query.region !== undefined) regionTerms.push({ term: query.region, minScore: REGION_FILTER_MIN_SCORE });
  const matched = await ctx.repos.archive.matchRegions(regionTerms);
  const regionWords: SearchFilters['regionWords'] = [];
  candidates.forEach((word, i) => {
    if (matched[i]!.length) regionWords.push({ word, regions: matched[i]! });
  });
  // The rest is the text, in the order it was typed ("вброс or карусель", "-урна" keep their meaning).
  const taken = new Set(regionWords.map((w) => w.word));
  const textTokens = tokens.filter((token) => !STATION_TOKEN.test(token) && !taken.has(token));
  if (query.station !== undefined) stationNumbers.push(query.station);
  return {
    text: textTokens.length ? textTokens.join(' ') : null,
    regionWords,
    stationNumbers: [...new Set(stationNumbers)],
    electionId: query.election ?? null,
    regions: query.region === undefined ? null : matched[candidates.length]!,
    categories: query.category ?? [],
    capturedFrom: query.captured_from ?? null,
    capturedTo: query.captured_to ?? null,
    publishedFrom: query.published_from ?? null,
    publishedTo: query.published_to ?? null,
    verifiedSince: query.verified_since ?? null,
    hasPhoto: query.has_photo ?? false,
    hasVideo: query.has_video ?? false,
  };
}

// ----------------------------------------------------------------------------------------------
// Cursors: opaque to clients, base64url JSON of the sort, the last row's sort key and its id.

const cursorSchema = z.object({
  s: z.enum(['relevance', 'captured', 'published']),
  k: z.union([z.string().max(40), z.number(), z.null()]),
  id: z.uuid(),
});

export function encodeSearchCursor(sort: SearchSort, row: ArchiveListEntry): string {
  const key = sort === 'relevance' ? row.rank : sort === 'captured' ? (row.captured_at?.toISOString() ?? null) : row.published_at.toISOString();
  return Buffer.from(JSON.stringify({ s: sort, k: key, id: row.id })).toString('base64url');
}

export function decodeSearchCursor(raw: string | undefined, sort: SearchSort): SearchAfter | null {
  if (raw === undefined) return null;
  let parsed: z.infer<typeof cursorSchema> | null = null;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    parsed = null;
  }
  const keyFits = parsed && (sort === 'relevance' ? typeof parsed.k === 'number' : parsed.k === null ? sort === 'captured' : isCursorTime(String(parsed.k)));
  if (!parsed || parsed.s !== sort || !keyFits) {
    throw badRequest('bad_cursor');
  }
  return { key: parsed.k, id: parsed.id };
}

export type SearchPage = { items: ArchiveListEntry[]; next: string | null; sort: SearchSort; regions: string[] | null };

export async function searchEntries(ctx: AppContext, query: SearchQuery): Promise<SearchPage> {
  const filters = await buildFilters(ctx, query);
  const sort = effectiveSort(query, filters);
  const after = decodeSearchCursor(query.after, sort);
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const rows =
    sort === 'relevance' ? await relevancePage(ctx, filters, after, limit + 1) : await ctx.repos.archive.search(filters, sort, after, limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const next = rows.length > limit && last ? encodeSearchCursor(sort, last) : null;
  return { items, next, sort, regions: filters.regions };
}

// ----------------------------------------------------------------------------------------------
// Relevance: the newest matches are ranked, not all of them. Ranking every match of a common word
// in a million entries would read each of them for every page; a journalist looks for what
// happened, and the newest few hundred matches of a word hold it.

export type RelevanceWindowPlan = {
  /** how many of the newest matches are ranked */
  size: number;
  /** how many of the newest entries are read to see how common the words are */
  probeRows: number;
  /** the share of matching entries in the probe from which the words count as common */
  commonShare: number;
  /** how many of the newest candidates (entries passing the other filters) a walk reads at most */
  walkRows: number;
  /** for text-only searches: the newest entries the text index is asked about before all of them */
  spanRows: number;
  /** common words with other filters: the text index rather than a walk when it is expected to read at most this many entries (and no more than the walk would) */
  indexedRows: number;
};

export const RELEVANCE_WINDOW: RelevanceWindowPlan = { size: 300, probeRows: 2_000, commonShare: 0.03, walkRows: 10_000, spanRows: 30_000, indexedRows: 10_000 };

/**
 * The newest `plan.size` entries matching the filters, with their ranks. Every way below returns
 * the same set; they differ in cost, and a probe of the newest entries tells which is cheaper:
 * - common words: walk the newest `walkRows` candidates, checking the words row by row (a common
 *   word fills the window within a few thousand rows, where the text index reads all of its
 *   postings first: 20–100 ms at a million entries); when the walk saw every candidate, what it
 *   found is all there is;
 * - rare words (or a walk that came up short): the text index, for text-only searches first
 *   within the newest `spanRows` entries (other filters have indexes of their own), then everywhere;
 * - common words with filters that leave fewer entries with the words than the walk would read
 *   (the words' share in the probe times the planner's estimate of the entries passing the
 *   station, election, region and category filters; at most `indexedRows`): the text index. It
 *   reads only the entries that have the words and pass those filters (the text index holds the
 *   region, the category and an election with its region), where a walk reads thousands of
 *   candidates, each on its own page: a region's entries are spread over the whole archive
 *   (60–170 ms at a million entries, where this reads a few hundred rows).
 */
export async function relevanceWindow(ctx: AppContext, filters: SearchFilters, plan = RELEVANCE_WINDOW): Promise<RankedMatch[]> {
  const wordsAlone = isDeepStrictEqual({ ...filters, text: null }, NOTHING);
  const probe = await ctx.repos.archive.newestMatchesWalking({ ...NOTHING, text: filters.text }, plan.probeRows, plan.size);
  if (wordsAlone && (probe.matches.length === plan.size || probe.exhausted)) return probe.matches;
  // Read about twice as many candidates as the words' share among the newest entries says a full
  // window needs (a probe that filled the window stopped at its last match).
  const full = probe.matches.length === plan.size;
  const share = probe.matches.length / (full && probe.last ? probe.last.reached : plan.probeRows);
  const walkRows = Math.min(plan.walkRows, Math.max(plan.size, Math.ceil((2 * plan.size) / share)));
  const common = probe.matches.length >= plan.commonShare * plan.probeRows;
  if (common && !onlyWords(filters)) {
    // The text index reads the entries that have the words among those passing the filters it
    // holds (their count from the planner's statistics; the words' share from the probe, which sees
    // words that come together as they are); the walk reads walkRows candidates. Whichever reads fewer.
    const { stationNumbers, electionId, regions, categories } = filters;
    const candidates = await ctx.repos.archive.estimateMatches({ ...NOTHING, stationNumbers, electionId, regions, categories });
    const read = share * candidates;
    if (read <= Math.min(plan.indexedRows, walkRows)) return ctx.repos.archive.newestMatchesIndexed(filters, null, plan.size);
  }
  if (common) {
    if (wordsAlone) {
      // The probe was this walk's beginning (the same words, nothing else): go on after its last match.
      const rest = await ctx.repos.archive.newestMatchesWalking(filters, Math.max(plan.size, walkRows - plan.probeRows), plan.size - probe.matches.length, probe.last);
      const matches = [...probe.matches, ...rest.matches];
      if (matches.length === plan.size || rest.exhausted) return matches;
    } else {
      const { matches, exhausted } = await ctx.repos.archive.newestMatchesWalking(filters, walkRows, plan.size);
      if (matches.length === plan.size || exhausted) return matches;
    }
  }
  const edge = onlyWords(filters) ? await recentEdge(ctx, plan.spanRows) : null;
  if (edge) {
    const recent = await ctx.repos.archive.newestMatchesIndexed(filters, edge, plan.size);
    if (recent.length === plan.size) return recent;
  }
  return ctx.repos.archive.newestMatchesIndexed(filters, null, plan.size);
}

/** A search with nothing set, to set one thing on. */
const NOTHING: SearchFilters = {
  text: null, regionWords: [], stationNumbers: [], electionId: null, regions: null, categories: [],
  capturedFrom: null, capturedTo: null, publishedFrom: null, publishedTo: null, verifiedSince: null,
  hasPhoto: false, hasVideo: false,
};

/** True when nothing but words (text, and words that may name a region) narrows the search. */
const onlyWords = (f: SearchFilters): boolean => isDeepStrictEqual({ ...f, text: null, regionWords: [] }, NOTHING);

/** Relevance first, then the newer id; the cursor holds the last row's rank and id. */
const byRelevance = (a: RankedMatch, b: RankedMatch) => b.rank - a.rank || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

async function relevancePage(ctx: AppContext, filters: SearchFilters, after: SearchAfter | null, limit: number): Promise<ArchiveListEntry[]> {
  const window = (await relevanceWindow(ctx, filters)).sort(byRelevance);
  const start = after ? window.findIndex((m) => byRelevance(m, { id: after.id, rank: Number(after.key) }) > 0) : 0;
  const page = start < 0 ? [] : window.slice(start, start + limit);
  const rows = await ctx.repos.archive.listEntries(page.map((m) => m.id));
  const rankOf = new Map(page.map((m) => [m.id, m.rank]));
  return rows.map((r) => ({ ...r, rank: rankOf.get(r.id)! }));
}

/**
 * Where the newest `rows` entries begin, remembered for a minute per database (per context's
 * repositories): any edge gives the same results (everything outside the span is older than
 * everything in it), so a stale one only makes the span a little wider or narrower.
 */
const EDGE_TTL_MS = 60_000;
const edges = new WeakMap<object, Map<number, { edge: Date | null; until: number }>>();

async function recentEdge(ctx: AppContext, rows: number): Promise<Date | null> {
  const known = edges.get(ctx.repos) ?? new Map<number, { edge: Date | null; until: number }>();
  edges.set(ctx.repos, known);
  const cached = known.get(rows);
  if (cached && cached.until > Date.now()) return cached.edge;
  const edge = await ctx.repos.archive.publicationEdge(rows);
  known.set(rows, { edge, until: Date.now() + EDGE_TTL_MS });
  return edge;
}
