/**
 * Every job Svidetel runs, by name. Payloads carry only an id; the handler reloads the row, so a
 * job re-enqueued from PostgreSQL after a Redis restart is the same job.
 */
// scrub-original's id is the original's SHA-256 (hex): one check per stored byte sequence;
// replicate-log's is the replica's name: one copy of the log's public data per replica at a time;
// encode-video's is the media file's: its published copy (domain/processing/video-copy.service.ts).
export const JOB_NAMES = ['process-media', 'backfill-flags', 'replicate-original', 'replicate-log', 'scrub-original', 'encode-video'] as const;
export type JobName = (typeof JOB_NAMES)[number];
export type JobPayload = { id: string };

export const QUEUE_NAME = 'media';

/** The job id is derived from the row id, so enqueueing twice is a no-op while the job exists. */
export const jobIdFor = (name: JobName, id: string) => `${name}_${id}`; // BullMQ forbids ":" in ids
