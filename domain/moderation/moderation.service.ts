import { randomUUID } from 'node:crypto';
import type { StatusChange } from '../../db/submissions.repo';
import type { TxRepositories } from '../../db/repositories';
import { actorOf } from '../accounts/accounts.service';
import type { SessionUser } from '../accounts/model';
import { appendAudit, auditRowAfter } from '../audit/audit.service';
import { carriedByOriginals, revealedBeyondChoices, type OriginalReveal } from '../media/original-reveals';
import type { AppContext } from '../context';
import { AppError, badRequest, conflict, notFound, type ErrorParams } from '../errors';
import { decodeCursor, encodeCursor } from '../pagination';
import { relatedFilesOf } from '../processing/media-relations.service';
import { assertPublicationAllowed } from '../stations/stations.service';
import { listRegions } from '../regions/regions.service';
import { diskSpaceShown } from '../submissions/disk-space';
import type { PublicChoices, QueueFilter, SubmissionStatus } from '../submissions/model';
import { establishedChecks } from './checklist-facts';
import { groupQueue, isClusterReason } from './clusters';
import { assertRedactionFitsChoices, latestRedactions, queueVideoCopiesOfPublication, renderRedactions } from './redaction.service';
import { awaitsFirstDecision, canDecide, canEditPublicText, isClaimable, type Decision, type DecisionRecord, type RejectReason } from './model';

/** Clusters per queue page (an entry alone is a cluster of one). */
export const QUEUE_PAGE_SIZE = 50;
/** Other reports from the same station within this many hours either side count as corroboration. */
export const CORROBORATION_HOURS = 6;

/** The queue an entry is reviewed in when the moderator did not come from one: its own status, oldest first, unfiltered. */
export function defaultQueueOf(status: SubmissionStatus): QueueFilter {
  return {
    status: awaitsFirstDecision(status) ? status : 'pending',
    electionId: null, region: null, categoryCode: null, flag: null, hasVideo: false, receivedFrom: null, receivedBefore: null, sort: 'oldest',
  };
}

/** A page of the queue with the counts per status and per flag, what the filter form offers, and the moderator's own region. */
export async function reviewQueue(ctx: AppContext, user: SessionUser, filter: QueueFilter, cursor: string | undefined) {
  const after = decodeCursor(cursor);
  const [page, live, myRegion, elections, categories] = await Promise.all([
    ctx.repos.submissions.listQueue(filter, after ? { receivedAt: after.at, id: after.id } : null, QUEUE_PAGE_SIZE),
    liveQueueState(ctx, filter.status),
    ctx.repos.accounts.findModeratorRegion(user.accountId),
    ctx.repos.catalog.listElections(false),
    ctx.repos.catalog.listCategories(false),
  ]);
  const { disk, backlog, ...state } = live;
  const next = page.next ? encodeCursor(page.next.receivedAt, page.next.id) : null;
  // why each cluster is one: the reasons of its entries' stored links, read with the page
  const links = page.items.flatMap((i) => i.cluster_reasons.filter(isClusterReason).map((reason) => ({ a: i.id, b: i.id, reason })));
  // `live` is what the page shows as the live queue's poll answers it: the page redraws when they differ
  return { items: page.items, groups: groupQueue(page.items, links), counts: state.counts, flagCounts: state.flags, live: state, myRegion, next, elections, categories, disk, backlog };
}

/**
 * What the live queue compares between two polls: counts by status and by flag (maintained
 * counters), the live claims and the files still being processed. Any new submission, decision,
 * claim or finished file changes it; one statement, each part a read of a few rows, even at 100 000 pending.
 */
export async function liveQueueState(ctx: AppContext, status: SubmissionStatus) {
  const [{ counts, flags, claims, backlog }, disk] = await Promise.all([ctx.repos.submissions.liveQueueSnapshot(status), diskSpaceShown(ctx)]);
  return { counts, flags, claims: { n: claims.n, latest: claims.latest?.toISOString() ?? null }, unfinished: backlog.unfinished, disk, backlog };
}

/** The moderator's own region for the queue's "my region" (an account setting); null forgets it. */
export async function setMyRegion(ctx: AppContext, user: SessionUser, region: string | null): Promise<void> {
  await ctx.transaction(async (tx) => {
    await tx.accounts.setModeratorRegion(user.accountId, region);
    await appendAudit(tx, actorOf(user), { action: 'account.moderator_region', entityType: 'account', entityId: user.accountId, after: { region } });
  });
}

