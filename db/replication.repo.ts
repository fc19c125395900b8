import type { ReplicaLag } from '../domain/replication/model';
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

/** Per replica: how many originals it lacks, since when the oldest of them is owed, its last confirmed copy, and how far it holds the log. */
export async function replicationStatus(db: Queryable, replicas: readonly string[]): Promise<ReplicaLag[]> {
  const { rows } = await db.query<ReplicaLag>(
    `SELECT r.name AS replica,
            (SELECT count(*)::int FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM replica_copies c WHERE c.sha256 = b.sha256 AND c.replica = r.name)) AS missing,
            (SELECT min(b.stored_at) FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM replica_copies c WHERE c.sha256 = b.sha256 AND c.replica = r.name)) AS "oldestMissingSince",
            (SELECT max(c.confirmed_at) FROM replica_copies c WHERE c.replica = r.name) AS "lastConfirmedAt",
            coalesce(l.tree_size, 0)::float8 AS "logTreeSize",
            l.confirmed_at AS "logConfirmedAt"
       FROM unnest($1::text[]) WITH ORDINALITY AS r(name, position)
       LEFT JOIN replica_log_copies l ON l.replica = r.name
      ORDER BY r.position`,
    [replicas],
  );
  return rows;
}
