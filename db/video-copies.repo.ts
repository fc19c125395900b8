import type { VideoCopyPlan, VideoCopyState } from '../domain/media/video-copy';
import type { Queryable } from './pool';

const STATE = `status, progress::float8 AS progress, failure_reason, encode(sha256, 'hex') AS sha256, bytes::float8 AS bytes`;

/** The copy's state, or null while none is owed yet (the file not processed, or not a video). */
export async function findVideoCopy(db: Queryable, mediaFileId: string): Promise<VideoCopyState | null> {
  const { rows } = await db.query<VideoCopyState>(`SELECT ${STATE} FROM video_copies WHERE media_file_id = $1`, [mediaFileId]);
  return rows[0] ?? null;
}

/** The states of several files' copies (a submission's), by file id. */
export async function listVideoCopies(db: Queryable, mediaFileIds: string[]): Promise<Map<string, VideoCopyState>> {
  const { rows } = await db.query<VideoCopyState & { media_file_id: string }>(
    `SELECT media_file_id, ${STATE} FROM video_copies WHERE media_file_id = ANY($1::uuid[])`,
    [mediaFileIds],
  );
  return new Map(rows.map(({ media_file_id, ...state }) => [media_file_id, state]));
}

/** Pending or encoding → encoding at 0 (a row is made when none exists); false when the copy is finished. */
export async function startVideoCopy(db: Queryable, mediaFileId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO video_copies (media_file_id, status, attempts) VALUES ($1, 'encoding', 1)
     ON CONFLICT (media_file_id) DO UPDATE SET status = 'encoding', progress = 0, attempts = video_copies.attempts + 1, updated_at = now()
      WHERE video_copies.status IN ('pending', 'encoding')`,
    [mediaFileId],
  );
  return rowCount === 1;
}

/** A copy that waits for a free slot: pending (made so when none is recorded yet). */
export async function deferVideoCopy(db: Queryable, mediaFileId: string): Promise<void> {
  await db.query(`INSERT INTO video_copies (media_file_id) VALUES ($1) ON CONFLICT (media_file_id) DO NOTHING`, [mediaFileId]);
}

/** How far ffmpeg has got (0…1); ignored once the copy is finished. */
export async function noteVideoCopyProgress(db: Queryable, mediaFileId: string, fraction: number): Promise<void> {
  await db.query(`UPDATE video_copies SET progress = $2, updated_at = now() WHERE media_file_id = $1 AND status = 'encoding'`, [
    mediaFileId,
    Math.max(0, Math.min(1, fraction)),
  ]);
}

export async function finishVideoCopy(db: Queryable, mediaFileId: string, copy: { sha256: string; bytes: number; plan: VideoCopyPlan }): Promise<void> {
  await db.query(
    `UPDATE video_copies SET status = 'ready', progress = 1, failure_reason = NULL, sha256 = decode($2, 'hex'), bytes = $3, method = $4, updated_at = now()
      WHERE media_file_id = $1`,
    [mediaFileId, copy.sha256, copy.bytes, `video:${copy.plan.video} audio:${copy.plan.audio ?? 'none'}`],
  );
}

export async function failVideoCopy(db: Queryable, mediaFileId: string, reason: string): Promise<void> {
  await db.query(`UPDATE video_copies SET status = 'failed', failure_reason = $2, updated_at = now() WHERE media_file_id = $1`, [
    mediaFileId,
    reason.slice(0, 2000),
  ]);
}

/**
 * Processed videos whose copy is still owed: none made yet, pending (waiting for a slot), or left
 * encoding for longer than `olderThan` (a worker stopped mid-way). Oldest first.
 */
export async function listOwedVideoCopies(db: Queryable, olderThan: Date | null): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT m.id FROM media_files m
       JOIN blobs b ON b.sha256 = m.sha256 AND b.kind = 'video'
       LEFT JOIN video_copies v ON v.media_file_id = m.id
      WHERE m.status = 'ready'
        AND (v.media_file_id IS NULL OR v.status = 'pending' OR (v.status = 'encoding' AND ($1::timestamptz IS NULL OR v.updated_at < $1)))
      ORDER BY m.status_changed_at`,
    [olderThan],
  );
  return rows.map((r) => r.id);
}
