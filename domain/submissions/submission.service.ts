import { createHash } from 'node:crypto';
import type { TxRepositories } from '../../db/repositories';
import type { NewSubmission } from '../../db/submissions.repo';
import type { AppContext } from '../context';
import { canonicalRegion } from '../regions/regions.service';
import { recordObserverFigures, type ObserverFigures } from '../counts/counts.service';
import { badRequest, DATABASE_RETRY_AFTER_SECONDS, isStoreFailure, serviceBusy, type AppError } from '../errors';
import type { DetectedType } from '../media/file-type';
import { decodeLeaf, leafToJson, type LeafJson } from '../transparency/leaf';
import { appendMediaLeaves, type AppendedLeaf } from '../transparency/log.service';
import { cleanFileName, takeCompletedUploads } from '../uploads/uploads.service';
import { clusterSameStation } from '../moderation/clusters';

export type IncomingFile = { originalName: string; tempPath: string; sha256: string; bytes: number; type: DetectedType };

/** What an observer states, validated by the route's schema: exactly the row the repository stores. */
export type SubmissionInput = NewSubmission;

export type Receipt = {
  submissionId: string;
  receivedAt: string;
  /** leaf: the transparency-log record of the file (its index is leaf.index); leafHash: hex. */
  files: { name: string; bytes: number; sha256: string; type: string; leaf: LeafJson; leafHash: string }[];
};

/**
 * How a submission is sent once only. clientKey: the random key its sender made for it (the receipt's
 * capability; only its SHA-256 is stored), so a retry after a lost answer gets the first receipt.
 */
export type SubmissionOptions = { clientKey?: string | null; figures?: ObserverFigures };

/** Where a submission's files are: received with it, or finished resumable uploads taken in its transaction. */
type FileSource = { files: IncomingFile[] } | { uploadIds: readonly string[] };

/** A client key is at least 128 random bits as the page makes it (base64url or a UUID). */
export const CLIENT_KEY = /^[A-Za-z0-9_-]{22,128}$/;

const clientKeyHash = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/** The submission sent with this client key (its receipt's capability), or null: unknown and malformed keys alike. */
export async function submissionForClientKey(ctx: AppContext, clientKey: string): Promise<{ id: string; received_at: Date } | null> {
  // Looked up even when malformed (its hash matches nothing), so a malformed key answers as fast as an unknown one.
  const submission = await ctx.repos.submissions.findByClientKey(clientKeyHash(clientKey));
  return submission && CLIENT_KEY.test(clientKey) ? submission : null;
}

/** The receipt of the submission sent with this client key, or null when there is none. */
export async function receiptForClientKey(ctx: AppContext, clientKey: string): Promise<Receipt | null> {
  const submission = await submissionForClientKey(ctx, clientKey);
  if (!submission) return null;
  const files = await ctx.repos.submissions.receiptFiles(submission.id);
  return {
    submissionId: submission.id,
    receivedAt: submission.received_at.toISOString(),
    files: files.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256, type: f.mime, leaf: leafToJson(decodeLeaf(f.record)), leafHash: f.leafHash.toString('hex') })),
  };
}

/**
 * PostgreSQL is away: the transaction never committed and the originals it linked were removed, so
 * the observer is told the truth (nothing was kept) and when to send again; the upload page does.
 */
const cannotAcceptNow = () =>
  serviceBusy('archive_unavailable', DATABASE_RETRY_AFTER_SECONDS);

/**
 * Stores one observer's submission: rows and originals together or not at all.
 * Originals are linked into the write-once store inside the transaction, under a per-hash lock,
 * so a rollback can remove exactly the originals it created before anyone else can see them.
 * The queue is told afterwards and not waited for: Redis is never on the path of acceptance.
 */
export function createSubmission(ctx: AppContext, input: SubmissionInput, files: IncomingFile[], options: SubmissionOptions = {}): Promise<Receipt> {
  return saidTruthfully(() => storeOnce(ctx, input, { files }, options.clientKey ?? null, options.figures), Boolean(options.clientKey));
}

/**
 * A submission of finished resumable uploads: the receipt already given for this key, or the
 * submission stored now, its files taken from the uploads (they are gone afterwards). Uploads not
 * finished are named in a 409 and nothing is stored.
 */
export function submitUploads(ctx: AppContext, input: SubmissionInput, clientKey: string, uploadIds: readonly string[], figures?: ObserverFigures): Promise<Receipt> {
  return saidTruthfully(() => storeOnce(ctx, input, { uploadIds }, clientKey, figures), true);
}

/**
 * The connection broke during the COMMIT of a submission: it may be stored (with its originals:
 * they are removed only before the commit) or not. "Nothing was received" could be false, so the
 * observer is told that, and to send the same again: with the form's key, a submission that was
 * stored answers with its receipt and nothing is stored twice.
 */
const outcomeUnknownNow = (idempotent: boolean) =>
  serviceBusy(idempotent ? 'archive_outcome_unknown' : 'archive_outcome_unknown_no_key', DATABASE_RETRY_AFTER_SECONDS);

/** The database out of reach while accepting: the observer hears what is true (nothing received, or not known), and when to try again. */
async function saidTruthfully(accept: () => Promise<Receipt>, idempotent: boolean): Promise<Receipt> {
  try {
    return await accept();
  } catch (err) {
    if (isStoreFailure(err, 'outcome_unknown')) throw outcomeUnknownNow(idempotent);
    throw isStoreFailure(err, 'unreachable') ? cannotAcceptNow() : err;
  }
}

/**
 * Stores the submission, or answers with the receipt of the one already stored with this key: a
 * retry after a lost answer, or its twin sent at the same moment. The key is not looked up first
 * (a round trip less for every upload): its unique index refuses the second insert, which is the
 * transaction's first statement, so nothing else was done.
 */
