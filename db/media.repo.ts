import type { MediaFile, RelatedFile } from '../domain/media/model';
import type { DerivativeName } from '../domain/media/derivatives';
import type { Queryable } from './pool';
import { Params } from './sql';

/** Until the archive's repository names the domain's type itself. */
export type { MediaFile as MediaFileRow } from '../domain/media/model';

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
  phash: string | null;
  contentIdentifier: string | null;
};

const MEDIA_SELECT = `
  SELECT m.id, m.submission_id, encode(m.sha256, 'hex') AS sha256, b.bytes::float8 AS bytes, b.mime, b.kind,
         m.position, m.original_name, m.status, m.failure_reason, m.retry_reason, m.attempts,
         m.width, m.height, m.orientation, m.duration_s,
         to_char(m.taken_at_local, 'YYYY-MM-DD"T"HH24:MI:SS') AS taken_at_local, m.taken_at_offset, m.offset_source,
         m.taken_at_utc, m.taken_at_source, m.gps_lat, m.gps_lon, m.gps_alt, m.gps_source,
         m.make, m.model, m.software, m.flags, m.metadata, m.has_thumb, m.has_preview,
         m.has_contact, m.preview_owed, lpad(to_hex(m.phash), 16, '0') AS phash, m.content_identifier
    FROM media_files m JOIN blobs b ON b.sha256 = m.sha256`;

/** Records the bytes once per distinct hash; a second upload of the same bytes links to the same blob. True when this call inserted the row. */
export async function upsertBlob(
  db: Queryable,
  blob: { sha256: string; bytes: number; mime: string; kind: 'image' | 'video' },
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'media.upsert_blob',
    text: `INSERT INTO blobs (sha256, bytes, mime, kind) VALUES (decode($1, 'hex'), $2, $3, $4) ON CONFLICT (sha256) DO NOTHING`,
    values: [blob.sha256, blob.bytes, blob.mime, blob.kind],
  });
  // Whether this call inserted the row: no row recorded these bytes before (under the per-hash lock).
  return rowCount === 1;
}

/** Serialises concurrent uploads of identical bytes for the rest of the transaction. */
export async function lockBlobHash(db: Queryable, sha256: string): Promise<void> {
  await db.query({ name: 'media.lock_blob_hash', text: `SELECT pg_advisory_xact_lock(('x' || substr($1, 1, 16))::bit(64)::bigint)`, values: [sha256] });
}

export async function insertMediaFile(
  db: Queryable,
  f: { submissionId: string; sha256: string; position: number; originalName: string },
): Promise<{ id: string }> {
  const { rows } = await db.query<{ id: string }>({
    name: 'media.insert_file',
    text: `INSERT INTO media_files (submission_id, sha256, position, original_name) VALUES ($1, decode($2, 'hex'), $3, $4) RETURNING id`,
    values: [f.submissionId, f.sha256, f.position, f.originalName],
  });
  return rows[0];
}

export async function findMediaFile(db: Queryable, id: string): Promise<MediaFile | null> {
  const { rows } = await db.query<MediaFile>(`${MEDIA_SELECT} WHERE m.id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listMediaFiles(db: Queryable, submissionId: string): Promise<MediaFile[]> {
  const { rows } = await db.query<MediaFile>(`${MEDIA_SELECT} WHERE m.submission_id = $1 ORDER BY m.position`, [submissionId]);
  return rows;
}

/**
 * A file of a published submission, or null: the one query public file routes may use. With the
 * key of its redacted copies when its publishing decision redacted it (the public gets only those).
 */
export async function findPublishedMediaFile(db: Queryable, id: string): Promise<(MediaFile & { redacted_copies_key: string | null }) | null> {
  const { rows } = await db.query<MediaFile & { redacted_copies_key: string | null }>(
    `SELECT f.*, encode(r.copies_key, 'hex') AS redacted_copies_key
       FROM (${MEDIA_SELECT} JOIN submissions s ON s.id = m.submission_id WHERE m.id = $1 AND s.status = 'published') f
       JOIN submissions s ON s.id = f.submission_id
       LEFT JOIN media_redactions r ON r.decision_id = s.publish_decision_id AND r.media_file_id = f.id`,
    [id],
  );
  return rows[0] ?? null;
}

/** Not finished: received, being processed, or parked until the sweep retries it. */
const UNFINISHED = `('received', 'processing', 'waiting_retry')`;

/** received/processing/waiting_retry → processing, counting the attempt; null when the file is already finished. */
export async function startProcessing(db: Queryable, id: string): Promise<MediaFile | null> {
  const { rowCount } = await db.query(
    `UPDATE media_files SET status = 'processing', attempts = attempts + 1, status_changed_at = now()
      WHERE id = $1 AND status IN ${UNFINISHED}`,
    [id],
  );
  return rowCount === 1 ? findMediaFile(db, id) : null;
}

export async function saveExtraction(
  db: Queryable,
  id: string,
  e: Extraction,
  outcome: { status: 'ready' } | { status: 'failed'; reason: string },
  derivatives: { thumb: boolean; preview: boolean; contact: boolean; previewOwed?: boolean },
): Promise<void> {
  await db.query(
    `UPDATE media_files SET preview_owed = $27,
        status = $2, failure_reason = $3, retry_reason = NULL, status_changed_at = now(),
        width = $4, height = $5, orientation = $6, duration_s = $7,
        taken_at_local = $8, taken_at_offset = $9, offset_source = $10, taken_at_utc = $11, taken_at_source = $12,
        gps_lat = $13, gps_lon = $14, gps_alt = $15, gps_source = $16,
        make = $17, model = $18, software = $19, flags = $20, metadata = $21,
        has_thumb = $22, has_preview = $23, has_contact = $24,
        phash = ('x' || $25::text)::bit(64)::bigint, content_identifier = $26
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
      derivatives.contact,
      e.phash,
      e.contentIdentifier,
      derivatives.previewOwed ?? false,
    ],
  );
}

