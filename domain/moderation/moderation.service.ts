import * as catalogRepo from '../../db/catalog.repo';
import * as claimsRepo from '../../db/claims.repo';
import * as mediaRepo from '../../db/media.repo';
import * as notesRepo from '../../db/notes.repo';
import { withTransaction, type Tx } from '../../db/pool';
import * as submissionsRepo from '../../db/submissions.repo';
import type {
  Checklist,
  DecisionAction,
  DecisionRow,
  PublicChoices,
  QueueFilter,
  RejectReason,
  StatusChange,
  SubmissionStatus,
} from '../../db/submissions.repo';
import { actorOf } from '../accounts/accounts.service';
import type { SessionUser } from '../accounts/model';
import { appendAudit } from '../audit/audit.service';
import { carriedByOriginals, describeCarried, revealedBeyondChoices, type OriginalReveal } from '../media/original-reveals';
import type { AppContext } from '../context';
import { badRequest, conflict, notFound } from '../errors';
import { decodeCursor, encodeCursor } from '../pagination';
import { relatedFilesOf } from '../processing/media-relations';
import { assertPublicationAllowed } from '../stations/stations.service';
import { diskSpace } from '../submissions/disk-space';

export const QUEUE_PAGE_SIZE = 50;
/** Other reports from the same station within this many hours either side count as corroboration. */
export const CORROBORATION_HOURS = 6;

/** Every decision names the version of the entry the moderator saw (optimistic concurrency). */
export type Decision = { version: number } & (
  | { action: 'verify'; checklist: Checklist }
  | { action: 'verify_publish'; checklist: Checklist; choices: PublicChoices; confirmedReveals: OriginalReveal[] }
  | { action: 'reject'; reasonCode: RejectReason; reason: string }
  | { action: 'needs_info'; reason: string }
  | { action: 'publish'; choices: PublicChoices; confirmedReveals: OriginalReveal[] }
  | { action: 'unpublish'; reason: string }
  | { action: 'merge'; into: string; reason: string }
);

/** Which statuses each decision can be taken from. */
const ALLOWED_FROM: Record<DecisionAction, readonly SubmissionStatus[]> = {
  verify: ['pending', 'needs_info'],
  verify_publish: ['pending', 'needs_info'],
  reject: ['pending', 'needs_info', 'verified'],
  needs_info: ['pending', 'verified'],
  publish: ['verified'],
  unpublish: ['published'],
  merge: ['pending', 'needs_info', 'verified'],
};
/** Next/previous move within these queues; from any other entry (e.g. one just decided) they move through the pending queue. */
const AWAITING_FIRST_DECISION: readonly SubmissionStatus[] = ['pending', 'needs_info'];
/** Entries waiting for a decision: opening one claims it. */
const CLAIMABLE: readonly SubmissionStatus[] = ['pending', 'needs_info', 'verified'];

/** A page of the queue with the counts per status, and what the filter form offers. */
export async function reviewQueue(ctx: AppContext, filter: QueueFilter, cursor: string | undefined) {
  const after = decodeCursor(cursor);
  const [items, counts, elections, categories, disk] = await Promise.all([
    submissionsRepo.listQueue(ctx.db, filter, after ? { receivedAt: after.at, id: after.id } : null, QUEUE_PAGE_SIZE + 1),
    submissionsRepo.countByStatus(ctx.db),
    catalogRepo.listElections(ctx.db, false),
    catalogRepo.listCategories(ctx.db, false),
    diskSpace(ctx),
  ]);
  const page = items.slice(0, QUEUE_PAGE_SIZE);
  const last = page.at(-1);
  const next = items.length > QUEUE_PAGE_SIZE && last ? encodeCursor(last.received_at, last.id) : null;
  return { items: page, counts, next, elections, categories, disk };
}

/**
 * The review page's data. Opening an entry that awaits a decision claims it for this moderator
 * (or renews their claim); someone else's live claim is returned as it is.
 */
