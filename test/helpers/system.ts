import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { createContext } from '../../domain/bootstrap';
import { parseConfig } from '../../domain/config';
import type { AppContext } from '../../domain/context';
import { startApiServer } from '../../api/server';
import { startWorker, type RunningWorker } from '../../worker/worker';
import { TEST_PG_BASE, testDatabase, testTotpKeyPath } from './global-setup';

export type TestSystem = {
  url: string;
  ctx: AppContext;
  storageDir: string;
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
  options: { env?: Record<string, string>; worker?: boolean; storageDir?: string; workerEnv?: Record<string, string> } = {},
): Promise<TestSystem> {
  // A storage folder given by the caller (to restart on the same data) is the caller's to remove.
  const storageDir = options.storageDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-test-')));
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: `${TEST_PG_BASE}/${testDatabase()}`,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    STORAGE_DIR: storageDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // a test never waits long for a worker to stop (production lets long videos finish)
    WORKER_STOP_GRACE_SECONDS: '10',
    TOTP_KEY_PATH: testTotpKeyPath(),
    ...options.env,
  };
  const ctx = await createContext(parseConfig(env), 'test');
  const { server, url } = await startApiServer(ctx).catch(async (err: unknown) => {
    await ctx.close();
    throw err;
  });
  // The worker as its own process would have it: its own settings (e.g. a key path only it can read) and connections.
  const workerCtx = options.workerEnv ? await createContext(parseConfig({ ...env, ...options.workerEnv }), 'test-worker') : ctx;
  const system: TestSystem = {
    url,
    ctx,
    storageDir,
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
      await ctx.close();
      if (workerCtx !== ctx) await workerCtx.close();
      if (!options.storageDir) await fs.rm(storageDir, { recursive: true, force: true });
    },
  };
  if (options.worker !== false) await system.startWorker();
  return system;
}

/** A database of the test's own, empty: for rules that depend on the whole table (e.g. "no accounts yet"). */
export async function freshDatabaseUrl(purpose: string): Promise<string> {
  const name = `${testDatabase()}_${purpose}`;
  const admin = new PgClient({ connectionString: `${TEST_PG_BASE}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  return `${TEST_PG_BASE}/${name}`; // created and migrated by startSystem
}

/** Polls until fn returns a truthy value (real work is asynchronous); fails with what it last saw. */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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
