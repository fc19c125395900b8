/** Resumable uploads in progress (db/migrations/005_resumable_uploads.sql): one row per file being received. */
import type { DetectedType, MediaKind } from '../domain/media/file-type';
import type { ResumableUpload } from '../domain/uploads/model';
import type { Queryable } from './pool';

type UploadRow = {
  id: string;
  temp_path: string;
  declared_bytes: string;
  original_name: string;
  mime: string | null;
  kind: MediaKind | null;
  format: string | null;
  sha256: string | null;
  created_at: Date;
  expires_at: Date;
};

const UPLOAD_COLUMNS = `id, temp_path, declared_bytes, original_name, mime, kind, format, encode(sha256, 'hex') AS sha256, created_at, expires_at`;

const toUpload = (r: UploadRow): ResumableUpload => ({
  id: r.id,
  tempPath: r.temp_path,
  declaredBytes: Number(r.declared_bytes),
  originalName: r.original_name,
  type: r.mime && r.kind && r.format ? { mime: r.mime, kind: r.kind, format: r.format } : null,
  sha256: r.sha256,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export async function insertUpload(
  db: Queryable,
  u: { id: string; tempPath: string; declaredBytes: number; originalName: string; expiresAt: Date },
): Promise<ResumableUpload> {
  const { rows } = await db.query<UploadRow>({
    name: 'uploads.insert',
    text: `INSERT INTO resumable_uploads (id, temp_path, declared_bytes, original_name, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${UPLOAD_COLUMNS}`,
    values: [u.id, u.tempPath, u.declaredBytes, u.originalName, u.expiresAt],
  });
  return toUpload(rows[0]!);
}

/** null when there is no such upload, or it has expired (the sweep may not have removed it yet). */
export async function findUpload(db: Queryable, id: string, now: Date): Promise<ResumableUpload | null> {
  const { rows } = await db.query<UploadRow>({ name: 'uploads.find', text: `SELECT ${UPLOAD_COLUMNS} FROM resumable_uploads WHERE id = $1 AND expires_at > $2`, values: [id, now] });
  return rows[0] ? toUpload(rows[0]) : null;
}

export async function setUploadType(db: Queryable, id: string, type: DetectedType): Promise<void> {
  await db.query('UPDATE resumable_uploads SET mime = $2, kind = $3, format = $4 WHERE id = $1', [id, type.mime, type.kind, type.format]);
}

/** The last byte arrived: its SHA-256, its type (one statement, whether or not an earlier request recorded the type) and a fresh expiry. */
export async function markUploadComplete(db: Queryable, id: string, sha256: string, type: DetectedType, expiresAt: Date): Promise<void> {
  await db.query({
    name: 'uploads.complete',
    text: `UPDATE resumable_uploads SET sha256 = decode($2, 'hex'), mime = $3, kind = $4, format = $5, completed_at = now(), expires_at = $6 WHERE id = $1`,
    values: [id, sha256, type.mime, type.kind, type.format, expiresAt],
  });
}

/**
 * Takes the finished uploads with these ids in the caller's transaction, in one statement: locked
 * in id order (two submissions naming the same uploads cannot deadlock), then their rows deleted
 * and returned. A second submission naming the same upload waits, then finds it gone. Expired and
 * unfinished ones are left out. The caller's rollback gives them back.
 */
export async function takeCompletedUploads(db: Queryable, ids: readonly string[], now: Date): Promise<ResumableUpload[]> {
  const { rows } = await db.query<UploadRow>({
    name: 'uploads.take_completed',
    text: `DELETE FROM resumable_uploads
      WHERE id IN (SELECT id FROM resumable_uploads WHERE id = ANY($1::text[]) AND expires_at > $2 AND sha256 IS NOT NULL ORDER BY id FOR UPDATE)
      RETURNING ${UPLOAD_COLUMNS}`,
    values: [ids, now],
  });
  return rows.map(toUpload);
}

export async function deleteUploads(db: Queryable, ids: readonly string[]): Promise<void> {
  await db.query('DELETE FROM resumable_uploads WHERE id = ANY($1::text[])', [ids]);
}

/** Up to `limit` expired uploads, oldest first: the sweep removes each one's temp file, then its row. */
export async function listExpiredUploads(db: Queryable, now: Date, limit: number): Promise<{ id: string; tempPath: string }[]> {
  const { rows } = await db.query<{ id: string; temp_path: string }>(
    'SELECT id, temp_path FROM resumable_uploads WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2',
    [now, limit],
  );
  return rows.map((r) => ({ id: r.id, tempPath: r.temp_path }));
}