/** Ready files whose full-size preview is still owed (oldest first), for the sweep. */
export async function listOwedPreviews(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM media_files WHERE preview_owed ORDER BY status_changed_at`);
  return rows.map((r) => r.id);
}

/** The owed preview is settled: made (has_preview) or found impossible. False when it was not owed any more. */
export async function settleOwedPreview(db: Queryable, id: string, made: boolean): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE media_files SET preview_owed = false, has_preview = $2 WHERE id = $1 AND preview_owed`, [id, made]);
  return rowCount === 1;
}

/** The SHA-256 of each copy just made of a file (derivative_hashes); a copy recorded before stays. */
export async function recordDerivativeHashes(db: Queryable, mediaFileId: string, copies: { kind: DerivativeName; sha256: string }[]): Promise<void> {
  if (copies.length === 0) return;
  await db.query(
    `INSERT INTO derivative_hashes (sha256, media_file_id, kind)
     SELECT decode(c.sha256, 'hex'), $1, c.kind FROM unnest($2::text[], $3::text[]) AS c (sha256, kind)
     ON CONFLICT DO NOTHING`,
    [mediaFileId, copies.map((c) => c.sha256), copies.map((c) => c.kind)],
  );
}

/** The latest transient failure of an unfinished file, kept while it is retried (admins see it). */
export async function noteRetryReason(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(`UPDATE media_files SET retry_reason = $2 WHERE id = $1 AND status IN ${UNFINISHED}`, [id, reason.slice(0, 2000)]);
}

