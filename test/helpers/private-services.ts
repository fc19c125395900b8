/**
 * A PostgreSQL cluster and a Redis of one fault test's own, on free loopback ports, that the test may
 * stop, kill and start again: the shared 127.0.0.1:5432 and :6379 are never touched. The cluster is
 * a copy of a data directory made and migrated once per test run (templateDataDir), run with pg_ctl from
 * the newest /usr/lib/postgresql/<version>/bin (Debian's postgresql package); as root, PostgreSQL
 * refuses to run, so it runs as the `postgres` OS user.
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
import { parseConfig, withUser } from '../../domain/config';
import { APP_ROLE, SIGNER_ROLE } from '../../db/roles';
import { prepareDatabase } from '../../infra/compose';
import { clusterTemplateDir } from './databases';
import { waitFor } from './system';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function binds(port: number): Promise<boolean> {
  const server = net.createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise((resolve) => server.close(resolve));
  return ok;
}

/**
 * A free port for a private PostgreSQL or Redis, below Linux's ephemeral range (32768–60999): a port
 * from that range (freePort) may be taken, between our check and the server's bind or while the
 * server is stopped in a restart test, as the local port of any outgoing connection on the machine
 * (seen: "could not bind IPv4 address: Address already in use" with other test runs beside).
 */
async function servicePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await binds(port)) return port;
  }
  return freePort();
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

const INITDB_ARGS = ['-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C'];

/** A folder the postgres OS user owns when we are root (PostgreSQL's files must be its own). */
async function postgresFolder(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(prefix);
  if (asRoot()) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await fs.chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  return dir;
}

let clusterTemplate: Promise<string> | undefined;

/**
 * The run's template cluster, made once (test/helpers/databases.ts clusterTemplateDir): initdb, then
 * the database `svidetel` migrated by prepareDatabase as startSystem would (owner postgres, the
 * application's and signer's roles), then a clean stop (3.9 s at load 9). Each private cluster is a
 * copy of it: copied and started in 1.3 s, and startSystem's prepareDatabase then takes 54 ms, where
 * initdb took 0.7 s and the migrations about 3 s (on the shared cluster, load 6) for every cluster. One jest worker makes it under a
 * lock (a folder made with mkdir) and renames it into place; the others wait for it.
 */
function templateDataDir(): Promise<string> {
  clusterTemplate ??= (async () => {
    const final = clusterTemplateDir();
    const data = path.join(final, 'data');
    const lock = `${final}.lock`;
    const deadline = Date.now() + 180_000;
    while (!existsSync(path.join(data, 'PG_VERSION'))) {
      if (await fs.mkdir(lock).then(() => true, () => false)) {
        try {
          if (!existsSync(path.join(data, 'PG_VERSION'))) await makeClusterTemplate(final);
        } finally {
          await fs.rm(lock, { recursive: true, force: true });
        }
      } else {
        if (Date.now() > deadline) throw new Error(`the private PostgreSQL template ${final} was not made within 180 s (lock ${lock})`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    return data;
  })();
  clusterTemplate.catch(() => (clusterTemplate = undefined));
  return clusterTemplate;
}

async function makeClusterTemplate(final: string): Promise<void> {
  const making = await postgresFolder(`${final}-making-`);
  try {
    const data = path.join(making, 'data');
    await pgTool('initdb', ['-D', data, ...INITDB_ARGS]);
    const pg = privatePostgres(making, data, await servicePort(), {});
    await pg.start();
    try {
      const owner = pg.url('svidetel');
      await prepareDatabase(parseConfig({ NODE_ENV: 'test', DATABASE_OWNER_URL: owner, DATABASE_URL: withUser(owner, APP_ROLE), SIGNER_DATABASE_URL: withUser(owner, SIGNER_ROLE) }));
    } finally {
      await pg.stop();
    }
    await fs.rm(path.join(making, 'log'), { force: true });
    await fs.rename(making, final);
  } catch (err) {
    await fs.rm(making, { recursive: true, force: true });
    throw err;
  }
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
 * empty data directory instead of the template's copy (a restore from backups).
 */
export async function startPrivatePostgres(
  options: { settings?: Record<string, string>; initialise?: (folders: ClusterFolders) => Promise<void> } = {},
): Promise<PrivatePostgres> {
  const dir = await postgresFolder(path.join(os.tmpdir(), 'svidetel-pg-'));
  const data = path.join(dir, 'data');
  try {
    if (options.initialise) await options.initialise({ dir, data });
    // cp -a keeps the owner (postgres, when we are root) and the data directory's 0700.
    else await run('cp', ['-a', await templateDataDir(), data], { timeout: 120_000 });
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  // A port taken between servicePort's check and the server's bind: another port, twice at most.
  for (let attempt = 1; ; attempt++) {
    const pg = privatePostgres(dir, data, await servicePort(), options.settings ?? {});
    try {
      await pg.start();
      return pg;
    } catch (err) {
      const log = await fs.readFile(path.join(dir, 'log'), 'utf8').catch(() => '');
      if (attempt < 3 && /could not bind|could not create any TCP\/IP sockets/.test(log)) continue;
      await pg.destroy();
      throw err;
    }
  }
}

function privatePostgres(dir: string, data: string, port: number, settings: Record<string, string>): PrivatePostgres {
  // Fast and small: no fsync (the cluster is thrown away), the socket in its own folder, loopback only.
  const extra = Object.entries(settings).map(([name, value]) => ` -c ${name}=${value}`).join('');
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100${extra}`;
  return {
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
  const port = await servicePort();
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
