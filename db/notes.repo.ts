import type { Note } from '../domain/moderation/model';
import type { Queryable } from './pool';

export async function insertNote(
  db: Queryable,
  n: { submissionId: string; parentId: string | null; accountId: string; body: string },
): Promise<{ id: string; created_at: Date }> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    'INSERT INTO notes (submission_id, parent_id, account_id, body) VALUES ($1, $2, $3, $4) RETURNING id, created_at',
    [n.submissionId, n.parentId, n.accountId, n.body],
  );
  return rows[0]!;
}

/** Oldest first; the page nests replies under their parent. */
export async function listNotes(db: Queryable, submissionId: string): Promise<Note[]> {
  const { rows } = await db.query<Note>(
    `SELECT n.id, n.parent_id, a.email AS account_email, n.body, n.created_at
       FROM notes n JOIN accounts a ON a.id = n.account_id
      WHERE n.submission_id = $1 ORDER BY n.created_at, n.id`,
    [submissionId],
  );
  return rows;
}

export async function noteBelongsTo(db: Queryable, noteId: string, submissionId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM notes WHERE id = $1 AND submission_id = $2', [noteId, submissionId]);
  return rowCount === 1;
}
