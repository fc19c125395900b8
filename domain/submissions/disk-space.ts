import type { AppContext } from '../context';
import { insufficientStorage } from '../errors';

/** 'low' warns moderators before uploads stop: under twice the reserve. 'full': under the reserve. */
export type DiskSpace = { freeBytes: number; reserveBytes: number; state: 'ok' | 'low' | 'full' };

export async function diskSpace(ctx: AppContext): Promise<DiskSpace> {
  const freeBytes = await ctx.blobs.freeBytes();
  const reserveBytes = ctx.config.diskReserveBytes;
  const state = freeBytes < reserveBytes ? 'full' : freeBytes < 2 * reserveBytes ? 'low' : 'ok';
  return { freeBytes, reserveBytes, state };
}

/** How long a figure shown to moderators may be reused: the queue, its live poll and entry pages ask on every request. */
export const SHOWN_DISK_SPACE_MS = 2000;
const shown = new WeakMap<object, { until: number; value: Promise<DiskSpace> }>();

/**
 * The free space as moderators' pages show it (a warning when low): measured at most every
 * SHOWN_DISK_SPACE_MS per store, not on every request. Uploads are refused on a fresh measure
 * (ensureRoomForUpload), never on this one.
 */
export function diskSpaceShown(ctx: AppContext): Promise<DiskSpace> {
  const now = ctx.clock.now().getTime();
  const cached = shown.get(ctx.blobs);
  if (cached && cached.until > now) return cached.value;
  const value = diskSpace(ctx);
  shown.set(ctx.blobs, { until: now + SHOWN_DISK_SPACE_MS, value });
  value.catch(() => shown.delete(ctx.blobs)); // a failed measure is not kept
  return value;
}

/**
 * Refuses an upload, before any byte of it is written, when the disk is below the reserve or the
 * size the client declares would take it there: the database and the worker's derivatives need that room.
 */
export async function ensureRoomForUpload(ctx: AppContext, declaredBytes: number): Promise<void> {
  const { freeBytes, reserveBytes } = await diskSpace(ctx);
  if (freeBytes - declaredBytes < reserveBytes) {
    ctx.log.warn({ freeBytes, reserveBytes, declaredBytes }, 'upload refused: storage below its free-space reserve');
    throw storageFull();
  }
}

/** 507: said when the reserve refuses an upload, and when the disk fills while one is written (ENOSPC, EDQUOT). */
export const storageFull = () =>
insufficientStorage();
