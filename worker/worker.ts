import type { AppContext } from '../domain/context';
import { isStoreFailure } from '../domain/errors';
import { cleanCrashLeftovers } from '../domain/integrity/consistency.service';
import { SCRUB_TICK_MS, scrubTick } from '../domain/integrity/scrub.service';
import { requeueOwedPreviews, requeueUnfinished, retryOrPark } from '../domain/processing/process-media.service';
import { PROCESSING_JOBS } from '../domain/queue/jobs';
import { consumeJobs } from '../infra/compose';
import { assertLogOriginUnchanged } from '../domain/transparency/log.service';
import { delegatePromiseKeys, publishLatestHead, publishLogKey, signTreeHeadIfGrown } from '../domain/transparency/signer.service';
import { enqueueDueReplicaChecks, requeueOwedCopies } from '../domain/replication/replication.service';
import { requeueOwedVideoCopies } from '../domain/processing/video-copy.service';
import { JOB_HANDLERS, assertEveryJobHasOneHandler } from './handlers';

export type RunningWorker = { close(): Promise<void> };

/** How often the worker asks whether PostgreSQL is back while it is away. */
const DATABASE_PROBE_MS = 1000;
/** How often the worker looks for promise keys to vouch for and leaves waiting too long. */
const PROMISE_CHECK_MS = 2000;

/**
 * Runs jobs and the sweep. Errors propagate out of the job function so the queue retries with
 * backoff; a file still failing after the retry window is parked in PostgreSQL (retryOrPark). While
 * PostgreSQL is away the worker asks every second whether it is back, and then makes every waiting
 * job due at once: processing resumes within seconds of its return, not after the longest backoff.
 */
export async function startWorker(ctx: AppContext): Promise<RunningWorker> {
  assertEveryJobHasOneHandler();
  // A worker starts while PostgreSQL is away (and recovers when it returns): then the origin is not
  // known yet, and the signer itself refuses a head that its latest head's origin does not match.
  await assertLogOriginUnchanged(ctx).catch((err: unknown) => {
    if (!isStoreFailure(err, 'unreachable') && !isStoreFailure(err, 'unavailable')) throw err;
    ctx.log.warn({ err: (err as Error).message }, 'PostgreSQL cannot be reached at start: the log origin is not checked now');
  });
  let probe: NodeJS.Timeout | undefined;
  let closed = false;
  const watchForDatabase = () => {
    if (probe || closed) return;
    const ask = async () => {
      try {
        await ctx.repos.health.ping();
      } catch {
        if (!closed) probe = setTimeout(() => void ask(), DATABASE_PROBE_MS);
        return;
      }
      probe = undefined;
      ctx.log.info('PostgreSQL is back: retrying waiting jobs now');
      await consumer.retryDelayedNow().catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not make waiting jobs due'));
      await sweep(null);
    };
    probe = setTimeout(() => void ask(), DATABASE_PROBE_MS);
  };

  // Redis keeps nothing on disk: after it comes back, the queue is rebuilt from PostgreSQL at once.
  const consumer = consumeJobs(ctx, { onReconnect: () => void sweep(null) }, async (job) => {
    const handler = JOB_HANDLERS[job.name];
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    try {
      return await handler(ctx, job.id);
    } catch (err) {
      ctx.log.warn({ job: job.name, id: job.id, attempt: job.attempt, err: (err as Error).message }, 'job failed; it will be retried');
      if (isStoreFailure(err, 'unreachable') || isStoreFailure(err, 'unavailable')) watchForDatabase();
      // Only processing parks a file in PostgreSQL; the other jobs (a flags back-fill, a replica's
      // copy, a scrub, an owed preview) have no unfinished state to park: they are retried, and
      // their own sweeps or timers enqueue them again if they still fail.
      if (!PROCESSING_JOBS.includes(job.name)) throw err;
      return await retryOrPark(ctx, job, err);
    }
  });

  const sweep = async (olderThan: Date | null) => {
    try {
      const n = await requeueUnfinished(ctx, olderThan);
      if (n > 0) ctx.log.info({ requeued: n }, 'requeued unfinished files from PostgreSQL');
      const owed = await requeueOwedCopies(ctx);
      if (owed > 0) ctx.log.info({ owed }, 'enqueued copies owed to replicas');
      const videos = await requeueOwedVideoCopies(ctx, olderThan);
      if (videos > 0) ctx.log.info({ videos }, 'enqueued published video copies still owed');
      const previews = await requeueOwedPreviews(ctx);
      if (previews > 0) ctx.log.info({ previews }, 'enqueued owed full-size previews');
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
  await publishLatestHead(ctx).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not write the log tiles to the blob store'));
  const signTimer = setInterval(() => void signHead(), Math.max(250, ctx.config.logSthIntervalMs / 4));
  signTimer.unref();
  // Inclusion promises: the API's promise keys vouched for within seconds, and the promised delay watched.
  const delegate = () => delegatePromiseKeys(ctx).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not delegate promise keys'));
  await delegate();
  const promiseTimer = setInterval(() => void delegate(), PROMISE_CHECK_MS);
  promiseTimer.unref();

  // What a crash left (of any process: stale temp files, originals no committed row records), once
  // per start and in the background: listing a store of millions of originals must not delay jobs.
  void cleanCrashLeftovers(ctx).then(
    (cleaned) => ctx.log.info(cleaned, 'crash leftovers cleaned'),
    (err: Error) => ctx.log.warn({ err: err.message }, 'crash leftovers not cleaned; the next start tries again'),
  );

  // The scrub: originals re-hashed, the log's hashes recomputed and the replicas' copies read back, at the configured rates.
  const checkReplicas = () => enqueueDueReplicaChecks(ctx).catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not schedule the replica verification'));
  const scrubTimer = setInterval(() => void Promise.all([scrubTick(ctx), checkReplicas()]), SCRUB_TICK_MS);
  scrubTimer.unref();

  return {
    async close() {
      clearInterval(timer);
      clearInterval(signTimer);
      clearInterval(promiseTimer);
      closed = true;
      clearTimeout(probe);
      clearInterval(scrubTimer);
      await consumer.close();
    },
  };
}
