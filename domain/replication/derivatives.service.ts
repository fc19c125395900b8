import { createHash } from 'node:crypto';
import type { AppContext } from '../context';
import type { DerivativeName } from '../media/derivatives';

/**
 * Derivatives (thumbnails, previews, contact sheets, published video copies) are not evidence, but a
 * published page is made of them, and a redacted copy cannot be made again without its decision:
 * they are kept on the replicas too. Every one is stored through here, so PostgreSQL knows which
 * copy is stored under which key with which SHA-256 (stored_derivatives): the replication job copies
 * it checked by that hash, and a restore knows what to bring back.
 */

/** A derivative just stored: its SHA-256 (recorded for /check too) and size. */
export type StoredCopy = { kind: DerivativeName; sha256: string; bytes: number };

/** A derivative replication job's id: which copy to which replica (BullMQ ids carry no ":"). */
export const derivativeJobId = (replica: string, key: string, name: DerivativeName) => `${replica}.${key}.${name}`;

/**
 * Stores a derivative held in memory under `key` (the original's SHA-256, or a redaction's copies
 * key), hashed once here: the store uses the hash (an S3 PUT is signed with it) and PostgreSQL
 * records it; the replicas are asked for a copy.
 */
export async function storeDerivative(ctx: AppContext, key: string, name: DerivativeName, data: Buffer): Promise<StoredCopy> {
  const sha256 = createHash('sha256').update(data).digest('hex');
  await ctx.blobs.writeDerivative(key, name, data, sha256);
  return recorded(ctx, key, { kind: name, sha256, bytes: data.length });
}

/** storeDerivative for a copy made in a local file (a video copy); the file stays the caller's. The store hashes what it keeps. */
export async function storeDerivativeFile(ctx: AppContext, key: string, name: DerivativeName, filePath: string): Promise<StoredCopy> {
  const { sha256, bytes } = await ctx.blobs.writeDerivativeFile(key, name, filePath);
  return recorded(ctx, key, { kind: name, sha256, bytes });
}

async function recorded(ctx: AppContext, key: string, copy: StoredCopy): Promise<StoredCopy> {
  await ctx.repos.replication.recordStoredDerivative({ key, name: copy.kind, sha256: copy.sha256, bytes: copy.bytes });
  if (ctx.replicas.length > 0) {
    await ctx.queue
      .enqueue(
        'replicate-derivative',
        ctx.replicas.map((r) => derivativeJobId(r.name, key, copy.kind)),
      )
      .catch((err: Error) => ctx.log.warn({ key, name: copy.kind, err: err.message }, 'derivative copies to replicas not enqueued; the sweep will'));
  }
  return copy;
}
