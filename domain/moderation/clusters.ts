/**
 * Clusters in the queue: submissions that hold the same picture (exact or near duplicates), the two
 * halves of a Live Photo, or reports from the same station within minutes are shown as one group
 * that a moderator opens, merges (by picking the one to keep) and decides together.
 */
import type { Repositories, TxRepositories } from '../../db/repositories';
import type { RelatedFile } from '../media/model';
import type { QueueItem } from '../submissions/model';

export const CLUSTER_REASONS = ['exact_duplicate', 'near_duplicate', 'live_photo_pair', 'same_station'] as const;
export type ClusterReason = (typeof CLUSTER_REASONS)[number];

export const isClusterReason = (r: string): r is ClusterReason => (CLUSTER_REASONS as readonly string[]).includes(r);

/** Reports from the same station received this close together are grouped. */
export const SAME_STATION_MINUTES = 10;

/** Two submissions that belong together, and why (a = b: the reason one entry gives for its cluster). */
export type ClusterLink = { a: string; b: string; reason: ClusterReason };

/** A queue entry, or several that belong together (in queue order, the first standing for them). */
export type QueueGroup = { items: QueueItem[]; reasons: ClusterReason[] };

/**
 * Groups a queue page by its stored clusters (items of one cluster_id) and by its links
 * (union-find), keeping the queue's order of first appearance.
 */
export function groupQueue(items: (QueueItem & { cluster_id?: string | null })[], links: ClusterLink[]): QueueGroup[] {
  const parent = new Map(items.map((i) => [i.id, i.id]));
  const root = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(id, r);
    return r;
  };
  const firstOfCluster = new Map<string, string>();
  const together = [...links];
  for (const item of items) {
    if (!item.cluster_id) continue;
    const first = firstOfCluster.get(item.cluster_id);
    if (first) together.push({ a: first, b: item.id, reason: 'same_station' });
    else firstOfCluster.set(item.cluster_id, item.id);
  }
  for (const { a, b } of together) {
    if (!parent.has(a) || !parent.has(b)) continue;
    const [ra, rb] = [root(a), root(b)];
    if (ra !== rb) parent.set(rb, ra);
  }
  const groups = new Map<string, QueueGroup>();
  for (const item of items) {
    const r = root(item.id);
    if (!groups.has(r)) groups.set(r, { items: [], reasons: [] });
    groups.get(r)!.items.push(item);
  }
  for (const link of links) {
    if (!parent.has(link.a)) continue;
    const group = groups.get(root(link.a))!;
    if (!group.reasons.includes(link.reason)) group.reasons.push(link.reason);
  }
  for (const g of groups.values()) g.reasons.sort((x, y) => CLUSTER_REASONS.indexOf(x) - CLUSTER_REASONS.indexOf(y));
  return [...groups.values()];
}

/** The repositories the cluster upkeep uses: the pool's or a transaction's. */
type ClusterRepos = Pick<Repositories | TxRepositories, 'clusters'>;

/**
 * A new submission joins the cluster of the reports from its station within SAME_STATION_MINUTES
 * (any status). Called once it is committed, outside its transaction: the clusters' lock is then held
 * for one statement only, not across the upload's remaining waits; of two reports sent at once from
 * one station, the second to take the lock sees the first. Idempotent: the worker calls it again for
 * each file it processes, so a report whose process died between its commit and this call still joins.
 */
export function clusterSameStation(repos: ClusterRepos, submissionId: string): Promise<string | null> {
  return repos.clusters.linkSameStation(submissionId, SAME_STATION_MINUTES, 'same_station');
}

/**
 * A processed file's relations (exact and near duplicates, Live Photo partners) in other
 * submissions link its submission to theirs; partners in the same submission link nothing. Called
 * once the file's transaction has committed, as one statement: the clusters' lock, which every
 * upload takes, is never held while the (low-priority) worker's next statement is awaited.
 */
export async function clusterRelatedFiles(repos: ClusterRepos, submissionId: string, related: readonly Pick<RelatedFile, 'submission_id' | 'relation'>[]): Promise<string | null> {
  const partners = related.filter((r) => r.submission_id !== submissionId).map((r) => ({ id: r.submission_id, reason: r.relation }));
  return repos.clusters.linkSubmission(submissionId, partners);
}
