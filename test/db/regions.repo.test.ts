/**
 * The regions as seeded by migrations 014 and 019, read back through the repository and the domain:
 * names in both languages for matching, country outlines (Natural Earth 1:110m) and the outlines of
 * Russia's subjects and the occupied Ukrainian regions (Natural Earth 1:10m Admin-1, simplified) for
 * the point-in-region tests moderation makes (regionContaining, region_mismatch).
 */
import type { Pool } from 'pg';
import { createPool } from '../../db/pool';
import { createDatabase, type Database } from '../../db/repositories';
import { parseConfig } from '../../domain/config';
import type { AppContext } from '../../domain/context';
import { kmOutside } from '../../domain/regions/model';
import { canonicalRegion, regionByCode, regionContaining } from '../../domain/regions/regions.service';
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

const at = async (lat: number, lon: number) => {
  const region = await regionContaining(ctx, { lat, lon });
  return region === 'unknown' ? region : region.code;
};

test('regionContaining: the country a point abroad lies in, and "unknown" where no outline is loaded', async () => {
  expect(await at(52.4605, 13.3314)).toBe('DE'); // Berlin (a fixture's GPS)
  expect(await at(50.2996, 14.8203)).toBe('CZ');
  expect(await at(50.0755, 14.4378)).toBe('CZ'); // Prague
  expect(await at(37.3927, -122.041)).toBe('US');
  expect(await at(41.853, 12.4888)).toBe('IT'); // Rome
  expect(await at(53.1235, 18.0015)).toBe('PL'); // Bydgoszcz
  expect(await at(0, -30)).toBe('unknown'); // the open sea is in no region
});

test("every one of Russia's 83 subjects and the six occupied regions has an outline", async () => {
  const regions = await database.repos.regions.listRegions();
  const divided = regions.filter((r) => r.kind === 'subject' || r.kind === 'occupied');
  expect(divided).toHaveLength(89);
  expect(divided.filter((r) => !r.boundary).map((r) => r.code)).toEqual([]);
});

test('regionContaining: the subject a Russian city lies in; the occupied regions under their Ukrainian codes', async () => {
  expect(await at(55.7558, 37.6173)).toBe('RU-MOW'); // Moscow, the Kremlin
  expect(await at(55.4847, 37.307)).toBe('RU-MOW'); // Troitsk, New Moscow (the city since 2012)
  expect(await at(55.7963, 37.9382)).toBe('RU-MOS'); // Balashikha, just east of the city
  expect(await at(59.9343, 30.3351)).toBe('RU-SPE'); // St Petersburg
  expect(await at(55.7963, 49.1088)).toBe('RU-TA'); // Kazan
  expect(await at(56.8389, 60.6057)).toBe('RU-SVE'); // Yekaterinburg
  expect(await at(43.1155, 131.8855)).toBe('RU-PRI'); // Vladivostok
  expect(await at(54.7104, 20.4522)).toBe('RU-KGD'); // Kaliningrad
  expect(await at(66.5, 175)).toBe('RU-CHU'); // Chukotka, east of Greenwich…
  expect(await at(66.2, -174)).toBe('RU-CHU'); // …and west of the antimeridian
  expect(await at(44.9521, 34.1024)).toBe('UA-43'); // Simferopol
  expect(await at(44.6, 33.55)).toBe('UA-40'); // Sevastopol (its centre, on the bay, is 0.6 km off the simplified coast)
  expect(await at(48.0159, 37.8028)).toBe('UA-14'); // Donetsk
});

test('kmOutside: 0 within the boundary, a few km just across it, thousands of km from Prague to Moscow', async () => {
  const moscow = (await regionByCode(ctx, 'RU-MOW'))!.boundary!;
  expect(kmOutside(moscow, { lat: 55.7558, lon: 37.6173 })).toBe(0);
  const balashikha = kmOutside(moscow, { lat: 55.7963, lon: 37.9382 });
  expect(balashikha).toBeGreaterThan(0);
  expect(balashikha).toBeLessThan(10);
  expect(kmOutside(moscow, { lat: 50.0755, lon: 14.4378 })).toBeGreaterThan(1500);
  // Anadyr, on the shore, lies a little outside the simplified coastline: within the 10 km margin
  const anadyr = kmOutside((await regionByCode(ctx, 'RU-CHU'))!.boundary!, { lat: 64.7337, lon: 177.5089 });
  expect(anadyr).toBeGreaterThan(0);
  expect(anadyr).toBeLessThan(parseConfig({}).regionMismatchKm);
});