/** Parks an unfinished file after its retry window, with why; the sweep takes it up again later. */
export async function parkForRetry(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE media_files SET status = 'waiting_retry', retry_reason = $2, status_changed_at = now()
      WHERE id = $1 AND status IN ${UNFINISHED}`,
    [id, reason.slice(0, 2000)],
  );
}

export type WaitingRetryRow = { id: string; submission_id: string; original_name: string; retry_reason: string; attempts: number; received_at: Date; parked_at: Date };

/** Files parked as waiting_retry, oldest first: what admins look at when processing is behind. */
export async function listWaitingRetry(db: Queryable, limit: number): Promise<WaitingRetryRow[]> {
  const { rows } = await db.query<WaitingRetryRow>(
    `SELECT m.id, m.submission_id, m.original_name, m.retry_reason, m.attempts, s.received_at, m.status_changed_at AS parked_at
       FROM media_files m JOIN submissions s ON s.id = m.submission_id
      WHERE m.status = 'waiting_retry'
      ORDER BY m.status_changed_at, m.id
      LIMIT $1`,
    [limit],
  );
  return rows;
}

export type ObserverClaimRow = {
  happened_at: string | null;
  voting_starts_on: string;
  voting_ends_on: string;
  /** The stated polling station's registered place, when the register has one. */
  station_lat: number | null;
  station_lon: number | null;
  /** The claimed region's code, when the submission's region is one of the list's (regions.name_ru). */
  region_code: string | null;
};

/** What the observer claimed for the submission a file belongs to (times as wall-clock text). */
export async function findObserverClaim(db: Queryable, submissionId: string): Promise<ObserverClaimRow | null> {
  const { rows } = await db.query<ObserverClaimRow>(
    `SELECT to_char(s.happened_at, 'YYYY-MM-DD"T"HH24:MI') AS happened_at,
            to_char(e.voting_starts_on, 'YYYY-MM-DD') AS voting_starts_on, to_char(e.voting_ends_on, 'YYYY-MM-DD') AS voting_ends_on,
            p.latitude AS station_lat, p.longitude AS station_lon, r.code AS region_code
       FROM submissions s JOIN elections e ON e.id = s.election_id
       LEFT JOIN polling_stations p ON p.id = s.polling_station_id
       LEFT JOIN regions r ON r.name_ru = s.region
      WHERE s.id = $1`,
    [submissionId],
  );
  return rows[0] ?? null;
}

/** Listed per relation at most; a file copied thousands of times still gets a readable page. */
export const RELATED_LIMIT = 50;

/**
 * Files whose perceptual hash is within maxDistance bits of a hash, as rows (id, distance), without
 * scanning every hash: candidates from the band indexes (db/migrations/001_baseline.sql; `bandProbes` gives the
 * values to look up), the exact distance checked on the index entries.
 */
function nearHashes(params: Params, q: { phash: string | null; maxDistance: number; bandProbes: number[][] }): string {
  const hash = params.add(q.phash);
  const maxDistance = params.add(q.maxDistance);
  const distance = `bit_count((phash # ('x' || ${hash}::text)::bit(64)::bigint)::bit(64))`;
  const band = (i: number) =>
    `SELECT id, ${distance} AS distance FROM media_files
      WHERE phash_band${i} = ANY(${params.add(q.bandProbes[i] ?? [])}::int[]) AND phash IS NOT NULL AND ${distance} <= ${maxDistance}::int`;
  return `SELECT id, min(distance) AS distance FROM (${[0, 1, 2, 3].map(band).join(' UNION ALL ')}) b GROUP BY id`;
}

/**
 * Files related to one file: the same bytes in another submission; a perceptual hash within
 * maxDistance bits in another submission; a file of the other kind with the same Apple content
 * identifier (a Live Photo's still and video, usually in the same submission). With
 * `publishedOnly`, only files of published submissions count (what the public may be told).
 */
export async function findRelatedFiles(
  db: Queryable,
  q: {
    fileId: string;
    submissionId: string;
    sha256: string;
    kind: 'image' | 'video';
    phash: string | null;
    bandProbes: number[][];
    maxDistance: number;
    contentIdentifier: string | null;
    publishedOnly: boolean;
  },
): Promise<RelatedFile[]> {
  const params = new Params();
  const fileId = params.add(q.fileId);
  const submissionId = params.add(q.submissionId);
  const sha256 = params.add(q.sha256);
  const kind = params.add(q.kind);
  const contentIdentifier = params.add(q.contentIdentifier);
  const hasHash = `${params.add(q.phash)}::text IS NOT NULL`;
  // Inside each branch, before its LIMIT: unpublished partners must not crowd out published ones.
  const published = `AND (${params.add(q.publishedOnly)}::boolean IS FALSE OR EXISTS (SELECT 1 FROM submissions ps WHERE ps.id = o.submission_id AND ps.status = 'published'))`;
  const { rows } = await db.query<RelatedFile>(
    `SELECT r.relation, m.id AS file_id, m.submission_id, m.original_name, r.distance
       FROM (
         (SELECT 'exact_duplicate' AS relation, o.id, 0 AS distance FROM media_files o
           WHERE o.sha256 = decode(${sha256}::text, 'hex') AND o.submission_id <> ${submissionId}::uuid ${published} ORDER BY o.id LIMIT ${RELATED_LIMIT})
         UNION ALL
         (SELECT 'near_duplicate', c.id, c.distance FROM (${nearHashes(params, q)}) c
            JOIN media_files o ON o.id = c.id
           WHERE ${hasHash} AND o.submission_id <> ${submissionId}::uuid AND o.sha256 <> decode(${sha256}::text, 'hex') ${published}
           ORDER BY 3, 2 LIMIT ${RELATED_LIMIT})
         UNION ALL
         (SELECT 'live_photo_pair', o.id, 0 FROM media_files o JOIN blobs b ON b.sha256 = o.sha256
           WHERE o.content_identifier = ${contentIdentifier}::text AND o.id <> ${fileId}::uuid AND b.kind <> ${kind}::text ${published} ORDER BY o.id LIMIT ${RELATED_LIMIT})
       ) r JOIN media_files m ON m.id = r.id
      ORDER BY r.relation, r.distance, m.submission_id, m.position`,
    params.values,
  );
  return rows.map((r) => ({ ...r, distance: Number(r.distance) }));
}

export type PublishedNearImageRow = { entry_id: string; file_id: string; distance: number; published_at: Date; has_thumb: boolean };

/**
 * Files of published entries whose perceptual hash is within maxDistance bits of a hash, closest
 * first (then newest): the public similar-image search. Nothing about other submissions.
 */
export async function findPublishedNearImages(
  db: Queryable,
  q: { phash: string; bandProbes: number[][]; maxDistance: number; limit: number },
): Promise<PublishedNearImageRow[]> {
  const params = new Params();
  const near = nearHashes(params, q);
  const { rows } = await db.query<PublishedNearImageRow>(
    `SELECT s.id AS entry_id, m.id AS file_id, c.distance, s.published_at, m.has_thumb
       FROM (${near}) c
       JOIN media_files m ON m.id = c.id
       JOIN submissions s ON s.id = m.submission_id
      WHERE s.status = 'published'
      ORDER BY c.distance, s.published_at DESC, m.id
      LIMIT ${params.add(q.limit)}::int`,
    params.values,
  );
  return rows.map((r) => ({ ...r, distance: Number(r.distance) }));
}

/**
 * Serialises the "find related files, then save" step of all workers for the rest of the
 * transaction, so two near duplicates processed at the same moment still find each other.
 */
export async function lockRelationLookup(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('svidetel:media-relations'))`);
}

/** Adds a flag to files that do not carry it yet (the earlier file of a pair learns about the later one). */
export async function addFlag(db: Queryable, fileIds: string[], flag: string): Promise<void> {
  if (fileIds.length === 0) return;
  await db.query(`UPDATE media_files SET flags = array_append(flags, $2) WHERE id = ANY($1::uuid[]) AND NOT ($2 = ANY(flags))`, [fileIds, flag]);
}

/** Removes a flag from files that carry it. */
export async function removeFlag(db: Queryable, fileIds: string[], flag: string): Promise<void> {
  if (fileIds.length === 0) return;
  await db.query(`UPDATE media_files SET flags = array_remove(flags, $2) WHERE id = ANY($1::uuid[]) AND $2 = ANY(flags)`, [fileIds, flag]);
}

/** A processed file's GPS point, its submission's registered station place (if any), and whether it is flagged place_mismatch. */
export type PlaceCheckRow = {
  id: string;
  gps_lat: number;
  gps_lon: number;
  station_lat: number | null;
  station_lon: number | null;
  flagged: boolean;
  /** Flagged region_mismatch, which a station place in the register supersedes. */
  region_flagged: boolean;
};

/** Every processed file with a GPS point among one election's submissions, for re-checking place_mismatch. */
export async function listPlaceChecks(db: Queryable, electionId: number): Promise<PlaceCheckRow[]> {
  const { rows } = await db.query<PlaceCheckRow>(
    `SELECT m.id, m.gps_lat, m.gps_lon, p.latitude AS station_lat, p.longitude AS station_lon, 'place_mismatch' = ANY(m.flags) AS flagged, 'region_mismatch' = ANY(m.flags) AS region_flagged
       FROM submissions s
       JOIN media_files m ON m.submission_id = s.id
       LEFT JOIN polling_stations p ON p.id = s.polling_station_id
      WHERE s.election_id = $1 AND m.status IN ('ready', 'failed') AND m.gps_lat IS NOT NULL AND m.gps_lon IS NOT NULL`,
    [electionId],
  );
  return rows;
}

/** Replaces a finished file's flags with what the flags back-fill computed; true when they changed. */
export async function setFlags(db: Queryable, id: string, flags: string[]): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE media_files SET flags = $2::text[] WHERE id = $1 AND flags IS DISTINCT FROM $2::text[]', [id, flags]);
  return rowCount === 1;
}

/** Every file whose processing has finished (ready or failed), a submission's files together. */
export async function listFinished(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM media_files WHERE status IN ('ready', 'failed') ORDER BY submission_id, position`);
  return rows.map((r) => r.id);
}

/** Files whose processing has not finished since `olderThan` (all of them when null). */
export async function listUnfinished(db: Queryable, olderThan: Date | null): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM media_files
      WHERE status IN ${UNFINISHED} AND ($1::timestamptz IS NULL OR status_changed_at < $1)
      ORDER BY status_changed_at`,
    [olderThan],
  );
  return rows.map((r) => r.id);
}
