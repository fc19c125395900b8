/**
 * A benchmark's own database of published entries, seeded set-based from search-seed.sql and
 * filled into the search index through the same view its triggers use. Cached: a database already
 * seeded with the same seed version (seed SQL, migration files, row count) is reused; any
 * other is dropped and seeded again, so the database must be dedicated to the benchmark. The URL is
 * its owner's; the server under test runs as svidetel_app (appDatabaseEnv).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_DIR } from '../../db/migrate';
import { appDatabaseEnv, log } from './bench-kit';

const SEED_SQL = path.join(__dirname, 'search-seed.sql');

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Changes whenever what the seed produces could change: its SQL, the archive schema, the row count. */
function seedVersion(rows: number): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(SEED_SQL));
  // The migrations (the baseline and any after it) shape what is seeded, and a database whose
  // applied migration files changed would be refused at start: any change to them reseeds.
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) hash.update(name).update(readFileSync(path.join(MIGRATIONS_DIR, name)));
  hash.update(String(rows));
  return hash.digest('hex').slice(0, 16);
}

async function seededVersion(databaseUrl: string): Promise<string | null> {
  try {
    return await withClient(databaseUrl, async (c) => {
      const { rows } = await c.query<{ version: string }>('SELECT version FROM bench_seed_state');
      return rows[0]?.version ?? null;
    });
  } catch {
    return null; // no database or no state table: not seeded
  }
}

async function seed(databaseUrl: string, rows: number, version: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  await withClient(adminUrl.toString(), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  await appDatabaseEnv(databaseUrl); // migrated by its owner, as production does

  await withClient(databaseUrl, async (c) => {
    const step = async (what: string, sql: string) => {
      const started = Date.now();
      await c.query(sql);
      log(`  ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    };
    await c.query(`SET maintenance_work_mem = '512MB'`);
    await c.query(`SET svidetel_bench.rows = ${rows}`);
    await step(`submissions, decisions, blobs, files (${rows})`, readFileSync(SEED_SQL, 'utf8'));
    // Bulk fill of the search index: the same view the triggers use, with its secondary indexes
    // built once afterwards instead of maintained row by row, in publication order as a live
    // archive's rows are (each is written when it is published).
    const { rows: indexes } = await c.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = 'archive_entries' AND i.indexname <> 'archive_entries_pkey'`,
    );
    for (const i of indexes) await c.query(`DROP INDEX ${i.indexname}`);
    await step('archive_entries from the view', 'TRUNCATE archive_entries; INSERT INTO archive_entries SELECT * FROM archive_entry_source ORDER BY published_at, id');
    for (const i of indexes) await step(`index ${i.indexname}`, i.indexdef);
    await step('vacuum analyze', 'VACUUM ANALYZE');
    await c.query('CREATE TABLE bench_seed_state (version text NOT NULL)');
    await c.query('INSERT INTO bench_seed_state (version) VALUES ($1)', [version]);
  });
}

/** Seeds `rows` published entries into the benchmark's database unless it already holds exactly that seed. */
export async function ensureArchiveSeeded(databaseUrl: string, rows: number): Promise<void> {
  const version = seedVersion(rows);
  if ((await seededVersion(databaseUrl)) === version) {
    log(`seed ${version}: already seeded (${rows} entries), reusing it`);
    return;
  }
  log(`seed ${version}: seeding ${rows} entries into ${new URL(databaseUrl).pathname.slice(1)} …`);
  const started = Date.now();
  await seed(databaseUrl, rows, version);
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
