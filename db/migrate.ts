import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only serialises concurrent starters (api and worker) on one database.
const MIGRATION_LOCK = 7241;

const migrationFiles = async () => (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();

/** Migrations not yet applied to this database: what a process that cannot migrate (the app role) checks at start. */
export async function unappliedMigrations(pool: Pool): Promise<string[]> {
  const files = await migrationFiles();
  const applied = await pool.query<{ name: string }>('SELECT name FROM schema_migrations').catch((err: { code?: string }) => {
    if (err.code === '42P01') return { rows: [] }; // no table yet: nothing applied
    throw err;
  });
  const done = new Set(applied.rows.map((r) => r.name));
  return files.filter((f) => !done.has(f));
}

/** Applies every numbered migration not yet applied, each in its own transaction, under a lock. */
export async function migrate(pool: Pool): Promise<string[]> {
  const files = await migrationFiles();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    // A migration (an index on a large table) and the wait for another starter's may take longer
    // than any request's statement may: no limit here, the pool's own limit again afterwards.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await fs.readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
        applied.push(file);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${file} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    // a client whose limit could not be restored is discarded, not returned to the pool
    const notReset = await client.query('RESET statement_timeout').then(() => undefined, (err: Error) => err);
    client.release(notReset);
  }
  return applied;
}
