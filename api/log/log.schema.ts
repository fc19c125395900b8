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