/**
 * The review page's data. Opening an entry that awaits a decision claims it for this moderator
 * (or renews their claim); someone else's live claim is returned as it is. Previous and next are
 * those of `queue`, the queue the moderator came from (else the entry's own status).
 */
export async function submissionForReview(ctx: AppContext, id: string, user: SessionUser, queue: QueueFilter | null = null) {
  // Two rounds of reads in parallel: what needs only the id, then what needs the entry (its
  // status for the claim and the default queue, its station and time for corroboration) or its files.
  const [submission, files, decisions, conversation, notes, mergedHere, disk, redactions, queueNeighbours] = await Promise.all([
    ctx.repos.submissions.findSubmission(id),
    ctx.repos.media.listMediaFiles(id),
    ctx.repos.submissions.listDecisions(id),
    ctx.repos.answers.listConversation(id),
    ctx.repos.notes.listNotes(id),
    ctx.repos.submissions.listMergedInto(id),
    diskSpaceShown(ctx),
    latestRedactions(ctx, id),
    queue ? ctx.repos.submissions.findQueueNeighbours({ id }, queue) : null,
  ]);
  if (!submission) throw notFound('submission');
  const claimIt = async () => {
    if (!isClaimable(submission.status)) return null;
    return ctx.transaction(async (tx) => {
      const result = await tx.claims.claim(id, user.accountId, ctx.config.claimMs);
      if (result?.started) {
        await appendAudit(tx, actorOf(user), { action: 'submission.claim', entityType: 'submission', entityId: id, after: { expires_at: result.claim.expires_at } });
      }
      return result?.claim ?? null;
    });
  };
  const [claim, corroboration, neighbours, related, videoCopies, regions] = await Promise.all([
    claimIt(),
    ctx.repos.submissions.listCorroborating(submission, CORROBORATION_HOURS),
    queueNeighbours ?? ctx.repos.submissions.findQueueNeighbours(submission, defaultQueueOf(submission.status)),
    relatedFilesOf(ctx, files),
    ctx.repos.videoCopies.listVideoCopies(files.filter((f) => f.kind === 'video').map((f) => f.id)),
    listRegions(ctx),
  ]);
  // the region as the worker compares with it (db/media.repo.ts findObserverClaim: by its Russian name)
  const claimedRegion = regions.find((r) => r.name_ru === submission.region) ?? null;
  return {
    submission, files, related, videoCopies, decisions, conversation, notes, corroboration, corroborationHours: CORROBORATION_HOURS, mergedHere, neighbours, disk, redactions, claim,
    claimedByOther: claim !== null && claim.account_id !== user.accountId,
    established: establishedChecks(submission, files, ctx.config, claimedRegion),
  };
}

/** After a decision on `decidedId`: the next entry of the moderator's queue nobody else is reviewing, or null when none is left. */
export async function nextToReview(ctx: AppContext, decidedId: string, user: SessionUser, queue: QueueFilter): Promise<string | null> {
  const { found, next } = await ctx.repos.submissions.findNextInQueue(queue, decidedId, user.accountId);
  if (!found) throw notFound('submission');
  return next;
}

/**
 * A decision and, for a moderator working down `queue`, the entry to open next. The next one is
 * looked up beside the decision, on another connection: the lookup leaves the decided entry out by
 * itself and orders by what a decision does not change (time received, id), so it needs no round
 * trip after the commit. A refused decision throws, and the lookup's answer is dropped.
 */
export async function decideAndPickNext(ctx: AppContext, id: string, user: SessionUser, decision: Decision, queue: QueueFilter | null): Promise<{ next: string | null }> {
  const next = queue ? nextToReview(ctx, id, user, queue) : Promise.resolve(null);
  next.catch(() => undefined); // awaited below once the decision is taken; never left unhandled
  await decide(ctx, id, user, decision);
  return { next: await next };
}

/** The latest decision, named in a refusal's words: what, by whom, when (UTC). */
const describeDecision = (d: DecisionRecord | undefined): ErrorParams =>
  d ? { action: d.action, by: d.account_email, at: d.created_at.toISOString().slice(0, 16).replace('T', ' ') } : {};

/**
 * Refuses a decision that does not fit the entry as it is now; the message says what happened instead.
 * Locks the entry (and the audit head unless `auditHeadLater`) and reads its claim in one statement.
 */
