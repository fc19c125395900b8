import type { AppContext } from '../context';
import { OriginalBytesMismatch, StoredOriginalDiffers, type BlobStore } from '../ports/blob-store';
import { raiseAlarm, resolveAlarm } from '../integrity/alarms.service';
import { hashOriginalIn, tickBudget, withinBudget } from '../integrity/scrub.service';
import type { ReplicationStatus } from './model';
import { DERIVATIVE_FORMAT, type DerivativeName } from '../media/derivatives';
import { derivativeJobId } from './derivatives.service';
import type { SthJson } from '../transparency/checkpoint';
import { leaves, listSths, MAX_LEAVES_PER_REQUEST } from '../transparency/log.service';

/**
 * Off-site replicas: every original is copied to every replica, its bytes checked against the
 * original's SHA-256 before the replica keeps them; only such a copy is recorded (replica_copies). PostgreSQL
 * says what is owed, as for processing: the sweep enqueues it, so a replica that was down catches
 * up by itself. A copy read back later (the replica verification, a restore) that hashes to other
 * bytes is recorded apart (replica_other_bytes), an alarm until the replica holds the right bytes.
 */

/** A replication job's id: which original to which replica (BullMQ ids carry no ":"). */
export const replicationJobId = (replica: string, sha256: string) => `${replica}.${sha256}`;

/** Originals enqueued per sweep at most; the next sweep takes the rest. */
const OWED_PER_SWEEP = 1000;

async function openReplica(ctx: AppContext, name: string | undefined, jobId: string): Promise<OpenReplica> {
  const replica = ctx.replicas.find((r) => r.name === name);
  if (!replica) throw new Error(`no replica for replication job ${jobId}`);
  return { name: replica.name, store: await replica.open() };
}

/**
 * One original to one replica: streamed from the primary into the replica, checked against its
 * SHA-256 on the way (and by the replica against each request's MD5) before the replica keeps it.
 * A replica that holds the key already has its bytes read back and hashed: other bytes there are
 * replaced where the replica allows it (replaceOtherBytes).
 */
export async function replicateOriginal(ctx: AppContext, jobId: string): Promise<void> {
  const { replica, sha256 } = await replicaCopyJob(ctx, jobId);
  try {
    await copyOriginal(ctx, replica, sha256);
  } catch (err) {
    if (!(err instanceof StoredOriginalDiffers)) throw err;
    if (!(await replaceOtherBytes(ctx, replica, sha256, err.observed))) return;
  }
  await confirmCopy(ctx, replica.name, sha256);
}

/**
 * The replica verification's job (same id as replicate-original's): one recorded copy read back from
 * its replica and hashed. Right: its check is recorded. Gone: the record is forgotten and the copy
 * owed again (the sweep sends it). Other bytes: replaceOtherBytes.
 */
export async function verifyReplicaCopy(ctx: AppContext, jobId: string): Promise<void> {
  const { replica, sha256 } = await replicaCopyJob(ctx, jobId);
  const observed = await hashOriginalIn(replica.store, sha256);
  if (observed === null) {
    ctx.log.warn({ replica: replica.name, sha256 }, 'the replica no longer holds an original it was recorded as holding; it is owed again');
    await ctx.repos.replication.forgetReplicaCopies(replica.name, [sha256]);
    return;
  }
  if (observed !== sha256 && !(await replaceOtherBytes(ctx, replica, sha256, observed))) return;
  await confirmCopy(ctx, replica.name, sha256);
}

type OpenReplica = { name: string; store: BlobStore };

async function replicaCopyJob(ctx: AppContext, jobId: string): Promise<{ replica: OpenReplica; sha256: string }> {
  const [replicaName, sha256] = jobId.split('.');
  if (!sha256) throw new Error(`no original in replica job ${jobId}`);
  return { replica: await openReplica(ctx, replicaName, jobId), sha256 };
}

/**
 * The primary's quick read may serve bytes someone wrote over the original's key; those fail the
 * check, and the copy is made again from the original the primary serves.
 */
async function copyOriginal(ctx: AppContext, replica: OpenReplica, sha256: string): Promise<void> {
  const copied = await replica.store.storeCopyOfOriginal(sha256, () => ctx.blobs.openOriginalForCopy(sha256)).catch((err: unknown) => {
    if (!(err instanceof OriginalBytesMismatch)) throw err;
    ctx.log.warn({ replica: replica.name, sha256, err: err.message }, 'the primary store serves other bytes under this original\'s key; copying the original itself');
    return replica.store.storeCopyOfOriginal(sha256, () => ctx.blobs.openOriginal(sha256));
  });
  if (!copied) throw new Error(`original ${sha256} is missing from the primary store`);
}

