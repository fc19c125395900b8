import type { AppContext } from '../domain/context';
import { SCRUB_TICK_MS, scrubTick } from '../domain/integrity/scrub.service';
import { recordFinalFailure, requeueUnfinished } from '../domain/processing/process-media';
import { consumeJobs } from '../infra/compose';
import { assertLogOriginUnchanged } from '../domain/transparency/log.service';
import { publishLogKey, signTreeHeadIfGrown } from '../domain/transparency/signer';
import { JOB_HANDLERS, assertEveryJobHasOneHandler } from './handlers';

export type RunningWorker = { close(): Promise<void> };

/**
 * Runs jobs and the sweep. Errors propagate out of the job function so the queue retries with
 * backoff; only after the last attempt is the failure written to the file's row.
 */
export async function startWorker(ctx: AppContext): Promise<RunningWorker> {
  assertEveryJobHasOneHandler();
  await assertLogOriginUnchanged(ctx);
  // Redis keeps nothing on disk: after it comes back, the queue is rebuilt from PostgreSQL at once.
  const consumer = consumeJobs(ctx, { onReconnect: () => void sweep(null) }, async (job) => {
    const handler = JOB_HANDLERS[job.name];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    try {
      return await handler(ctx, job.id);
    } catch (err) {
      if (job.attempt >= job.attempts) {
        await recordFinalFailure(ctx, job.id, (err as Error).message).catch(() => undefined);
      }
      ctx.log.warn({ job: job.name, id: job.id, attempt: job.attempt, err: (err as Error).message }, 'job failed');
      throw err;
    }
  });

  const sweep = async (olderThan: Date | null) => {
    try {
      const n = await requeueUnfinished(ctx, olderThan);
      if (n > 0) ctx.log.info({ requeued: n }, 'requeued unfinished files from PostgreSQL');
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'sweep could not run; will try again');
    }
  };
  await sweep(null); // on start: everything unfinished, whatever its age
  const timer = setInterval(() => void sweep(new Date(ctx.clock.now().getTime() - ctx.config.staleJobMs)), ctx.config.sweepIntervalMs);
  timer.unref();

  // Transparency log: a new signed tree head when the log grew, at most every LOG_STH_INTERVAL_SECONDS.
  const signHead = () => signTreeHeadIfGrown(ctx).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not sign a tree head'));
  // On start: creates the key on the first start, records its public half for the API, signs what was appended meanwhile.
  await publishLogKey(ctx).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not publish the log key'));
  await signHead();
  const signTimer = setInterval(() => void signHead(), Math.max(250, ctx.config.logSthIntervalMs / 4));
  signTimer.unref();

  // The scrub: originals re-hashed and the log's hashes recomputed, at the configured rates.
  const scrubTimer = setInterval(() => void scrubTick(ctx), SCRUB_TICK_MS);
  scrubTimer.unref();

  return {
    async close() {
      clearInterval(timer);
      clearInterval(signTimer);
      clearInterval(scrubTimer);
      await consumer.close();
    },
  };
}
