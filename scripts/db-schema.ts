/**
 * `npm run db:schema`: writes db/schema.sql, the schema as pg_dump prints it from a database
 * migrated afresh, so the whole schema reads in one file. Run it after adding a migration and commit
 * the result: test/integration/schema.test.ts fails while the committed file differs.
 * Uses a temporary database on the server of DATABASE_OWNER_URL (its owner must be able to create
 * databases); needs pg_dump of the server's major version (Debian: postgresql-client).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { loadConfigOrExit } from '../domain/config';

export const SCHEMA_FILE = path.resolve(__dirname, '..', 'db', 'schema.sql');

// Stable on every machine: no owners (each machine's owner differs), and without the lines that
// name the server's and pg_dump's versions or carry a random key (\restrict, pg_dump >= 15.14).
const PG_DUMP_OPTIONS = ['--schema-only', '--no-owner', '--no-tablespaces'];
const unstableLine = /^(-- Dumped (from database|by pg_dump) version .*|\\(un)?restrict .*)$/;

async function withAdmin<T>(serverUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: Object.assign(new URL(serverUrl), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

async function pgDump(databaseUrl: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('pg_dump', [...PG_DUMP_OPTIONS, `--dbname=${databaseUrl}`], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new Error('pg_dump is not installed (Debian: apt-get install postgresql-client)');
    throw err;
  }
}

/** The schema of a database migrated afresh on this server (any URL of it, as a role that may create databases). */
export async function dumpFreshSchema(serverUrl: string): Promise<string> {
  const name = `svidetel_schema_${randomBytes(6).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  try {
    const pool = createPool(databaseUrl, 1);
    await migrate(pool).finally(() => pool.end());
    const dump = await pgDump(databaseUrl);
    return dump
      .split('\n')
      .filter((line) => !unstableLine.test(line))
      .join('\n');
  } finally {
    await withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

async function main() {
  const config = loadConfigOrExit();
  await fs.writeFile(SCHEMA_FILE, await dumpFreshSchema(config.databaseOwnerUrl));
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
