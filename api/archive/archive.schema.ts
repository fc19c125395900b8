import { z } from 'zod';
import { PUBLIC_DERIVATIVES } from '../../domain/media/derivatives';
import { ORIGINAL_REVEALS } from '../../domain/media/original-reveals';
import type { SearchQuery } from '../../domain/archive/search.service';
import { SIMILAR_MAX_BYTES, SIMILAR_MAX_PIXELS, SIMILAR_MIME_TYPES } from '../../domain/archive/similar.service';
import { fieldProblem } from '../../web/error-messages';

// ----------------------------------------------------------------------------------------------
// Requests. Query strings are strict: an unknown parameter is a 400 naming it and the ones the address
// takes, so a mistyped filter never silently widens a search. Empty fields (what a GET form sends)
// count as absent. Problems are said by the catalogue (web/error-messages.ts).


const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,3})?)?(Z|[+-][0-9]{2}:[0-9]{2})$/;
const EARLIEST = Date.UTC(1990, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/**
 * A day (YYYY-MM-DD, UTC) or an instant with its zone. "to" bounds take the whole day: a range
 * 2024-03-15 … 2024-03-17 includes the 17th.
 */
const dateBound = (end: 'from' | 'to') =>
  z
    .string()
    .regex(new RegExp(`${DAY.source}|${INSTANT.source}`), fieldProblem('date_or_instant'))
    .transform((s, ctx) => {
      const at = new Date(s.length === 10 ? `${s}T00:00:00Z` : s);
      const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
      const realDay = new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) === s.slice(0, 10); // not 2024-02-31
      if (!realDay || Number.isNaN(at.getTime()) || at.getTime() < EARLIEST || at.getTime() > LATEST) {
        ctx.addIssue({ code: 'custom', message: fieldProblem('date_in_range') });
        return z.NEVER;
      }
      return s.length === 10 && end === 'to' ? new Date(at.getTime() + 86_400_000) : at;
    })
    .meta({ description: `${end === 'from' ? 'From' : 'Until'} (YYYY-MM-DD in UTC, ${end === 'to' ? 'inclusive' : 'from its start'}, or an ISO 8601 instant)` });

const flag = z.enum(['1', 'true', 'on', '0', 'false'], { error: fieldProblem('one_or_zero') }).transform((v) => v === '1' || v === 'true' || v === 'on');

const categoryCode = z.string().regex(/^[a-z0-9_]{2,60}$/, fieldProblem('category_code'));

