import type { ReplicaLag, ReplicaOtherBytes } from '../domain/replication/model';
import type { DerivativeName } from '../domain/media/derivatives';
import type { RedactionRegion } from '../domain/media/redaction';
import type { Queryable } from './pool';

/** An original (hex SHA-256) that a replica does not hold a confirmed copy of yet. */
export type OwedCopy = { sha256: string; replica: string };

/**
 * Copies owed to the given replicas, oldest originals first: none confirmed, and not held up by other
 * bytes the replica refuses to remove (write-once: sending again cannot help; the verification looks again).
 */
export async function listOwedCopies(db: Queryable, replicas: readonly string[], limit: number): Promise<OwedCopy[]> {
  const { rows } = await db.query<OwedCopy>(
    `SELECT encode(b.sha256, 'hex') AS sha256, r.name AS replica
       FROM blobs b CROSS JOIN unnest($1::text[]) AS r(name)
      WHERE NOT EXISTS (SELECT 1 FROM replica_copies c WHERE c.sha256 = b.sha256 AND c.replica = r.name)
        AND NOT EXISTS (SELECT 1 FROM replica_other_bytes o WHERE o.sha256 = b.sha256 AND o.replica = r.name AND o.write_once)
      ORDER BY b.stored_at
      LIMIT $2`,
    [replicas, limit],
  );
  return rows;
}

/**
 * Records that the replica holds the original's bytes, just read back and hashed (a new copy, or one
 * checked again); other bytes recorded there before are gone. Returns whether there were such.
 */
export async function confirmReplicaCopy(db: Queryable, sha256: string, replica: string): Promise<{ hadOtherBytes: boolean }> {
  const { rows } = await db.query<{ n: number }>(
    `WITH gone AS (DELETE FROM replica_other_bytes WHERE sha256 = decode($1, 'hex') AND replica = $2 RETURNING 1),
          copy AS (INSERT INTO replica_copies (sha256, replica) VALUES (decode($1, 'hex'), $2) ON CONFLICT (sha256, replica) DO UPDATE SET checked_at = now())
     SELECT count(*)::int AS n FROM gone`,
    [sha256, replica],
  );
  return { hadOtherBytes: (rows[0]?.n ?? 0) > 0 };
}

/**
 * The replica holds other bytes under the original's key (they hash to `observed`): no longer a
 * confirmed copy; since when is kept across later findings. `writeOnce`: it refused to remove them.
 */
export async function recordReplicaOtherBytes(db: Queryable, f: { sha256: string; replica: string; observed: string; writeOnce: boolean }): Promise<void> {
  await db.query(
    `WITH unconfirmed AS (DELETE FROM replica_copies WHERE sha256 = decode($1, 'hex') AND replica = $2)
     INSERT INTO replica_other_bytes (sha256, replica, observed_sha256, write_once) VALUES (decode($1, 'hex'), $2, decode($3, 'hex'), $4)
     ON CONFLICT (sha256, replica) DO UPDATE SET observed_sha256 = excluded.observed_sha256, write_once = excluded.write_once, last_seen_at = now()`,
    [f.sha256, f.replica, f.observed, f.writeOnce],
  );
}

/** Other bytes found on the given replicas, oldest finding first (all of them when `limit` is null). */
export async function listReplicaOtherBytes(db: Queryable, replicas: readonly string[], limit: number | null): Promise<ReplicaOtherBytes[]> {
  const { rows } = await db.query<ReplicaOtherBytes>(
    `SELECT o.replica, encode(o.sha256, 'hex') AS sha256, encode(o.observed_sha256, 'hex') AS observed, o.found_at AS "foundAt",
            o.last_seen_at AS "lastSeenAt", o.write_once AS "writeOnce"
       FROM replica_other_bytes o
      WHERE o.replica = ANY($1::text[])
      ORDER BY o.found_at, o.replica, o.sha256
      LIMIT $2`,
    [replicas, limit],
  );
  return rows;
}

/** A copy on a replica due to be read back and hashed again. */
export type DueReplicaCheck = { replica: string; sha256: string; bytes: number };

/**
 * Copies on the given replicas last read back before `before`, the longest unchecked first: confirmed
 * copies, and other bytes a write-once replica would not remove (its retention may have ended since).
 */
export async function replicaCopiesDueForCheck(db: Queryable, replicas: readonly string[], before: Date, limit: number): Promise<DueReplicaCheck[]> {
  const { rows } = await db.query<{ replica: string; sha256: string; bytes: string }>(
    `SELECT d.replica, encode(d.sha256, 'hex') AS sha256, b.bytes
       FROM (SELECT sha256, replica, checked_at AS at FROM replica_copies WHERE replica = ANY($1::text[]) AND checked_at < $2
             UNION ALL
             SELECT sha256, replica, last_seen_at FROM replica_other_bytes WHERE replica = ANY($1::text[]) AND write_once AND last_seen_at < $2) d
       JOIN blobs b ON b.sha256 = d.sha256
      ORDER BY d.at
      LIMIT $3`,
    [replicas, before, limit],
  );
  return rows.map((r) => ({ replica: r.replica, sha256: r.sha256, bytes: Number(r.bytes) }));
}

/** The originals (hex SHA-256) the replica is recorded as holding a checked copy of (never those it holds other bytes for). */
export async function listReplicaCopies(db: Queryable, replica: string): Promise<string[]> {
  const { rows } = await db.query<{ sha256: string }>(`SELECT encode(sha256, 'hex') AS sha256 FROM replica_copies WHERE replica = $1`, [replica]);
  return rows.map((r) => r.sha256);
}

/** The replica was found not to hold these originals after all (a restore listed it): their copies are owed again. */
export async function forgetReplicaCopies(db: Queryable, replica: string, sha256s: readonly string[]): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM replica_copies WHERE replica = $1 AND sha256 = ANY(SELECT decode(h, 'hex') FROM unnest($2::text[]) AS h)`,
    [replica, sha256s],
  );
  return rowCount ?? 0;
}


/**
 * The largest tree size a replica holds the log's public data up to (0 when none): checkpoints
 * and leaf hashes are copied in order, so everything below it is there too.
 */
export async function logCopySize(db: Queryable, replica: string): Promise<number> {
  const { rows } = await db.query<{ tree_size: string }>('SELECT tree_size FROM replica_log_copies WHERE replica = $1', [replica]);
  return Number(rows[0]?.tree_size ?? 0);
}

/** Records that the replica holds the log up to treeSize; never moves back. */
export async function confirmLogCopy(db: Queryable, replica: string, treeSize: number): Promise<void> {
  await db.query(
    `INSERT INTO replica_log_copies (replica, tree_size) VALUES ($1, $2)
     ON CONFLICT (replica) DO UPDATE SET tree_size = excluded.tree_size, confirmed_at = now()
      WHERE replica_log_copies.tree_size < excluded.tree_size`,
    [replica, treeSize],
  );
}

/** Per replica: how many originals (and derivatives) it lacks, how many it holds other bytes for, since when the oldest of them is owed, its last confirmed copy, and how far it holds the log. */
export async function replicationStatus(db: Queryable, replicas: readonly string[]): Promise<ReplicaLag[]> {
  const { rows } = await db.query<ReplicaLag>(
    `SELECT r.name AS replica,
            (SELECT count(*)::int FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM replica_copies c WHERE c.sha256 = b.sha256 AND c.replica = r.name)) AS missing,
            (SELECT min(b.stored_at) FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM replica_copies c WHERE c.sha256 = b.sha256 AND c.replica = r.name)) AS "oldestMissingSince",
            (SELECT max(c.confirmed_at) FROM replica_copies c WHERE c.replica = r.name) AS "lastConfirmedAt",
            (SELECT count(*)::int FROM stored_derivatives d WHERE ${DERIVATIVE_OWED}) AS "derivativesMissing",
            (SELECT count(*)::int FROM replica_other_bytes o WHERE o.replica = r.name) AS "otherBytes",
            coalesce(l.tree_size, 0)::float8 AS "logTreeSize",
            l.confirmed_at AS "logConfirmedAt"
       FROM unnest($1::text[]) WITH ORDINALITY AS r(name, position)
       LEFT JOIN replica_log_copies l ON l.replica = r.name
      ORDER BY r.position`,
    [replicas],
  );
  return rows;
}

/** A derivative in the primary store: under which key (an original's SHA-256 or a redaction's copies key), which copy, and the SHA-256 of its bytes. */
export type StoredDerivative = { key: string; name: DerivativeName; sha256: string; bytes: number | null };

/** Records the derivative now stored under (key, name); a copy made again replaces the row (its replicas owe it again). */
export async function recordStoredDerivative(db: Queryable, d: StoredDerivative): Promise<void> {
  await db.query(
    `INSERT INTO stored_derivatives (key, name, sha256, bytes) VALUES (decode($1, 'hex'), $2, decode($3, 'hex'), $4)
     ON CONFLICT (key, name) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, stored_at = now()
      WHERE stored_derivatives.sha256 <> excluded.sha256 OR stored_derivatives.bytes IS DISTINCT FROM excluded.bytes`,
    [d.key, d.name, d.sha256, d.bytes],
  );
}

const DERIVATIVE_COLUMNS = `encode(d.key, 'hex') AS key, d.name, encode(d.sha256, 'hex') AS sha256, d.bytes::float8 AS bytes`;

export async function findStoredDerivative(db: Queryable, key: string, name: DerivativeName): Promise<StoredDerivative | null> {
  const { rows } = await db.query<StoredDerivative>(`SELECT ${DERIVATIVE_COLUMNS} FROM stored_derivatives d WHERE d.key = decode($1, 'hex') AND d.name = $2`, [key, name]);
  return rows[0] ?? null;
}

/** Every derivative recorded, in pages by (key, name) after `after` (for a restore). */
export async function listStoredDerivatives(db: Queryable, after: { key: string; name: string } | null, limit: number): Promise<StoredDerivative[]> {
  const { rows } = await db.query<StoredDerivative>(
    `SELECT ${DERIVATIVE_COLUMNS} FROM stored_derivatives d
      WHERE $1::bytea IS NULL OR (d.key, d.name) > ($1::bytea, $2::text)
      ORDER BY d.key, d.name LIMIT $3`,
    [after ? Buffer.from(after.key, 'hex') : null, after?.name ?? '', limit],
  );
  return rows;
}

/** A derivative (its current bytes) that a replica holds no checked copy of yet. */
export type OwedDerivativeCopy = { key: string; name: DerivativeName; replica: string };

const DERIVATIVE_OWED = `NOT EXISTS (SELECT 1 FROM replica_derivative_copies c
                                       WHERE c.key = d.key AND c.name = d.name AND c.replica = r.name AND c.sha256 = d.sha256)`;

/** Derivative copies owed to the given replicas, oldest first. */
export async function listOwedDerivativeCopies(db: Queryable, replicas: readonly string[], limit: number): Promise<OwedDerivativeCopy[]> {
  const { rows } = await db.query<OwedDerivativeCopy>(
    `SELECT encode(d.key, 'hex') AS key, d.name, r.name AS replica
       FROM stored_derivatives d CROSS JOIN unnest($1::text[]) AS r(name)
      WHERE ${DERIVATIVE_OWED}
      ORDER BY d.stored_at
      LIMIT $2`,
    [replicas, limit],
  );
  return rows;
}

/** The replica was found not to hold these derivatives after all, or other bytes of them (a restore looked): their copies are owed again. */
export async function forgetReplicaDerivativeCopies(db: Queryable, replica: string, copies: readonly { key: string; name: DerivativeName }[]): Promise<void> {
  await db.query(
    `DELETE FROM replica_derivative_copies c USING unnest($2::text[], $3::text[]) AS f(key, name)
      WHERE c.replica = $1 AND c.key = decode(f.key, 'hex') AND c.name = f.name`,
    [replica, copies.map((c) => c.key), copies.map((c) => c.name)],
  );
}

/** The derivatives (their current bytes, and size when recorded) the replica is recorded as holding a checked copy of. */
export async function listReplicaDerivativeCopies(db: Queryable, replica: string): Promise<StoredDerivative[]> {
  const { rows } = await db.query<StoredDerivative>(
    `SELECT ${DERIVATIVE_COLUMNS} FROM stored_derivatives d JOIN replica_derivative_copies c ON c.key = d.key AND c.name = d.name AND c.sha256 = d.sha256
      WHERE c.replica = $1`,
    [replica],
  );
  return rows;
}

/** Records that the replica holds these bytes (by SHA-256) of the derivative. */
export async function confirmReplicaDerivativeCopy(db: Queryable, key: string, name: DerivativeName, replica: string, sha256: string): Promise<void> {
  await db.query(
    `INSERT INTO replica_derivative_copies (key, name, replica, sha256) VALUES (decode($1, 'hex'), $2, $3, decode($4, 'hex'))
     ON CONFLICT (key, name, replica) DO UPDATE SET sha256 = excluded.sha256, confirmed_at = now()`,
    [key, name, replica, sha256],
  );
}

/**
 * What a derivative stored under `key` is made from, to make it again: the original (a file that
 * holds it: its size hints), and the redaction's rectangles when `key` is a redaction's copies key.
 * null when neither an original nor a redaction has this key.
 */
export type DerivativeSource = {
  original: string;
  width: number | null;
  height: number | null;
  duration_s: number | null;
  regions: RedactionRegion[] | null;
};

export async function findDerivativeSource(db: Queryable, key: string): Promise<DerivativeSource | null> {
  const { rows } = await db.query<DerivativeSource>(
    `SELECT encode(m.sha256, 'hex') AS original, m.width, m.height, m.duration_s, NULL::jsonb AS regions
       FROM media_files m WHERE m.sha256 = decode($1, 'hex')
     UNION ALL
     SELECT encode(m.sha256, 'hex'), m.width, m.height, m.duration_s, r.regions
       FROM media_redactions r JOIN media_files m ON m.id = r.media_file_id WHERE r.copies_key = decode($1, 'hex')
     LIMIT 1`,
    [key],
  );
  return rows[0] ?? null;
}

/**
 * After a loss of the store, the published video copies stored under `key` (an original's SHA-256
 * for an unredacted copy, a redaction's copies key) are owed again: ready → pending, so the worker
 * makes them anew. Returns the media files whose copy was reopened.
 */
export async function reopenVideoCopies(db: Queryable, key: string): Promise<string[]> {
  const { rows } = await db.query<{ media_file_id: string }>(
    `UPDATE video_copies v SET status = 'pending', progress = 0, sha256 = NULL, bytes = NULL, method = NULL, updated_at = now()
       FROM media_files m
      WHERE m.id = v.media_file_id AND v.status = 'ready'
        AND (v.redaction_key = decode($1, 'hex') OR (v.redaction_key IS NULL AND m.sha256 = decode($1, 'hex')))
      RETURNING v.media_file_id`,
    [key],
  );
  return rows.map((r) => r.media_file_id);
}
