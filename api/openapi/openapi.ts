import { z } from 'zod';
import * as archive from '../archive/archive.schema';
import * as log from '../log/log.schema';
import * as counts from '../counts/counts.schema';

/**
 * The OpenAPI 3.1 document of the public API, generated from the same zod schemas that validate
 * the requests and type the responses, so the document cannot drift from the code.
 */

const electionItem = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    name: z.object({ ru: z.string(), en: z.string() }),
    country: z.string(),
    voting_starts_on: z.string(),
    voting_ends_on: z.string(),
  })
  .meta({ id: 'Election' });
const categoryItem = z
  .object({
    code: z.string(),
    phase: z.object({ code: z.string(), ru: z.string(), en: z.string() }),
    ru: z.string(),
    en: z.string(),
  })
  .meta({ id: 'Category' });

type Response = { description: string; schema?: z.ZodType; contentType?: string };
type Operation = {
  path: string;
  /** GET unless said otherwise. */
  method?: 'post';
  summary: string;
  description?: string;
  tag: 'archive' | 'catalog' | 'counts' | 'transparency log';
  params?: z.ZodObject;
  query?: z.ZodType;
  /** A multipart/form-data request body. */
  form?: z.ZodType;
  ok: Response;
  notFound?: boolean;
  /** Served at the site's root (a static-file layout), not under /api/v1. */
  root?: true;
  /** Statuses this operation answers besides 200, 400 and 429, with what they mean. */
  errors?: Record<string, string>;
};

