import type { JobName } from '../queue/jobs';

/** Where jobs wait for the worker. Payloads are ids only (domain/queue/jobs.ts). */
export type JobQueue = {
  /** Enqueues a job per id, in bulk; an id whose job still exists is skipped (job id = row id). */
  enqueue(name: JobName, ids: readonly string[]): Promise<void>;
  /** Resolves when the queue's server answers now; rejects at once when it is not connected. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

/**
 * One job as the worker receives it; `attempt` counts from 1. A job is retried, after a wait that
 * grows, for as long as it keeps throwing: the worker decides when to stop (the retry window from
 * `queuedAt`), so the queue never drops a job on its own.
 */
export type QueuedJob = { name: JobName; id: string; attempt: number; queuedAt: Date };

/** The worker's side of the queue: runs jobs until closed. */
export type JobConsumer = {
  /** Every job waiting out a backoff is due now: what it waited for (PostgreSQL) is back. */
  retryDelayedNow(): Promise<void>;
  close(): Promise<void>;
};
