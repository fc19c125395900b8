/**
 * The review queue's addresses, each written once. A review page opened from the queue carries the
 * queue's filter (and from=queue), so previous/next, "back to the queue" and the entry opened after
 * a decision stay in the queue the moderator chose.
 */
import type { QueueFilter } from '../domain/submissions/model';

/** The filter as query parameters (without the cursor), so paging, status links and review pages keep it. */
export function queueFilterParams(f: QueueFilter, overrides: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (f.status !== 'pending') params.set('status', f.status);
  if (f.electionId) params.set('election', String(f.electionId));
  if (f.region) params.set('region', f.region);
  if (f.categoryCode) params.set('category', f.categoryCode);
  if (f.flag) params.set('flag', f.flag);
  if (f.hasVideo) params.set('has_video', '1');
  if (f.receivedFrom) params.set('received_from', f.receivedFrom.toISOString().slice(0, 10));
  if (f.receivedBefore) params.set('received_to', new Date(f.receivedBefore.getTime() - 86_400_000).toISOString().slice(0, 10));
  if (f.sort !== 'oldest') params.set('sort', f.sort);
  for (const [k, v] of Object.entries(overrides)) params.set(k, v);
  return params.toString();
}

export const queueUrl = (f: QueueFilter | null, extra: Record<string, string> = {}) => {
  const query = f ? queueFilterParams(f, extra) : new URLSearchParams(extra).toString();
  return `/moderation${query ? `?${query}` : ''}`;
};

/** The query a review page (and its forms) carries: the queue it was opened from, if any. */
export const reviewQuery = (queue: QueueFilter | null, extra: Record<string, string> = {}) =>
  queue ? queueFilterParams(queue, { from: 'queue', ...extra }) : new URLSearchParams(extra).toString();

export const reviewUrl = (id: string, queue: QueueFilter | null, extra: Record<string, string> = {}) => {
  const query = reviewQuery(queue, extra);
  return `/moderation/submissions/${id}${query ? `?${query}` : ''}`;
};