const OPERATIONS: Operation[] = [
  { path: '/search', tag: 'archive', summary: 'Search published entries', description: 'Full text in Russian and English, station numbers, typo-tolerant regions and filters; keyset-paginated.', query: archive.searchQuery, ok: { description: 'A page of entries', schema: archive.searchResponse } },
  { path: '/entries', tag: 'archive', summary: 'Published entries (same as /search)', query: archive.searchQuery, ok: { description: 'A page of entries', schema: archive.searchResponse } },
  { path: '/entries/{id}', tag: 'archive', summary: 'One entry with its files; a withdrawn entry says when and why', params: archive.entryParams, ok: { description: 'The entry', schema: archive.entryResponse }, notFound: true },
  { path: '/stations/{election}/{region}/{number}', tag: 'archive', summary: 'Everything published for one polling station, with counts per category', params: archive.stationParams, query: archive.stationQuery, ok: { description: 'The station', schema: archive.stationResponse }, notFound: true },
  { path: '/map', tag: 'archive', summary: 'Published places as grid clusters (same filters as /search)', query: archive.mapQuery, ok: { description: 'Clusters', schema: archive.mapResponse } },
  { path: '/files/{sha256}', tag: 'archive', summary: 'Is a file with this SHA-256 in the archive?', params: archive.hashParams, ok: { description: 'The published entries holding these bytes; unknown for anything not published (received or not)', schema: archive.fileLookupResponse } },
  {
    path: '/similar',
    method: 'post',
    tag: 'archive',
    summary: 'Published images that show the same picture as a small image (near duplicates by perceptual hash)',
    description: 'For a file whose exact bytes are not in the archive: a resized, recompressed or lightly cropped copy is still found. The image is decoded in memory only, never stored or logged.',
    form: archive.similarRequest,
    ok: { description: 'Matching files of published entries, closest first (empty when none)', schema: archive.similarResponse },
    errors: { '413': 'The image has too many bytes or pixels', '415': 'Not a JPEG, PNG or WebP image' },
  },
  { path: '/export.csv', tag: 'archive', summary: 'Every entry matching a search, as CSV (streamed)', query: archive.exportQuery, ok: { description: 'CSV with a header row: RFC 4180 fields (quoted where needed, empty for null), LF line ends; times in ISO 8601 UTC, file hashes space-separated', contentType: 'text/csv' } },
  { path: '/export.json', tag: 'archive', summary: 'Every entry matching a search, as a JSON array (streamed)', query: archive.exportQuery, ok: { description: 'A JSON array of entries', contentType: 'application/json' } },
  { path: '/feed.atom', tag: 'archive', summary: 'Atom feed of the newest publications matching a search', query: archive.exportQuery, ok: { description: 'Atom 1.0', contentType: 'application/atom+xml' } },
  { path: '/counts/ranking', tag: 'counts', summary: 'Polling stations ranked by the discrepancy between verified, published evidence (protocol copies, attendance counts) and the official figures', query: counts.rankingQuery, ok: { description: 'Stations, largest difference beyond uncertainty first', schema: counts.rankingResponse } },
  { path: '/counts/export.csv', tag: 'counts', summary: 'The ranked stations with every discrepancy, as CSV (one row per discrepancy)', query: counts.rankingExportQuery, ok: { description: 'CSV with a header row', contentType: 'text/csv' } },
  { path: '/counts/export.json', tag: 'counts', summary: 'The ranked stations with every discrepancy, as JSON', query: counts.rankingExportQuery, ok: { description: 'A JSON array of stations', contentType: 'application/json' } },
  { path: '/counts/stations/{election}/{number}', tag: 'counts', summary: 'One station\'s official figures, its verified published protocol copies and counts, and their discrepancies', params: counts.stationFiguresParams, ok: { description: 'The station\'s figures', schema: counts.stationFiguresResponse } },
  { path: '/elections', tag: 'catalog', summary: 'Active elections', ok: { description: 'Elections', schema: z.object({ items: z.array(electionItem) }).meta({ id: 'Elections' }) } },
  { path: '/categories', tag: 'catalog', summary: 'The violation taxonomy (stable codes, Russian and English labels)', ok: { description: 'Categories', schema: z.object({ items: z.array(categoryItem) }).meta({ id: 'Categories' }) } },
  { path: '/log/sth', tag: 'transparency log', summary: 'The latest signed tree head, with its cosignatures and time-stamp', ok: { description: 'Signed tree head', schema: log.sthResponse }, errors: { '404': 'No head signed yet' } },
  { path: '/log/sth/{size}', tag: 'transparency log', summary: 'The signed tree head of a given size', params: log.sthParams, ok: { description: 'Signed tree head', schema: log.sthResponse }, notFound: true },
  { path: '/log/sths', tag: 'transparency log', summary: 'Signed tree heads, newest first', query: log.sthsQuery, ok: { description: 'Signed tree heads', schema: log.sthsResponse } },
  { path: '/log/proof/inclusion', tag: 'transparency log', summary: 'Inclusion proof of a leaf (RFC 6962 audit path)', query: log.inclusionQuery, ok: { description: 'Inclusion proof', schema: log.inclusionResponse }, notFound: true },
  { path: '/log/proof/consistency', tag: 'transparency log', summary: 'Consistency proof between two tree sizes', query: log.consistencyQuery, ok: { description: 'Consistency proof', schema: log.consistencyResponse } },
  { path: '/log/proof/bundle', tag: 'transparency log', summary: 'Leaf, inclusion proof and signed head in one answer (a receipt’s proof_url)', query: log.bundleQuery, ok: { description: 'Proof bundle', schema: log.bundleResponse }, notFound: true },
  { path: '/log/leaves', tag: 'transparency log', summary: 'Leaf hashes of a range (never the records)', query: log.leavesQuery, ok: { description: 'Leaves', schema: log.leavesResponse } },
  { path: '/log/key', tag: 'transparency log', summary: 'The log’s public key (compare it with the one published out of band)', ok: { description: 'Public key', schema: log.keyResponse }, errors: { '503': 'The signer has not published its key yet' } },
  {
    path: '/log/checkpoint',
    root: true,
    tag: 'transparency log',
    summary: 'C2SP tlog-tiles: the latest checkpoint with its cosignatures (prefix https://<host>/log, the origin <host>/log)',
    ok: { description: 'The signed note (cache for a few seconds at most)', contentType: 'text/plain; charset=utf-8' },
    errors: { '404': 'No head signed yet' },
  },
  {
    path: '/log/tile/{level}/{index}',
    root: true,
    tag: 'transparency log',
    summary: 'C2SP tlog-tiles: a Merkle tree tile, immutable',
    description: 'level 0–63; index in 3-digit path elements, all but the last prefixed with x (1234067 → x001/x234/067), then .p/<width> for a partial tile. 256 (or width) hashes of 32 bytes. Only tiles a signed head covers. Entry bundles (tile/entries/…) are not served: leaf records are private to receipt holders. The same files are in the blob store’s log/ folder for static hosting.',
    params: log.tileParams,
    ok: { description: 'The tile’s hashes, concatenated', contentType: 'application/octet-stream' },
    notFound: true,
  },
];

