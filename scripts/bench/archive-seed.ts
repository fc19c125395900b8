/**
 * A benchmark's own database of published entries, seeded set-based from search-seed.sql and
 * filled into the search index through the same view its triggers use. Cached: a database already
 * seeded with the same seed version (seed SQL, schema, row count) is reused, migrations added since
 * applied on top; any other is dropped and seeded again, so the database must be dedicated to the
 * benchmark. The URL is its owner's; the server under test runs as svidetel_app (appDatabaseEnv).
 *
 * Seeding 1 M entries on a loaded 2-core machine is mostly index maintenance and Russian stemming:
 * the seeded tables' secondary indexes are dropped for the load and built once afterwards, and the
 * search index is filled by two connections at once, one half of the entries each.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { SCHEMA_FILE } from '../db-schema';
import { appDatabaseEnv, dropIfMigratedElsewhere, log } from './bench-kit';

const SEED_SQL = path.join(__dirname, 'search-seed.sql');
/** Connections filling the search index at once: the machine has two cores. */
const FILL_CONNECTIONS = 2;

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Changes whenever what the seed produces could change: its SQL, the schema (db/schema.sql, so a new
 * migration that only adds data keeps the seed; one that changes the search view reseeds), the row
 * count. A database whose applied migration files changed is dropped first (dropIfMigratedElsewhere).
 * Plain (non-unique) indexes are left out of the schema's hash: they change no row, and a migration
 * that adds one is applied on top of the cached seed (building one index on 1 M rows takes minutes;
 * seeding them again, half an hour on a loaded machine).
 */
export function seedVersion(rows: number, schemaSql = readFileSync(SCHEMA_FILE, 'utf8')): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(SEED_SQL));
  hash.update(schemaWithoutPlainIndexes(schemaSql));
  hash.update(String(rows));
  return hash.digest('hex').slice(0, 16);
}

/**
 * db/schema.sql without its plain CREATE INDEX statements (pg_dump writes each on one line), and
 * without blank and comment lines (pg_dump's "-- Name: …" headers around each object), which an
 * index added or dropped would change too.
 */
export function schemaWithoutPlainIndexes(schemaSql: string): string {
  return schemaSql
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('--') && !line.startsWith('CREATE INDEX '))
    .join('\n');
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

/**
 * Runs a bulk load with the tables' secondary indexes dropped, then builds each once. Indexes behind
 * a constraint (primary keys, unique) stay: the seed's rows satisfy them.
 */
async function withoutSecondaryIndexes(c: Client, timed: (what: string, work: Promise<unknown>) => Promise<void>, tables: string[], load: () => Promise<void>) {
  const { rows: indexes } = await c.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
      WHERE i.indrelid = ANY($1::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [tables],
  );
  for (const i of indexes) await c.query(`DROP INDEX ${i.name}`);
  await load();
  for (const i of indexes) await timed(`index ${i.name}`, c.query(i.definition));
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

  const timed = async (what: string, work: Promise<unknown>) => {
    const started = Date.now();
    await work;
    log(`  ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  await withClient(databaseUrl, async (c) => {
    await c.query(`SET maintenance_work_mem = '512MB'; SET synchronous_commit = off`);
    await c.query(`SET svidetel_bench.rows = ${rows}`);
    await withoutSecondaryIndexes(c, timed, ['decisions', 'submissions', 'blobs', 'media_files'], () =>
      timed(`submissions, decisions, blobs, files (${rows})`, c.query(readFileSync(SEED_SQL, 'utf8'))),
    );
    // The search index through the same view the triggers use (it reads the files by their
    // submission's index, built above), in publication order as a live archive's rows are (each is
    // written when it is published); each connection stems its share of the entries.
    await withoutSecondaryIndexes(c, timed, ['archive_entries'], () =>
      timed(
        `archive_entries from the view (${FILL_CONNECTIONS} connections)`,
        Promise.all(
          Array.from({ length: FILL_CONNECTIONS }, (_, share) =>
            withClient(databaseUrl, (fill) =>
              fill.query(
                `SET synchronous_commit = off;
                 INSERT INTO archive_entries SELECT * FROM archive_entry_source
                  WHERE abs(hashtext(id::text)) % ${FILL_CONNECTIONS} = ${share} ORDER BY published_at, id`,
              ),
            ),
          ),
        ),
      ),
    );
    await timed('vacuum analyze', c.query('VACUUM ANALYZE'));
    await timed('a sample of the rows checked against the view', sameAsTheView(c));
    await c.query('CREATE TABLE bench_seed_state (version text NOT NULL)');
    await c.query('INSERT INTO bench_seed_state (version) VALUES ($1)', [version]);
  });
}

/**
 * The seeded search index must hold what a live archive's would: the rows its triggers would have
 * written from the view. A sample (about 0.5 % of the pages) is compared both ways, every column;
 * any difference stops the bench.
 */
async function sameAsTheView(c: Client): Promise<void> {
  const { rows } = await c.query<{ sampled: number; differing: number }>(
    `WITH sample AS MATERIALIZED (SELECT id FROM archive_entries TABLESAMPLE SYSTEM (0.5) REPEATABLE (17)),
          seeded AS (SELECT a.* FROM archive_entries a WHERE a.id IN (SELECT id FROM sample)),
          viewed AS (SELECT v.* FROM archive_entry_source v WHERE v.id IN (SELECT id FROM sample))
     SELECT (SELECT count(*) FROM sample)::int AS sampled,
            (SELECT count(*) FROM ((SELECT * FROM seeded EXCEPT ALL SELECT * FROM viewed) UNION ALL (SELECT * FROM viewed EXCEPT ALL SELECT * FROM seeded)) d)::int AS differing`,
  );
  const { sampled, differing } = rows[0]!;
  if (differing) throw new Error(`${differing} of ${sampled} sampled entries differ from what archive_entry_source makes of them`);
  log(`  ${sampled} sampled entries are what archive_entry_source makes of them`);
}

/** Seeds `rows` published entries into the benchmark's database unless it already holds exactly that seed. */
export async function ensureArchiveSeeded(databaseUrl: string, rows: number): Promise<void> {
  await dropIfMigratedElsewhere(databaseUrl);
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
