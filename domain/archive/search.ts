import { z } from 'zod';
import * as archiveRepo from '../../db/archive.repo';
import type { SearchAfter, SearchFilters, SearchSort } from '../../db/archive.repo';
import type { AppContext } from '../context';
import { badRequest } from '../errors';

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
const PLAIN_WORD = /^[\p{L}-]{4,}$/u;

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
  const tokens = (query.q ?? '').trim().split(/\s+/).filter(Boolean);
  const quoted = (query.q ?? '').includes('"');
  const stationNumbers: string[] = [];
  const textTokens: string[] = [];
  const candidates: string[] = [];
  for (const token of tokens) {
    const station = STATION_TOKEN.exec(token);
    if (station) stationNumbers.push(station[1]!);
    else if (!quoted && PLAIN_WORD.test(token)) candidates.push(token);
    else textTokens.push(token);
  }
  const needRegions = candidates.length > 0 || query.region !== undefined;
  const regions = needRegions ? await archiveRepo.publishedRegions(ctx.db) : [];
  const regionWords: SearchFilters['regionWords'] = [];
  for (const word of candidates) {
    const matched = await archiveRepo.matchRegions(ctx.db, regions, word, REGION_WORD_MIN_SCORE);
    if (matched.length) regionWords.push({ word, regions: matched });
    else textTokens.push(word);
  }
  if (query.station !== undefined) stationNumbers.push(query.station);
  return {
    text: textTokens.length ? textTokens.join(' ') : null,
    regionWords,
    stationNumbers: [...new Set(stationNumbers)],
    electionId: query.election ?? null,
    regions: query.region === undefined ? null : await archiveRepo.matchRegions(ctx.db, regions, query.region, REGION_FILTER_MIN_SCORE),
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

export function encodeSearchCursor(sort: SearchSort, row: archiveRepo.ArchiveListRow): string {
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
  const keyFits = parsed && (sort === 'relevance' ? typeof parsed.k === 'number' : parsed.k === null ? sort === 'captured' : !Number.isNaN(Date.parse(String(parsed.k))));
  if (!parsed || parsed.s !== sort || !keyFits) {
    throw badRequest('bad_cursor', 'The page link is malformed or belongs to another sort order; go back to the first page.');
  }
  return { key: parsed.k, id: parsed.id };
}

export type SearchPage = { items: archiveRepo.ArchiveListRow[]; next: string | null; sort: SearchSort; regions: string[] | null };

export async function searchEntries(ctx: AppContext, query: SearchQuery): Promise<SearchPage> {
  const filters = await buildFilters(ctx, query);
  const sort = effectiveSort(query, filters);
  const after = decodeSearchCursor(query.after, sort);
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const rows = await archiveRepo.search(ctx.db, filters, sort, after, limit + 1);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const next = rows.length > limit && last ? encodeSearchCursor(sort, last) : null;
  return { items, next, sort, regions: filters.regions };
}
