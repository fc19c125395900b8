import type { RedactionRegion } from '../domain/media/redaction';
import type { VideoCopyPlan, VideoCopyState } from '../domain/media/video-copy';
import type { Queryable } from './pool';

const STATE = `status, progress::float8 AS progress, failure_reason, encode(sha256, 'hex') AS sha256, bytes::float8 AS bytes,
  encode(redaction_key, 'hex') AS redaction_key`;

/**
 * The redaction a video's published copy must carry: that of the decision that published (or last
 * published) its entry, as the public routes read it; null when that decision covered nothing of it
 * or the entry was never published.
 */
const WANTED_REDACTION = `media_files m JOIN submissions s ON s.id = m.submission_id
  LEFT JOIN media_redactions r ON r.decision_id = s.publish_decision_id AND r.media_file_id = m.id`;

export async function findWantedVideoRedaction(db: Queryable, mediaFileId: string): Promise<{ key: string; regions: RedactionRegion[] } | null> {
  const { rows } = await db.query<{ key: string; regions: RedactionRegion[] }>(
    `SELECT encode(r.copies_key, 'hex') AS key, r.regions FROM ${WANTED_REDACTION} WHERE m.id = $1 AND r.copies_key IS NOT NULL`,
    [mediaFileId],
  );
  return rows[0] ?? null;
}

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

/**
 * Pending or encoding → encoding at 0 with this redaction (a row is made when none exists); a copy
 * finished with another redaction is begun again. False when the copy is finished with this one.
 */
export async function startVideoCopy(db: Queryable, mediaFileId: string, redactionKey: string | null): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO video_copies (media_file_id, status, attempts, redaction_key) VALUES ($1, 'encoding', 1, decode($2, 'hex'))
     ON CONFLICT (media_file_id) DO UPDATE SET status = 'encoding', progress = 0, attempts = video_copies.attempts + 1, updated_at = now(),
            redaction_key = EXCLUDED.redaction_key, sha256 = NULL, bytes = NULL, method = NULL, failure_reason = NULL
      WHERE video_copies.status IN ('pending', 'encoding') OR video_copies.redaction_key IS DISTINCT FROM EXCLUDED.redaction_key`,
    [mediaFileId, redactionKey],
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

/**
 * The copy made with this redaction is ready; false (nothing changed) when a copy with another
 * redaction was begun meanwhile: this one is then no longer wanted.
 */
export async function finishVideoCopy(
  db: Queryable,
  mediaFileId: string,
  copy: { sha256: string; bytes: number; plan: VideoCopyPlan; redactionKey: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE video_copies SET status = 'ready', progress = 1, failure_reason = NULL, sha256 = decode($2, 'hex'), bytes = $3, method = $4, updated_at = now()
      WHERE media_file_id = $1 AND redaction_key IS NOT DISTINCT FROM decode($5, 'hex')`,
    [mediaFileId, copy.sha256, copy.bytes, `video:${copy.plan.video} audio:${copy.plan.audio ?? 'none'}`, copy.redactionKey],
  );
  return rowCount === 1;
}

/** The copy with this redaction cannot be made (ignored when a copy with another one was begun meanwhile). */
export async function failVideoCopy(db: Queryable, mediaFileId: string, reason: string, redactionKey: string | null): Promise<void> {
  await db.query(
    `UPDATE video_copies SET status = 'failed', failure_reason = $2, sha256 = NULL, bytes = NULL, method = NULL, updated_at = now()
      WHERE media_file_id = $1 AND redaction_key IS NOT DISTINCT FROM decode($3, 'hex')`,
    [mediaFileId, reason.slice(0, 2000), redactionKey],
  );
}

/**
 * Processed videos whose copy is still owed: none made yet, pending (waiting for a slot), left
 * encoding for longer than `olderThan` (a worker stopped mid-way), or finished with another
 * redaction than the one its publication wants. Oldest first.
 */
export async function listOwedVideoCopies(db: Queryable, olderThan: Date | null): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT m.id FROM ${WANTED_REDACTION}
       JOIN blobs b ON b.sha256 = m.sha256 AND b.kind = 'video'
       LEFT JOIN video_copies v ON v.media_file_id = m.id
      WHERE m.status = 'ready'
        AND (v.media_file_id IS NULL OR v.status = 'pending' OR (v.status = 'encoding' AND ($1::timestamptz IS NULL OR v.updated_at < $1))
             OR (v.status IN ('ready', 'failed') AND v.redaction_key IS DISTINCT FROM r.copies_key))
      ORDER BY m.status_changed_at`,
    [olderThan],
  );
  return rows.map((r) => r.id);
}