async function storeOnce(ctx: AppContext, input: SubmissionInput, source: FileSource, clientKey: string | null, figures?: ObserverFigures): Promise<Receipt> {
  try {
    return await storeSubmission(ctx, input, source, clientKey, figures);
  } catch (err) {
    const storedBefore = clientKey && isStoreFailure(err, 'unique') && err.constraint === 'submissions_client_key_sha256_key';
    const receipt = storedBefore ? await receiptForClientKey(ctx, clientKey) : null;
    if (receipt) return receipt;
    throw err;
  }
}

/** Why the insert stored nothing: the election or else the category is unknown or closed (read only now, to say which). */
async function notOpenForSubmissions(tx: TxRepositories, input: SubmissionInput): Promise<AppError> {
  const election = await tx.catalog.findElection(input.electionId);
  return badRequest(election?.active ? 'unknown_category' : 'unknown_election');
}

/**
 * Links each file into the write-once store (under its per-hash lock) and records its rows and its
 * transparency-log leaf, in the caller's transaction. `created` collects the originals this call
 * created, so the caller's rollback can remove exactly those while the locks are still held.
 */
export async function storeFiles(
  ctx: AppContext,
  tx: TxRepositories,
  into: { submissionId: string; firstPosition: number; receivedAt: Date },
  files: IncomingFile[],
  created: string[],
): Promise<{ fileIds: string[]; leaves: AppendedLeaf[] }> {
  const fileIds: string[] = [];
  const byHash = [...new Set(files.map((f) => f.sha256))].sort(); // sorted: no lock-order deadlocks
  for (const sha256 of byHash) await tx.media.lockBlobHash(sha256);
  for (const [i, file] of files.entries()) {
    const position = into.firstPosition + i;
    const inserted = await tx.media.upsertBlob({ sha256: file.sha256, bytes: file.bytes, mime: file.type.mime, kind: file.type.kind });
    const { created: isNew } = await ctx.blobs.putOriginal(file.tempPath, file.sha256, { recorded: !inserted });
    if (isNew) created.push(file.sha256);
    const media = await tx.media.insertMediaFile({ submissionId: into.submissionId, sha256: file.sha256, position, originalName: cleanFileName(file.originalName, position) });
    fileIds.push(media.id);
  }
  // Last, so the log's lock is held only until the commit: a leaf per file, received_at as stored.
  const leaves = await appendMediaLeaves(
    tx,
    files.map((f, i) => ({ mediaFileId: fileIds[i]!, leaf: { sha256: Buffer.from(f.sha256, 'hex'), size: f.bytes, receivedAt: into.receivedAt.getTime() } })),
  );
  return { fileIds, leaves };
}

async function storeSubmission(ctx: AppContext, input: SubmissionInput, source: FileSource, clientKey: string | null, figures: ObserverFigures = { count: null, protocol: null }): Promise<Receipt> {
  if ('files' in source && source.files.length === 0) {
    throw badRequest('no_files');
  }
  // The region as the list names it ("москва", "г. Москва", "Moscow" are all Москва): station pages
  // and filters then find every entry of one station under one name. Text that matches no region
  // is kept as typed: the moderator sees it, and nothing sent is refused for it.
  const region = await canonicalRegion(ctx, input.region);
  if (region) input = { ...input, region: region.name_ru };

  const created: string[] = [];
  let files: IncomingFile[] = [];
  let fileIds: string[] = [];
  let leaves: AppendedLeaf[] = [];
  const submission = await ctx.transaction(async (tx) => {
    try {
      const row = await tx.submissions.insertSubmission(input, clientKey ? clientKeyHash(clientKey) : null);
      if (!row) throw await notOpenForSubmissions(tx, input);
      // a count or a protocol copy's figures belong to the submission: stored with it or not at all
      await recordObserverFigures(tx, { id: row.id, electionId: input.electionId, stationNumber: input.stationNumber, categoryCode: input.categoryCode }, figures);
      files = 'files' in source ? source.files : await takeCompletedUploads(ctx, tx, source.uploadIds);
      ({ fileIds, leaves } = await storeFiles(ctx, tx, { submissionId: row.id, firstPosition: 0, receivedAt: row.received_at }, files, created));
      return row;
    } catch (err) {
      // Still inside the transaction, so the hash locks are held while we undo our own links.
      await Promise.all(created.map((sha) => ctx.blobs.removeUncommittedOriginal(sha)));
      fileIds = [];
      throw err;
    }
  });

  // After the commit, one statement of its own: no upload waits for this one's clustering while
  // holding the log's lock. The rows are committed, so a failure here costs the observer nothing;
  // the worker links the report when it processes its files.
  await clusterSameStation(ctx.repos, submission.id).catch((err: Error) => {
    ctx.log.warn({ submissionId: submission.id, err: err.message }, 'could not link the report to its station\'s cluster yet; the worker will');
  });

  // Not awaited: the rows are committed, which is the promise made to the observer. When Redis is
  // away the enqueue waits for it (bounded in the adapter), and the worker's sweep on its return
  // enqueues every unfinished file from PostgreSQL anyway.
  void ctx.queue.enqueue('process-media', fileIds).catch((err: Error) => {
    ctx.log.warn({ fileIds, err: err.message }, 'could not enqueue; the sweep will pick them up');
  });

  return {
    submissionId: submission.id,
    receivedAt: submission.received_at.toISOString(),
    files: files.map((f, i) => ({
      name: cleanFileName(f.originalName, i),
      bytes: f.bytes,
      sha256: f.sha256,
      type: f.type.mime,
      leaf: leafToJson(leaves[i]!.record),
      leafHash: leaves[i]!.leafHash.toString('hex'),
    })),
  };
}