/**
 * The replica holds other bytes under the original's key (tampered with, bit rot, or written there
 * first by someone else): recorded (no longer a confirmed copy; an alarm). A replica that
 * lets them be removed is sent the original again, which is read back and hashed: true, the copy
 * can be confirmed. One that refuses (Object Lock, write-once) keeps them: they stay recorded as
 * such and the alarm stays (false); the verification looks at them again later.
 */
async function replaceOtherBytes(ctx: AppContext, replica: OpenReplica, sha256: string, observed: string): Promise<boolean> {
  // Recorded once, with what the removal said: a finding known to be write-once never reads as
  // removable in between (the sweep would owe, and send, a copy the replica cannot take).
  const removal = await replica.store.removeOtherBytes(sha256);
  await otherBytesFound(ctx, replica.name, sha256, observed, removal === 'write-once');
  if (removal === 'write-once') return false;
  if (removal !== 'right') await copyOriginal(ctx, replica, sha256);
  const back = await hashOriginalIn(replica.store, sha256);
  if (back !== sha256) throw new Error(`replica ${replica.name} does not serve back the original ${sha256} it was sent again (it hashes to ${back})`);
  ctx.log.warn({ replica: replica.name, sha256, observed }, 'the replica held other bytes for an original; they were replaced by the original, read back and checked');
  return true;
}

/** Recorded and raised (the replica's status pages, the integrity alarms); also by a restore that found them. */
export async function otherBytesFound(ctx: AppContext, replica: string, sha256: string, observed: string, writeOnce: boolean): Promise<void> {
  await ctx.repos.replication.recordReplicaOtherBytes({ sha256, replica, observed, writeOnce });
  const kept = writeOnce ? ': the replica refuses to remove them (Object Lock), so they stay' : '';
  await raiseAlarm(ctx, 'replica_other_bytes', `${replica}/${sha256}`, `replica ${replica} holds other bytes (SHA-256 ${observed}) for the original ${sha256}${kept}`);
}

async function confirmCopy(ctx: AppContext, replica: string, sha256: string): Promise<void> {
  const { hadOtherBytes } = await ctx.repos.replication.confirmReplicaCopy(sha256, replica);
  if (hadOtherBytes) await resolveAlarm(ctx, 'replica_other_bytes', `${replica}/${sha256}`);
}

/**
 * One derivative to one replica (job id `<replica>.<key>.<name>`): the primary's copy streamed into
 * the replica, checked on the way against the SHA-256 PostgreSQL records for it; only then is the
 * replica's copy of those bytes recorded. A copy replaced meanwhile fails the check and is retried
 * (the retry reads the new record).
 */
export async function replicateDerivative(ctx: AppContext, jobId: string): Promise<void> {
  const [replicaName, key, name] = jobId.split('.');
  if (!key || !isDerivativeName(name)) throw new Error(`no derivative in replication job ${jobId}`);
  const { store, ...replica } = await openReplica(ctx, replicaName, jobId);
  const recorded = await ctx.repos.replication.findStoredDerivative(key, name);
  if (!recorded) return; // nothing stored under it: nothing owed
  const source = await ctx.blobs.openDerivative(key, name);
  if (!source) throw new Error(`derivative ${name} of ${key} is recorded but not in the primary store`);
  await store.writeDerivativeFrom(key, name, source, recorded.sha256);
  await ctx.repos.replication.confirmReplicaDerivativeCopy(key, name, replica.name, recorded.sha256);
}

const isDerivativeName = (name: string | undefined): name is DerivativeName => name !== undefined && Object.hasOwn(DERIVATIVE_FORMAT, name);

/**
 * The log's public data on a replica, as the public API serves it (never the leaf records):
 *   checkpoints/<size, 12 digits>.json   each signed tree head (SthJson), never changed once written
 *   leaves/<start, 12 digits>.json       the leaf hashes of [start, start + 1000), rewritten until full
 * A restore reads the checkpoints back (restore.service.ts) to learn which heads were published.
 */
const padded = (n: number) => String(n).padStart(12, '0');
export const CHECKPOINT_COPIES = 'checkpoints/';
const checkpointCopy = (size: number) => `${CHECKPOINT_COPIES}${padded(size)}.json`;
const leavesCopy = (start: number) => `leaves/${padded(start)}.json`;

/** Heads read per page while looking for those a replica lacks. */
const STH_PAGE = 1000;

/**
 * Brings one replica's copy of the log up to the newest signed head: the heads it lacks, then the
 * leaf hashes up to that head, each read back and compared before the size is recorded. The job
 * id is the replica's name: one such job per replica at a time.
 */
