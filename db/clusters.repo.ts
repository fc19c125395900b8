/**
 * Stored clusters (db/migrations/021_clusters.sql): the links between submissions that belong
 * together and the cluster each linked submission is in. Every change takes the advisory lock
 * 'svidetel:clusters' until the caller's transaction ends, so two clusters growing at the same
 * moment are merged by one of them, never split; deferred triggers check the result at commit.
 */
import type { ClusterReason } from '../domain/moderation/clusters';
import type { Queryable } from './pool';

export async function lockClusters(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('svidetel:clusters'))`);
}

/**
 * Links `id` to each partner (other submissions) and puts the whole connected group into one
 * cluster, named after its earliest received member. One statement after the lock: the links
 * are inserted, the group is walked from `id` over the links as they are now (the new ones
 * included), and the members whose cluster differs are moved. Returns the cluster's id, or null
 * when nothing was linked.
 */
export async function linkSubmission(db: Queryable, id: string, partners: { id: string; reason: ClusterReason }[]): Promise<string | null> {
  const others = partners.filter((p) => p.id !== id);
  if (others.length === 0) return null;
  await lockClusters(db);
  await db.query(
    `INSERT INTO submission_links (a, b, reason)
     SELECT least($1::uuid, p.id), greatest($1::uuid, p.id), p.reason
       FROM unnest($2::uuid[], $3::text[]) AS p (id, reason)
     ON CONFLICT DO NOTHING`,
    [id, others.map((p) => p.id), others.map((p) => p.reason)],
  );
  const { rows } = await db.query<{ cluster_id: string }>(
    `WITH RECURSIVE grp (id) AS (
       SELECT $1::uuid
       UNION
       SELECT x.id FROM grp g CROSS JOIN LATERAL (
         SELECT l.b AS id FROM submission_links l WHERE l.a = g.id
         UNION ALL
         SELECT l.a FROM submission_links l WHERE l.b = g.id) x),
     target AS (
       SELECT (array_agg(s.id ORDER BY s.received_at, s.id))[1] AS cluster_id FROM grp JOIN submissions s ON s.id = grp.id),
     moved AS (
       UPDATE submissions s SET cluster_id = target.cluster_id FROM grp, target
        WHERE s.id = grp.id AND s.cluster_id IS DISTINCT FROM target.cluster_id)
     SELECT cluster_id FROM target`,
    [id],
  );
  return rows[0]?.cluster_id ?? null;
}

/**
 * Submissions of the same election, region and station received within `minutes` of `id` (either
 * side), any status: the partners of a same-station link. Read after lockClusters, so a report
 * sent at the same moment from the same station is seen by one of the two.
 */
export async function findSameStation(db: Queryable, id: string, minutes: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT o.id FROM submissions s
       JOIN submissions o ON o.election_id = s.election_id AND o.station_number = s.station_number AND o.region = s.region AND o.id <> s.id
        AND o.received_at BETWEEN s.received_at - $2::int * interval '1 minute' AND s.received_at + $2::int * interval '1 minute'
      WHERE s.id = $1
      ORDER BY o.received_at, o.id
      LIMIT 200`,
    [id, minutes],
  );
  return rows.map((r) => r.id);
}
