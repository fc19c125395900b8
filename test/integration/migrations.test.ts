/**
 * Issue 12, finding 5: every applied migration is recorded with the SHA-256 of its file, and a
 * database whose applied migrations no longer match the files (one edited, one gone, or names from
 * before the squash into one baseline) is refused by `npm run migrate` and by the application's
 * start, with what to do.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { MIGRATIONS_DIR, MigrationRecordError, migrate, migrationState } from '../../db/migrate';
import { createPool } from '../../db/pool';
import { APP_ROLE } from '../../db/roles';
import { DependencyError } from '../../domain/dependency-error';
import { createContext, prepareDatabase } from '../../infra/compose';
import { parseConfig } from '../../domain/config';
import { emptyDatabase } from '../helpers/databases';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('migrations from a directory of their own (a copy that the test edits)', () => {
  let dir: string;
  let pool: Pool;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-migrations-'));
    await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
    const url = await freshDatabaseUrl('migrations_copy');
    await emptyDatabase(url);
    pool = createPool(url, 2);
  });
  afterAll(async () => {
    await pool?.end();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('each applied file is recorded with the SHA-256 of its bytes; a second run applies nothing', async () => {
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
    expect(await migrate(pool, dir)).toEqual(files);
    const { rows } = await pool.query<{ name: string; sha256: string }>('SELECT name, sha256 FROM schema_migrations ORDER BY name');
    const expected = await Promise.all(files.map(async (name) => ({ name, sha256: sha256(await fs.readFile(path.join(dir, name))) })));
    expect(rows).toEqual(expected);
    expect(await migrate(pool, dir)).toEqual([]);
    expect(await migrationState(pool, dir)).toEqual({ pending: [], mismatch: null });
  });

  test('a byte changed in an applied file: refused, naming the file and saying to restore it', async () => {
    const file = path.join(dir, '001_baseline.sql');
    const original = await fs.readFile(file);
    const edited = Buffer.from(original);
    edited[0] = edited[0] === 0x2d ? 0x2e : 0x2d; // the first byte of the leading comment
    await fs.writeFile(file, edited);
    try {
      const refusal = migrate(pool, dir);
      await expect(refusal).rejects.toThrow(MigrationRecordError);
      await expect(refusal).rejects.toThrow(
        `migration files changed after they were applied to it: 001_baseline.sql (recorded SHA-256 ${sha256(original)}, the file's now ${sha256(edited)})`,
      );
      await expect(refusal).rejects.toThrow(/restore the file .* new numbered migration/);
      expect((await migrationState(pool, dir)).mismatch).toMatch(/^migration files changed after they were applied/);
    } finally {
      await fs.writeFile(file, original);
    }
    expect(await migrate(pool, dir)).toEqual([]);
  });

  test('an applied file gone (renamed): refused, even though a new file is waiting', async () => {
    const applied = async () => (await pool.query('SELECT name FROM schema_migrations ORDER BY name')).rows;
    const before = await applied();
    await fs.rename(path.join(dir, '001_baseline.sql'), path.join(dir, '001_renamed.sql'));
    try {
      await expect(migrate(pool, dir)).rejects.toThrow('it records applied migrations that db/migrations does not have: 001_baseline.sql.');
      expect(await migrationState(pool, dir)).toEqual({ pending: ['001_renamed.sql'], mismatch: expect.stringMatching(/does not have: 001_baseline\.sql/) });
      // nothing was applied meanwhile
      expect(await applied()).toEqual(before);
    } finally {
      await fs.rename(path.join(dir, '001_renamed.sql'), path.join(dir, '001_baseline.sql'));
    }
  });
});

describe('a database migrated before the squash (the 24 old files, no checksums)', () => {
  test('npm run migrate refuses it and says to recreate it; nothing is applied', async () => {
    const ownerUrl = await freshDatabaseUrl('pre_squash');
    await emptyDatabase(ownerUrl);
    const owner = createPool(ownerUrl, 1);
    try {
      // exactly what the old db/migrate.ts created and recorded
      await owner.query('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      await owner.query(`INSERT INTO schema_migrations (name) VALUES ('001_foundation.sql'), ('002_seed_taxonomy.sql'), ('047_app_role_and_original_fields.sql')`);
      const appUrl = Object.assign(new URL(ownerUrl), { username: APP_ROLE }).toString();
      const refusal = prepareDatabase(parseConfig({ DATABASE_URL: appUrl, DATABASE_OWNER_URL: ownerUrl }));
      await expect(refusal).rejects.toThrow(DependencyError);
      await expect(refusal).rejects.toThrow(
        `The database "${new URL(ownerUrl).pathname.slice(1)}" cannot be migrated: it records applied migrations that db/migrations does not have: ` +
          '001_foundation.sql, 002_seed_taxonomy.sql, 047_app_role_and_original_fields.sql.',
      );
      await expect(refusal).rejects.toThrow(/squashed into 001_baseline\.sql.*drop it and create it again/);
      expect((await owner.query(`SELECT to_regclass('submissions') AS t`)).rows[0].t).toBeNull();
    } finally {
      await owner.end();
    }
  });
});

describe('the application refuses to start on a database whose applied migration changed', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { DATABASE_URL: await freshDatabaseUrl('migrations_app') } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('the API and worker (createContext, as svidetel_app) and npm run migrate both refuse, saying which file', async () => {
    const recorded = (await system.ownerDb.query<{ sha256: string }>(`SELECT sha256 FROM schema_migrations WHERE name = '001_baseline.sql'`)).rows[0]!;
    expect(recorded.sha256).toBe(sha256(await fs.readFile(path.join(MIGRATIONS_DIR, '001_baseline.sql'))));
    // the file as it was when this database was migrated differs from the file now
    await system.ownerDb.query(`UPDATE schema_migrations SET sha256 = repeat('0', 64) WHERE name = '001_baseline.sql'`);
    const config = system.ctx.config;
    const database = new URL(config.databaseUrl).pathname.slice(1);
    const start = createContext(config, 'test');
    await expect(start).rejects.toThrow(DependencyError);
    await expect(start).rejects.toThrow(
      `The database "${database}" cannot be used: migration files changed after they were applied to it: 001_baseline.sql (recorded SHA-256 ${'0'.repeat(64)}`,
    );
    await expect(prepareDatabase(config)).rejects.toThrow(`The database "${database}" cannot be migrated: migration files changed`);
  });
});
