/**
 * What the receipt page (/receipt/<key>) shows its holder: the files received, the state the
 * submission is in now, and the one file to keep. The key is the only way in; nothing here names
 * another submission (a merged one is "not published", never "merged into …").
 */
import type { AppContext } from '../context';
import { AppError } from '../errors';
import type { Receipt as LogReceipt } from '../transparency/receipt';
import { proofBundle, receiptText, uploadReceipt } from '../transparency/log.service';
import { openQuestion, type ObserverQuestion, type SubmissionStatus } from './model';
import { receiptForClientKey } from './submission.service';

export const RECEIPT_STATES = ['received', 'processing', 'in_review', 'needs_info', 'published', 'not_published'] as const;
export type ReceiptState = (typeof RECEIPT_STATES)[number];

export type ReceiptView = {
  submissionId: string;
  /** ISO 8601, UTC, to the millisecond: exactly what the log's leaves record. */
  receivedAt: string;
  files: { name: string; bytes: number; sha256: string }[];
  state: ReceiptState;
  /** The one file to save: the transparency-log receipt (version 1), with each file's inclusion proof once a signed head covers it. Null when it cannot be built now. */
  keep: LogReceipt | null;
  /** The same receipt as plain text. */
  keepText: string | null;
  /** The moderators' questions and the answers given, oldest first; never who asked. */
  questions: ReceiptQuestion[];
  /** The question the holder may answer now, if any. */
  openQuestionId: string | null;
};

export type ReceiptQuestion = Omit<ObserverQuestion, 'askedBy'>;

/** A decided submission that is not public says only that: why is the moderators' business. */
const NOT_PUBLISHED: readonly SubmissionStatus[] = ['rejected', 'withdrawn', 'merged'];

export function receiptState(progress: { status: SubmissionStatus; files_waiting: number; files_processing: number }): ReceiptState {
  if (progress.status === 'published') return 'published';
  if (NOT_PUBLISHED.includes(progress.status)) return 'not_published';
  if (progress.status === 'needs_info') return 'needs_info';
  if (progress.files_processing > 0) return 'processing';
  if (progress.files_waiting > 0) return 'received';
  return 'in_review';
}

/** The receipt page of the submission sent with this key, or null (unknown or malformed key alike). */
export async function receiptView(ctx: AppContext, clientKey: string, baseUrl: string): Promise<ReceiptView | null> {
  const receipt = await receiptForClientKey(ctx, clientKey);
  if (!receipt) return null;
  const [progress, keep, questions] = await Promise.all([
    ctx.repos.submissions.receiptProgress(receipt.submissionId),
    keepableReceipt(ctx, receipt.files, baseUrl),
    ctx.repos.answers.listConversation(receipt.submissionId),
  ]);
  return {
    submissionId: receipt.submissionId,
    receivedAt: receipt.receivedAt,
    files: receipt.files.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 })),
    state: receiptState(progress),
    keep: keep?.receipt ?? null,
    keepText: keep?.text ?? null,
    questions: questions.map(({ askedBy: _who, ...q }) => q),
    openQuestionId: openQuestion(progress.status, questions)?.id ?? null,
  };
}

/** Not signed into a head yet, or no head or key yet: the receipt then points to where its proof will be. */
const proofNotYetThere = (err: unknown) => err instanceof AppError && (err.status === 404 || err.status === 503);

/**
 * The log receipt with each file's proof in it when a signed head covers the file, so the one saved
 * file is all a verifier needs (with the pinned key). The files are stored whatever happens here: if
 * the log cannot be read, the page says so in the server's log and shows the rest.
 */
async function keepableReceipt(ctx: AppContext, files: Parameters<typeof uploadReceipt>[1], baseUrl: string) {
  try {
    const built = await uploadReceipt(ctx, files, baseUrl);
    const withProofs = await Promise.all(
      built.receipt.files.map(async (f) => {
        try {
          const bundle = await proofBundle(ctx, Buffer.from(f.leaf_hash, 'hex'));
          return { ...f, sth: bundle.sth, inclusion_proof: bundle.inclusion_proof };
        } catch (err) {
          if (proofNotYetThere(err)) return f;
          throw err;
        }
      }),
    );
    const receipt = { ...built.receipt, files: withProofs };
    return { receipt, text: receiptText(receipt, baseUrl) };
  } catch (err) {
    ctx.log.error({ err: (err as Error).message }, 'could not build the transparency receipt');
    return null;
  }
}
