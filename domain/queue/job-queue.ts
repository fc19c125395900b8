import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { JOB_NAMES, QUEUE_NAME, jobIdFor, type JobName } from './jobs';

export type JobQueue = {
  enqueue(name: JobName, id: string): Promise<void>;
  close(): Promise<void>;
};

export type QueueOptions = { redisUrl: string; prefix: string; attempts: number };

export function createRedis(url: string, forWorker: boolean): IORedis {
  return new IORedis(url, {
    // BullMQ workers must block indefinitely; producers should fail fast when Redis is away so
    // uploads still commit (PostgreSQL is the source of truth and the sweep re-enqueues later).
    maxRetriesPerRequest: forWorker ? null : 1,
    enableOfflineQueue: forWorker,
    lazyConnect: false,
  });
}

export function createJobQueue(options: QueueOptions): JobQueue {
  const connection = createRedis(options.redisUrl, false);
  connection.on('error', () => undefined); // reported where enqueue fails; the sweep recovers
  const queue = new Queue(QUEUE_NAME, { connection, prefix: options.prefix });
  queue.on('error', () => undefined);
  return {
    async enqueue(name, id) {
      if (!JOB_NAMES.includes(name)) throw new Error(`unknown job ${name}`);
      await queue.add(
        name,
        { id },
        {
          jobId: jobIdFor(name, id),
          attempts: options.attempts,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: true,
          removeOnFail: true, // the failure reason lives in PostgreSQL; a kept job would block re-enqueueing
        },
      );
    },
    async close() {
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}
