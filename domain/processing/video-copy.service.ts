import type { AppContext } from '../context';
import { isNoSpace, messageOf } from '../caught-errors';
import { MediaError } from '../media/errors';
import type { MediaFile } from '../media/model';
import type { RedactionRegion } from '../media/redaction';
import { storeDerivativeFile } from '../replication/derivatives.service';

/**
 * Copies being made by this process, at most VIDEO_COPY_CONCURRENCY (default 1): a transcode takes
 * the threads it is given for as long as the clip lasts. A job that finds no free slot does not wait
 * in a worker slot (photos would queue behind it): it leaves its copy pending, and the copy that
 * ends, or the sweep, enqueues it again.
 */
const busy = new WeakMap<AppContext, number>();

/** Progress is written at most this often (a moderator's page reads it; ffmpeg reports ~2× a second). */
const PROGRESS_EVERY_MS = 2000;

/**
 * The published copy of a processed video (job `encode-video`; domain/media/video-copy.ts): rendered
 * from the original by the media toolkit, with the redaction its publication chose burned in, hashed,
 * stored as the derivative 'video' (under the redaction's copies key when there is one, never where
 * the unredacted copy is), and its SHA-256 recorded for /check. A copy finished with another
 * redaction than the one wanted now (a redaction decided after the copy was made) is made again. A
 * copy that cannot be made is recorded as failed with its reason, once (the same bytes fail the same
 * way); I/O and a full disk are thrown for a retry.
 */
export async function makeVideoCopy(ctx: AppContext, fileId: string): Promise<'ready' | 'failed' | 'skipped' | 'deferred'> {
  const file = await ctx.repos.media.findMediaFile(fileId);
  if (!file || file.kind !== 'video' || file.status !== 'ready') return 'skipped';
  const [existing, redaction] = await Promise.all([ctx.repos.videoCopies.findVideoCopy(fileId), ctx.repos.videoCopies.findWantedVideoRedaction(fileId)]);
  const finished = existing && (existing.status === 'ready' || existing.status === 'failed');
  if (finished && existing.redaction_key === (redaction?.key ?? null)) return 'skipped';

  const running = busy.get(ctx) ?? 0;
  if (running >= ctx.config.videoCopyConcurrency) {
    await ctx.repos.videoCopies.deferVideoCopy(fileId);
    return 'deferred';
  }
  busy.set(ctx, running + 1);
  try {
    return await encode(ctx, file, redaction);
  } finally {
    busy.set(ctx, (busy.get(ctx) ?? 1) - 1);
    // The next copies waiting for a slot, now (the sweep would, within SWEEP_INTERVAL_SECONDS).
    await requeueOwedVideoCopies(ctx, new Date(ctx.clock.now().getTime() - ctx.config.staleJobMs)).catch(() => undefined);
  }
}

async function encode(ctx: AppContext, file: MediaFile, redaction: { key: string; regions: RedactionRegion[] } | null): Promise<'ready' | 'failed' | 'skipped'> {
  const fileId = file.id;
  const redactionKey = redaction?.key ?? null;
  if (!(await ctx.repos.videoCopies.startVideoCopy(fileId, redactionKey))) return 'skipped';
  let savedAt = 0;
  const onProgress = (fraction: number) => {
    const now = Date.now();
    if (now - savedAt < PROGRESS_EVERY_MS) return;
    savedAt = now;
    void ctx.repos.videoCopies.noteVideoCopyProgress(fileId, fraction).catch(() => undefined);
  };
  try {
    const made = await ctx.blobs.withOriginalFile(file.sha256, async (path) => {
      const copy = await ctx.media.renderVideoCopy(path, file, ctx.config.videoCopy, onProgress, redaction?.regions ?? []);
      try {
        const { sha256, bytes } = await storeDerivativeFile(ctx, redactionKey ?? file.sha256, 'video', copy.path);
        return await ctx.transaction(async (tx) => {
          if (!(await tx.videoCopies.finishVideoCopy(fileId, { sha256, bytes, plan: copy.plan, redactionKey }))) return false;
          await tx.media.recordDerivativeHashes(fileId, [{ kind: 'video', sha256 }]);
          return true;
        });
      } finally {
        await copy.dispose();
      }
    });
    if (made && redactionKey) ctx.log.info({ fileId }, 'published video copy made with its redaction');
    return made ? 'ready' : 'skipped';
  } catch (err) {
    if (!(err instanceof MediaError) || isNoSpace(err)) throw err;
    await ctx.repos.videoCopies.failVideoCopy(fileId, messageOf(err), redactionKey);
    ctx.log.info({ fileId, code: err.code }, 'no published copy of this video could be made');
    return 'failed';
  }
}

/** The sweep: every processed video whose copy is owed (none yet, pending, or one a stopped worker left encoding). */
export async function requeueOwedVideoCopies(ctx: AppContext, olderThan: Date | null): Promise<number> {
  const ids = await ctx.repos.videoCopies.listOwedVideoCopies(olderThan);
  await ctx.queue.enqueue('encode-video', ids);
  return ids.length;
}