async function checkDecidable(tx: TxRepositories, id: string, user: SessionUser, decision: Decision, auditHeadLater: boolean) {
  const current = await tx.submissions.lockForDecision(id, !auditHeadLater);
  if (!current) throw notFound('submission');
  const last = async () => (await tx.submissions.listDecisions(id)).at(-1);
  const details = (d: DecisionRecord | undefined) => ({
    status: current.status,
    version: current.version,
    ...(d ? { decided_by: d.account_email, decided_at: d.created_at.toISOString(), decision: d.action } : {}),
  });
  if (!canDecide(decision.action, current.status)) {
    if (decision.action === 'publish' && (current.status === 'pending' || current.status === 'needs_info')) {
      throw conflict('not_verified', {}, details(undefined));
    }
    const d = await last();
    throw conflict('already_decided', { status: current.status, ...describeDecision(d) }, details(d));
  }
  if (decision.version !== current.version) {
    const d = await last();
    throw conflict('stale_form', describeDecision(d), details(d));
  }
  const { claim } = current;
  if (claim && claim.account_id !== user.accountId) {
    throw conflict('claimed', { by: claim.account_email, until: claim.expires_at.toISOString().slice(11, 16) }, { claimed_by: claim.account_email, expires_at: claim.expires_at.toISOString() });
  }
  return current;
}

/** Records one decision and the status it leads to, atomically with its audit row. */
export async function decide(ctx: AppContext, id: string, user: SessionUser, decision: Decision) {
  // Redacted copies are rendered (CPU, seconds at most) before the transaction and its row lock;
  // a refused decision leaves only regenerable copies nobody serves.
  const publishing = decision.action === 'publish' || decision.action === 'verify_publish';
  if (publishing) assertRedactionFitsChoices(decision.choices, decision.redactions);
  const redacted = publishing ? await renderRedactions(ctx, id, decision.redactions) : [];
  // Four round trips for a decision without redaction or merge: BEGIN; the entry, its claim and the
  // audit head locked and read in one statement; the decision, the new status, the claim released
  // and the audit row in one more (recordDecision); COMMIT. The rules stay here: the checks, the
  // status each decision leads to, the audit row and its hash.
  const row = await ctx.transaction(async (tx) => {
    // A merge locks its target after the entry and before the audit head (every audited change locks the head last).
    const before = await checkDecidable(tx, id, user, decision, decision.action === 'merge');
    if (decision.action === 'publish' || decision.action === 'verify_publish') {
      assertPublicDescriptionWritten(decision.choices.description);
      await assertPublicationAllowed(tx, before.election_id);
      await assertOriginalRevealsConfirmed(tx, id, decision.choices, decision.confirmedReveals);
    }
    if (decision.action === 'merge') {
      if (decision.into === id) throw badRequest('merge_self');
      const target = await tx.submissions.lockSubmission(decision.into);
      if (!target) throw badRequest('merge_target_missing');
      if (target.status === 'merged' || target.status === 'rejected') {
        throw conflict('merge_target_closed', { status: target.status });
      }
    }
    const head = before.auditHead ?? (await tx.audit.lockHead());
    const decisionId = randomUUID(); // named in the audit row, which is hashed before anything is written
    const change = statusChange(decision, decisionId);
    const { version, ...recorded } = decision;
    const audit = auditRowAfter(head, actorOf(user), {
      action: `submission.${decision.action}`,
      entityType: 'submission',
      entityId: id,
      before: { status: before.status, version },
      after: {
        status: change.status,
        decision_id: decisionId,
        ...recorded,
        // the boxes as rendered (clipped to the picture) and the copies made with them
        ...(redacted.length
          ? {
              redactions: redacted.map((r) => ({ fileId: r.fileId, regions: r.regions })),
              redacted_copies: redacted.map((r) => ({ file_id: r.fileId, thumb_sha256: r.thumbSha256, preview_sha256: r.previewSha256 })),
            }
          : {}),
      },
    });
    const row = await tx.submissions.recordDecision(
      {
        id: decisionId,
        submissionId: id,
        accountId: user.accountId,
        action: decision.action,
        reason: 'reason' in decision ? decision.reason : null,
        reasonCode: decision.action === 'reject' ? decision.reasonCode : null,
        checklist: 'checklist' in decision ? decision.checklist : null,
        publicChoices: 'choices' in decision ? decision.choices : null,
        mergedInto: decision.action === 'merge' ? decision.into : null,
      },
      change,
      audit,
    );
    if (redacted.length) await tx.redactions.insertRedactions(row.id, id, redacted);
    ctx.log.info({ submissionId: id, action: decision.action, decisionId: row.id }, 'decision recorded');
    return row;
  });
  if (publishing) await queueVideoCopiesOfPublication(ctx, id);
  return row;
}

