import { z } from 'zod';

/** A tree size or leaf index: a decimal non-negative integer below 2^53, nothing else. */
const count = (name: string) =>
  z
    .string({ error: `${name} is required.` })
    .regex(/^(0|[1-9][0-9]{0,15})$/, `${name} must be a non-negative whole number, e.g. 42.`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n), `${name} is too large.`);

const leafHash = z
  .string({ error: 'leaf_hash is required.' })
  .regex(/^[0-9a-fA-F]{64}$/, 'leaf_hash must be 64 hex digits (a SHA-256 leaf hash).')
  .transform((s) => Buffer.from(s, 'hex'));

export const sthParams = z.object({ size: count('size') });

export const sthsQuery = z.object({
  before: count('before').optional(),
  limit: count('limit').pipe(z.number().min(1, 'limit must be at least 1.').max(1000, 'limit may be at most 1000.')).default(100),
});

export const inclusionQuery = z.object({
  leaf_hash: leafHash,
  tree_size: count('tree_size').pipe(z.number().min(1, 'tree_size must be at least 1: the empty tree includes no leaf.')),
});

export const consistencyQuery = z.object({ first: count('first'), second: count('second') });

export const leavesQuery = z.object({ start: count('start'), end: count('end') });

export const bundleQuery = z.object({ leaf_hash: leafHash });

/** For the document only: the route reads the tile path whole (domain/transparency/tiles.ts parses it). */
export const tileParams = z.object({
  level: z.string().regex(/^(0|[1-9][0-9]?)$/).meta({ description: 'Tile level, 0 to 63' }),
  index: z.string().regex(/^(x[0-9]{3}\/)*[0-9]{3}(\.p\/[1-9][0-9]{0,2})?$/).meta({ description: 'e.g. 000, x001/x234/067, 004.p/17' }),
});

// Responses (for the OpenAPI document; the service builds them).
const hex32 = z.string().regex(/^[0-9a-f]{64}$/);
export const sthResponse = z
  .object({
    origin: z.string(),
    tree_size: z.number().int(),
    root_hash: hex32,
    timestamp: z.string().meta({ description: 'When the log says it signed the head (ISO 8601). NOT covered by the signature.' }),
    checkpoint: z.string().meta({ description: 'The C2SP checkpoint signed by the log key, followed by witnesses’ tlog-cosignature lines. The only signed field: the others must equal it.' }),
    rfc3161_timestamp: z
      .object({ tsa_url: z.string(), gen_time: z.string(), token: z.string().meta({ description: 'RFC 3161 TimeStampToken (DER, base64) over SHA-256 of the checkpoint text without signature lines' }) })
      .optional(),
  })
  .meta({ id: 'SignedTreeHead' });
export const sthsResponse = z.object({ items: z.array(sthResponse) }).meta({ id: 'SignedTreeHeads' });
export const inclusionResponse = z
  .object({ leaf_index: z.number().int(), leaf_hash: hex32, tree_size: z.number().int(), inclusion_proof: z.array(hex32) })
  .meta({ id: 'InclusionProof' });
export const consistencyResponse = z.object({ first: z.number().int(), second: z.number().int(), consistency_proof: z.array(hex32) }).meta({ id: 'ConsistencyProof' });
export const bundleResponse = z.object({ leaf_index: z.number().int(), leaf_hash: hex32, sth: sthResponse, inclusion_proof: z.array(hex32) }).meta({ id: 'ProofBundle' });
export const leavesResponse = z
  .object({ start: z.number().int(), end: z.number().int(), leaves: z.array(z.object({ index: z.number().int(), leaf_hash: hex32 })) })
  .meta({ id: 'LogLeaves' });
export const keyResponse = z
  .object({ origin: z.string(), vkey: z.string(), key_id: z.string(), fingerprint: hex32, public_key_pem: z.string() })
  .meta({ id: 'LogKey' });
