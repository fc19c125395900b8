/**
 * The regions as seeded by migration 014, read back through the repository and the domain: names
 * in both languages for matching, and country outlines (Natural Earth 1:110m) for the point-in-region
 * test moderation calls (regionContaining).
 */
import type { Pool } from 'pg';
import { createPool } from '../../db/pool';
import { createDatabase, type Database } from '../../db/repositories';
import type { AppContext } from '../../domain/context';
import { canonicalRegion, regionContaining } from '../../domain/regions/regions.service';
import { testDatabaseUrl } from '../helpers/databases';

let pool: Pool;
let database: Database;
let ctx: AppContext;

beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 2);
  database = createDatabase(pool);
  ctx = { repos: database.repos } as unknown as AppContext;
});

afterAll(async () => {
  await pool?.end();
});

test('every region is listed with both names; countries carry an outline', async () => {
  const regions = await database.repos.regions.listRegions();
  expect(regions.filter((r) => r.kind === 'subject')).toHaveLength(83);
  expect(regions.filter((r) => r.kind === 'country' && r.boundary).length).toBeGreaterThan(150);
  expect((await canonicalRegion(ctx, 'масква'))?.code).toBe('RU-MOW');
  expect((await canonicalRegion(ctx, 'США'))?.name_en).toBe('United States');
});

test('regionContaining: the country a point abroad lies in, and "unknown" where no outline is loaded', async () => {
  const at = async (lat: number, lon: number) => {
    const region = await regionContaining(ctx, { lat, lon });
    return region === 'unknown' ? region : region.code;
  };
  expect(await at(52.4605, 13.3314)).toBe('DE'); // Berlin (a fixture's GPS)
  expect(await at(50.2996, 14.8203)).toBe('CZ');
  expect(await at(37.3927, -122.041)).toBe('US');
  expect(await at(41.853, 12.4888)).toBe('IT'); // Rome
  expect(await at(53.1235, 18.0015)).toBe('PL'); // Bydgoszcz
  // Russia is divided into subjects, whose outlines are not loaded yet; the open sea is in no region
  expect(await at(55.75, 37.62)).toBe('unknown');
  expect(await at(0, -30)).toBe('unknown');
});