export async function submissionForReview(ctx: AppContext, id: string, user: SessionUser) {
  const submission = await submissionsRepo.findSubmission(ctx.db, id);
  if (!submission) throw notFound('The submission');
  const claim = CLAIMABLE.includes(submission.status)
    ? await withTransaction(ctx.db, async (tx) => {
        const result = await claimsRepo.claim(tx, id, user.accountId, ctx.config.claimMs);
        if (result?.started) {
          await appendAudit(tx, actorOf(user), { action: 'submission.claim', entityType: 'submission', entityId: id, after: { expires_at: result.claim.expires_at } });
        }
        return result?.claim ?? null;
      })
    : null;
  const [files, decisions, notes, corroboration, mergedHere, neighbours, disk] = await Promise.all([
    mediaRepo.listMediaFiles(ctx.db, id),
    submissionsRepo.listDecisions(ctx.db, id),
    notesRepo.listNotes(ctx.db, id),
    submissionsRepo.listCorroborating(ctx.db, submission, CORROBORATION_HOURS),
    submissionsRepo.listMergedInto(ctx.db, id),
    submissionsRepo.findQueueNeighbours(ctx.db, submission, AWAITING_FIRST_DECISION.includes(submission.status) ? submission.status : 'pending'),
    diskSpace(ctx),
  ]);
  const related = await relatedFilesOf(ctx, files);
  return { submission, files, related, decisions, notes, corroboration, corroborationHours: CORROBORATION_HOURS, mergedHere, neighbours, disk, claim, claimedByOther: claim !== null && claim.account_id !== user.accountId };
}

