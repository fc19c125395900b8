import * as mediaRepo from '../../db/media.repo';
import { withTransaction } from '../../db/pool';
import * as submissionsRepo from '../../db/submissions.repo';
import type { SessionUser } from '../accounts/account.service';
import type { AppContext } from '../context';
import { conflict, notFound } from '../errors';
import { decodeCursor, encodeCursor } from '../pagination';

export const QUEUE_PAGE_SIZE = 50;

export type Decision = { action: 'verify_publish' } | { action: 'reject'; reason: string };

export async function reviewQueue(ctx: AppContext, cursor: string | undefined) {
  const after = decodeCursor(cursor);
  const [items, counts] = await Promise.all([
    submissionsRepo.listPending(ctx.db, after ? { receivedAt: after.at, id: after.id } : null, QUEUE_PAGE_SIZE + 1),
    submissionsRepo.countByStatus(ctx.db),
  ]);
  const page = items.slice(0, QUEUE_PAGE_SIZE);
  const last = page.at(-1);
  const next = items.length > QUEUE_PAGE_SIZE && last ? encodeCursor(last.received_at, last.id) : null;
  return { items: page, counts, next };
}

export async function submissionForReview(ctx: AppContext, id: string) {
  const submission = await submissionsRepo.findSubmission(ctx.db, id);
  if (!submission) throw notFound('The submission');
  const [files, decisions] = await Promise.all([
    mediaRepo.listMediaFiles(ctx.db, id),
    submissionsRepo.listDecisions(ctx.db, id),
  ]);
  return { submission, files, decisions };
}

/** One decision per pending submission; a second moderator gets a conflict naming the first. */
export async function decide(ctx: AppContext, id: string, user: SessionUser, decision: Decision) {
  return withTransaction(ctx.db, async (tx) => {
    const current = await submissionsRepo.lockSubmission(tx, id);
    if (!current) throw notFound('The submission');
    if (current.status !== 'pending') {
      const previous = (await submissionsRepo.listDecisions(tx, id)).at(-1);
      throw conflict('already_decided', `This submission was already decided: ${current.status}.`, {
        status: current.status,
        decided_by: previous?.account_email,
        decided_at: previous?.created_at.toISOString(),
      });
    }
    const reason = decision.action === 'reject' ? decision.reason : null;
    const row = await submissionsRepo.insertDecision(tx, { submissionId: id, accountId: user.accountId, action: decision.action, reason });
    if (decision.action === 'verify_publish') await submissionsRepo.markPublished(tx, id, row.id);
    else await submissionsRepo.markRejected(tx, id);
    ctx.log.info({ submissionId: id, action: decision.action, decisionId: row.id }, 'decision recorded');
    return row;
  });
}

export async function fileForModerator(ctx: AppContext, fileId: string) {
  const file = await mediaRepo.findMediaFile(ctx.db, fileId);
  if (!file) throw notFound('The file');
  return file;
}
