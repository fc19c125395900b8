import { Worker, type Job } from 'bullmq';
import type { AppContext } from '../domain/context';
import { recordFinalFailure, requeueUnfinished } from '../domain/processing/process-media';
import { createRedis } from '../domain/queue/job-queue';
import { QUEUE_NAME, type JobName, type JobPayload } from '../domain/queue/jobs';
import { publishLogKey, signTreeHeadIfGrown } from '../domain/transparency/signer';
import { JOB_HANDLERS, assertEveryJobHasOneHandler } from './handlers';

export type RunningWorker = { close(): Promise<void> };

/**
 * Runs jobs and the sweep. Errors propagate out of the job function so BullMQ retries with
 * backoff; only after the last attempt is the failure written to the file's row.
 */
export async function startWorker(ctx: AppContext): Promise<RunningWorker> {
  assertEveryJobHasOneHandler();
  const connection = createRedis(ctx.config.redisUrl);
  connection.on('error', (err) => ctx.log.warn({ err: err.message }, 'redis connection problem; retrying'));
  // Redis here keeps nothing on disk: after it comes back, rebuild the queue from PostgreSQL at once.
  let connectedBefore = false;
  connection.on('ready', () => {
    if (connectedBefore) void sweep(null);
    connectedBefore = true;
  });

  const worker = new Worker<JobPayload, unknown, JobName>(
    QUEUE_NAME,
    async (job: Job<JobPayload, unknown, JobName>) => {
      const handler = JOB_HANDLERS[job.name];
      if (!handler) throw new Error(`no handler for job ${job.name}`);
      try {
        return await handler(ctx, job.data.id);
      } catch (err) {
        const attempts = job.opts.attempts ?? 1;
        if (job.attemptsMade + 1 >= attempts) {
          await recordFinalFailure(ctx, job.data.id, (err as Error).message).catch(() => undefined);
        }
        ctx.log.warn({ job: job.name, id: job.data.id, attempt: job.attemptsMade + 1, err: (err as Error).message }, 'job failed');
        throw err;
      }
    },
    { connection, prefix: ctx.config.queuePrefix, concurrency: ctx.config.workerConcurrency, autorun: true },
  );
  worker.on('error', (err) => ctx.log.warn({ err: err.message }, 'worker error'));

  const sweep = async (olderThan: Date | null) => {
    try {
      const n = await requeueUnfinished(ctx, olderThan);
      if (n > 0) ctx.log.info({ requeued: n }, 'requeued unfinished files from PostgreSQL');
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'sweep could not run; will try again');
    }
  };
  await sweep(null); // on start: everything unfinished, whatever its age
  const timer = setInterval(() => void sweep(new Date(Date.now() - ctx.config.staleJobMs)), ctx.config.sweepIntervalMs);
  timer.unref();

  // Transparency log: a new signed tree head when the log grew, at most every LOG_STH_INTERVAL_SECONDS.
  const signHead = () => signTreeHeadIfGrown(ctx).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not sign a tree head'));
  // On start: creates the key on the first start, records its public half for the API, signs what was appended meanwhile.
  await publishLogKey(ctx).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not publish the log key'));
  await signHead();
  const signTimer = setInterval(() => void signHead(), Math.max(250, ctx.config.logSthIntervalMs / 4));
  signTimer.unref();

  return {
    async close() {
      clearInterval(timer);
      clearInterval(signTimer);
      // Running jobs may finish, but a shutdown never hangs on them (BullMQ's close can wait
      // forever on a job whose Redis went away): past the grace period the connections are cut,
      // and files left "processing" are picked up again by the next sweep.
      const closed = worker.close().then(() => true, () => true);
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<boolean>((resolve) => {
        graceTimer = setTimeout(() => resolve(false), ctx.config.workerStopGraceMs);
      });
      const inTime = await Promise.race([closed, grace]);
      clearTimeout(graceTimer);
      if (!inTime) {
        ctx.log.warn({ graceMs: ctx.config.workerStopGraceMs }, 'jobs still running at shutdown; disconnecting (their files are picked up again)');
        await worker.disconnect().catch(() => undefined);
      }
      connection.disconnect();
    },
  };
}