const describeDecision = (d: DecisionRow | undefined) =>
  d ? `${d.action.replace('_', ' ')} by ${d.account_email} at ${d.created_at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : null;

/** Refuses a decision that does not fit the entry as it is now; the message says what happened instead. */
async function checkDecidable(tx: Tx, id: string, user: SessionUser, decision: Decision) {
  const current = await submissionsRepo.lockSubmission(tx, id);
  if (!current) throw notFound('The submission');
  const last = async () => (await submissionsRepo.listDecisions(tx, id)).at(-1);
  const details = (d: DecisionRow | undefined) => ({
    status: current.status,
    version: current.version,
    ...(d ? { decided_by: d.account_email, decided_at: d.created_at.toISOString(), decision: d.action } : {}),
  });
  if (!ALLOWED_FROM[decision.action].includes(current.status)) {
    if (decision.action === 'publish' && (current.status === 'pending' || current.status === 'needs_info')) {
      throw conflict('not_verified', 'Verify this entry with the checklist before publishing it. Nothing was changed.', details(undefined));
    }
    const d = await last();
    throw conflict(
      'already_decided',
      `This submission was already decided: it is ${current.status.replace('_', ' ')}${d ? ` (${describeDecision(d)})` : ''}. Nothing was changed.`,
      details(d),
    );
  }
  if (decision.version !== current.version) {
    const d = await last();
    throw conflict(
      'stale_form',
      `This entry changed after you opened it${d ? ` — latest decision: ${describeDecision(d)}` : ''}. Nothing was changed; review the current version and decide again.`,
      details(d),
    );
  }
  const claim = await claimsRepo.findLiveClaim(tx, id);
  if (claim && claim.account_id !== user.accountId) {
    throw conflict(
      'claimed',
      `${claim.account_email} is reviewing this entry (until ${claim.expires_at.toISOString().slice(11, 16)} UTC unless they stay active). Nothing was changed.`,
      { claimed_by: claim.account_email, expires_at: claim.expires_at.toISOString() },
    );
  }
  return current;
}

/** Records one decision and the status it leads to, atomically with its audit row. */
export async function decide(ctx: AppContext, id: string, user: SessionUser, decision: Decision) {
  return withTransaction(ctx.db, async (tx) => {
    const before = await checkDecidable(tx, id, user, decision);
    if (decision.action === 'publish' || decision.action === 'verify_publish') {
      await assertPublicationAllowed(tx, before.election_id);
      await assertOriginalRevealsConfirmed(tx, id, decision.choices, decision.confirmedReveals);
    }
    if (decision.action === 'merge') {
      if (decision.into === id) throw badRequest('merge_self', 'An entry cannot be merged into itself.');
      const target = await submissionsRepo.lockSubmission(tx, decision.into);
      if (!target) throw badRequest('merge_target_missing', 'The entry to merge into was not found; check its id.');
      if (target.status === 'merged' || target.status === 'rejected') {
        throw conflict('merge_target_closed', `The entry to merge into is ${target.status}; merge into the entry that stands for the event instead.`);
      }
    }
    const row = await submissionsRepo.insertDecision(tx, {
      submissionId: id,
      accountId: user.accountId,
      action: decision.action,
      reason: 'reason' in decision ? decision.reason : null,
      reasonCode: decision.action === 'reject' ? decision.reasonCode : null,
      checklist: 'checklist' in decision ? decision.checklist : null,
      publicChoices: 'choices' in decision ? decision.choices : null,
      mergedInto: decision.action === 'merge' ? decision.into : null,
    });
    const change = statusChange(decision, row.id);
    await submissionsRepo.changeStatus(tx, id, change);
    await claimsRepo.release(tx, id);
    const { version, ...recorded } = decision;
    await appendAudit(tx, actorOf(user), {
      action: `submission.${decision.action}`,
      entityType: 'submission',
      entityId: id,
      before: { status: before.status, version },
      after: { status: change.status, decision_id: row.id, ...recorded },
    });
    ctx.log.info({ submissionId: id, action: decision.action, decisionId: row.id }, 'decision recorded');
    return row;
  });
}

/**
 * A downloadable original carries its GPS, device and serial numbers whatever the publication
 * hides: that needs a second confirmation naming each thing it would reveal, or it is refused.
 */
async function assertOriginalRevealsConfirmed(tx: Tx, id: string, choices: PublicChoices, confirmed: OriginalReveal[]): Promise<void> {
  if (!choices.originalDownloadable) return;
  const carried = carriedByOriginals(await mediaRepo.listMediaFiles(tx, id));
  const unconfirmed = revealedBeyondChoices(carried, choices).filter((k) => !confirmed.includes(k));
  if (!unconfirmed.length) return;
  throw conflict(
    'original_reveals',
    `The original files would reveal what this publication hides: ${describeCarried(carried, unconfirmed)}. ` +
      'Tick the confirmation that names what the originals carry, or do not allow downloading them. Nothing was changed.',
    { unconfirmed, carries: carried.kinds },
  );
}

function statusChange(decision: Decision, decisionId: string): StatusChange {
  switch (decision.action) {
    case 'verify':
      return { status: 'verified', verifyDecisionId: decisionId };
    case 'verify_publish':
      return { status: 'published', publishDecisionId: decisionId, verifyDecisionId: decisionId, choices: decision.choices };
    case 'publish':
      return { status: 'published', publishDecisionId: decisionId, verifyDecisionId: null, choices: decision.choices };
    case 'reject':
      return { status: 'rejected' };
    case 'needs_info':
      return { status: 'needs_info' };
    case 'unpublish':
      return { status: 'withdrawn', reason: decision.reason };
    case 'merge':
      return { status: 'merged', into: decision.into };
  }
}

/** Internal note (never public), optionally a reply; counts as activity on one's claim. */
export async function addNote(ctx: AppContext, id: string, user: SessionUser, note: { body: string; parentId: string | null }) {
  return withTransaction(ctx.db, async (tx) => {
    if (!(await submissionsRepo.lockSubmission(tx, id))) throw notFound('The submission');
    if (note.parentId && !(await notesRepo.noteBelongsTo(tx, note.parentId, id))) {
      throw badRequest('unknown_note', 'The note you reply to is not on this entry.');
    }
    const row = await notesRepo.insertNote(tx, { submissionId: id, parentId: note.parentId, accountId: user.accountId, body: note.body });
    await claimsRepo.renew(tx, id, user.accountId, ctx.config.claimMs);
    await appendAudit(tx, actorOf(user), { action: 'submission.note', entityType: 'submission', entityId: id, after: { note_id: row.id, parent_id: note.parentId } });
    return row;
  });
}

/** Edits the public title and description of a published entry; the observer's text stays as it was. */
export async function editPublicText(ctx: AppContext, id: string, user: SessionUser, edit: { version: number; title: string | null; description: string | null }) {
  await withTransaction(ctx.db, async (tx) => {
    const current = await submissionsRepo.lockSubmission(tx, id);
    if (!current) throw notFound('The submission');
    if (current.status !== 'published') throw conflict('not_published', 'Only the public text of a published entry can be edited. Nothing was changed.');
    if (current.version !== edit.version) {
      throw conflict('stale_form', 'This entry changed after you opened it. Nothing was changed; review the current version and edit again.');
    }
    const before = await submissionsRepo.findSubmission(tx, id);
    await submissionsRepo.updatePublicText(tx, id, edit);
    await appendAudit(tx, actorOf(user), {
      action: 'submission.edit',
      entityType: 'submission',
      entityId: id,
      before: { title: before!.public_title, description: before!.public_description },
      after: { title: edit.title, description: edit.description },
    });
  });
}

export async function fileForModerator(ctx: AppContext, fileId: string) {
  const file = await mediaRepo.findMediaFile(ctx.db, fileId);
  if (!file) throw notFound('The file');
  return file;
}
