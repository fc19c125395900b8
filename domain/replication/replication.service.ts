import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ReplicaLag } from '../../db/replication.repo';
import type { AppContext } from '../context';

/**
 * Off-site replicas: every original is copied to every replica, read back from there and hashed;
 * only a copy whose bytes hash to the original's SHA-256 is recorded (replica_copies). PostgreSQL
 * says what is owed, as for processing: the sweep enqueues it, so a replica that was down catches
 * up by itself.
 */

/** A replication job's id: which original to which replica (BullMQ ids carry no ":"). */
export const replicationJobId = (replica: string, sha256: string) => `${replica}.${sha256}`;

/** Originals enqueued per sweep at most; the next sweep takes the rest. */
const OWED_PER_SWEEP = 1000;

export async function replicateOriginal(ctx: AppContext, jobId: string): Promise<void> {
  const [replicaName, sha256] = jobId.split('.');
  const replica = ctx.replicas.find((r) => r.name === replicaName);
  if (!replica || !sha256) throw new Error(`no replica for replication job ${jobId}`);
  const store = await replica.open();

  // A temp file of our own: the replica's put consumes (removes) it, never the primary's file.
  const temp = ctx.blobs.createTempFile();
  try {
    const original = await ctx.blobs.openOriginal(sha256);
    if (!original) throw new Error(`original ${sha256} is missing from the primary store`);
    await pipeline(original.stream(), temp.stream);
    await store.putOriginal(temp.path, sha256);
  } finally {
    await ctx.blobs.removeTemp(temp.path);
  }

  const copy = await store.openOriginal(sha256);
  if (!copy) throw new Error(`replica ${replica.name} lists no copy of ${sha256} right after storing it`);
  const hash = createHash('sha256');
  await pipeline(copy.stream(), hash);
  const copied = hash.digest('hex');
  if (copied !== sha256) throw new Error(`replica ${replica.name} serves bytes hashing to ${copied} for original ${sha256}`);
  await ctx.repos.replication.confirmReplicaCopy(sha256, replica.name);
}

/** Enqueues the copies PostgreSQL says are owed (idempotent by job id); returns how many. */
export async function requeueOwedCopies(ctx: AppContext): Promise<number> {
  if (ctx.replicas.length === 0) return 0;
  const owed = await ctx.repos.replication.listOwedCopies(
    ctx.replicas.map((r) => r.name),
    OWED_PER_SWEEP,
  );
  await ctx.queue.enqueue(
    'replicate-original',
    owed.map((c) => replicationJobId(c.replica, c.sha256)),
  );
  return owed.length;
}

/** For moderators and admins: per replica, the originals it still lacks and how long the oldest has waited. */
export function replicationStatus(ctx: AppContext): Promise<ReplicaLag[]> {
  return ctx.repos.replication.replicationStatus(ctx.replicas.map((r) => r.name));
}
