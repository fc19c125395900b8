import type { JobName } from '../queue/jobs';

/** Where jobs wait for the worker. Payloads are ids only (domain/queue/jobs.ts). */
export type JobQueue = {
  /** Enqueues a job per id, in bulk; an id whose job still exists is skipped (job id = row id). */
  enqueue(name: JobName, ids: readonly string[]): Promise<void>;
  /** Resolves when the queue's server answers now; rejects at once when it is not connected. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

/** One job as the worker receives it; `attempt` counts from 1 up to `attempts`. */
export type QueuedJob = { name: JobName; id: string; attempt: number; attempts: number };

/** The worker's side of the queue: runs jobs until closed. */
export type JobConsumer = { close(): Promise<void> };
