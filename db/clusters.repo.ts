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
 * cluster, named after its earliest received member. The group is not walked over its links: every
 * linked submission already carries its cluster (the triggers see to it), and a cluster is named
 * after its earliest member, so the merged cluster's name is the earliest of the clusters' names and
 * of the members that had none, and only the members of the clusters merged away are moved. A report
 * joining a busy station's cluster of thousands thus costs a few rows, not a walk of them all while
 * the log's lock is held. Returns the cluster's id, or null when nothing was linked.
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
    `WITH ends AS (
       SELECT s.id, s.cluster_id FROM submissions s WHERE s.id = ANY($1::uuid[])),
     named AS (
       SELECT s.id, s.received_at FROM submissions s WHERE s.id IN (SELECT cluster_id FROM ends WHERE cluster_id IS NOT NULL)
       UNION
       SELECT s.id, s.received_at FROM submissions s JOIN ends e ON e.id = s.id WHERE e.cluster_id IS NULL),
     target AS (
       SELECT id AS cluster_id FROM named ORDER BY received_at, id LIMIT 1),
     moved AS (
       UPDATE submissions s SET cluster_id = target.cluster_id FROM target
        WHERE s.cluster_id IS DISTINCT FROM target.cluster_id
          AND (s.id IN (SELECT id FROM ends)
               OR s.cluster_id IN (SELECT e.cluster_id FROM ends e, target t WHERE e.cluster_id IS NOT NULL AND e.cluster_id <> t.cluster_id)))
     SELECT cluster_id FROM target`,
    [[id, ...others.map((p) => p.id)]],
  );
  return rows[0]?.cluster_id ?? null;
}

/**
 * Submissions of the same election, region and station received within `minutes` of `id` (either
 * side), any status: the partners of a same-station link, the nearest in time first. A few are
 * enough (they are all in one cluster already); linking every report of a busy station's ten
 * minutes would add hundreds of links per report. Read after lockClusters, so a report sent at the
 * same moment from the same station is seen by one of the two.
 */
export async function findSameStation(db: Queryable, id: string, minutes: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT o.id FROM submissions s
       JOIN submissions o ON o.election_id = s.election_id AND o.station_number = s.station_number AND o.region = s.region AND o.id <> s.id
        AND o.received_at BETWEEN s.received_at - $2::int * interval '1 minute' AND s.received_at + $2::int * interval '1 minute'
      WHERE s.id = $1
      ORDER BY abs(extract(epoch FROM o.received_at - s.received_at)), o.id
      LIMIT 8`,
    [id, minutes],
  );
  return rows.map((r) => r.id);
}
