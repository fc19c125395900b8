/**
 * What a process checks before it starts: PostgreSQL (created and migrated by the owner, used as a
 * role that can bypass nothing) and Redis.
 */
import IORedis from 'ioredis';
import { Client } from 'pg';
import { createPool } from '../db/pool';
import { migrate, migrationState, MigrationRecordError } from '../db/migrate';
import { APP_ROLE, grantRoleTo, sessionRole, SIGNER_ROLE } from '../db/roles';
import type { Db } from '../db/pool';
import type { Config } from '../domain/config';
import { DependencyError } from '../domain/dependency-error';

function describePg(url: string): { where: string; database: string } {
  const u = new URL(url);
  return { where: `${u.hostname}:${u.port || 5432}`, database: decodeURIComponent(u.pathname.slice(1)) || 'postgres' };
}

/**
 * Connects to PostgreSQL, creating the database if the server is there but the database is not
 * (a fresh machine), so the run command needs no manual step.
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { where, database } = describePg(databaseUrl);
  const tryConnect = async (url: string) => {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await client.connect();
    return client;
  };
  try {
    const client = await tryConnect(databaseUrl);
    await client.end();
    return;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '3D000') {
      throw new DependencyError(
        `Cannot reach PostgreSQL at ${where} (database "${database}"): ${(err as Error).message.replace(/\.$/, '')}.\n` +
          `Start it (Debian: pg_ctlcluster 15 main start; Docker: docker compose up -d postgres) or set DATABASE_URL.`,
      );
    }
  }
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = await tryConnect(adminUrl.toString()).catch((err: Error) => {
    throw new DependencyError(`PostgreSQL at ${where} has no database "${database}" and we could not create it: ${err.message}`);
  });
  try {
    await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile by the other process
  } finally {
    await admin.end();
  }
}

export async function checkRedis(redisUrl: string): Promise<void> {
  const u = new URL(redisUrl);
  const where = `${u.hostname}:${u.port || 6379}`;
  const redis = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
  let cause: Error | null = null; // ioredis rejects with "Connection is closed"; the event has the reason
  redis.on('error', (err: Error) => {
    cause ??= err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    const reason = ((cause ?? err) as Error).message.replace(/\.$/, '');
    throw new DependencyError(
      `Cannot reach Redis at ${where}: ${reason}.\n` +
        `Start it (redis-server --daemonize yes --port ${u.port || 6379}; Docker: docker compose up -d redis) or set REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
}

/**
 * As the owner (DATABASE_OWNER_URL): creates the database if needed, applies migrations (which
 * create svidetel_app and its grants) and makes the application's login role a member of it.
 * Run by `npm start` and `npm run migrate`, never by the API or the worker themselves.
 */
export async function prepareDatabase(config: Config): Promise<string[]> {
  await ensureDatabase(config.databaseOwnerUrl);
  const owner = createPool(config.databaseOwnerUrl, 1);
  try {
    const applied = await migrate(owner).catch((err: unknown) => {
      if (!(err instanceof MigrationRecordError)) throw err;
      throw new DependencyError(`The database "${describePg(config.databaseOwnerUrl).database}" cannot be migrated: ${err.reason}`);
    });
    for (const [setting, url, role] of [
      ['DATABASE_URL', config.databaseUrl, APP_ROLE],
      ['SIGNER_DATABASE_URL', config.signerDatabaseUrl, SIGNER_ROLE],
    ] as const) {
      const login = decodeURIComponent(new URL(url).username);
      if (!(await grantRoleTo(owner, login, role))) {
        throw new DependencyError(`${setting} connects as "${login}", a role that does not exist: create it (LOGIN, with a password) or use ${role}.`);
      }
    }
    return applied;
  } finally {
    await owner.end();
  }
}

/** The application's own connection: reachable, migrated, and as a role that can bypass nothing. */
export async function checkAppDatabase(db: Db, databaseUrl: string): Promise<void> {
  const { where, database } = describePg(databaseUrl);
  let role;
  try {
    role = await sessionRole(db);
  } catch (err) {
    throw new DependencyError(
      `Cannot reach PostgreSQL at ${where} (database "${database}"): ${(err as Error).message.replace(/\.$/, '')}.\n` +
        `Start it (Debian: pg_ctlcluster 15 main start; Docker: docker compose up -d postgres), run npm run migrate (or npm start) once, or set DATABASE_URL.`,
    );
  }
  if (role.superuser || role.bypassesRls || role.ownsTables > 0 || !role.isApp) {
    throw new DependencyError(
      `DATABASE_URL connects as "${role.name}", which ${role.superuser ? 'is a superuser' : role.ownsTables > 0 ? 'owns tables' : role.bypassesRls ? 'bypasses row security' : `is not ${APP_ROLE}`}: ` +
        `the application must run as ${APP_ROLE} (or a member of it) so it cannot switch off the append-only triggers. ` +
        `Set DATABASE_URL to that role and DATABASE_OWNER_URL to the owner (see the README).`,
    );
  }
  const { pending, mismatch } = await migrationState(db);
  if (mismatch) throw new DependencyError(`The database "${database}" cannot be used: ${mismatch}`);
  if (pending.length > 0) {
    throw new DependencyError(`The database "${database}" lacks migrations ${pending.join(', ')}: run npm run migrate (as the owner, DATABASE_OWNER_URL).`);
  }
}