export async function replicateLog(ctx: AppContext, replicaName: string): Promise<void> {
  const { name, store } = await openReplica(ctx, replicaName, replicaName);
  const copied = await ctx.repos.replication.logCopySize(name);
  const newer: SthJson[] = [];
  for (let before: number | undefined; ; ) {
    const page = await listSths(ctx, { before, limit: STH_PAGE });
    newer.push(...page.filter((sth) => sth.tree_size > copied));
    if (page.length < STH_PAGE || page.at(-1)!.tree_size <= copied) break;
    before = page.at(-1)!.tree_size;
  }
  const newest = newer[0];
  if (!newest) return;

  // Leaf hashes first, so a checkpoint on the replica never names leaves it does not hold.
  for (let start = copied - (copied % MAX_LEAVES_PER_REQUEST); start < newest.tree_size; start += MAX_LEAVES_PER_REQUEST) {
    const range = await leaves(ctx, start, Math.min(newest.tree_size, start + MAX_LEAVES_PER_REQUEST));
    await writeChecked(store, name, leavesCopy(start), Buffer.from(JSON.stringify(range)));
  }
  for (const sth of newer.reverse()) await writeChecked(store, name, checkpointCopy(sth.tree_size), Buffer.from(JSON.stringify(sth)));
  await ctx.repos.replication.confirmLogCopy(name, newest.tree_size);
}

async function writeChecked(store: BlobStore, replica: string, copyName: string, data: Buffer): Promise<void> {
  await store.writeLogCopy(copyName, data);
  const back = await store.readLogCopy(copyName);
  if (!back?.equals(data)) throw new Error(`replica ${replica} does not serve back the log copy ${copyName} it was given`);
}

/**
 * Enqueues what PostgreSQL says the replicas lack (idempotent by job id): owed originals and derivatives, and a
 * log copy for each replica behind the newest signed head. Returns how many jobs it asked for.
 */
export async function requeueOwedCopies(ctx: AppContext): Promise<number> {
  if (ctx.replicas.length === 0) return 0;
  const names = ctx.replicas.map((r) => r.name);
  const owed = await ctx.repos.replication.listOwedCopies(names, OWED_PER_SWEEP);
  await ctx.queue.enqueue(
    'replicate-original',
    owed.map((c) => replicationJobId(c.replica, c.sha256)),
  );
  const derivatives = await ctx.repos.replication.listOwedDerivativeCopies(names, OWED_PER_SWEEP);
  await ctx.queue.enqueue(
    'replicate-derivative',
    derivatives.map((c) => derivativeJobId(c.replica, c.key, c.name)),
  );
  const newest = (await ctx.repos.transparency.getSth())?.treeSize ?? 0;
  const behind: string[] = [];
  for (const name of names) if ((await ctx.repos.replication.logCopySize(name)) < newest) behind.push(name);
  await ctx.queue.enqueue('replicate-log', behind);
  return owed.length + derivatives.length + behind.length;
}

/** Other bytes listed on the status pages at most (each replica's count is always whole). */
const OTHER_BYTES_SHOWN = 200;

/**
 * For moderators and admins: per replica, the originals it still lacks, how long the oldest has
 * waited, how far it holds the log, and every copy found holding other bytes (an alarm).
 */
export async function replicationStatus(ctx: AppContext): Promise<ReplicationStatus> {
  const names = ctx.replicas.map((r) => r.name);
  const [replicas, otherBytes, newest] = await Promise.all([
    ctx.repos.replication.replicationStatus(names),
    ctx.repos.replication.listReplicaOtherBytes(names, OTHER_BYTES_SHOWN),
    ctx.repos.transparency.getSth(),
  ]);
  return { logTreeSize: newest?.treeSize ?? 0, replicas, otherBytes };
}

/** Copies one tick considers at most. */
const REPLICA_CHECKS_PER_TICK = 10_000;

/**
 * The replica verification, one tick of the scrub's schedule: the copies on the replicas whose last
 * read-back is oldest (none within SCRUB_EVERY_HOURS), as many as REPLICA_SCRUB_MB_PER_MINUTE allows
 * (at least one), each a verify-replica-copy job. Returns how many it enqueued.
 */
export async function enqueueDueReplicaChecks(ctx: AppContext): Promise<number> {
  const budget = tickBudget(ctx.config.replicaScrubBytesPerMinute);
  if (budget <= 0 || ctx.replicas.length === 0) return 0;
  const before = new Date(ctx.clock.now().getTime() - ctx.config.scrubEveryMs);
  const due = await ctx.repos.replication.replicaCopiesDueForCheck(
    ctx.replicas.map((r) => r.name),
    before,
    REPLICA_CHECKS_PER_TICK,
  );
  const picked = withinBudget(due, budget).map((copy) => replicationJobId(copy.replica, copy.sha256));
  await ctx.queue.enqueue('verify-replica-copy', picked);
  return picked.length;
}
