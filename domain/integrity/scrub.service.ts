/**
 * The scrub: the server re-checks what it stores, at a configured rate, and raises an alarm
 * (alarms.service.ts) for anything that changed.
 *  - Originals: every SCRUB_TICK the worker enqueues a `scrub-original` job for the originals whose
 *    last check is oldest (never-checked first; none checked within SCRUB_EVERY_HOURS), as many as
 *    SCRUB_MB_PER_MINUTE allows; each job hashes one original through the blob store and records
 *    when and what it hashed to. PostgreSQL says what is due, so a lost queue loses nothing.
 *  - The log: LOG_SCRUB_LEAVES_PER_MINUTE leaves a minute have their hashes recomputed from their
 *    records, and every stored subtree hash from its children, in passes over the whole log.
 * A download's Digest is the SHA-256 the last check found the bytes to have (originalDigest).
 */
import type { AppContext } from '../context';
import { hashStoredBlob, type BlobStore } from '../ports/blob-store';
import { raiseAlarm, resolveAlarm } from './alarms.service';
import { decodeLeaf } from '../transparency/leaf';
import { leafHash, nodeHash } from '../transparency/merkle';

/** How often the worker runs the scrub's schedule; the rates are per minute. */
export const SCRUB_TICK_MS = 60_000;
/** Leaves the log scrub reads at a time: its passes advance by whole aligned chunks. */
const LOG_CHUNK = 1024;
/** Most originals one tick considers. */
const ORIGINALS_PER_TICK = 10_000;

/** One tick of the schedule (the worker's timer); failures are logged, the next tick tries again. */
export async function scrubTick(ctx: AppContext): Promise<void> {
  await Promise.all([
    enqueueDueOriginals(ctx).catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not schedule the scrub of originals')),
    scrubLogSpan(ctx).catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not scrub the log')),
  ]);
}

/** One tick's share of a per-minute byte rate. */
export const tickBudget = (bytesPerMinute: number): number => bytesPerMinute * (SCRUB_TICK_MS / 60_000);

/** The first of `due` (oldest first) that fit in one tick's byte budget, always at least one. */
export function withinBudget<T extends { bytes: number }>(due: readonly T[], budget: number): T[] {
  const picked: T[] = [];
  let bytes = 0;
  for (const item of due) {
    if (picked.length > 0 && bytes + item.bytes > budget) break;
    picked.push(item);
    bytes += item.bytes;
  }
  return picked;
}

/** Enqueues the originals due for a check, within one tick's byte budget (at least one). */
export async function enqueueDueOriginals(ctx: AppContext): Promise<number> {
  const budget = tickBudget(ctx.config.scrubBytesPerMinute);
  if (budget <= 0) return 0;
  const due = await ctx.repos.integrity.originalsDueForCheck(new Date(ctx.clock.now().getTime() - ctx.config.scrubEveryMs), ORIGINALS_PER_TICK);
  const picked = withinBudget(due, budget).map((o) => o.sha256);
  await ctx.queue.enqueue('scrub-original', picked);
  return picked.length;
}

/** What an original's bytes in `store` hash to (the primary's, or a replica's copy), read whole; null when it has none. */
export async function hashOriginalIn(store: BlobStore, sha256: string): Promise<string | null> {
  const blob = await store.openOriginal(sha256);
  return blob ? (await hashStoredBlob(blob)).sha256 : null;
}

/** The job: hashes one stored original, records what its bytes hash to, alarms on a change. */
export async function scrubOriginal(ctx: AppContext, sha256: string): Promise<{ observed: string | null }> {
  const observed = await hashOriginalIn(ctx.blobs, sha256);
  await ctx.repos.integrity.recordOriginalCheck(sha256, observed);
  if (observed === null) {
    await raiseAlarm(ctx, 'original_missing', sha256, `the stored original ${sha256} is gone`);
  } else if (observed !== sha256) {
    await raiseAlarm(ctx, 'original_mismatch', sha256, `the stored original ${sha256} now hashes to ${observed}: its bytes changed on disk`);
  } else {
    await resolveAlarm(ctx, 'original_missing', sha256);
    await resolveAlarm(ctx, 'original_mismatch', sha256);
  }
  return { observed };
}

/**
 * The SHA-256 (hex) to send as a download's Digest: the original's own when the last check found its
 * bytes to hash to it; else (never checked, or changed when last checked) hashed from the bytes
 * now, recorded as a check. Null when the original is gone.
 */