/**
 * The public description is written for the public, never taken silently from the observer (whose
 * words may give away a seat, names, the station): without one the public would see the observer's
 * text (the archive falls back to it for entries published before this rule), so it is refused.
 */
function assertPublicDescriptionWritten(description: string | null): void {
  if (description) return;
  throw badRequest('public_description_required');
}

/**
 * A downloadable original carries its GPS, device and serial numbers whatever the publication
 * hides: that needs a second confirmation naming each thing it would reveal, or it is refused.
 */
async function assertOriginalRevealsConfirmed(tx: TxRepositories, id: string, choices: PublicChoices, confirmed: OriginalReveal[]): Promise<void> {
  if (!choices.originalDownloadable) return;
  const carried = carriedByOriginals(await tx.media.listMediaFiles(id));
  const unconfirmed = revealedBeyondChoices(carried, choices).filter((k) => !confirmed.includes(k));
  if (!unconfirmed.length) return;
  throw conflict(
    'original_reveals',
    { reveals: unconfirmed },
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

/** One decision for many entries at once (a cluster, spam): reject, ask for more information, or merge into the one picked. */
export type BulkDecision =
  | { action: 'reject'; reasonCode: RejectReason; reason: string }
  | { action: 'needs_info'; reason: string }
  | { action: 'merge'; into: string; reason: string };

/**
 * Takes one decision for each entry through decide() (each with its own transaction, audit row and
 * checks: an entry someone else claimed or decided meanwhile is refused and named, the rest go on).
 * Each is taken on the entry's current version: the moderator decided on the list they saw.
 */
export async function decideMany(ctx: AppContext, user: SessionUser, ids: string[], bulk: BulkDecision) {
  const decided: string[] = [];
  const refused: { id: string; code: string; message: string }[] = [];
  for (const id of new Set(ids)) {
    if (bulk.action === 'merge' && id === bulk.into) continue; // the one kept
    const current = await ctx.repos.submissions.findSubmission(id);
    try {
      if (!current) throw notFound('submission');
      await decide(ctx, id, user, { ...bulk, version: current.version });
      decided.push(id);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      refused.push({ id, code: err.code, message: err.message });
    }
  }
  ctx.log.info({ action: bulk.action, decided: decided.length, refused: refused.length }, 'bulk decision');
  return { decided, refused };
}

/** Internal note (never public), optionally a reply; counts as activity on one's claim. */
export async function addNote(ctx: AppContext, id: string, user: SessionUser, note: { body: string; parentId: string | null }) {
  return ctx.transaction(async (tx) => {
    if (!(await tx.submissions.lockSubmission(id))) throw notFound('submission');
    if (note.parentId && !(await tx.notes.noteBelongsTo(note.parentId, id))) {
      throw badRequest('unknown_note');
    }
    const row = await tx.notes.insertNote({ submissionId: id, parentId: note.parentId, accountId: user.accountId, body: note.body });
    await tx.claims.renew(id, user.accountId, ctx.config.claimMs);
    await appendAudit(tx, actorOf(user), { action: 'submission.note', entityType: 'submission', entityId: id, after: { note_id: row.id, parent_id: note.parentId } });
    return row;
  });
}

/** Edits the public title and description of a published entry; the observer's text stays as it was. */
export async function editPublicText(ctx: AppContext, id: string, user: SessionUser, edit: { version: number; title: string | null; description: string | null }) {
  await ctx.transaction(async (tx) => {
    const current = await tx.submissions.lockSubmission(id);
    if (!current) throw notFound('submission');
    if (!canEditPublicText(current.status)) throw conflict('not_published');
    assertPublicDescriptionWritten(edit.description);
    if (current.version !== edit.version) {
      throw conflict('stale_form');
    }
    const before = await tx.submissions.findSubmission(id);
    await tx.submissions.updatePublicText(id, edit);
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
  const file = await ctx.repos.media.findMediaFile(fileId);
  if (!file) throw notFound('file');
  return file;
}

/** A video's web-playable copy, for the review page's player: made for every video, published or not. */
export async function videoCopyForModerator(ctx: AppContext, fileId: string) {
  const file = await fileForModerator(ctx, fileId);
  const copy = await ctx.repos.videoCopies.findVideoCopy(fileId);
  if (copy?.status !== 'ready' || !copy.sha256) throw notFound('video_copy');
  return { file, copySha256: copy.sha256 };
}
