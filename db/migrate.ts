import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';
import type { Queryable } from './pool';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only serialises concurrent starters (api and worker) on one database.
const MIGRATION_LOCK = 7241;

type MigrationFile = { name: string; sha256: string; sql: string };
/** What schema_migrations holds for one applied file; sha256 is null in a table from before checksums. */
export type AppliedMigration = { name: string; sha256: string | null };

/** A database whose applied migrations do not match the files: it is refused, never migrated further. */
export class MigrationRecordError extends Error {
  constructor(readonly reason: string) {
    super(`The database cannot be migrated: ${reason}`);
  }
}

/** The numbered files in order, each with the SHA-256 (hex) of its bytes, as recorded when applied. */
async function migrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await fs.readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await fs.readFile(path.join(dir, name));
      return { name, sha256: createHash('sha256').update(bytes).digest('hex'), sql: bytes.toString('utf8') };
    }),
  );
}

async function appliedMigrations(db: Queryable): Promise<AppliedMigration[]> {
  // SELECT *: a table from before checksums has no sha256 column, and is refused below all the same.
  const result = await db.query<{ name: string; sha256?: string }>('SELECT * FROM schema_migrations ORDER BY name').catch((err: { code?: string }) => {
    if (err.code === '42P01') return { rows: [] }; // no table yet: nothing applied
    throw err;
  });
  return result.rows.map((r) => ({ name: r.name, sha256: r.sha256 ?? null }));
}

/**
 * Why the applied migrations do not match the files, or null when they do: an applied file must
 * still be there, byte for byte (its SHA-256 as recorded). Files not applied yet are no mismatch.
 */
export function appliedMismatch(files: ReadonlyArray<{ name: string; sha256: string }>, applied: readonly AppliedMigration[]): string | null {
  const byName = new Map(files.map((f) => [f.name, f.sha256]));
  const missing = applied.filter((a) => !byName.has(a.name)).map((a) => a.name);
  if (missing.length > 0) {
    return (
      `it records applied migrations that db/migrations does not have: ${missing.join(', ')}. ` +
      'It was migrated by another version (before 1.0 the migrations were squashed into 001_baseline.sql); ' +
      'development, test and benchmark databases are disposable: drop it and create it again (npm run migrate creates a missing database).'
    );
  }
  const changed = applied.filter((a) => a.sha256 !== byName.get(a.name));
  if (changed.length > 0) {
    const what = changed.map((a) => `${a.name} (recorded SHA-256 ${a.sha256 ?? 'none'}, the file's now ${byName.get(a.name)})`);
    return (
      `migration files changed after they were applied to it: ${what.join(', ')}. ` +
      'An applied migration is never edited: restore the file (git checkout) and put the change in a new numbered migration.'
    );
  }
  return null;
}

/**
 * What a process that cannot migrate (the app role) checks at start: the migrations not yet
 * applied, and whether the applied ones still match their files.
 */
export async function migrationState(db: Queryable, dir = MIGRATIONS_DIR): Promise<{ pending: string[]; mismatch: string | null }> {
  const [files, applied] = await Promise.all([migrationFiles(dir), appliedMigrations(db)]);
  const done = new Set(applied.map((a) => a.name));
  return { pending: files.filter((f) => !done.has(f.name)).map((f) => f.name), mismatch: appliedMismatch(files, applied) };
}

/**
 * Applies every numbered migration not yet applied, each in its own transaction with its
 * checksum, under a lock. Refuses (MigrationRecordError) a database whose applied migrations do
 * not match the files. The first migration creates schema_migrations itself.
 */
export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = await migrationFiles(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    // A migration (an index on a large table) and the wait for another starter's may take longer
    // than any request's statement may: no limit here, the pool's own limit again afterwards.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const before = await appliedMigrations(client);
    const mismatch = appliedMismatch(files, before);
    if (mismatch) throw new MigrationRecordError(mismatch);
    const done = new Set(before.map((a) => a.name));
    for (const file of files) {
      if (done.has(file.name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(file.sql);
        await client.query('INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)', [file.name, file.sha256]);
        await client.query('COMMIT');
        applied.push(file.name);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${file.name} failed: ${(err as Error).message}`);
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