type JsonSchema = Record<string, unknown>;
const REF_PREFIX = '#/components/schemas/';

/** Input side for parameters (what a client sends); schemas with a meta id become $defs. */
function inputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
}

/** One parameter per property of an object schema (query or path). */
function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): JsonSchema[] {
  if (!schema) return [];
  const json = inputSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {})
    .filter(([name]) => name !== 'lang')
    .map(([name, prop]) => {
      const { description, ...propSchema } = prop;
      return {
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: propSchema,
        ...(propSchema.anyOf || propSchema.type === 'array' ? { style: 'form', explode: true } : {}),
      };
    });
}

function content(r: Response): JsonSchema {
  if (!r.schema) return { [r.contentType ?? 'application/json']: {} };
  const id = z.globalRegistry.get(r.schema)?.id;
  if (!id) throw new Error(`response schema for "${r.description}" needs a meta id`);
  return { 'application/json': { schema: { $ref: `${REF_PREFIX}${id}` } } };
}

// Shared parts with a meta id; the response schemas of the operations are added to these.
const COMPONENT_SCHEMAS: z.ZodType[] = [archive.errorResponse, archive.listItemResponse, archive.fileResponse, archive.captureTime, electionItem, categoryItem];

let cached: JsonSchema | null = null;

export function openApiDocument(): JsonSchema {
  if (cached) return cached;
  // Response schemas, converted together so shared ones are one component referenced by the others.
  const registry = z.registry<{ id: string }>();
  const all = [...COMPONENT_SCHEMAS, ...OPERATIONS.flatMap((op) => (op.ok.schema ? [op.ok.schema] : []))];
  for (const s of new Set(all)) {
    const id = z.globalRegistry.get(s)?.id;
    if (!id) throw new Error('a component schema needs a meta id');
    registry.add(s, { id });
  }
  const converted = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', uri: (id) => `${REF_PREFIX}${id}` }) as { schemas: Record<string, JsonSchema> };
  const schemas = Object.fromEntries(Object.entries(converted.schemas).map(([id, { $schema: _s, $id: _i, ...body }]) => [id, body]));
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: `${REF_PREFIX}Error` } } } });
  const paths: Record<string, JsonSchema> = {};
  for (const op of OPERATIONS) {
    const method = op.method ?? 'get';
    paths[op.root ? op.path : `/api/v1${op.path}`] = {
      [method]: {
        tags: [op.tag],
        summary: op.summary,
        ...(op.description ? { description: op.description } : {}),
        operationId: `${method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
        ...(op.form ? { requestBody: { required: true, content: { 'multipart/form-data': { schema: inputSchema(op.form) } } } } : {}),
        responses: {
          '200': { description: op.ok.description, content: content(op.ok) },
          '400': error('Invalid input: the message says what to change'),
          ...(op.notFound ? { '404': error('Not found') } : {}),
          ...Object.fromEntries(Object.entries(op.errors ?? {}).map(([status, description]) => [status, error(description)])),
          '429': error('Too many requests from this client; see Retry-After'),
          '503': error('The server is busy (for an export: every export slot is in use); see Retry-After'),
        },
      },
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Svidetel public API',
      version: '1',
      description: 'The public archive of photo and video evidence of election fraud: search, entries, stations, map, file look-up, exports and the transparency log. Read-only (the similar-image search keeps nothing it is sent), no authentication; rate-limited per client (nothing about clients is stored).',
      license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'archive' }, { name: 'catalog' }, { name: 'counts' }, { name: 'transparency log' }],
    paths,
    components: { schemas },
  };
  return cached;
}
