import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { DestinationStream } from 'pino';
import { createContext, prepareDatabase, type RunningContext } from '../../infra/compose';
import * as mediaRepo from '../../db/media.repo';
import { APP_ROLE, SIGNER_ROLE } from '../../db/roles';
import { parseConfig, withUser } from '../../domain/config';
import { startApiServer } from '../../api/server';
import { startWorker, type RunningWorker } from '../../worker/worker';
import { copyTemplate, fileDatabase, testDatabaseUrl, testTotpKeyPath } from './databases';

export type TestSystem = {
  url: string;
  ctx: RunningContext;
  /** The worker's context: connected as svidetel_signer, the only role that may write signed heads (sign with it). */
  workerCtx: RunningContext;
  /** The database as its owner (a superuser here): for tests that tamper with what the app itself may not touch. */
  ownerDb: Pool;
  storageDir: string;
  /** The worker's environment, for a script run as the worker would run it (e.g. npm run restore:store). */
  workerEnv: Record<string, string>;
  worker: RunningWorker | null;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * The real thing on loopback: API server and (optionally) worker against the real PostgreSQL and
 * Redis, with a storage folder and a queue prefix of its own so test files never share state.
 */
export async function startSystem(
  options: { env?: Record<string, string>; worker?: boolean; storageDir?: string; logTo?: DestinationStream; workerEnv?: Record<string, string> } = {},
): Promise<TestSystem> {
  // A storage folder given by the caller (to restart on the same data) is the caller's to remove.
  const storageDir = options.storageDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-test-')));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: options.env?.DATABASE_URL ?? (await testDatabaseUrl()),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    STORAGE_DIR: storageDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // a test never waits long for a worker to stop (production lets long videos finish)
    WORKER_STOP_GRACE_SECONDS: '10',
    // every test client is 127.0.0.1, one client to the upload throttles (their own tests set them low)
    UPLOADS_PER_MINUTE_PER_CLIENT: '100000',
    MAX_CONCURRENT_UPLOADS_PER_CLIENT: '1000',
    // tests do not depend on the machine's free disk space (the reserve's own tests set one)
    DISK_RESERVE_MB: '0',
    // every test client is 127.0.0.1: pages and media are not limited unless a test of the limits says so
    PUBLIC_PAGE_REQUESTS_PER_MINUTE: '100000',
    PUBLIC_MEDIA_REQUESTS_PER_MINUTE: '100000',
    TOTP_KEY_PATH: testTotpKeyPath(),
    ...options.env,
  };
  // As in production: the owner migrates, the API runs as the restricted application role and the
  // worker as the signer (the application's grants, and writing signed heads).
  const ownerUrl = env.DATABASE_OWNER_URL ?? env.DATABASE_URL;
  Object.assign(env, { DATABASE_OWNER_URL: ownerUrl, DATABASE_URL: withUser(env.DATABASE_URL, APP_ROLE), SIGNER_DATABASE_URL: withUser(env.DATABASE_URL, SIGNER_ROLE) });
  await prepareDatabase(parseConfig(env));
  const ctx = await createContext(parseConfig(env), 'test', options.logTo);
  const { server, url } = await startApiServer(ctx).catch(async (err: unknown) => {
    await ctx.close();
    throw err;
  });
  // The worker as its own process has it (worker/main.ts): its own role, connections and settings (e.g. a key path only it can read).
  const workerConfig = parseConfig({ ...env, ...options.workerEnv });
  const workerCtx = await createContext({ ...workerConfig, databaseUrl: workerConfig.signerDatabaseUrl }, 'test-worker', options.logTo);
  const ownerDb = new Pool({ connectionString: ownerUrl, max: 2 });
  const system: TestSystem = {
    url,
    ctx,
    workerCtx,
    ownerDb,
    storageDir,
    workerEnv: { ...env, ...options.workerEnv },
    worker: null,
    async startWorker() {
      if (!system.worker) system.worker = await startWorker(workerCtx);
    },
    async stopWorker() {
      await system.worker?.close();
      system.worker = null;
    },
    async stop() {
      await system.stopWorker();
      await new Promise<void>((resolve) => {
        (server as Server).close(() => resolve());
        (server as Server).closeAllConnections();
      });
      await Promise.all([ctx.close(), workerCtx.close()]);
      await ownerDb.end();
      if (!options.storageDir) await fs.rm(storageDir, { recursive: true, force: true });
    },
  };
  if (options.worker !== false) await system.startWorker();
  return system;
}


/**
 * Another database of the test file's own, migrated and empty: for rules that depend on the whole
 * table (e.g. "no accounts yet") or state one per database (the transparency log's key).
 */
export async function freshDatabaseUrl(purpose: string): Promise<string> {
  return copyTemplate(`${fileDatabase()}_${purpose}`);
}

/**
 * Polls until fn returns a truthy value (real work is asynchronous); fails with what it last saw.
 * Every 50 ms: a test waits at most that long after the work is done, and a poll is one cheap query.
 */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A submission's files once the worker has finished each of them (ready or failed), in their order,
 * including a HEIC's full-size preview, which is made after its first look (render-preview).
 */
export function processedFiles(system: TestSystem, submissionId: string, timeoutMs = 120_000) {
  return waitFor(async () => {
    const files = await mediaRepo.listMediaFiles(system.ctx.db, submissionId);
    return files.every((f) => (f.status === 'ready' || f.status === 'failed') && !f.preview_owed) ? files : null;
  }, timeoutMs, `the files of submission ${submissionId} to be processed`);
}

/** Every file under a folder, relative: what the storage holds after an operation. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string) {
    for (const entry of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  }
  await walk(dir);
  return out.sort();
}
