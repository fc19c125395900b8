/**
 * A PostgreSQL cluster and a Redis of one fault test's own, on free loopback ports, that the test may
 * stop, kill and start again: the shared 127.0.0.1:5432 and :6379 are never touched. The cluster is
 * made with initdb and run with pg_ctl from the newest /usr/lib/postgresql/<version>/bin (Debian's
 * postgresql package); as root, PostgreSQL refuses to run, so it runs as the `postgres` OS user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { waitFor } from './system';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => path.join(root, v, 'bin')).find((d) => existsSync(path.join(d, 'initdb')));
  if (!dir) throw new Error(`no initdb under ${root}/<version>/bin: install Debian's postgresql package (fault tests start a cluster of their own)`);
  return dir;
}

const asRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL tool as the postgres OS user when we are root (it refuses root), else as ourselves. */
async function pgTool(tool: string, args: string[]): Promise<void> {
  const bin = path.join(postgresBinDir(), tool);
  const [command, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  await run(command, argv, { timeout: 120_000 });
}

export type PrivatePostgres = {
  port: number;
  /** Its folder (the socket is there) and data directory. */
  folders: ClusterFolders;
  /** A database on this cluster as the superuser postgres (startSystem migrates it as the owner). */
  url(database: string): string;
  /** pg_ctl stop -m fast: every session is cut at once, as in a restart under load. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster (whatever its state) and removes its files. */
  destroy(): Promise<void>;
};

async function pgAnswers(port: number): Promise<boolean> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The cluster's folder (owned by the postgres OS user when we are root) and its data directory in it. */
export type ClusterFolders = { dir: string; data: string };

/**
 * `settings`: more server settings (`-c name=value`), e.g. WAL archiving. `initialise`: fills the
 * empty data directory instead of initdb (a restore from backups).
 */
export async function startPrivatePostgres(
  options: { settings?: Record<string, string>; initialise?: (folders: ClusterFolders) => Promise<void> } = {},
): Promise<PrivatePostgres> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-pg-'));
  if (asRoot()) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await fs.chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  if (options.initialise) await options.initialise({ dir, data });
  else await pgTool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  // Fast and small: no fsync (the cluster is thrown away), the socket in its own folder, loopback only.
  const extra = Object.entries(options.settings ?? {}).map(([name, value]) => ` -c ${name}=${value}`).join('');
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100${extra}`;
  const pg: PrivatePostgres = {
    port,
    folders: { dir, data },
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await pgTool('pg_ctl', ['-D', data, '-o', serverOptions, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
      await waitFor(() => pgAnswers(port), 30_000, `the private PostgreSQL on port ${port} to answer`);
    },
    async stop() {
      await pgTool('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    async destroy() {
      await pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

export type PrivateRedis = {
  port: number;
  url: string;
  /** SHUTDOWN NOSAVE: the server goes away with everything it held, as an evicted or restarted Redis. */
  stop(): Promise<void>;
  /** An empty Redis again on the same port. */
  start(): Promise<void>;
  destroy(): Promise<void>;
};

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new IORedis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  const ok = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
  probe.disconnect();
  return ok;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const redis: PrivateRedis = {
    port,
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor(() => redisAnswers(url), 15_000, `the private Redis on port ${port} to answer`);
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      const admin = new IORedis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      admin.on('error', () => undefined);
      await admin.connect().then(() => admin.call('SHUTDOWN', 'NOSAVE')).catch(() => undefined); // the reply never comes: the server is gone
      admin.disconnect();
      await exited;
      child = null;
    },
    async destroy() {
      const running = child;
      if (running && running.exitCode === null && running.signalCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGKILL');
        await exited;
      }
    },
  };
  await redis.start();
  return redis;
}