export const searchFilterShape = {
  q: z
    .string()
    .max(500)
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s), fieldProblem('control_characters'))
    .optional()
    .meta({ description: 'Words in Russian or English (stemmed: «вбросы» finds «вброс»), "exact phrases", -excluded words, or; numbers, also as «УИК 2034», «участок №2034», "polling station 2034", are polling-station numbers; category labels, election and region names are searched in both languages; region names are typo-tolerant. Sorted by relevance, the newest 300 matches are ranked; sort by time (or export) to go through every match.' }),
  election: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
  region: z.string().max(200).optional().meta({ description: 'Region name; typos are tolerated (trigram similarity).' }),
  station: z.string().regex(/^[0-9]{1,6}$/, fieldProblem('station_number')).optional(),
  category: z
    .union([categoryCode, z.array(categoryCode).max(30)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional()
    .meta({ description: 'Category code; repeat the parameter for several (any of them).' }),
  captured_from: dateBound('from').optional(),
  captured_to: dateBound('to').optional(),
  published_from: dateBound('from').optional(),
  published_to: dateBound('to').optional(),
  verified_since: dateBound('from').optional(),
  has_photo: flag.optional(),
  has_video: flag.optional(),
  sort: z.enum(['relevance', 'captured', 'published']).optional(),
  lang: z.enum(['ru', 'en']).optional(),
};

function rangesInOrder(q: { captured_from?: Date; captured_to?: Date; published_from?: Date; published_to?: Date }, ctx: z.RefinementCtx) {
  for (const [from, to] of [['captured_from', 'captured_to'], ['published_from', 'published_to']] as const) {
    const a = q[from];
    const b = q[to];
    if (a && b && a >= b) ctx.addIssue({ code: 'custom', path: [from], message: fieldProblem('range_reversed'), params: { to } });
  }
}

export const searchQuery = z.strictObject({
  ...searchFilterShape,
  after: z.string().max(300).optional().meta({ description: 'The `next` cursor of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(100).optional(),
}).superRefine(rangesInOrder) satisfies z.ZodType<SearchQuery & { lang?: string }, unknown>;

export const exportQuery = z.strictObject(searchFilterShape).superRefine(rangesInOrder);

export const mapQuery = z.strictObject({
  ...searchFilterShape,
  bbox: z
    .string()
    .regex(/^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$/, fieldProblem('bbox_format'))
    .transform((s) => s.split(',').map(Number) as [number, number, number, number])
    .refine(([w, s, e, n]) => w >= -180 && e <= 180 && s >= -90 && n <= 90 && w < e && s < n, fieldProblem('bbox_range'))
    .optional(),
  zoom: z.coerce.number().int().min(0).max(18).optional(),
}).superRefine(rangesInOrder);

export const entryParams = z.object({ id: z.uuid() });
export const langQuery = z.strictObject({ lang: searchFilterShape.lang });
export const publicFileParams = z.object({
  id: z.uuid(),
  variant: z.enum(['thumb.jpg', 'preview.jpg', 'published.jpg', 'video.mp4', 'original']),
});
export const hashParams = z.object({
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, fieldProblem('sha256'))
    .transform((s) => s.toLowerCase()),
});
export const checkQuery = z.strictObject({ lang: searchFilterShape.lang, sha256: hashParams.shape.sha256.optional() });
export const stationParams = z.object({
  election: z.coerce.number().int().min(1).max(2_147_483_647),
  region: z.string().min(1).max(200),
  number: z.string().regex(/^[0-9]{1,6}$/, fieldProblem('station_number')),
});
export const stationQuery = z.strictObject({
  after: searchQuery.shape.after,
  limit: searchQuery.shape.limit,
  lang: searchFilterShape.lang,
});

// ----------------------------------------------------------------------------------------------
// Responses: the presenters are typed by these, and the OpenAPI document is generated from them.

const localized = z.object({ ru: z.string(), en: z.string() });
const point = z.object({ lat: z.number(), lon: z.number() }).meta({ description: 'WGS 84 degrees, at the precision the moderator chose' });

export const listItemResponse = z
  .object({
    id: z.uuid(),
    url: z.string(),
    election: localized.extend({ id: z.number().int() }),
    region: z.string(),
    station_number: z.string(),
    station_url: z.string(),
    category: localized.extend({ code: z.string() }),
    title: z.string().nullable(),
    excerpt: z.string(),
    file_count: z.number().int(),
    has_photo: z.boolean(),
    has_video: z.boolean(),
    thumb_url: z.string().nullable(),
    captured_at: z.string().nullable().meta({ description: 'Earliest camera capture time of its files (UTC), if any file has one' }),
    published_at: z.string(),
    verified_at: z.string(),
    location: point.nullable(),
  })
  .meta({ id: 'ListItem' });

export const searchResponse = z
  .object({
    items: z.array(listItemResponse),
    next: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null on the last page' }),
    sort: z.enum(['relevance', 'captured', 'published']),
  })
  .meta({ id: 'SearchPage' });

export const captureTime = z
  .object({
    local: z.string().meta({ description: 'Wall-clock time the camera recorded' }),
    offset: z.string().nullable().meta({ description: 'UTC offset, e.g. +03:00; null when the file does not say' }),
    offset_source: z.string().nullable().meta({ description: 'Which tag or rule the offset comes from' }),
    utc: z.string().nullable(),
    source: z.string().nullable().meta({ description: 'Which metadata tag the time comes from' }),
  })
  .meta({ id: 'CaptureTime' });

export const fileResponse = z
  .object({
    id: z.uuid(),
    kind: z.enum(['image', 'video']),
    mime: z.string(),
    sha256: z.string().meta({ description: 'SHA-256 of the original bytes as received' }),
    bytes: z.number().int().nullable().meta({ description: 'Size of the original, only when it can be downloaded' }),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    duration_s: z.number().nullable(),
    captured_at: captureTime.nullable(),
    device: z.string().nullable().meta({ description: 'Camera make and model, only when the moderator made it public' }),
    flags: z.array(z.string()).meta({ description: 'What a journalist should know, e.g. no_metadata (typical of messenger copies), edited; exact_duplicate, near_duplicate and live_photo_pair count published files only' }),
    thumb_url: z.string().nullable(),
    preview_url: z.string().nullable(),
    published_copy_url: z.string().nullable().meta({ description: 'Re-encoded copy without any metadata (for a video: its poster frame)' }),
    video_url: z.string().nullable().meta({ description: 'A video: its published copy (H.264 + AAC in MP4, at most 720p, no metadata), once made; Range requests are answered 206' }),
    video_copy_sha256: z.string().nullable().meta({ description: 'SHA-256 of the published video copy (GET /api/v1/files/{sha256} finds it)' }),
    original_url: z.string().nullable().meta({ description: 'The original bytes, only when the moderator allowed it' }),
    redacted: z.boolean().meta({ description: 'A moderator covered parts of the picture (faces, people, anything identifying): every published copy has them blurred or filled; the original is unchanged and not downloadable' }),
    original_carries: z
      .array(z.enum(ORIGINAL_REVEALS))
      .nullable()
      .meta({ description: 'With original_url: what the original carries that the published copy does not (GPS coordinates, camera make and model, serial numbers, metadata that could not be read), whatever the entry shows' }),
  })
  .meta({ id: 'File' });

export const entryResponse = z
  .object({
    id: z.uuid(),
    url: z.string(),
    status: z.enum(['published', 'withdrawn']),
    withdrawn: z.object({ at: z.string(), reason: z.string() }).nullable(),
    election: localized.extend({ id: z.number().int() }),
    region: z.string(),
    station_number: z.string(),
    station_url: z.string(),
    category: localized.extend({ code: z.string() }),
    title: z.string().nullable(),
    description: z.string().nullable().meta({ description: 'Null once withdrawn' }),
    happened_at: z.string().nullable().meta({ description: 'Local time as the observer stated it (no zone)' }),
    location: point.extend({ precision: z.enum(['precise', 'rounded']) }).nullable(),
    received_at: z.string().meta({ description: 'When the archive received it, rounded down to PUBLIC_TIME_PRECISION_MINUTES (an hour by default); the receipt holds the exact time' }),
    published_at: z.string(),
    verified_at: z.string(),
    files: z.array(fileResponse),
  })
  .meta({ id: 'Entry' });

export const stationResponse = z
  .object({
    election: localized.extend({ id: z.number().int() }),
    region: z.string(),
    station_number: z.string(),
    total: z.number().int(),
    categories: z.array(localized.extend({ code: z.string(), count: z.number().int() })),
    items: z.array(listItemResponse),
    next: z.string().nullable(),
  })
  .meta({ id: 'Station' });

export const mapResponse = z
  .object({
    cell_degrees: z.number(),
    clusters: z.array(
      z.object({
        lat: z.number(),
        lon: z.number(),
        count: z.number().int(),
        url: z.string().nullable().meta({ description: 'The entry, for a cluster of one' }),
      }),
    ),
  })
  .meta({ id: 'MapClusters' });

export const fileLookupResponse = z
  .object({
    sha256: z.string(),
    status: z.enum(['published', 'unknown']).meta({ description: 'unknown for anything not published, whether received or not: a receipt, not this look-up, tells an observer what became of their upload' }),
    entries: z.array(
      z.object({
        id: z.uuid(),
        url: z.string(),
        published_at: z.string(),
        copy_of: z
          .object({
            kind: z.enum(PUBLIC_DERIVATIVES).meta({ description: 'Which copy: thumb, preview (for a video: its poster frame) or poster' }),
            file_id: z.uuid(),
            original_sha256: z.string().meta({ description: 'SHA-256 of the original the copy was made from' }),
          })
          .nullable()
          .meta({ description: 'null when the bytes are an original; otherwise they are a copy the archive made and served of one of the entry’s files' }),
      }),
    ),
  })
  .meta({ id: 'FileLookup' });

/** The multipart form of POST /similar: what the OpenAPI document states (multer and the domain enforce it). */
export const similarRequest = z
  .object({
    image: z
      .file()
      .mime(SIMILAR_MIME_TYPES)
      .max(SIMILAR_MAX_BYTES)
      .meta({ description: `A JPEG, PNG or WebP image (type checked from the content), at most ${SIMILAR_MAX_BYTES / 1024 / 1024} MiB and ${SIMILAR_MAX_PIXELS / 1e6} megapixels; a copy reduced to 256 px is enough. Decoded in memory, never stored or logged.` }),
  });

export const similarResponse = z
  .object({
    max_distance: z.number().int().min(0).max(64).meta({ description: 'Largest distance counted as the same picture (of 64 perceptual-hash bits)' }),
    matches: z.array(
      z.object({
        entry_id: z.uuid(),
        url: z.string(),
        file_id: z.uuid(),
        distance: z.number().int().min(0).max(64).meta({ description: 'Perceptual-hash bits (of 64) that differ; 0–2 for a resized or recompressed copy' }),
        published_at: z.string(),
        thumb_url: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'SimilarImages' });

export const errorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string().meta({ description: 'The words for people, in the language asked for (lang cookie or Accept-Language)' }),
      params: z
        .record(z.string(), z.union([z.string(), z.number(), z.array(z.string())]))
        .optional()
        .meta({ description: 'What the words name (a limit, a field, a wait), for clients that say it themselves' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });
