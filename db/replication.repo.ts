import type { ReplicaLag } from '../domain/replication/model';
import type { DerivativeName } from '../domain/media/derivatives';
import type { RedactionRegion } from '../domain/media/redaction';
import type { Queryable } from './pool';

/** An original (hex SHA-256) that a replica does not hold a confirmed copy of yet. */
export type OwedCopy = { sha256: string; replica: string };

/** Copies owed to the given replicas, oldest originals first. */
export async function listOwedCopies(db: Queryable, replicas: readonly string[], limit: number): Promise<OwedCopy[]> {
  const { rows } = await db.query<OwedCopy>(
    `SELECT encode(b.sha256, 'hex') AS sha256, r.name AS replica
       FROM blobs b CROSS JOIN unnest($1::text[]) AS r(name)
      WHERE NOT EXISTS (SELECT 1 FROM replica_copies c WHERE c.sha256 = b.sha256 AND c.replica = r.name)
      ORDER BY b.stored_at
      LIMIT $2`,
    [replicas, limit],
  );
  return rows;
}

export async function confirmReplicaCopy(db: Queryable, sha256: string, replica: string): Promise<void> {
  await db.query(`INSERT INTO replica_copies (sha256, replica) VALUES (decode($1, 'hex'), $2) ON CONFLICT DO NOTHING`, [sha256, replica]);
}

/** The originals (hex SHA-256) the replica is recorded as holding a checked copy of. */
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

/** Per replica: how many originals (and derivatives) it lacks, since when the oldest of them is owed, its last confirmed copy, and how far it holds the log. */
export async function replicationStatus(db: Queryable, replicas: readonly string[]): Promise<ReplicaLag[]> {
  const { rows } = await db.query<ReplicaLag>(
    `SELECT r.name AS replica,
            (SELECT count(*)::int FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM replica_copies c WHERE c.sha256 = b.sha256 AND c.replica = r.name)) AS missing,
            (SELECT min(b.stored_at) FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM replica_copies c WHERE c.sha256 = b.sha256 AND c.replica = r.name)) AS "oldestMissingSince",
            (SELECT max(c.confirmed_at) FROM replica_copies c WHERE c.replica = r.name) AS "lastConfirmedAt",
            (SELECT count(*)::int FROM stored_derivatives d WHERE ${DERIVATIVE_OWED}) AS "derivativesMissing",
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

/** The replicas were found not to hold the derivative after all (a restore looked): their copies are owed again. */
export async function forgetReplicaDerivativeCopies(db: Queryable, key: string, name: DerivativeName, replicas: readonly string[]): Promise<void> {
  await db.query(`DELETE FROM replica_derivative_copies WHERE key = decode($1, 'hex') AND name = $2 AND replica = ANY($3::text[])`, [key, name, replicas]);
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
