import type { ObserverQuestion } from '../domain/submissions/model';
import type { Queryable } from './pool';

/** The observer's answer to one needs_info question (observer_answers is append-only). */
export async function insertAnswer(db: Queryable, a: { submissionId: string; questionId: string; body: string | null }): Promise<{ id: string; created_at: Date }> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    'INSERT INTO observer_answers (submission_id, question_id, body) VALUES ($1, $2, $3) RETURNING id, created_at',
    [a.submissionId, a.questionId, a.body],
  );
  return rows[0]!;
}

export async function findAnswerTo(db: Queryable, questionId: string): Promise<{ id: string; submission_id: string; created_at: Date } | null> {
  const { rows } = await db.query<{ id: string; submission_id: string; created_at: Date }>(
    'SELECT id, submission_id, created_at FROM observer_answers WHERE question_id = $1',
    [questionId],
  );
  return rows[0] ?? null;
}

export async function linkAnswerFiles(db: Queryable, answerId: string, mediaFileIds: readonly string[]): Promise<void> {
  if (mediaFileIds.length === 0) return;
  await db.query('INSERT INTO observer_answer_files (answer_id, media_file_id) SELECT $1, unnest($2::uuid[])', [answerId, mediaFileIds]);
}

/** Where the next file of this submission goes (files keep the order they arrived in). */
export async function nextFilePosition(db: Queryable, submissionId: string): Promise<number> {
  const { rows } = await db.query<{ next: number }>('SELECT coalesce(max(position) + 1, 0)::int AS next FROM media_files WHERE submission_id = $1', [submissionId]);
  return rows[0]!.next;
}

/** Back in the queue after the observer answered: pending, undecided, marked answered. */
export async function reopenAfterAnswer(db: Queryable, submissionId: string): Promise<void> {
  await db.query(`UPDATE submissions SET status = 'pending', decided_at = NULL, answered_at = now() WHERE id = $1 AND status = 'needs_info'`, [submissionId]);
}

/** Every needs_info question asked of this submission, oldest first, each with its answer and the files it added. */
export async function listConversation(db: Queryable, submissionId: string): Promise<ObserverQuestion[]> {
  const { rows } = await db.query<{
    question_id: string;
    question: string;
    asked_at: Date;
    asked_by: string;
    answer_id: string | null;
    answer: string | null;
    answered_at: Date | null;
    files: { id: string; name: string; sha256: string }[];
  }>(
    `SELECT d.id AS question_id, d.reason AS question, d.created_at AS asked_at, a.email AS asked_by,
            oa.id AS answer_id, oa.body AS answer, oa.created_at AS answered_at,
            coalesce((SELECT json_agg(json_build_object('id', m.id, 'name', m.original_name, 'sha256', encode(m.sha256, 'hex')) ORDER BY m.position)
                        FROM observer_answer_files f JOIN media_files m ON m.id = f.media_file_id
                       WHERE f.answer_id = oa.id), '[]'::json) AS files
       FROM decisions d
       JOIN accounts a ON a.id = d.account_id
       LEFT JOIN observer_answers oa ON oa.question_id = d.id
      WHERE d.submission_id = $1 AND d.action = 'needs_info'
      ORDER BY d.created_at, d.id`,
    [submissionId],
  );
  return rows.map((r) => ({
    id: r.question_id,
    text: r.question,
    askedAt: r.asked_at,
    askedBy: r.asked_by,
    answer: r.answer_id ? { id: r.answer_id, body: r.answer, answeredAt: r.answered_at!, files: r.files } : null,
  }));
}
