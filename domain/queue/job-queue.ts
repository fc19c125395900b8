import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { JOB_NAMES, QUEUE_NAME, jobIdFor, type JobName } from './jobs';

export type JobQueue = {
  /** Enqueues a job per id, in bulk; ids whose job still exists are skipped by BullMQ (job id = row id). */
  enqueue(name: JobName, ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
};

export type QueueOptions = { redisUrl: string; prefix: string; attempts: number };

const ENQUEUE_TIMEOUT_MS = 3000;
const BULK_SIZE = 1000; // one round trip per thousand jobs when the sweep re-enqueues a backlog

/** BullMQ needs commands that wait for a reconnect rather than fail (maxRetriesPerRequest: null). */
export function createRedis(url: string): IORedis {
  return new IORedis(url, { maxRetriesPerRequest: null });
}

/**
 * An upload must not hang on Redis: after a short wait the caller moves on (the rows are committed
 * and the sweep re-enqueues), while the command itself still runs once Redis is back.
 */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createJobQueue(options: QueueOptions): JobQueue {
  const connection = createRedis(options.redisUrl);
  connection.on('error', () => undefined); // reported where enqueue fails; the sweep recovers
  const queue = new Queue(QUEUE_NAME, { connection, prefix: options.prefix });
  queue.on('error', () => undefined);
  return {
    async enqueue(name, ids) {
      if (!JOB_NAMES.includes(name)) throw new Error(`unknown job ${name}`);
      const opts = {
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: true,
        removeOnFail: true, // the failure reason lives in PostgreSQL; a kept job would block re-enqueueing
      };
      for (let i = 0; i < ids.length; i += BULK_SIZE) {
        const jobs = ids.slice(i, i + BULK_SIZE).map((id) => ({ name, data: { id }, opts: { ...opts, jobId: jobIdFor(name, id) } }));
        await withTimeout(queue.addBulk(jobs), ENQUEUE_TIMEOUT_MS);
      }
    },
    async close() {
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}
