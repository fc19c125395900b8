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
