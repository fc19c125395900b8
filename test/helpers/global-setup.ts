import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export const TEST_PG_BASE = process.env.TEST_PG_BASE ?? 'postgres://postgres@127.0.0.1:5432';

/**
 * The database of this test run: fresh, named per run, so two runs on one machine never share or
 * drop each other's data. Set by globalSetup and inherited by the test workers.
 */
export const testDatabase = () => process.env.TEST_DATABASE ?? 'svidetel_test';

/** One TOTP key per run, as one deployment has one: every system of the run opens the others' secrets. */
export const testTotpKeyPath = () => path.join(os.tmpdir(), `${testDatabase()}-totp.key`);

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${TEST_PG_BASE}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export default async function globalSetup(): Promise<void> {
  process.env.TEST_DATABASE ??= `svidetel_test_${process.pid}`;
  const name = process.env.TEST_DATABASE;
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
}

/** Drops the run's database and the per-purpose ones named after it. */
export async function dropTestDatabase(name: string): Promise<void> {
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $1 || '\_%'`,
      [name],
    );
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}
