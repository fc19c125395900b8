import type { Job, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { HEAVY_QUEUE_NAME, JOB_LANES, JOB_NAMES, QUEUE_NAME, jobIdFor, type JobName, type JobPayload } from '../../domain/queue/jobs';
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
/**
 * BullMQ takes every job without a priority before any prioritized one, so background jobs get a
 * priority and first-look jobs none: a background job starts only when no first-look job waits.
 */
const BACKGROUND_PRIORITY = 10;

/** The queue a job waits in, and its priority there (domain/queue/jobs.ts: JOB_LANES). */
function placeOf(name: JobName): { queue: string; priority?: number } {
  const lane = JOB_LANES[name];
  const queue = lane === 'heavy' || lane === 'heavy-background' ? HEAVY_QUEUE_NAME : QUEUE_NAME;
  return lane === 'background' || lane === 'heavy-background' ? { queue, priority: BACKGROUND_PRIORITY } : { queue };
}

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
  const opened = new Map<string, Queue>();
  const openQueue = (name: string) => {
    let queue = opened.get(name);
    if (!queue) {
      queue = new (bullmq().Queue)(name, { connection, prefix: options.prefix });
      queue.on('error', () => undefined);
      opened.set(name, queue);
    }
    return queue;
  };
  return {
    async enqueue(name, ids) {
      if (!JOB_NAMES.includes(name)) throw new Error(`unknown job ${name}`);
      const place = placeOf(name);
      const opts = {
        attempts: UNLIMITED_ATTEMPTS,
        backoff: { type: BACKOFF },
        removeOnComplete: true,
        removeOnFail: true, // the failure reason lives in PostgreSQL; a kept job would block re-enqueueing
        ...(place.priority ? { priority: place.priority } : {}),
      };
      for (let i = 0; i < ids.length; i += BULK_SIZE) {
        const jobs = ids.slice(i, i + BULK_SIZE).map((id) => ({ name, data: { id }, opts: { ...opts, jobId: jobIdFor(name, id) } }));
        await withTimeout(openQueue(place.queue).addBulk(jobs), ENQUEUE_TIMEOUT_MS);
      }
    },
    async ping() {
      // Not queued for a reconnect (which is what every other command does): a probe wants now.
      if (connection.status !== 'ready') throw new Error(`Redis is ${connection.status}`);
      await withTimeout(connection.ping(), ENQUEUE_TIMEOUT_MS);
    },
    async close() {
      await Promise.all([...opened.values()].map((q) => q.close().catch(() => undefined)));
      connection.disconnect();
    },
  };
}

export type ConsumerOptions = {
  redisUrl: string;
  prefix: string;
  /** Jobs at once from the first-look and background lanes. */
  concurrency: number;
  /** Jobs at once from the heavy lane (videos), in a worker of their own. */
  heavyConcurrency: number;
  /** The longest wait between two attempts of a job (domain/queue/retry.ts). */
  retryMaxDelayMs: number;
  /** How long close() lets running jobs finish before it cuts the connections. */
  stopGraceMs: number;
  /** How long a job's lock lasts without renewal, and how often stalled jobs are looked for (BullMQ's defaults: 30 s each; tests shorten them). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
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
  const settings = { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, options.retryMaxDelayMs) };
  // One BullMQ worker per queue: the heavy lane's slots are its own, so videos never take a photo's.
  const workers = [
    { queue: QUEUE_NAME, concurrency: options.concurrency },
    { queue: HEAVY_QUEUE_NAME, concurrency: options.heavyConcurrency },
  ].map(({ queue, concurrency }) => {
    const worker = new Worker<JobPayload, unknown, JobName>(
      queue,
      (job: Job<JobPayload, unknown, JobName>) => run({ name: job.name, id: job.data.id, attempt: job.attemptsMade + 1, queuedAt: new Date(job.timestamp) }),
      {
        connection,
        prefix: options.prefix,
        concurrency,
        autorun: true,
        maxStalledCount: STALLS_ALWAYS_RETRIED,
        settings,
        ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
        ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
      },
    );
    worker.on('error', (err) => log.warn({ err: err.message }, 'worker error'));
    worker.on('stalled', (jobId) => log.warn({ jobId }, 'a job stalled (its worker stopped or was blocked); it waits to be taken up again'));
    return worker;
  });
  // Share the workers' connection: only to make waiting jobs due now.
  const queues = [QUEUE_NAME, HEAVY_QUEUE_NAME].map((name) => new Queue(name, { connection, prefix: options.prefix }));
  for (const queue of queues) queue.on('error', () => undefined); // the connection reports its problems above
  return {
    async retryDelayedNow() {
      await Promise.all(queues.map((q) => q.promoteJobs()));
    },
    async close() {
      // Running jobs may finish, but a shutdown never hangs on them (BullMQ's close can wait
      // forever on a job whose Redis went away): past the grace period the connections are cut,
      // and files left "processing" are picked up again by the next sweep.
      const closed = Promise.all(workers.map((w) => w.close())).then(() => true, () => true);
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<boolean>((resolve) => {
        graceTimer = setTimeout(() => resolve(false), options.stopGraceMs);
      });
      const inTime = await Promise.race([closed, grace]);
      clearTimeout(graceTimer);
      if (!inTime) {
        log.warn({ graceMs: options.stopGraceMs }, 'jobs still running at shutdown; disconnecting (their files are picked up again)');
        await Promise.all(workers.map((w) => w.disconnect().catch(() => undefined)));
      }
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      connection.disconnect();
    },
  };
}
