import type { DestinationStream } from 'pino';
import { createPool, type Db } from '../db/pool';
import { createDatabase } from '../db/repositories';
import { sessionChangesOver } from '../db/session-changes';
import type { Config, ReplicaConfig } from '../domain/config';
import type { AppContext } from '../domain/context';
import { DependencyError } from '../domain/dependency-error';
import { createLogger, type Logger } from '../domain/logger';
import type { BlobStore, Replica } from '../domain/ports/blob-store';
import type { JobConsumer, JobQueue, QueuedJob } from '../domain/ports/job-queue';
import type { MediaToolkit } from '../domain/ports/media-toolkit';
import type { RateLimits } from '../domain/ports/rate-limits';
import { systemClock } from './clock';
import { checkAppDatabase, checkRedis } from './database';
import { consumeBullmqJobs, createBullmqQueue } from './queue/bullmq';
import { httpNotaries } from './log-notaries/http-notaries';
import { memoryPromiseSigner } from './log-signer/memory-promise-key';
import { boundedByCores } from './process-priority';
import { ed25519KeyFileSigner } from './log-signer/ed25519-key-file';
import { memoryRateLimits, redisRateLimits } from './rate-limits';
import { totpKeyFile } from './secrets/totp-key-file';
import { createFsBlobStore } from './storage/fs-blob-store';

/**
 * The composition root: the one place that picks the adapters behind the ports (filesystem or S3
 * blob store, sharp/ffmpeg toolkit, BullMQ queue, Ed25519 key-file log signer, TOTP key file, system
 * clock) and builds the context the API, the worker, the scripts and the tests run on.
 */
export { ensureDatabase, prepareDatabase } from './database';
/**
 * The media toolkit (sharp/libvips, ffmpeg, heif-convert), loaded on its first use: the API almost
 * never needs it (an image for the similar-image look-up), and libvips loaded at start would sit in
 * its memory for nothing. Alone, it serves tools that read local files and need no database (npm run
 * inspect, media tests).
 */
export function createMediaToolkit(): MediaToolkit {
  let loaded: MediaToolkit | undefined;
  // require, not import(): the module is TypeScript, which only tsx's require hook compiles in the API.
  const toolkit = () => (loaded ??= (require('./media/toolkit') as typeof import('./media/toolkit')).createMediaToolkit());
  return {
    readImageHeader: async (filePath) => toolkit().readImageHeader(filePath),
    probeVideo: async (filePath) => toolkit().probeVideo(filePath),
    renderDerivatives: async (filePath, type, hints, bytes) => toolkit().renderDerivatives(filePath, type, hints, bytes),
    renderFullPreview: async (filePath, type, hints, bytes) => toolkit().renderFullPreview(filePath, type, hints, bytes),
    renderRedactedCopies: async (filePath, type, hints, regions, bytes) => toolkit().renderRedactedCopies(filePath, type, hints, regions, bytes),
    renderContactSheet: async (filePath, hints) => toolkit().renderContactSheet(filePath, hints),
    renderVideoCopy: async (filePath, hints, settings, onProgress, regions) => toolkit().renderVideoCopy(filePath, hints, settings, onProgress, regions),
    perceptualHashOfImage: async (bytes, maxPixels) => toolkit().perceptualHashOfImage(bytes, maxPixels),
  };
}

/**
 * The S3 adapter (the AWS SDK) is loaded only where a bucket is configured or made: loading it
 * costs every process, and every test file, a third of a CPU-second.
 */
const s3Adapter = () => require('./storage/s3-blob-store') as typeof import('./storage/s3-blob-store');
const createS3BlobStore: typeof import('./storage/s3-blob-store').createS3BlobStore = async (options, log) => s3Adapter().createS3BlobStore(options, log);
/** For a deployment's own S3 store (compose): the buckets it names, created with Object Lock when absent. */
export const createBucketIfAbsent: typeof import('./storage/s3-blob-store').createBucketIfAbsent = async (settings) => s3Adapter().createBucketIfAbsent(settings);
export { lowerProcessPriority } from './process-priority';

/**
 * The worker's image work on one libvips thread per operation: its jobs are bounded by cores already,
 * and each one spread over every core would take the core the API needs (issue 13, item 5).
 */
export function oneImageThreadPerJob(): void {
  (require('sharp') as typeof import('sharp')).concurrency(1);
}

/**
 * What an entry point holds: the services' context plus the pools themselves, which only the owner
 * of the process (a script, a test) may touch directly, and close().
 */
export type RunningContext = AppContext & { db: Db; exportDb: Db; close(): Promise<void> };

/**
 * Everything a process needs, checked (the database must be migrated already); close() releases it
 * all. Logs go to stdout unless given a destination (tests read them).
 */
