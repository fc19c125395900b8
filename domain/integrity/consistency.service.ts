import type { AppContext } from '../context';

/**
 * Crash consistency of the three records of a received file: its original in the blob store, its
 * rows in PostgreSQL (blobs, media_files, submissions) and its leaf in the transparency log. A
 * submission is stored in one transaction that links its originals under a per-hash lock, so a
 * crash can leave only what that transaction never committed: temp files of uploads being received
 * and originals no row records. Everything else found here is a real fault, never cleaned up.
 */

export type ConsistencyReport = {
  /** Originals in the store that no committed row records (and no transaction still owns). */
  originalsWithoutRow: string[];
  /** The same, in a store whose Object Lock keeps them until their retention ends: reported, harmless. */
  unreferencedLocked: string[];
  /** Rows whose original is not in the store: evidence the archive promised and cannot show. */
  rowsWithoutOriginal: string[];
  /** Files (media_files ids) with no transparency-log leaf: their receipt cannot be verified. */
  filesWithoutLeaf: string[];
  submissionsWithoutFiles: string[];
  /** The log's recorded size against its leaves, when they differ. */
  logSizeMismatch: { size: number; leaves: number; nextIndex: number } | null;
  /** Temp files older than the grace period that no resumable upload owns. */
  staleTempFiles: string[];
};

export type CleanupReport = { removedTempFiles: number; removedOriginals: number; unreferencedLocked: string[] };

/** Every mismatch between store, database and log; the locked unreferenced originals are listed but are no mismatch (nothing can remove them). */
export function mismatchCount(report: ConsistencyReport): number {
  return (
    report.originalsWithoutRow.length +
    report.rowsWithoutOriginal.length +
    report.filesWithoutLeaf.length +
    report.submissionsWithoutFiles.length +
    (report.logSizeMismatch ? 1 : 0) +
    report.staleTempFiles.length
  );
}

/** Compares store, database and log; reads only (the per-hash locks it takes are released at once). */
export async function checkConsistency(ctx: AppContext): Promise<ConsistencyReport> {
  const recorded = new Set(await ctx.repos.consistency.recordedOriginals());
  const stored = new Set<string>();
  for await (const sha256 of ctx.blobs.listOriginals()) stored.add(sha256);

  const unowned = await unownedOriginals(ctx, [...stored].filter((sha) => !recorded.has(sha)), 0);
  const [filesWithoutLeaf, submissionsWithoutFiles, counts, staleTempFiles] = await Promise.all([
    ctx.repos.consistency.mediaFilesWithoutLeaf(),
    ctx.repos.consistency.submissionsWithoutFiles(),
    ctx.repos.consistency.logLeafCounts(),
    staleTemps(ctx),
  ]);
  const logConsistent = counts.size === counts.leaves && counts.leaves === counts.nextIndex;
  return {
    originalsWithoutRow: ctx.blobs.protection.locked ? [] : unowned,
    unreferencedLocked: ctx.blobs.protection.locked ? unowned : [],
    rowsWithoutOriginal: [...recorded].filter((sha) => !stored.has(sha)).sort(),
    filesWithoutLeaf,
    submissionsWithoutFiles,
    logSizeMismatch: logConsistent ? null : counts,
    staleTempFiles,
  };
}

/** Originals asked of the database at once when looking for crash leftovers. */
const LEFTOVER_BATCH = 1000;

/**
 * What a crash of the API can leave in its own temp folder, removed when it starts: temp files
 * older than the grace period that no resumable upload owns. Cheap (one folder), so every API start
 * does it; the scan of the whole store is the worker's (cleanCrashLeftovers).
 */
export async function cleanStaleTempFiles(ctx: AppContext): Promise<{ removedTempFiles: number }> {
  const staleTempFiles = await staleTemps(ctx);
  for (const tempPath of staleTempFiles) await ctx.blobs.removeTemp(tempPath);
  return { removedTempFiles: staleTempFiles.length };
}

/**
 * Everything a crash can leave, removed by the worker once when it starts, in the background: stale
 * temp files (as the API does), and originals no committed row records, stored longer ago than the
 * grace period. It lists the whole store, so it runs in one place, once per worker start, not on
 * every start of every API process. An original is removed under its per-hash lock, the one
 * createSubmission holds from linking it until its commit, so no transaction can still be about to
 * record it (two workers scanning at once are safe for the same reason); in a locked store it stays
 * and is reported.
 */
export async function cleanCrashLeftovers(ctx: AppContext): Promise<CleanupReport> {
  const graceMs = ctx.config.leftoverGraceMs;
  const { removedTempFiles } = await cleanStaleTempFiles(ctx);

  // The store's originals in batches, each asked of the database at once: the API never holds every
  // hash of a large archive (a million of them in a Set took ~150 MB and seconds of CPU at each start).
  const candidates: string[] = [];
  let batch: string[] = [];
  const sift = async () => {
    const recorded = new Set(await ctx.repos.consistency.recordedAmong(batch));
    for (const sha256 of batch) if (!recorded.has(sha256)) candidates.push(sha256);
    batch = [];
  };
  for await (const sha256 of ctx.blobs.listOriginals()) {
    batch.push(sha256);
    if (batch.length >= LEFTOVER_BATCH) await sift();
  }
  if (batch.length > 0) await sift();
  if (ctx.blobs.protection.locked) {
    return { removedTempFiles, removedOriginals: 0, unreferencedLocked: await unownedOriginals(ctx, candidates, graceMs) };
  }
  const removed = await unownedOriginals(ctx, candidates, graceMs, (sha256) => ctx.blobs.removeUncommittedOriginal(sha256));
  return { removedTempFiles, removedOriginals: removed.length, unreferencedLocked: [] };
}

/**
 * Of `candidates` (originals no row recorded when listed), those stored longer ago than `graceMs`
 * that still no committed row records once their per-hash lock is held; `whileLocked` runs for each
 * before the lock is released.
 */
async function unownedOriginals(ctx: AppContext, candidates: string[], graceMs: number, whileLocked?: (sha256: string) => Promise<void>): Promise<string[]> {
  const unowned: string[] = [];
  const cutoff = ctx.clock.now().getTime() - graceMs;
  for (const sha256 of candidates.sort()) {
    const storedAt = await ctx.blobs.originalStoredAt(sha256);
    if (!storedAt || storedAt.getTime() > cutoff) continue;
    const isUnowned = await ctx.transaction(async (tx) => {
      await tx.media.lockBlobHash(sha256);
      if (await tx.consistency.isOriginalRecorded(sha256)) return false;
      await whileLocked?.(sha256);
      return true;
    });
    if (isUnowned) unowned.push(sha256);
  }
  return unowned;
}

/** Temp files not written for the grace period that no resumable upload owns (a crash cut their request off). */
async function staleTemps(ctx: AppContext): Promise<string[]> {
  const cutoff = ctx.clock.now().getTime() - ctx.config.leftoverGraceMs;
  const old: string[] = [];
  for await (const file of ctx.blobs.listTempFiles()) if (file.modifiedAt.getTime() <= cutoff) old.push(file.path);
  // Read after the listing: an upload that began since registered its file before it could be old.
  const owned = new Set(await ctx.repos.consistency.resumableTempPaths());
  return old.filter((p) => !owned.has(p)).sort();
}