export async function originalDigest(ctx: AppContext, sha256: string): Promise<string | null> {
  const last = await ctx.repos.integrity.lastOriginalCheck(sha256);
  if (last?.observedSha256 === sha256) return sha256;
  return (await scrubOriginal(ctx, sha256)).observed;
}

/**
 * Recomputes the next chunks of the log: each leaf's hash from its record, each stored subtree
 * inside the chunk from the leaves, and each larger subtree ending where the chunk ends from its
 * two stored children (the left one was checked earlier in the pass), so a full pass checks every
 * stored hash. Returns how many leaves it read.
 */
export async function scrubLogSpan(ctx: AppContext): Promise<number> {
  const wanted = ctx.config.logScrubLeavesPerMinute * (SCRUB_TICK_MS / 60_000);
  if (wanted <= 0) return 0;
  const log = ctx.repos.transparency;
  const size = await log.logSize();
  let { nextLeaf, cycles } = await ctx.repos.integrity.logScrubState();
  if (nextLeaf >= size) nextLeaf = 0;
  let read = 0;
  while (read < wanted && size > 0) {
    const end = Math.min(size, nextLeaf + LOG_CHUNK);
    await checkLogChunk(ctx, nextLeaf, end);
    read += end - nextLeaf;
    if (end === size) {
      // A partial last chunk is read again from its start next time, when the log may be longer.
      nextLeaf = 0;
      cycles++;
      break;
    }
    nextLeaf = end;
  }
  await ctx.repos.integrity.saveLogScrubState({ nextLeaf, cycles });
  return read;
}

async function checkLogChunk(ctx: AppContext, start: number, end: number): Promise<void> {
  const log = ctx.repos.transparency;
  const leaves = await log.leafRange(start, end);
  const mismatch = (subject: string, detail: string) => raiseAlarm(ctx, 'log_subtree_mismatch', subject, detail);
  // Level 0: each leaf's hash from its record; then each level's hashes from the one below.
  let level = leaves.map((leaf) => leafHash(leaf.record));
  for (const [i, leaf] of leaves.entries()) {
    if (leaf.index !== start + i || decodeIndex(leaf.record) !== leaf.index || !level[i]!.equals(leaf.leafHash)) {
      await mismatch(`leaf ${start + i}`, `leaf #${start + i} does not match its record`);
    }
  }
  const computed: { level: number; index: number; hash: Buffer }[] = level.map((hash, i) => ({ level: 0, index: start + i, hash }));
  for (let l = 1; level.length > 1; l++) {
    const up: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) up.push(nodeHash(level[i]!, level[i + 1]!));
    up.forEach((hash, i) => computed.push({ level: l, index: start / 2 ** l + i, hash }));
    level = up;
  }
  const stored = new Map((await log.readSubtrees(computed)).map((s) => [`${s.level}/${s.index}`, s.hash]));
  for (const node of computed) {
    const hash = stored.get(`${node.level}/${node.index}`);
    if (hash && !hash.equals(node.hash)) {
      await mismatch(`subtree ${node.level}/${node.index}`, `stored subtree ${node.level}/${node.index} is ${hash.toString('hex')}, its leaves give ${node.hash.toString('hex')}`);
    }
  }
  // Subtrees wider than a chunk that end here: from their stored children.
  const above: { level: number; index: number }[] = [];
  for (let l = Math.log2(LOG_CHUNK) + 1; 2 ** l <= end; l++) if (end % 2 ** l === 0) above.push({ level: l, index: end / 2 ** l - 1 });
  const positions = above.flatMap((p) => [p, { level: p.level - 1, index: 2 * p.index }, { level: p.level - 1, index: 2 * p.index + 1 }]);
  const wide = new Map((await log.readSubtrees(positions)).map((s) => [`${s.level}/${s.index}`, s.hash]));
  for (const p of above) {
    const [hash, left, right] = [wide.get(`${p.level}/${p.index}`), wide.get(`${p.level - 1}/${2 * p.index}`), wide.get(`${p.level - 1}/${2 * p.index + 1}`)];
    if (hash && left && right && !hash.equals(nodeHash(left, right))) {
      await mismatch(`subtree ${p.level}/${p.index}`, `stored subtree ${p.level}/${p.index} is not the hash of its two children`);
    }
  }
}

function decodeIndex(record: Buffer): number | null {
  try {
    return decodeLeaf(record).index;
  } catch {
    return null;
  }
}
