import type { NewSubmission } from '../../db/submissions.repo';
import type { AppContext } from '../context';
import { badRequest, DATABASE_RETRY_AFTER_SECONDS, englishWait, isStoreFailure, serviceBusy } from '../errors';
import type { DetectedType } from '../media/file-type';
import { leafToJson, type LeafJson } from '../transparency/leaf';
import { appendMediaLeaves, type AppendedLeaf } from '../transparency/log.service';

export type IncomingFile = { originalName: string; tempPath: string; sha256: string; bytes: number; type: DetectedType };

/** What an observer states, validated by the route's schema: exactly the row the repository stores. */
export type SubmissionInput = NewSubmission;

export type Receipt = {
  submissionId: string;
  receivedAt: string;
  /** leaf: the transparency-log record of the file (its index is leaf.index); leafHash: hex. */
  files: { name: string; bytes: number; sha256: string; type: string; leaf: LeafJson; leafHash: string }[];
};

/** Names are evidence context too, but never paths: keep the last segment, printable, ≤ 255. */
function cleanFileName(name: string, position: number): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const printable = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return printable || `file-${position + 1}`;
}

/**
 * PostgreSQL is away: the transaction never committed and the originals it linked were removed, so
 * the observer is told the truth (nothing was kept) and when to send again; the upload page does.
 */
const cannotAcceptNow = () =>
  serviceBusy(
    'archive_unavailable',
    `The archive cannot accept files this minute. Nothing was received; your files are still on your phone. Try again in ${englishWait(DATABASE_RETRY_AFTER_SECONDS)}.`,
    DATABASE_RETRY_AFTER_SECONDS,
  );

/**
 * Stores one observer's submission: rows and originals together or not at all.
 * Originals are linked into the write-once store inside the transaction, under a per-hash lock,
 * so a rollback can remove exactly the originals it created before anyone else can see them.
 * The queue is told afterwards and not waited for: Redis is never on the path of acceptance.
 */
export async function createSubmission(ctx: AppContext, input: SubmissionInput, files: IncomingFile[]): Promise<Receipt> {
  try {
    return await storeSubmission(ctx, input, files);
  } catch (err) {
    throw isStoreFailure(err, 'unreachable') ? cannotAcceptNow() : err;
  }
}

async function storeSubmission(ctx: AppContext, input: SubmissionInput, files: IncomingFile[]): Promise<Receipt> {
  if (files.length === 0) {
    throw badRequest('no_files', 'Add at least one photo or video.');
  }
  const [election, category] = await Promise.all([
    ctx.repos.catalog.findElection(input.electionId),
    ctx.repos.catalog.findCategory(input.categoryCode),
  ]);
  if (!election || !election.active) throw badRequest('unknown_election', 'Choose an election from the list.');
  if (!category || !category.active) throw badRequest('unknown_category', 'Choose a category from the list.');

  const created: string[] = [];
  let fileIds: string[] = [];
  let leaves: AppendedLeaf[] = [];
  const submission = await ctx.transaction(async (tx) => {
    try {
      const row = await tx.submissions.insertSubmission(input);
      const byHash = [...new Set(files.map((f) => f.sha256))].sort(); // sorted: no lock-order deadlocks
      for (const sha256 of byHash) await tx.media.lockBlobHash(sha256);
      for (const [position, file] of files.entries()) {
        await tx.media.upsertBlob({ sha256: file.sha256, bytes: file.bytes, mime: file.type.mime, kind: file.type.kind });
        const { created: isNew } = await ctx.blobs.putOriginal(file.tempPath, file.sha256);
        if (isNew) created.push(file.sha256);
        const media = await tx.media.insertMediaFile({
          submissionId: row.id,
          sha256: file.sha256,
          position,
          originalName: cleanFileName(file.originalName, position),
        });
        fileIds.push(media.id);
      }
      // Last, so the log's lock is held only until the commit: a leaf per file, received_at as stored.
      leaves = await appendMediaLeaves(
        tx,
        files.map((f, i) => ({ mediaFileId: fileIds[i]!, leaf: { sha256: Buffer.from(f.sha256, 'hex'), size: f.bytes, receivedAt: row.received_at.getTime() } })),
      );
      return row;
    } catch (err) {
      // Still inside the transaction, so the hash locks are held while we undo our own links.
      await Promise.all(created.map((sha) => ctx.blobs.removeUncommittedOriginal(sha)));
      fileIds = [];
      throw err;
    }
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
