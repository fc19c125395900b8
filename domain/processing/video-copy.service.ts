import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { AppContext } from '../context';
import { isNoSpace, messageOf } from '../caught-errors';
import { MediaError } from '../media/errors';

/**
 * Copies made at once by this process (VIDEO_COPY_CONCURRENCY, default 1): a transcode takes the
 * threads it is given for as long as the clip lasts, so a second one waits for the slot here while
 * the worker's other job slots keep processing photos.
 */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
const slotsOf = new WeakMap<AppContext, Slots>();
const slots = (ctx: AppContext) => {
  let s = slotsOf.get(ctx);
  if (!s) slotsOf.set(ctx, (s = new Slots(ctx.config.videoCopyConcurrency)));
  return s;
};

/** Progress is written at most this often (a moderator's page reads it; ffmpeg reports ~2× a second). */
const PROGRESS_EVERY_MS = 2000;

/**
 * The published copy of a processed video (job `encode-video`; domain/media/video-copy.ts): rendered
 * from the original by the media toolkit, hashed, stored as the derivative 'video', and its SHA-256
 * recorded for /check. A copy that cannot be made is recorded as failed with its reason, once (the
 * same bytes fail the same way); I/O and a full disk are thrown for a retry.
 */
export async function makeVideoCopy(ctx: AppContext, fileId: string): Promise<'ready' | 'failed' | 'skipped'> {
  const file = await ctx.repos.media.findMediaFile(fileId);
  if (!file || file.kind !== 'video' || file.status !== 'ready') return 'skipped';
  const existing = await ctx.repos.videoCopies.findVideoCopy(fileId);
  if (existing && (existing.status === 'ready' || existing.status === 'failed')) return 'skipped';

  return slots(ctx).run(async () => {
    if (!(await ctx.repos.videoCopies.startVideoCopy(fileId))) return 'skipped';
    let savedAt = 0;
    const onProgress = (fraction: number) => {
      const now = Date.now();
      if (now - savedAt < PROGRESS_EVERY_MS) return;
      savedAt = now;
      void ctx.repos.videoCopies.noteVideoCopyProgress(fileId, fraction).catch(() => undefined);
    };
    try {
      await ctx.blobs.withOriginalFile(file.sha256, async (path) => {
        const copy = await ctx.media.renderVideoCopy(path, file, ctx.config.videoCopy, onProgress);
        try {
          const { sha256, bytes } = await hashLocalFile(copy.path);
          await ctx.blobs.writeDerivativeFile(file.sha256, 'video', copy.path);
          await ctx.transaction(async (tx) => {
            await tx.videoCopies.finishVideoCopy(fileId, { sha256, bytes, plan: copy.plan });
            await tx.media.recordDerivativeHashes(fileId, [{ kind: 'video', sha256 }]);
          });
        } finally {
          await copy.dispose();
        }
      });
      return 'ready';
    } catch (err) {
      if (!(err instanceof MediaError) || isNoSpace(err)) throw err;
      await ctx.repos.videoCopies.failVideoCopy(fileId, messageOf(err));
      ctx.log.info({ fileId, code: err.code }, 'no published copy of this video could be made');
      return 'failed';
    }
  });
}

async function hashLocalFile(filePath: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(filePath) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The sweep: every processed video whose copy is owed (none yet, or one a stopped worker left behind). */
export async function requeueOwedVideoCopies(ctx: AppContext, olderThan: Date | null): Promise<number> {
  const ids = await ctx.repos.videoCopies.listOwedVideoCopies(olderThan);
  await ctx.queue.enqueue('encode-video', ids);
  return ids.length;
}
