import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import { FLAGS } from '../../domain/media/flags';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission } from '../helpers/http';
import { freshDatabaseUrl, processedFiles, startSystem, type TestSystem } from '../helpers/system';

/**
 * The region check as a moderator meets it (issue 18, item 5): with no polling-station register, a
 * photo claimed in Москва whose GPS is in Czechia is flagged region_mismatch; the moderator finds it
 * with the queue's flag filter, sees the flag on the queue entry and on the review page (in English
 * and Russian), and the same photo claimed in Czechia is not flagged (its place is pre-ticked by the
 * checklist fact gps_in_claimed_region). Zoomed in, the offline map draws
 * the subjects' borders. Own database: no register.
 */

const CHROMIUM = '/usr/bin/chromium';
const describeInBrowser = existsSync(CHROMIUM) ? describeWithFixtures : describe.skip;
const ARTIFACTS = path.resolve(__dirname, '../artifacts');
// Taken in Czechia (50.30 N, 14.82 E), per the fixture's EXIF.
const PHOTO_IN_CZECHIA = 'google-pixel_gps.jpg';
const STEP_TIMEOUT = 120_000;

describeInBrowser('the region check in a real browser', () => {
  let system: TestSystem;
  let browser: Browser | undefined;
  const problems: string[] = [];
  const moderator = { email: `moderator-regions-${process.pid}@example.org`, password: 'correct horse battery staple' };

  beforeAll(async () => {
    const launching = chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    launching.catch(() => undefined);
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('region_check') } });
    const token = await createAccountWithLink(system.ctx, moderator.email, 'moderator');
    await setPasswordWithToken(system.ctx, token, moderator.password);
    browser = await launching;
  }, STEP_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, STEP_TIMEOUT);

  async function submit(region: string): Promise<string> {
    const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, region, station_number: '8123' }, [await fileFromPath(fixturePath(PHOTO_IN_CZECHIA))]);
    expect(res.status).toBe(201);
    const { submissionId } = (await res.json()) as { submissionId: string };
    await processedFiles(system, submissionId);
    return submissionId;
  }

  async function loggedIn(): Promise<Page> {
    const context = await browser!.newContext({ baseURL: system.url, locale: 'en-US', viewport: { width: 1440, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
    page.on('console', (m) => m.type() === 'error' && !/favicon/.test(m.location().url) && problems.push(`${page.url()}: ${m.text()}`));
    await page.goto('/login');
    await page.getByLabel('Email').fill(moderator.email);
    await page.getByLabel('Password').fill(moderator.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/moderation');
    return page;
  }

  test('a Moscow claim with GPS in Czechia is flagged in the queue and on the review page; a Czech claim is not', async () => {
    const moscowClaim = await submit('Москва');
    const czechClaim = await submit('Чехия');
    const page = await loggedIn();

    // The queue, filtered by the flag as a moderator picks it from the list.
    await page.locator('#f-flag').selectOption({ label: FLAGS.region_mismatch.label.en });
    await page.locator('form.filters button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('flag') === 'region_mismatch');
    const entry = page.locator(`[data-entry="${moscowClaim}"]`);
    await entry.waitFor();
    await entry.getByText(FLAGS.region_mismatch.label.en).first().waitFor();
    expect(await page.locator(`[data-entry="${czechClaim}"]`).count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'region-check-queue.png'), fullPage: true });

    // The review page: the file's flag, and the claim-vs-files comparison marks the place.
    await page.goto(`/moderation/submissions/${moscowClaim}`);
    await page.locator('[data-flag="region_mismatch"]').getByText(FLAGS.region_mismatch.label.en).waitFor();
    await page.locator('table.compare tr', { hasText: 'Москва' }).locator('.mismatch').waitFor();
    expect(await page.locator('#check_place').isChecked()).toBe(false); // nothing pre-ticks the place
    await page.screenshot({ path: path.join(ARTIFACTS, 'region-check-review.png'), fullPage: true });
    await page.goto(`/moderation/submissions/${moscowClaim}?lang=ru`);
    await page.locator('[data-flag="region_mismatch"]').getByText(FLAGS.region_mismatch.label.ru).waitFor();

    // The same photo claimed where it was taken carries no such flag.
    await page.goto(`/moderation/submissions/${czechClaim}?lang=en`);
    await page.locator('table.compare tr', { hasText: 'Чехия' }).waitFor(); // server-rendered: the page is whole
    expect(await page.locator('[data-flag="region_mismatch"]').count()).toBe(0);
    // and, with no station in the register, its GPS inside the claimed region pre-ticks the place, saying so
    expect(await page.locator('#check_place').isChecked()).toBe(true);
    expect(await page.locator('#fact_place').innerText()).toContain('is within the boundary of the region “Чехия”');
    expect(problems).toEqual([]);
  }, STEP_TIMEOUT * 2);

  test("zoomed in over Russia, the offline map draws the subjects' borders too, from this server only", async () => {
    const context = await browser!.newContext({ baseURL: system.url, locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const offOrigin: string[] = [];
    page.on('request', (req) => !req.url().startsWith(system.url) && offOrigin.push(req.url()));
    await page.goto('/map');
    const drawn = (counter: string) => page.locator('#map').getAttribute(counter).then(Number);
    await page.waitForFunction(() => Number(document.getElementById('map')?.getAttribute('data-borders')) > 100, null, { timeout: 20_000 });
    expect(await drawn('data-subject-borders')).toBe(0); // the whole of Russia at once: countries only
    await page.locator('#map button', { hasText: '+' }).click();
    await page.waitForFunction(() => Number(document.getElementById('map')?.getAttribute('data-subject-borders')) > 100, null, { timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'region-check-map.png') });
    expect(offOrigin).toEqual([]);
    await context.close();
  }, STEP_TIMEOUT);
});
