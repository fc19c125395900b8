/**
 * The test run's databases. globalSetup migrates one template per run; every test file gets a copy
 * of its own (CREATE DATABASE … TEMPLATE: a copy, no migrations), so files run in parallel and
 * never see each other's rows, log keys or queues. All are named after the run and dropped together
 * by globalTeardown (DROP DATABASE waits for a checkpoint: at once, the drops share one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_DIR } from '../../db/migrate';

export const TEST_PG_BASE = process.env.TEST_PG_BASE ?? 'postgres://postgres@127.0.0.1:5432';

/** The run's name, the prefix of all its databases: two runs on one machine never share or drop each other's. */
export const testRun = () => process.env.TEST_RUN ?? 'svidetel_test';

/** Migrated once per run by globalSetup and never connected to afterwards (a template with a session cannot be copied). */
export const templateDatabase = () => `${testRun()}_template`;

/** One TOTP key per run, as one deployment has one: every system of the run opens the others' secrets. */
export const testTotpKeyPath = () => path.join(os.tmpdir(), `${testRun()}-totp.key`);

/**
 * The run's PostgreSQL cluster (initdb, then migrated) made once, which every private cluster of the fault
 * tests copies (test/helpers/private-services.ts); removed by globalTeardown with its unfinished twins.
 * Named after the migrations too, so that a run without globalSetup's name never reuses one migrated
 * by files that have changed since.
 */
export function clusterTemplateDir(): string {
  const migrations = createHash('sha256');
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) migrations.update(name).update(readFileSync(path.join(MIGRATIONS_DIR, name)));
  return path.join(os.tmpdir(), `${testRun()}-pg-template-${migrations.digest('hex').slice(0, 12)}`);
}

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

/** An empty database, never migrated, under the name `url` gives (replacing one of that name). */
export async function emptyDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await asAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
}

/** Drops a database and those named after it (name_…), whoever is still connected, several at a time. */
export async function dropDatabases(name: string): Promise<void> {
  const { rows } = await asAdmin((c) =>
    c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $1 || '\\_%'`, [name]),
  );
  const names = rows.map((r) => r.datname);
  const dropNext = async (): Promise<void> => {
    const next = names.pop();
    if (next === undefined) return;
    await asAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${next}" WITH (FORCE)`));
    await dropNext();
  };
  await Promise.all(Array.from({ length: 8 }, dropNext));
}

/**
 * This test file's database: module state lives per test file, so each file names (by its jest
 * worker and at random) and copies one of its own, on first use. Short: purposes are appended
 * (freshDatabaseUrl) and names stop at 63 bytes.
 */
let fileDatabaseName: string | undefined;
export const fileDatabase = () => (fileDatabaseName ??= `${testRun()}_w${process.env.JEST_WORKER_ID ?? 0}_${randomBytes(4).toString('hex')}`);

let fileDatabaseUrl: Promise<string> | undefined;

/** This test file's database (as its owner), copied from the template on first use. */
export function testDatabaseUrl(): Promise<string> {
  fileDatabaseUrl ??= copyTemplate(fileDatabase());
  return fileDatabaseUrl;
}
