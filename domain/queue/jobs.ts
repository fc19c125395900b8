/**
 * Every job Svidetel runs, by name. Payloads carry only an id; the handler reloads the row, so a
 * job re-enqueued from PostgreSQL after a Redis restart is the same job.
 */
// scrub-original's id is the original's SHA-256 (hex): one check per stored byte sequence;
// replicate-log's is the replica's name: one copy of the log's public data per replica at a time;
// verify-replica-copy's is replicate-original's, `<replica>.<sha256>`: one read-back of that copy at a time;
// replicate-derivative's is `<replica>.<key>.<name>` (domain/replication/derivatives.service.ts);
// encode-video's is the media file's: its published copy (domain/processing/video-copy.service.ts).
export const JOB_NAMES = [
  'process-media',
  'process-video',
  'render-preview',
  'backfill-flags',
  'replicate-original',
  'replicate-log',
  'replicate-derivative',
  'scrub-original',
  'verify-replica-copy',
  'encode-video',
] as const;
export type JobName = (typeof JOB_NAMES)[number];
export type JobPayload = { id: string };

/**
 * Which jobs wait for which. At noon a moderator's first look at every photo matters more than any
 * one long job, so:
 * - `first-look`: a photo made ready for moderation (hash, metadata, flags, thumbnail), and flags
 *   recomputed; taken first.
 * - `background`: taken only when no first-look job waits (a HEIC's full-size preview, the scrub,
 *   copies to replicas).
 * - `heavy`: videos, in a pool of their own (WORKER_HEAVY_CONCURRENCY, one by default), so a burst
 *   of long clips never holds every slot that photos need.
 * - `heavy-background`: in the videos' pool, taken only when no video waits for its first look (the
 *   published copy, a transcode of minutes).
 */
export type JobLane = 'first-look' | 'background' | 'heavy' | 'heavy-background';

export const JOB_LANES: Record<JobName, JobLane> = {
  'process-media': 'first-look',
  'backfill-flags': 'first-look',
  'process-video': 'heavy',
  'render-preview': 'background',
  'replicate-original': 'background',
  'replicate-log': 'background',
  'replicate-derivative': 'background',
  'scrub-original': 'background',
  'verify-replica-copy': 'background',
  'encode-video': 'heavy-background',
};

/** Jobs that make a file ready: a transient failure past the retry window parks the file in PostgreSQL. */
export const PROCESSING_JOBS: readonly JobName[] = ['process-media', 'process-video'];

export const QUEUE_NAME = 'media';
/** The heavy lane's own queue, with its own (small) concurrency. */
export const HEAVY_QUEUE_NAME = 'media-heavy';

/** The job id is derived from the row id, so enqueueing twice is a no-op while the job exists. */
export const jobIdFor = (name: JobName, id: string) => `${name}_${id}`; // BullMQ forbids ":" in ids
