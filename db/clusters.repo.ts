/**
 * Stored clusters (db/migrations/021_clusters.sql): the links between submissions that belong
 * together and the cluster each linked submission is in. Every change is one call of a function
 * (db/migrations/026_short_locks.sql) that takes the advisory lock 'svidetel:clusters' and then
 * reads and writes in statements of their own, so two clusters growing at the same moment are merged
 * by one of them, never split; deferred triggers check the result at commit. Called outside a
 * transaction, the lock is held for the call alone, never while a client's next statement is awaited.
 */
import type { ClusterReason } from '../domain/moderation/clusters';
import type { Queryable } from './pool';

/** Links `id` to each partner (other submissions) and merges their clusters. Returns the cluster's id, or null when nothing was linked. */
export async function linkSubmission(db: Queryable, id: string, partners: { id: string; reason: ClusterReason }[]): Promise<string | null> {
  const others = partners.filter((p) => p.id !== id);
  if (others.length === 0) return null;
  const { rows } = await db.query<{ cluster_id: string | null }>({
    name: 'clusters.link',
    text: 'SELECT clusters_link($1::uuid, $2::uuid[], $3::text[]) AS cluster_id',
    values: [id, others.map((p) => p.id), others.map((p) => p.reason)],
  });
  return rows[0]?.cluster_id ?? null;
}

/**
 * Links `id` to the nearest few submissions of the same election, region and station received
 * within `minutes` of it (either side, any status), for `reason`, and merges their clusters: a
 * report sent at the same moment from the same station is seen by one of the two. Idempotent.
 * Returns the cluster's id, or null when there was no partner.
 */
export async function linkSameStation(db: Queryable, id: string, minutes: number, reason: ClusterReason): Promise<string | null> {
  const { rows } = await db.query<{ cluster_id: string | null }>({
    name: 'clusters.link_same_station',
    text: 'SELECT clusters_link_same_station($1::uuid, $2::int, $3::text) AS cluster_id',
    values: [id, minutes, reason],
  });
  return rows[0]?.cluster_id ?? null;
}
