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
