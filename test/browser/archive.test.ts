import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import * as mediaRepo from '../../db/media.repo';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { fileFromPath, loggedInClient } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';
import { ownElection, publish, uploadAndProcess } from '../integration/archive-helpers';

/**
 * A journalist in a real (Debian) Chromium: searches, filters, opens an entry, looks at the map
 * (points, no tiles, no request leaves the server), checks files by hash in the browser and, only
 * when asked, looks for similar published images with a small copy.
 */
const CHROMIUM = '/usr/bin/chromium';
const describeInBrowser = existsSync(CHROMIUM) ? describeWithFixtures : describe.skip;
const PHOTO = 'google-pixel_gps.jpg';

describeInBrowser('archive in the browser', () => {
  let system: TestSystem;
  let browser: Browser;
  let election: number;
  let entryId: string;
  const nonce = `b${randomBytes(4).toString('hex')}`;
  const requested: string[] = [];

  beforeAll(async () => {
    system = await startSystem({ env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    election = (await ownElection(system, 'browser')).id;
    const moderator = await loggedInClient(system.ctx, system.url);
    const base = { election_id: String(election), region: 'Москва', station_number: '2401' };
    entryId = await uploadAndProcess(system, { ...base, category_code: 'ballot_stuffing', description: `Вбросы бюллетеней на участке ${nonce}` }, [await fileFromPath(fixturePath(PHOTO))]);
    await publish(moderator, entryId, { public_location: 'precise' });
    const other = await uploadAndProcess(system, { ...base, category_code: 'queues_protest', description: `Очередь в полдень ${nonce}` }, [await fileFromPath(fixturePath('macos-screenshot_noexif.png'))]);
    await publish(moderator, other);
    // a second public place far from the first (California): the map must fit and show both
    const far = await uploadAndProcess(system, { ...base, region: 'США', category_code: 'other_voting_day', description: 'Точка далеко' }, [await fileFromPath(fixturePath('iphone-x_gps_orient6.webp'))]);
    await publish(moderator, far, { public_location: 'precise' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  async function newContext(locale: string): Promise<BrowserContext> {
    const context = await browser.newContext({ baseURL: system.url, locale, viewport: { width: 1280, height: 900 } });
    context.on('request', (req) => requested.push(req.url()));
    return context;
  }

  test('search, filter and open an entry', async () => {
    const context = await newContext('en-US');
    const page = await context.newPage();
    await page.goto('/archive');
    await page.getByLabel('Search for').fill(`вброс ${nonce}`);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByRole('link', { name: 'Ballot stuffing, carousel voting' })).toBeVisibleSoon();
    expect(page.url()).toContain(`q=${encodeURIComponent(`вброс ${nonce}`).replace(/%20/g, '+')}`);

    // a filter that excludes it, then one that keeps it: both are in the shareable URL
    await page.getByLabel('Search for').fill(nonce);
    await page.locator('summary', { hasText: 'Filters' }).click();
    await page.getByLabel('Election').selectOption(String(election));
    await page.getByLabel('Violation').selectOption('queues_protest');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/category=queues_protest/);
    expect(await page.getByRole('heading', { level: 2, name: 'Queues and protest actions such as Noon Against Putin' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Ballot stuffing, carousel voting' }).count()).toBe(0);

    await page.getByLabel('Violation').selectOption('ballot_stuffing');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/category=ballot_stuffing/);
    await page.getByRole('link', { name: 'Ballot stuffing, carousel voting' }).click();
    await page.waitForURL(`**/archive/${entryId}`);
    await expect(page.getByRole('heading', { name: 'Cite this evidence' })).toBeVisibleSoon();
    expect(await page.locator('code.hash').first().textContent()).toBe(loadExpected().find((e) => e.file === PHOTO)!.sha256);
    await context.close();
  });

  test('the map draws its own borders with no tile server, fits both places, and a point opens its entry', async () => {
    const context = await newContext('en-US');
    const page = await context.newPage();
    await page.goto(`/map?election=${election}`);
    // the offline base layer (Natural Earth borders from this server) is drawn
    await page.waitForFunction(() => Number(document.getElementById('map')?.getAttribute('data-borders')) > 100, null, { timeout: 20_000 });
    expect(await page.locator('#map .map-tiles img').count()).toBe(0);
    // fitted to the data: both places (Czechia and California) are on screen at once
    const markers = page.locator('#map a.map-point, #map button.map-cluster');
    await page.waitForFunction(() => document.querySelectorAll('#map a.map-point, #map button.map-cluster').length >= 2, null, { timeout: 20_000 });
    const box = (await page.locator('#map').boundingBox())!;
    const centres = await markers.evaluateAll((els) => els.map((e) => { const r = e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; }));
    expect(centres.filter((c) => c.x >= box.x && c.x <= box.x + box.width && c.y >= box.y && c.y <= box.y + box.height)).toHaveLength(2);
    // zoom until the cluster splits into its single point, then open it
    const ours = page.locator(`#map a.map-point[href$="${entryId}"]`);
    for (let i = 0; i < 10 && (await ours.count()) === 0; i++) {
      await page.locator('#map button.map-cluster').first().click();
      await page.waitForTimeout(300);
    }
    await ours.first().click();
    await page.waitForURL(`**/archive/${entryId}`);
    await context.close();
  });

  test('the hash check finds a published file and not an unknown one, without uploading either', async () => {
    const context = await newContext('en-US');
    const page = await context.newPage();
    const uploads: string[] = [];
    page.on('request', (req) => {
      if (req.method() !== 'GET') uploads.push(req.url());
    });
    await page.goto('/check');
    await page.getByLabel('File to check').setInputFiles(fixturePath(PHOTO));
    await expect(page.getByText('This file is published in the archive:')).toBeVisibleSoon();
    expect(await page.getByRole('link', { name: `/archive/${entryId}` }).count()).toBe(1);

    // the archive's own published copy, as downloaded from the entry: found, with the original's hash
    const [file] = await mediaRepo.listMediaFiles(system.ctx.db, entryId);
    const published = path.join(os.tmpdir(), `svidetel-published-${nonce}.jpg`);
    await fs.writeFile(published, Buffer.from(await (await fetch(`${system.url}/media/${file!.id}/published.jpg`)).arrayBuffer()));
    try {
      await page.getByLabel('File to check').setInputFiles(published);
      await expect(page.getByText('a copy the archive made of an original (preview, or a video’s frame)', { exact: false })).toBeVisibleSoon();
      expect(await page.locator('#check-result li code.hash').textContent()).toBe(file!.sha256);
    } finally {
      await fs.rm(published, { force: true });
    }

    const unknown = path.join(os.tmpdir(), `svidetel-unknown-${nonce}.bin`);
    const bytes = randomBytes(4096);
    await fs.writeFile(unknown, bytes);
    try {
      await page.getByLabel('File to check').setInputFiles(unknown);
      await expect(page.getByText('This file is not in the archive.', { exact: false })).toBeVisibleSoon();
      expect(await page.locator('#check-result code.hash').textContent()).toBe(createHash('sha256').update(bytes).digest('hex'));
      // not a picture: the similar-image search says so and sends nothing
      await page.getByRole('button', { name: 'Search for similar images' }).click();
      await expect(page.getByText('Your browser cannot open this file as an image', { exact: false })).toBeVisibleSoon();
    } finally {
      await fs.rm(unknown, { force: true });
    }
    expect(uploads).toEqual([]);
    await context.close();
  });

  test('a changed copy is not found by its hash; on request, a ≤ 256 px copy without metadata finds its entry', async () => {
    const context = await newContext('en-US');
    const page = await context.newPage();
    const sent: { url: string; body: Buffer | null }[] = [];
    // Chromium hands a blob-built body over only to an intercepting route, not to request events.
    await page.route('**/*', async (route) => {
      const req = route.request();
      if (req.method() !== 'GET') sent.push({ url: req.url(), body: req.postDataBuffer() });
      await route.continue();
    });
    // as a messenger would pass it on: smaller, recompressed (and here still carrying its EXIF, GPS included)
    const copy = path.join(os.tmpdir(), `svidetel-copy-${nonce}.jpg`);
    await fs.writeFile(copy, await sharp(fixturePath(PHOTO)).resize(1600).keepExif().jpeg({ quality: 70 }).toBuffer());
    try {
      await page.goto('/check');
      await page.getByLabel('File to check').setInputFiles(copy);
      await expect(page.getByText('This file is not in the archive.', { exact: false })).toBeVisibleSoon();
      await expect(page.getByText('at most 256 pixels on the long edge', { exact: false })).toBeVisibleSoon();
      expect(sent).toEqual([]); // nothing leaves before the click

      const button = page.getByRole('button', { name: 'Search for similar images' });
      await button.focus();
      await page.keyboard.press('Enter');
      await expect(page.getByText('Similar published images:')).toBeVisibleSoon();
      expect(await page.locator('#check-result').getByRole('link', { name: `/archive/${entryId}` }).count()).toBe(1);
      expect(await page.locator('#check-result').getByText(/\b\d of 64 bits differ/).count()).toBeGreaterThan(0);
    } finally {
      await fs.rm(copy, { force: true });
    }
    expect(sent.map((r) => r.url)).toEqual([`${system.url}/api/v1/similar`]);
    const body = sent[0]!.body!;
    const jpeg = body.subarray(body.indexOf(Buffer.from([0xff, 0xd8, 0xff])), body.lastIndexOf(Buffer.from([0xff, 0xd9])) + 2);
    const sentImage = await sharp(jpeg).metadata();
    expect({ format: sentImage.format, longEdge: Math.max(sentImage.width!, sentImage.height!) }).toEqual({ format: 'jpeg', longEdge: 256 });
    expect({ exif: sentImage.exif, xmp: sentImage.xmp, iptc: sentImage.iptc }).toEqual({ exif: undefined, xmp: undefined, iptc: undefined });
    await context.close();
  });

  test('no request ever left the server', () => {
    const origin = new URL(system.url).origin;
    expect(requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([]);
  });
});

// A small polling matcher: visible within 15 s (playwright-core has no test runner's expect).
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toBeVisibleSoon(): Promise<R>;
    }
  }
}
expect.extend({
  async toBeVisibleSoon(locator: { first(): { waitFor(o: { state: 'visible'; timeout: number }): Promise<void> } }) {
    try {
      await locator.first().waitFor({ state: 'visible', timeout: 15_000 });
      return { pass: true, message: () => 'visible' };
    } catch (err) {
      return { pass: false, message: () => `not visible within 15 s: ${(err as Error).message}` };
    }
  },
});