export async function createContext(config: Config, name: string, logDestination?: DestinationStream): Promise<RunningContext> {
  await checkRedis(config.redisUrl);
  const limits = {
    statementTimeoutMs: config.dbStatementTimeoutMs,
    idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs,
    acquireTimeoutMs: config.dbAcquireTimeoutMs,
    applicationName: `svidetel-${name}`,
  };
  const db = createPool(config.databaseUrl, config.dbPoolSize, limits);
  await checkAppDatabase(db, config.databaseUrl).catch(async (err: unknown) => {
    await db.end();
    throw err;
  });
  // An export is one statement (COPY) for as long as its client takes to read it.
  const exportDb = createPool(config.databaseUrl, config.exportPoolSize, { ...limits, statementTimeoutMs: config.exportMaxMs });
  const queue = createBullmqQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix });
  const log = createLogger(config.logLevel, name, logDestination);
  const rateLimits = config.rateLimitStore === 'redis' ? redisRateLimits(config, log) : { ...memoryRateLimits(), close: () => Promise.resolve() };
  const ctx = await assemble(config, { db, exportDb, queue, rateLimits, log });
  return {
    ...ctx,
    db,
    exportDb,
    async close() {
      await Promise.all([queue.close(), rateLimits.close()]);
      await Promise.all([db.end(), exportDb.end()]);
    },
  };
}

/**
 * A context on a pool the caller made and owns (a benchmark that migrates its own database as the
 * owner), unchecked and without a queue: enqueueing fails.
 */
export function createContextOnPool(config: Config, name: string, db: Db): Promise<AppContext> {
  const queue: JobQueue = {
    enqueue: () => Promise.reject(new Error(`${name} has no job queue`)),
    ping: () => Promise.reject(new Error(`${name} has no job queue`)),
    close: () => Promise.resolve(),
  };
  return assemble(config, { db, exportDb: db, queue, rateLimits: memoryRateLimits(), log: createLogger(config.logLevel, name) });
}

async function assemble(
  config: Config,
  parts: { db: Db; exportDb: Db; queue: JobQueue; rateLimits: RateLimits; log: Logger },
): Promise<AppContext> {
  const database = createDatabase(parts.db);
  const { log } = parts;
  const blobs = await openBlobStore(config, log);
  return {
    config,
    repos: database.repos,
    transaction: database.transaction,
    exportRepos: createDatabase(parts.exportDb).repos,
    blobs,
    replicas: config.replicas.map((replica) => openableReplica(config, replica, log)),
    media: createMediaToolkit(),
    queue: parts.queue,
    rateLimits: parts.rateLimits,
    logSigner: ed25519KeyFileSigner(config, log),
    notaries: httpNotaries,
    promiseSigner: memoryPromiseSigner(config.logOrigin),
    totpKey: totpKeyFile(config.totpKeyPath),
    sessionChanges: sessionChangesOver(config.databaseUrl, log),
    clock: systemClock,
    log,
  };
}

/** The store config chooses; says at start whether originals are locked. */
async function openBlobStore(config: Config, log: Logger): Promise<BlobStore> {
  const { blobStore } = config;
  const blobs = blobStore.kind === 's3' ? await createS3BlobStore({ ...blobStore, storageDir: config.storageDir }, log) : await createFsBlobStore(config.storageDir);
  log.info({ store: blobStore.kind, originalsLocked: blobs.protection.locked }, blobs.protection.summary);
  return blobs;
}

/** A replica's store, made on first use and made again after a failure (its bucket may be unreachable for a while). */
function openableReplica(config: Config, replica: ReplicaConfig, log: Logger): Replica {
  let opening: Promise<BlobStore> | undefined;
  return {
    name: replica.name,
    open() {
      const replicaLog = log.child({ replica: replica.name });
      opening ??= createS3BlobStore({ ...replica, storageDir: config.storageDir }, replicaLog).then(
        (store) => {
          replicaLog.info({ originalsLocked: store.protection.locked }, `replica: ${store.protection.summary}`);
          return store;
        },
        (err: unknown) => {
          opening = undefined;
          throw err;
        },
      );
      return opening;
    },
  };
}

/** The worker's side of the queue: runs `run` for each job of ctx's queue until closed. */
export function consumeJobs(ctx: AppContext, hooks: { onReconnect(): void }, run: (job: QueuedJob) => Promise<unknown>): JobConsumer {
  const { config } = ctx;
  return consumeBullmqJobs(
    {
      redisUrl: config.redisUrl,
      prefix: config.queuePrefix,
      concurrency: boundedByCores(config.workerConcurrency),
      heavyConcurrency: boundedByCores(config.workerHeavyConcurrency),
      retryMaxDelayMs: config.retryMaxDelayMs,
      stopGraceMs: config.workerStopGraceMs,
      log: ctx.log,
      onReconnect: hooks.onReconnect,
    },
    run,
  );
}

/** For entry points: a DependencyError becomes one clear message and exit code 69 (unavailable). */
export async function orExit<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof DependencyError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(69);
    }
    throw err;
  }
}
