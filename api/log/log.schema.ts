import { z } from 'zod';
import { fieldProblem } from '../../web/error-messages';

// Problems are said by the catalogue (web/error-messages.ts: a problem named here, or its kind).

/** A tree size or leaf index: a decimal non-negative integer below 2^53, nothing else. */
const count = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, fieldProblem('tree_count'))
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n), fieldProblem('tree_count'));

const leafHash = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, fieldProblem('sha256'))
  .transform((s) => Buffer.from(s, 'hex'));

export const sthParams = z.object({ size: count });

export const sthsQuery = z.object({
  before: count.optional(),
  limit: count.pipe(z.number().min(1).max(1000)).default(100),
});

export const inclusionQuery = z.object({
  leaf_hash: leafHash,
  tree_size: count.pipe(z.number().min(1, fieldProblem('empty_tree'))),
});

export const consistencyQuery = z.object({ first: count, second: count });

export const leavesQuery = z.object({ start: count, end: count });

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
