import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Client } from 'pg';
import { migrationState } from '../../db/migrate';
import { APP_ROLE } from '../../db/roles';
import { prepareDatabase } from '../../infra/compose';
import { parseConfig, withUser } from '../../domain/config';

/** What every benchmark needs: output, CLI options, a free loopback port, percentiles, peak RSS. */

export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** `--name=N` from the command line, a positive integer, else the fallback. */
export function option(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const memoryMb = (pid: number, field: 'VmHWM' | 'VmRSS') => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return (Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024) / 1e6;
};

/** A process's peak resident memory (VmHWM) in MB, read from /proc. */
export const peakRssMb = (pid: number): number => memoryMb(pid, 'VmHWM');

/** A process's resident memory now (VmRSS) in MB, read from /proc. */
export const rssMb = (pid: number): number => memoryMb(pid, 'VmRSS');

/**
 * How a benchmark ends: the bars it missed (each a reason, or false where the bar was met), then
 * its figures as the one JSON object of the last line; exit code 1 when any bar was missed.
 */
export function reportFigures(figures: Record<string, unknown>, bars: (string | false)[]): void {
  const missed = bars.filter((b): b is string => Boolean(b));
  if (missed.length) log(`missed: ${missed.join('; ')}`);
  log(JSON.stringify(figures));
  if (missed.length) process.exitCode = 1;
}

/** The application role's URL for a bench database given as its owner's URL. */
export const appRoleUrl = (ownerUrl: string): string => withUser(ownerUrl, APP_ROLE);

/**
 * A bench's database as production runs it: created and migrated by its owner (the URL given), used
 * by the server as svidetel_app. Returns the two settings for the server's environment.
 */
export async function appDatabaseEnv(ownerUrl: string): Promise<{ DATABASE_URL: string; DATABASE_OWNER_URL: string }> {
  await dropIfMigratedElsewhere(ownerUrl);
  const env = { DATABASE_URL: appRoleUrl(ownerUrl), DATABASE_OWNER_URL: ownerUrl };
  await prepareDatabase(parseConfig(env));
  return env;
}

/**
 * A bench's database is a cache: one migrated by another version (an applied migration changed, or
 * it predates the squash into one baseline) would be refused at start, so it is dropped here and
 * made again by the bench. True when it was dropped.
 */
export async function dropIfMigratedElsewhere(ownerUrl: string): Promise<boolean> {
  const name = decodeURIComponent(new URL(ownerUrl).pathname.slice(1));
  const db = new Client({ connectionString: ownerUrl });
  const { mismatch } = await db.connect().then(
    () => migrationState(db).finally(() => db.end()),
    async () => ({ mismatch: null }), // no database yet: nothing to drop
  );
  if (!mismatch) return false;
  log(`${name} cannot be migrated (${mismatch.slice(0, 100)}…): dropping it, the bench makes it again`);
  const admin = new Client({ connectionString: Object.assign(new URL(ownerUrl), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  return true;
}

/** GET / for the anonymous CSRF cookie, which must come back as cookie and as x-csrf-token. */
export async function csrfHeaders(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/`);
  await res.arrayBuffer();
  const token = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('svid_csrf='))
    ?.split(';')[0]!
    .slice('svid_csrf='.length);
  if (!token) throw new Error(`GET / (status ${res.status}) set no svid_csrf cookie`);
  return { cookie: `svid_csrf=${token}`, 'x-csrf-token': token };
}

/** p50 and p95 of GETs of the given paths, one after the other; any answer but 200 stops the bench. */
export async function timeRequests(client: { fetch(path: string): Promise<Response> }, paths: string[]): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (const p of paths) {
    const started = process.hrtime.bigint();
    const res = await client.fetch(p);
    await res.arrayBuffer();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/**
 * The bench script itself again, run with `--server` in a child process of its own (so the API's
 * CPU and memory are its own), once it prints `LISTENING <url>`.
 */
export async function startServerChild(script: string, cwd: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [...process.execArgv, script, '--server'], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`the API exited (${code}) before listening`)));
  });
  return { proc, url };
}
