import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from '../../scripts/build';
import { APP_ROLE, SIGNER_ROLE } from '../../db/roles';
import { withUser } from '../../domain/config';
import { freePort, startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '../helpers/private-services';
import { waitFor } from '../helpers/system';

const ROOT = path.join(__dirname, '..', '..');

/** The processes `npm start` runs, by the entry file each was started with (read from /proc). */
function childrenOf(pid: number): Map<'api' | 'worker', number> {
  const found = new Map<'api' | 'worker', number>();
  const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  for (const child of tasks) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (/api\/main\.(ts|js)/.test(cmdline)) found.set('api', child);
    if (/worker\/main\.(ts|js)/.test(cmdline)) found.set('worker', child);
  }
  return found;
}

const healthy = (url: string) => fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);

/**
 * `npm start` (scripts/start.ts) keeps its processes up: the API killed with SIGKILL comes back by
 * itself, each time after a longer wait while it keeps dying, and the worker runs on meanwhile.
 */
describe('npm start: the restart loop', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let storageDir: string;
  let supervisor: ChildProcess | null = null;
  let said = '';

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    storageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-start-'));
  }, 120_000);

  afterAll(async () => {
    const running = supervisor;
    if (running?.exitCode === null) {
      for (const pid of childrenOf(running.pid!).values()) process.kill(pid, 'SIGKILL');
      running.kill('SIGKILL');
    }
    await Promise.all([pg?.destroy(), redis?.destroy()]);
    if (storageDir) await fs.rm(storageDir, { recursive: true, force: true });
  }, 60_000);

  it('starts the killed API again with a growing wait, leaves the worker running, and stops both on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const ownerUrl = pg.url('svidetel');
    supervisor = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', STORAGE_DIR: storageDir, REDIS_URL: redis.url,
        DATABASE_URL: withUser(ownerUrl, APP_ROLE), DATABASE_OWNER_URL: ownerUrl, SIGNER_DATABASE_URL: withUser(ownerUrl, SIGNER_ROLE),
        DISK_RESERVE_MB: '0', WORKER_STOP_GRACE_SECONDS: '5',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    supervisor.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
    const pid = supervisor.pid!;
    await waitFor(() => healthy(url), 120_000, 'the API under npm start');
    const { worker } = Object.fromEntries(await waitFor(async () => (childrenOf(pid).size === 2 ? childrenOf(pid) : null), 60_000, 'both processes'));

    // Killed three times in a row, each soon after it came back: 1 s, 2 s, then 4 s before it is started again.
    const waits: number[] = [];
    for (const expected of [1, 2, 4]) {
      const api = childrenOf(pid).get('api')!;
      const killedAt = Date.now();
      process.kill(api, 'SIGKILL');
      await waitFor(async () => !(await healthy(url)), 10_000, 'the killed API to stop answering');
      await waitFor(() => healthy(url), 120_000, `the API to come back after ${expected} s`);
      waits.push((Date.now() - killedAt) / 1000);
      expect(said).toContain(`api/main.ts exited (SIGKILL); starting it again in ${expected} s`);
      expect(childrenOf(pid).get('api')).not.toBe(api);
    }
    // Each came back no sooner than its wait: the backoff is real, not only said.
    expect(waits[0]).toBeGreaterThanOrEqual(1);
    expect(waits[1]).toBeGreaterThanOrEqual(2);
    expect(waits[2]).toBeGreaterThanOrEqual(4);
    expect(childrenOf(pid).get('worker')).toBe(worker);
    expect(said).not.toContain('worker/main.ts exited');

    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    const children = [...childrenOf(pid).values()];
    supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Both stopped with it (and were reaped: a zombie still answers signal 0 for a moment).
    const gone = (child: number) => { try { process.kill(child, 0); return false; } catch { return true; } };
    await waitFor(async () => children.every(gone), 10_000, 'both processes to have stopped');
    expect(said).not.toMatch(/starting it again in (8|16|32|60) s/);
  }, 300_000);

  it('compiled (npm start runs dist/scripts/start.js): the children are the compiled entries on plain node, and a killed API comes back', async () => {
    // Built into a temp folder (the checkout's dist/ may be in use), with node_modules beside it as dist/ has.
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-start-dist-'));
    let compiled: ChildProcess | null = null;
    let compiledSaid = '';
    try {
      await fs.symlink(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));
      build(path.join(out, 'dist'));
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const ownerUrl = pg.url('svidetel');
      compiled = spawn(process.execPath, [path.join(out, 'dist/scripts/start.js')], {
        cwd: out,
        env: {
          ...process.env, NODE_OPTIONS: '',
          NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', STORAGE_DIR: storageDir, REDIS_URL: redis.url,
          DATABASE_URL: withUser(ownerUrl, APP_ROLE), DATABASE_OWNER_URL: ownerUrl, SIGNER_DATABASE_URL: withUser(ownerUrl, SIGNER_ROLE),
          DISK_RESERVE_MB: '0', WORKER_STOP_GRACE_SECONDS: '5',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      compiled.stderr!.on('data', (chunk: Buffer) => (compiledSaid += chunk.toString('utf8')));
      const pid = compiled.pid!;
      await waitFor(() => healthy(url), 120_000, 'the compiled API under npm start');
      const { api, worker } = Object.fromEntries(await waitFor(async () => (childrenOf(pid).size === 2 ? childrenOf(pid) : null), 60_000, 'both processes'));
      const cmdline = (child: number) => readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(cmdline(api!)).toEqual([process.execPath, '--max-semi-space-size=2', path.join(out, 'dist/api/main.js')]);
      expect(cmdline(worker!)).toEqual([process.execPath, path.join(out, 'dist/worker/main.js')]);

      process.kill(api!, 'SIGKILL');
      await waitFor(async () => !(await healthy(url)), 10_000, 'the killed API to stop answering');
      await waitFor(() => healthy(url), 120_000, 'the compiled API to come back');
      expect(compiledSaid).toContain('api/main.js exited (SIGKILL); starting it again in 1 s');
      expect(childrenOf(pid).get('worker')).toBe(worker);

      const exited = new Promise<number | null>((resolve) => compiled!.once('exit', (code) => resolve(code)));
      compiled.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (compiled?.exitCode === null) {
        for (const child of childrenOf(compiled.pid!).values()) process.kill(child, 'SIGKILL');
        compiled.kill('SIGKILL');
      }
      await fs.rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});
