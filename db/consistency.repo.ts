/** What a consistency check compares with the blob store and the transparency log (read only). */
import type { Queryable } from './pool';

/** The SHA-256 (hex) of every original the database records. */
export async function recordedOriginals(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ sha256: string }>(`SELECT encode(sha256, 'hex') AS sha256 FROM blobs`);
  return rows.map((r) => r.sha256);
}

/** Of these originals (SHA-256 hex), the ones the database records: a batch in one query. */
export async function recordedAmong(db: Queryable, sha256s: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ sha256: string }>(`SELECT encode(sha256, 'hex') AS sha256 FROM blobs WHERE sha256 = ANY($1::bytea[])`, [
    sha256s.map((h) => Buffer.from(h, 'hex')),
  ]);
  return rows.map((r) => r.sha256);
}

/** Whether a committed row records this original (asked under its per-hash lock). */
export async function isOriginalRecorded(db: Queryable, sha256: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM blobs WHERE sha256 = decode($1, 'hex')`, [sha256]);
  return rows.length > 0;
}

/** Files with no transparency-log leaf: their receipt could not be verified. */
export async function mediaFilesWithoutLeaf(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT f.id FROM media_files f WHERE NOT EXISTS (SELECT 1 FROM tlog_media_leaves l WHERE l.media_file_id = f.id) ORDER BY f.id`,
  );
  return rows.map((r) => r.id);
}

export async function submissionsWithoutFiles(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT s.id FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM media_files f WHERE f.submission_id = s.id) ORDER BY s.id`,
  );
  return rows.map((r) => r.id);
}

/** The log's recorded size against the leaves it holds: equal, and the leaves numbered 0…size-1. */
export async function logLeafCounts(db: Queryable): Promise<{ size: number; leaves: number; nextIndex: number }> {
  const { rows } = await db.query<{ size: string; leaves: string; next_index: string }>(
    `SELECT (SELECT size FROM tlog_state WHERE id) AS size, count(*) AS leaves, coalesce(max(leaf_index) + 1, 0) AS next_index FROM tlog_leaves`,
  );
  const r = rows[0]!;
  return { size: Number(r.size), leaves: Number(r.leaves), nextIndex: Number(r.next_index) };
}

/** The temp files resumable uploads still own (paused or waiting for their submission). */
export async function resumableTempPaths(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ temp_path: string }>('SELECT temp_path FROM resumable_uploads');
  return rows.map((r) => r.temp_path);
}
