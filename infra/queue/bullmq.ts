import type { Job, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { JOB_NAMES, QUEUE_NAME, jobIdFor, type JobName, type JobPayload } from '../../domain/queue/jobs';
import type { JobConsumer, JobQueue, QueuedJob } from '../../domain/ports/job-queue';
import type { Logger } from '../../domain/logger';
import { retryDelayMs } from '../../domain/queue/retry';

export type QueueOptions = { redisUrl: string; prefix: string };

const ENQUEUE_TIMEOUT_MS = 3000;
/** BullMQ counts attempts; ours end by time (the worker's retry window), so the count never does. */
const UNLIMITED_ATTEMPTS = 1_000_000;
/** Our backoff (domain/queue/retry.ts), registered with the worker under this name. */
const BACKOFF = 'capped-exponential-jitter';
/**
 * A job whose worker died (SIGKILL, OOM) or whose lock lapsed is "stalled"; past maxStalledCount
 * BullMQ fails it outside our handler, which with removeOnFail would drop it unrecorded. So it is
 * always put back to wait instead: a stalled job is taken up again, never dropped.
 */
const STALLS_ALWAYS_RETRIED = 1_000_000;
const BULK_SIZE = 1000; // one round trip per thousand jobs when the sweep re-enqueues a backlog

/** BullMQ needs commands that wait for a reconnect rather than fail (maxRetriesPerRequest: null). */
function createRedis(url: string): IORedis {
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

/**
 * BullMQ (its whole client, ~15 MB of code) is loaded by the first enqueue, not at start: the API
 * sits idle far more than it receives files, and its Redis probe needs only the connection.
 */
const bullmq = () => require('bullmq') as typeof import('bullmq');

export function createBullmqQueue(options: QueueOptions): JobQueue {
  const connection = createRedis(options.redisUrl);
  connection.on('error', () => undefined); // reported where enqueue fails; the sweep recovers
  let opened: Queue | undefined;
  const openQueue = () => {
    if (!opened) {
      opened = new (bullmq().Queue)(QUEUE_NAME, { connection, prefix: options.prefix });
      opened.on('error', () => undefined);
    }
    return opened;
  };
  return {
    async enqueue(name, ids) {
      if (!JOB_NAMES.includes(name)) throw new Error(`unknown job ${name}`);
      const opts = {
        attempts: UNLIMITED_ATTEMPTS,
        backoff: { type: BACKOFF },
        removeOnComplete: true,
        removeOnFail: true, // the failure reason lives in PostgreSQL; a kept job would block re-enqueueing
      };
      for (let i = 0; i < ids.length; i += BULK_SIZE) {
        const jobs = ids.slice(i, i + BULK_SIZE).map((id) => ({ name, data: { id }, opts: { ...opts, jobId: jobIdFor(name, id) } }));
        await withTimeout(openQueue().addBulk(jobs), ENQUEUE_TIMEOUT_MS);
      }
    },
    async ping() {
      // Not queued for a reconnect (which is what every other command does): a probe wants now.
      if (connection.status !== 'ready') throw new Error(`Redis is ${connection.status}`);
      await withTimeout(connection.ping(), ENQUEUE_TIMEOUT_MS);
    },
    async close() {
      await opened?.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}

export type ConsumerOptions = {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  /** The longest wait between two attempts of a job (domain/queue/retry.ts). */
  retryMaxDelayMs: number;
  /** How long close() lets running jobs finish before it cuts the connections. */
  stopGraceMs: number;
  log: Logger;
  /** Redis came back after a loss: it keeps nothing on disk, so the queue is rebuilt by the caller. */
  onReconnect(): void;
};

/**
 * Runs `run` for each job. A job whose `run` throws is retried with backoff (capped, with jitter)
 * for as long as it throws: `run` decides when a job is done, by returning.
 */
export function consumeBullmqJobs(options: ConsumerOptions, run: (job: QueuedJob) => Promise<unknown>): JobConsumer {
  const { log } = options;
  const connection = createRedis(options.redisUrl);
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis connection problem; retrying'));
  let connectedBefore = false;
  connection.on('ready', () => {
    if (connectedBefore) options.onReconnect();
    connectedBefore = true;
  });
  const { Queue, Worker } = bullmq();
  const worker = new Worker<JobPayload, unknown, JobName>(
    QUEUE_NAME,
    (job: Job<JobPayload, unknown, JobName>) => run({ name: job.name, id: job.data.id, attempt: job.attemptsMade + 1, queuedAt: new Date(job.timestamp) }),
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: true,
      maxStalledCount: STALLS_ALWAYS_RETRIED,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, options.retryMaxDelayMs) },
    },
  );
  worker.on('error', (err) => log.warn({ err: err.message }, 'worker error'));
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'a job stalled (its worker stopped or was blocked); it waits to be taken up again'));
  // Shares the worker's connection: only to make waiting jobs due now.
  const queue = new Queue(QUEUE_NAME, { connection, prefix: options.prefix });
  queue.on('error', () => undefined); // the worker's connection reports its problems above
  return {
    async retryDelayedNow() {
      await queue.promoteJobs();
    },
    async close() {
      // Running jobs may finish, but a shutdown never hangs on them (BullMQ's close can wait
      // forever on a job whose Redis went away): past the grace period the connections are cut,
      // and files left "processing" are picked up again by the next sweep.
      const closed = worker.close().then(() => true, () => true);
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<boolean>((resolve) => {
        graceTimer = setTimeout(() => resolve(false), options.stopGraceMs);
      });
      const inTime = await Promise.race([closed, grace]);
      clearTimeout(graceTimer);
      if (!inTime) {
        log.warn({ graceMs: options.stopGraceMs }, 'jobs still running at shutdown; disconnecting (their files are picked up again)');
        await worker.disconnect().catch(() => undefined);
      }
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}
