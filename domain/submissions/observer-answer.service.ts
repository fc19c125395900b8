/**
 * The observer's side of "needs more information": the question a moderator asked (a needs_info
 * decision's reason) is read on the receipt page, and answered there in words and with more files
 * (sent like any upload: resumable, or in the no-JavaScript form). The answer, its files and the
 * submission's return to the queue (pending, marked answered) commit together with its audit row
 * and the files' transparency-log leaves. The receipt's key is the only way in; nothing names the
 * sender.
 */
import type { AppContext } from '../context';
import { appendAudit } from '../audit/audit.service';
import { badRequest, conflict, isStoreFailure, notFound } from '../errors';
import { takeCompletedUploads } from '../uploads/uploads.service';
import { openQuestion } from './model';
import { storeFiles, submissionForClientKey, type IncomingFile } from './submission.service';

export type ObserverAnswer = {
  /** The question answered (its needs_info decision id), as the receipt page showed it. */
  questionId: string;
  body: string | null;
  /** Files received in the same request (no JavaScript). */
  files?: IncomingFile[];
  /** Or finished resumable uploads (api/uploads), in order. */
  uploadIds?: readonly string[];
};

export type AnswerReceived = { answerId: string; submissionId: string; answeredAt: string; files: { name: string; sha256: string }[] };

const QUESTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Records the answer to the open question of the submission sent with this key. Sending the same
 * answer again (a lost response) finds it already recorded and says so with the same result.
 */
export async function answerQuestion(ctx: AppContext, clientKey: string, answer: ObserverAnswer): Promise<AnswerReceived> {
  const submission = await submissionForClientKey(ctx, clientKey);
  if (!submission) throw notFound('receipt');
  const uploadIds = answer.uploadIds ?? [];
  const incoming = answer.files ?? [];
  if (!answer.body && incoming.length === 0 && uploadIds.length === 0) {
    throw badRequest('answer_empty', {}, { fields: [{ field: 'body' }] });
  }
  const questionClosed = () =>
 conflict('question_closed');
  if (!QUESTION_ID.test(answer.questionId)) throw questionClosed();

  const sentBefore = await answeredBefore(ctx, submission.id, answer.questionId);
  if (sentBefore) return sentBefore;

  const created: string[] = [];
  let files: IncomingFile[] = incoming;
  let fileIds: string[] = [];
  let result: { answerId: string; at: Date } | null;
  try {
    result = await ctx.transaction(async (tx) => {
      try {
        const current = await tx.submissions.lockSubmission(submission.id);
        if (!current) throw notFound('receipt');
        if (await tx.answers.findAnswerTo(answer.questionId)) return null; // its twin request committed first
        const open = openQuestion(current.status, await tx.answers.listConversation(submission.id));
        if (!open || open.id !== answer.questionId) throw questionClosed();
        const row = await tx.answers.insertAnswer({ submissionId: submission.id, questionId: open.id, body: answer.body });
        files = [...incoming, ...(await takeCompletedUploads(ctx, tx, uploadIds))];
        if (files.length > 0) {
          const firstPosition = await tx.answers.nextFilePosition(submission.id);
          ({ fileIds } = await storeFiles(ctx, tx, { submissionId: submission.id, firstPosition, receivedAt: row.created_at }, files, created));
          await tx.answers.linkAnswerFiles(row.id, fileIds);
        }
        await tx.answers.reopenAfterAnswer(submission.id);
        await appendAudit(tx, { anonymous: 'observer' }, {
          action: 'submission.answer',
          entityType: 'submission',
          entityId: submission.id,
          before: { status: current.status, version: current.version },
          after: { status: 'pending', answer_id: row.id, question_id: open.id, answer_chars: answer.body?.length ?? 0, files: files.map((f) => f.sha256) },
        });
        return { answerId: row.id, at: row.created_at };
      } catch (err) {
        // Still inside the transaction, so the hash locks are held while we undo our own links.
        await Promise.all(created.map((sha) => ctx.blobs.removeUncommittedOriginal(sha)));
        fileIds = [];
        throw err;
      }
    });
  } catch (err) {
    if (!(isStoreFailure(err, 'unique') && err.constraint === 'observer_answers_question_id_key')) throw err;
    result = null;
  }
  if (!result) {
    const twin = await answeredBefore(ctx, submission.id, answer.questionId);
    if (!twin) throw questionClosed();
    return twin;
  }
  // As for a submission: committed is the promise; the worker's sweep enqueues anything missed.
  if (fileIds.length > 0) {
    void ctx.queue.enqueue('process-media', fileIds).catch((err: Error) => {
      ctx.log.warn({ fileIds, err: err.message }, 'could not enqueue; the sweep will pick them up');
    });
  }
  ctx.log.info({ submissionId: submission.id, answerId: result.answerId, files: fileIds.length }, 'observer answered a question');
  return { answerId: result.answerId, submissionId: submission.id, answeredAt: result.at.toISOString(), files: files.map((f) => ({ name: f.originalName, sha256: f.sha256 })) };
}

/** The answer already recorded to this question of this submission, as the first request was told. */
async function answeredBefore(ctx: AppContext, submissionId: string, questionId: string): Promise<AnswerReceived | null> {
  const questions = await ctx.repos.answers.listConversation(submissionId);
  const answered = questions.find((q) => q.id === questionId)?.answer;
  if (!answered) return null;
  return { answerId: answered.id, submissionId, answeredAt: answered.answeredAt.toISOString(), files: answered.files.map((f) => ({ name: f.name, sha256: f.sha256 })) };
}
