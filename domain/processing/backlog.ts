import type { ProcessingBacklog } from '../../db/health.repo';
import type { WaitingRetryRow } from '../../db/media.repo';
import type { AppContext } from '../context';
import { diskSpace, type DiskSpace } from '../submissions/disk-space';

export type { ProcessingBacklog } from '../../db/health.repo';

/** Listed on the admin API at most; the count says how many there are in all. */
const WAITING_LISTED = 200;

/** For moderators: how much disk is left and how far behind processing is. */
export async function processingStatus(ctx: AppContext): Promise<{ disk: DiskSpace; backlog: ProcessingBacklog }> {
  const [disk, backlog] = await Promise.all([diskSpace(ctx), ctx.repos.health.processingBacklog()]);
  return { disk, backlog };
}

/** A file parked as waiting_retry, as admins see it. */
export type WaitingFile = { id: string; submissionId: string; name: string; reason: string; attempts: number; receivedAt: Date; parkedAt: Date };

export const waitingFileOf = (r: WaitingRetryRow): WaitingFile => ({
  id: r.id, submissionId: r.submission_id, name: r.original_name, reason: r.retry_reason, attempts: r.attempts, receivedAt: r.received_at, parkedAt: r.parked_at,
});

/** For admins: the same, and the files parked as waiting_retry with why (oldest first). */
export async function processingOverview(ctx: AppContext): Promise<{ disk: DiskSpace; backlog: ProcessingBacklog; waitingRetry: WaitingRetryRow[] }> {
  const [status, waitingRetry] = await Promise.all([processingStatus(ctx), ctx.repos.media.listWaitingRetry(WAITING_LISTED)]);
  return { ...status, waitingRetry };
}
