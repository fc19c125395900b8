import type { Queryable } from './pool';

/** One round trip: the server answers and this role may query. */
export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

export type ProcessingBacklog = {
  /** Files received and not yet ready or failed (waiting, being processed, or waiting to be retried). */
  unfinished: number;
  /** Of those, files parked after retrying for the retry window: a dependency stayed away (media_files.retry_reason says which). */
  waitingRetry: number;
  /** When the oldest unfinished file was received: how far behind processing is. */
  oldestUnfinishedAt: Date | null;
};

/** What processing still owes, from the partial index on unfinished files. */
export async function processingBacklog(db: Queryable): Promise<ProcessingBacklog> {
  const { rows } = await db.query<{ unfinished: number; waiting_retry: number; oldest: Date | null }>(
    `SELECT count(*)::int AS unfinished, count(*) FILTER (WHERE m.status = 'waiting_retry')::int AS waiting_retry, min(s.received_at) AS oldest
       FROM media_files m JOIN submissions s ON s.id = m.submission_id
      WHERE m.status IN ('received', 'processing', 'waiting_retry')`,
  );
  const row = rows[0]!;
  return { unfinished: row.unfinished, waitingRetry: row.waiting_retry, oldestUnfinishedAt: row.oldest };
}
