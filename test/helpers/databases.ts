/**
 * The test run's databases. globalSetup migrates one template per run; every test file gets a copy
 * of its own (CREATE DATABASE … TEMPLATE: a copy, no migrations), so files run in parallel and
 * never see each other's rows, log keys or queues. All are named after the run and dropped with it.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export const TEST_PG_BASE = process.env.TEST_PG_BASE ?? 'postgres://postgres@127.0.0.1:5432';

/** The run's name, the prefix of all its databases: two runs on one machine never share or drop each other's. */
export const testRun = () => process.env.TEST_RUN ?? 'svidetel_test';

/** Migrated once per run by globalSetup and never connected to afterwards (a template with a session cannot be copied). */
export const templateDatabase = () => `${testRun()}_template`;

/** One TOTP key per run, as one deployment has one: every system of the run opens the others' secrets. */
export const testTotpKeyPath = () => path.join(os.tmpdir(), `${testRun()}-totp.key`);

/** A test file's database: short (names stop at 63 bytes, purposes are appended) and stable per file. */
export const fileDatabaseName = (testPath: string) =>
  `${testRun()}_f${createHash('sha256').update(testPath).digest('hex').slice(0, 10)}`;

export async function asAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${TEST_PG_BASE}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new copy of the migrated template (replacing one of that name): empty of data, ready for the app. */
export async function copyTemplate(name: string): Promise<string> {
  await asAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`);
  });
  return `${TEST_PG_BASE}/${name}`;
}

/** Drops a database and those named after it (name_…), whoever is still connected. */
export async function dropDatabases(name: string): Promise<void> {
  await asAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $1 || '\\_%'`,
      [name],
    );
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}

/** This test file's database, named by its test environment (test/helpers/file-database-environment.ts), which drops it afterwards. */
export function fileDatabase(): string {
  const name = process.env.TEST_FILE_DATABASE;
  if (!name) throw new Error('no TEST_FILE_DATABASE: run the tests through jest.config.js (its testEnvironment names it)');
  return name;
}

let fileDatabaseUrl: Promise<string> | undefined;

/** This test file's database (as its owner), copied from the template on first use: module state lives per test file. */
export function testDatabaseUrl(): Promise<string> {
  fileDatabaseUrl ??= copyTemplate(fileDatabase());
  return fileDatabaseUrl;
}
