/**
 * Migration 021 (stored clusters) on a database that already holds submissions: the links of what
 * is stored (same bytes, a Live Photo's halves across submissions, the same station within ten
 * minutes) are found, each connected group becomes one cluster named after a member, and the
 * deferred checks accept the result at the migration's commit.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { MIGRATIONS_DIR, migrate } from '../../db/migrate';
import { createPool } from '../../db/pool';
import { TEST_PG_BASE, asAdmin, testRun } from '../helpers/databases';

const NAME = `${testRun()}_clusters_migration_${randomBytes(3).toString('hex')}`;
let pool: Pool;
let dir: string;

beforeAll(async () => {
  await asAdmin((c) => c.query(`CREATE DATABASE "${NAME}"`));
  pool = createPool(`${TEST_PG_BASE}/${NAME}`, 2);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-migrations-'));
  for (const f of await fs.readdir(MIGRATIONS_DIR)) if (f < '021_') await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
  await migrate(pool, dir);
});
afterAll(async () => {
  await pool?.end();
  await asAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${NAME}" WITH (FORCE)`));
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

test('what is stored already is linked and clustered by the migration', async () => {
  const client = await pool.connect();
  const ids: Record<string, string> = {};
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica'); // stored as the application left it
    const election = (await client.query<{ id: number }>(
      `INSERT INTO elections (slug, name_ru, name_en, country, voting_starts_on, voting_ends_on)
       VALUES ('clusters-migration', 'Кластеры', 'Clusters', 'RU', '2024-03-15', '2024-03-17') RETURNING id`,
    )).rows[0]!.id;
    const category = (await client.query<{ code: string }>('SELECT min(code) AS code FROM categories')).rows[0]!.code;
    const entry = async (name: string, station: string, at: string) => {
      ids[name] = (await client.query<{ id: string }>(
        `INSERT INTO submissions (election_id, region, station_number, category_code, description, received_at)
         VALUES ($1, 'Москва', $2, $3, $4, $5::timestamptz) RETURNING id`,
        [election, station, category, name, at],
      )).rows[0]!.id;
    };
    const file = async (name: string, sha: string, kind: 'image' | 'video', contentId: string | null = null) => {
      const hash = Buffer.alloc(32, sha);
      await client.query(
        `INSERT INTO blobs (sha256, bytes, mime, kind) VALUES ($1, 100, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
        [hash, kind === 'video' ? 'video/quicktime' : 'image/jpeg', kind],
      );
      await client.query(
        `INSERT INTO media_files (submission_id, sha256, position, original_name, status, flags, content_identifier)
         VALUES ($1, $2, 0, $3, 'ready', '{}', $4)`,
        [ids[name], hash, `${name}.${kind === 'video' ? 'mov' : 'jpg'}`, contentId],
      );
    };
    // a and b hold the same bytes; c is b's Live Photo video; d and e come from one station minutes apart; f is alone
    await entry('a', '1', '2024-03-15 08:00+00');
    await entry('b', '2', '2024-03-15 09:00+00');
    await entry('c', '3', '2024-03-15 10:00+00');
    await entry('d', '4', '2024-03-15 11:00+00');
    await entry('e', '4', '2024-03-15 11:07+00');
    await entry('f', '4', '2024-03-15 12:00+00');
    await file('a', 'a', 'image');
    await file('b', 'a', 'image', 'LIVE-1');
    await file('c', 'c', 'video', 'LIVE-1');
    await file('d', 'd', 'image');
    await file('e', 'e', 'image');
    await file('f', 'f', 'image');
    await client.query('COMMIT');
  } finally {
    client.release();
  }

  await fs.copyFile(path.join(MIGRATIONS_DIR, '021_clusters.sql'), path.join(dir, '021_clusters.sql'));
  expect(await migrate(pool, dir)).toEqual(['021_clusters.sql']);

  const { rows } = await pool.query<{ description: string; cluster: string | null }>(
    `SELECT s.description, c.description AS cluster FROM submissions s LEFT JOIN submissions c ON c.id = s.cluster_id ORDER BY s.description`,
  );
  expect(Object.fromEntries(rows.map((r) => [r.description, r.cluster]))).toEqual({ a: 'a', b: 'a', c: 'a', d: 'd', e: 'd', f: null });
  const links = await pool.query<{ a: string; b: string; reason: string }>(
    `SELECT x.description AS a, y.description AS b, l.reason FROM submission_links l
       JOIN submissions x ON x.id = l.a JOIN submissions y ON y.id = l.b ORDER BY 1, 2`,
  );
  const pairs = links.rows.map((l) => `${[l.a, l.b].sort().join('-')} ${l.reason}`).sort();
  expect(pairs).toEqual(['a-b exact_duplicate', 'b-c live_photo_pair', 'd-e same_station']);
});
