import type { Queryable } from './pool';

export type MediaStatus = 'received' | 'processing' | 'ready' | 'failed';

export type MediaFileRow = {
  id: string;
  submission_id: string;
  sha256: string; // hex
  bytes: number;
  mime: string;
  kind: 'image' | 'video';
  position: number;
  original_name: string;
  status: MediaStatus;
  failure_reason: string | null;
  attempts: number;
  width: number | null;
  height: number | null;
  orientation: number | null;
  duration_s: number | null;
  taken_at_local: string | null;
  taken_at_offset: string | null;
  offset_source: string | null;
  taken_at_utc: Date | null;
  taken_at_source: string | null;
  gps_lat: number | null;
  gps_lon: number | null;
  gps_alt: number | null;
  gps_source: string | null;
  make: string | null;
  model: string | null;
  software: string | null;
  flags: string[];
  metadata: Record<string, unknown> | null;
  has_thumb: boolean;
  has_preview: boolean;
};

export type Extraction = {
  width: number | null;
  height: number | null;
  orientation: number | null;
  durationS: number | null;
  takenAtLocal: string | null;
  offset: string | null;
  offsetSource: string | null;
  takenAtUtc: string | null;
  takenAtSource: string | null;
  gps: { lat: number; lon: number; alt?: number } | null;
  gpsSource: string | null;
  make: string | null;
  model: string | null;
  software: string | null;
  flags: string[];
  metadata: Record<string, unknown>;
};

const MEDIA_SELECT = `
  SELECT m.id, m.submission_id, encode(m.sha256, 'hex') AS sha256, b.bytes::float8 AS bytes, b.mime, b.kind,
         m.position, m.original_name, m.status, m.failure_reason, m.attempts,
         m.width, m.height, m.orientation, m.duration_s,
         to_char(m.taken_at_local, 'YYYY-MM-DD"T"HH24:MI:SS') AS taken_at_local, m.taken_at_offset, m.offset_source,
         m.taken_at_utc, m.taken_at_source, m.gps_lat, m.gps_lon, m.gps_alt, m.gps_source,
         m.make, m.model, m.software, m.flags, m.metadata, m.has_thumb, m.has_preview
    FROM media_files m JOIN blobs b ON b.sha256 = m.sha256`;

/** Records the bytes once per distinct hash; a second upload of the same bytes links to the same blob. */
export async function upsertBlob(
  db: Queryable,
  blob: { sha256: string; bytes: number; mime: string; kind: 'image' | 'video' },
): Promise<void> {
  await db.query(
    `INSERT INTO blobs (sha256, bytes, mime, kind) VALUES (decode($1, 'hex'), $2, $3, $4) ON CONFLICT (sha256) DO NOTHING`,
    [blob.sha256, blob.bytes, blob.mime, blob.kind],
  );
}

/** Serialises concurrent uploads of identical bytes for the rest of the transaction. */
export async function lockBlobHash(db: Queryable, sha256: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(('x' || substr($1, 1, 16))::bit(64)::bigint)`, [sha256]);
}

export async function insertMediaFile(
  db: Queryable,
  f: { submissionId: string; sha256: string; position: number; originalName: string },
): Promise<{ id: string }> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO media_files (submission_id, sha256, position, original_name) VALUES ($1, decode($2, 'hex'), $3, $4) RETURNING id`,
    [f.submissionId, f.sha256, f.position, f.originalName],
  );
  return rows[0];
}

export async function findMediaFile(db: Queryable, id: string): Promise<MediaFileRow | null> {
  const { rows } = await db.query<MediaFileRow>(`${MEDIA_SELECT} WHERE m.id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listMediaFiles(db: Queryable, submissionId: string): Promise<MediaFileRow[]> {
  const { rows } = await db.query<MediaFileRow>(`${MEDIA_SELECT} WHERE m.submission_id = $1 ORDER BY m.position`, [submissionId]);
  return rows;
}

/** A file of a published submission, or null: the one query public file routes may use. */
export async function findPublishedMediaFile(db: Queryable, id: string): Promise<MediaFileRow | null> {
  const { rows } = await db.query<MediaFileRow>(
    `${MEDIA_SELECT} JOIN submissions s ON s.id = m.submission_id WHERE m.id = $1 AND s.status = 'published'`,
    [id],
  );
  return rows[0] ?? null;
}

/** received/processing → processing, counting the attempt; null when the file is already finished. */
export async function startProcessing(db: Queryable, id: string): Promise<MediaFileRow | null> {
  const { rowCount } = await db.query(
    `UPDATE media_files SET status = 'processing', attempts = attempts + 1, status_changed_at = now()
      WHERE id = $1 AND status IN ('received', 'processing')`,
    [id],
  );
  return rowCount === 1 ? findMediaFile(db, id) : null;
}

export async function saveExtraction(
  db: Queryable,
  id: string,
  e: Extraction,
  outcome: { status: 'ready' } | { status: 'failed'; reason: string },
  derivatives: { thumb: boolean; preview: boolean },
): Promise<void> {
  await db.query(
    `UPDATE media_files SET
        status = $2, failure_reason = $3, status_changed_at = now(),
        width = $4, height = $5, orientation = $6, duration_s = $7,
        taken_at_local = $8, taken_at_offset = $9, offset_source = $10, taken_at_utc = $11, taken_at_source = $12,
        gps_lat = $13, gps_lon = $14, gps_alt = $15, gps_source = $16,
        make = $17, model = $18, software = $19, flags = $20, metadata = $21,
        has_thumb = $22, has_preview = $23
      WHERE id = $1`,
    [
      id,
      outcome.status,
      outcome.status === 'failed' ? outcome.reason : null,
      e.width,
      e.height,
      e.orientation,
      e.durationS,
      e.takenAtLocal,
      e.offset,
      e.offsetSource,
      e.takenAtUtc,
      e.takenAtSource,
      e.gps?.lat ?? null,
      e.gps?.lon ?? null,
      e.gps?.alt ?? null,
      e.gpsSource,
      e.make,
      e.model,
      e.software,
      e.flags,
      JSON.stringify(e.metadata),
      derivatives.thumb,
      derivatives.preview,
    ],
  );
}

export async function markFailed(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE media_files SET status = 'failed', failure_reason = $2, status_changed_at = now()
      WHERE id = $1 AND status IN ('received', 'processing')`,
    [id, reason.slice(0, 2000)],
  );
}

/** Whether the same bytes belong to another submission too (the exact-duplicate flag). */
export async function hasOtherSubmissionWithHash(db: Queryable, sha256: string, submissionId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM media_files WHERE sha256 = decode($1, 'hex') AND submission_id <> $2 LIMIT 1`,
    [sha256, submissionId],
  );
  return rowCount === 1;
}

/** Files whose processing has not finished since `olderThan` (all of them when null). */
export async function listUnfinished(db: Queryable, olderThan: Date | null): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM media_files
      WHERE status IN ('received', 'processing') AND ($1::timestamptz IS NULL OR status_changed_at < $1)
      ORDER BY status_changed_at`,
    [olderThan],
  );
  return rows.map((r) => r.id);
}
