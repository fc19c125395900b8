/**
 * Stored clusters (db/migrations/021_clusters.sql): the links between submissions that belong
 * together and the cluster each linked submission is in. Every change takes the advisory lock
 * 'svidetel:clusters' until the caller's transaction ends, so two clusters growing at the same
 * moment are merged by one of them, never split; deferred triggers check the result at commit.
 */
import type { ClusterReason } from '../domain/moderation/clusters';
import type { Queryable } from './pool';

export async function lockClusters(db: Queryable): Promise<void> {
  await db.query({ name: 'clusters.lock', text: `SELECT pg_advisory_xact_lock(hashtext('svidetel:clusters'))` });
}

/**
 * The tail of a linking statement: `ends` (the new submission and its partners: a CTE the statement
 * defines before this) are put, with everything already in their clusters, into one cluster named
 * after its earliest received member. The group is not walked over its links: every linked
 * submission already carries its cluster (the triggers see to it), and a cluster is named after its
 * earliest member, so the merged cluster's name is the earliest of the clusters' names and of the
 * members that had none, and only the members of the clusters merged away are moved. A report
 * joining a busy station's cluster of thousands thus costs a few rows, not a walk of them all while
 * the log's lock is held. Selects the cluster's id.
 */
const MERGE_ENDS = `
     named AS (
       SELECT s.id, s.received_at FROM submissions s WHERE s.id = ANY(ARRAY(SELECT cluster_id FROM ends WHERE cluster_id IS NOT NULL))
       UNION
       SELECT s.id, s.received_at FROM submissions s JOIN ends e ON e.id = s.id WHERE e.cluster_id IS NULL),
     target AS (
       SELECT id AS cluster_id FROM named ORDER BY received_at, id LIMIT 1),
     moved AS (
       -- = ANY of an array of the union, not an OR of the two: the rows are read by the key, never the whole table
       UPDATE submissions s SET cluster_id = target.cluster_id FROM target
        WHERE s.cluster_id IS DISTINCT FROM target.cluster_id
          AND s.id = ANY(ARRAY(SELECT id FROM ends
                               UNION
                               SELECT m.id FROM submissions m, (SELECT ARRAY(SELECT e.cluster_id FROM ends e, target t WHERE e.cluster_id IS NOT NULL AND e.cluster_id <> t.cluster_id) AS away) c
                                WHERE cardinality(c.away) > 0 AND m.cluster_id = ANY(c.away))))
     SELECT cluster_id FROM target`;

/** Links `id` to each partner (other submissions) and merges their clusters (MERGE_ENDS). Returns the cluster's id, or null when nothing was linked. */
export async function linkSubmission(db: Queryable, id: string, partners: { id: string; reason: ClusterReason }[]): Promise<string | null> {
  const others = partners.filter((p) => p.id !== id);
  if (others.length === 0) return null;
  await lockClusters(db);
  const { rows } = await db.query<{ cluster_id: string }>(
    `WITH links AS (
       INSERT INTO submission_links (a, b, reason)
       SELECT least($1::uuid, p.id), greatest($1::uuid, p.id), p.reason
         FROM unnest($2::uuid[], $3::text[]) AS p (id, reason)
       ON CONFLICT DO NOTHING),
     ends AS (
       SELECT s.id, s.cluster_id FROM submissions s WHERE s.id = ANY(array_prepend($1::uuid, $2::uuid[]))),${MERGE_ENDS}`,
    [id, others.map((p) => p.id), others.map((p) => p.reason)],
  );
  return rows[0]?.cluster_id ?? null;
}

/**
 * Links `id` to the submissions of the same election, region and station received within `minutes`
 * of it (either side, any status), the nearest in time first, for `reason`, and merges their clusters; in one
 * statement, run after lockClusters, so a report sent at the same moment from the same station is
 * seen by one of the two (a statement that waited for the lock would not see what its holder wrote).
 * A few partners are enough (they are all in one cluster already); linking every report of a busy
 * station's ten minutes would add hundreds of links per report. Returns the cluster's id, or null
 * when there was no partner.
 */
export async function linkSameStation(db: Queryable, id: string, minutes: number, reason: ClusterReason): Promise<string | null> {
  const { rows } = await db.query<{ cluster_id: string }>({
    name: 'clusters.link_same_station',
    // The nearest 8 on each side by two index scans with a limit (LATERAL, in the index's own order,
    // so even a generic plan reads 8 rows), then the nearest 8 of those: the partners of ordering the
    // whole window (but for reports received in the same microsecond), without reading every report
    // of a busy station's window (thousands at noon) under the locks. Every other read is = ANY of an
    // array: by key, whatever the planner expects.
    text: `WITH me AS (
       SELECT election_id, station_number, region, received_at FROM submissions WHERE id = $1::uuid),
     near AS (
       SELECT b.id, b.received_at FROM me, LATERAL (
         SELECT o.id, o.received_at FROM submissions o
          WHERE o.election_id = me.election_id AND o.station_number = me.station_number AND o.region = me.region AND o.id <> $1::uuid
            AND o.received_at BETWEEN me.received_at - $2::int * interval '1 minute' AND me.received_at
          ORDER BY o.received_at DESC LIMIT 8) b
       UNION ALL
       SELECT a.id, a.received_at FROM me, LATERAL (
         SELECT o.id, o.received_at FROM submissions o
          WHERE o.election_id = me.election_id AND o.station_number = me.station_number AND o.region = me.region AND o.id <> $1::uuid
            AND o.received_at > me.received_at AND o.received_at <= me.received_at + $2::int * interval '1 minute'
          ORDER BY o.received_at LIMIT 8) a),
     others AS (
       SELECT near.id FROM near, me ORDER BY abs(extract(epoch FROM near.received_at - me.received_at)), near.id LIMIT 8),
     links AS (
       INSERT INTO submission_links (a, b, reason)
       SELECT least($1::uuid, o.id), greatest($1::uuid, o.id), $3::text FROM others o
       ON CONFLICT DO NOTHING),
     ends AS (
       -- = ANY of an array: the planner expects a few rows and reads them by the key, never the table
       SELECT s.id, s.cluster_id FROM submissions s
        WHERE s.id = ANY(ARRAY(SELECT id FROM others) || CASE WHEN EXISTS (SELECT 1 FROM others) THEN $1::uuid END)),${MERGE_ENDS}`,
    values: [id, minutes, reason],
  });
  return rows[0]?.cluster_id ?? null;
}
