import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission } from '../helpers/http';
import { freshDatabaseUrl, processedFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Issue 18, items 2 and 4, as a moderator on a 1440×900 laptop: the decision column is in view
 * without scrolling, a fact-established checklist item is pre-ticked with its reason (and the
 * decision records it as such), a video plays in the page by Range requests, each decision opens
 * the next entry of the queue the moderator came from until it says the queue is empty, and a
 * submission sent meanwhile appears in the queue without a reload. Own database: the queue holds
 * only this file's entries. Screenshots land in test/artifacts/.
 */

const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const STEP = 300_000; // a shared machine under load: a step's pages may take seconds each

describeWithFixtures('one screen per decision and a live queue, in a real browser', () => {
  let system: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  const marker = randomUUID().slice(0, 8);
  const region = `Region ${marker}`;
  const email = `reviewer-${marker}@example.org`;
  const password = 'correct horse battery staple';
  const expected = loadExpected();
  // A camera photo with GPS and nothing doubtful about its metadata: "source" is established by it.
  const photo = expected.find((e) => e.file === 'google-pixel_gps.jpg')!;
  const video = expected.find((e) => e.file === 'android_gps_xyz.mp4')!;
  const other = expected.find((e) => e.file === 'noexif.jpg')!;
  const ids: string[] = []; // queue order, oldest first: photo, video, other

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: system.url, locale: 'en-US', viewport: { width: 1440, height: 900 } });
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/favicon/.test(msg.text() + msg.location().url)) problems.push(`${page.url()}: ${msg.text()}`);
    });
    return page;
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  const send = async (file: string, description: string) => {
    const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, region, description }, [await fileFromPath(fixturePath(file))]);
    expect(res.status).toBe(201);
    return ((await res.json()) as { submissionId: string }).submissionId;
  };
  const inViewport = (page: Page, selector: string) =>
    page.locator(selector).evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && r.height > 0 ? true : `${Math.round(r.top)}–${Math.round(r.bottom)}`;
    });

  async function logIn(page: Page) {
    await page.goto('/login?lang=en');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/moderation');
  }

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('browser_review_screen') } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
    await setPasswordWithToken(system.ctx, await createAccountWithLink(system.ctx, email, 'moderator'), password);
    for (const [i, e] of [photo, video, other].entries()) ids.push(await send(e.file, `Observer text ${i} ${marker}`));
    for (const id of ids) await processedFiles(system, id, 180_000);
  }, 300_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await system?.stop();
  });

  test('the decision column fits the screen; decisions open the next entry of the queue until it says it is empty', async () => {
    const page = await newPage();
    await logIn(page);
    await page.goto(`/moderation?region=${encodeURIComponent(region)}`);
    await page.locator(`#queue li[data-entry="${ids[0]}"] > a`).click();
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${ids[0]}`);

    await shot(page, 'review-01-one-screen');
    // one screen: the checklist and the decision's buttons in view without scrolling, the files beside them
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    for (const selector of ['#checklist', '#verify', '#verify-publish', '.compare', `#file-${(await system.ctx.repos.media.listMediaFiles(ids[0]))[0]!.id} h3`]) {
      expect({ selector, inView: await inViewport(page, selector) }).toEqual({ selector, inView: true });
    }
    // the map of the file's GPS on the offline base layer
    await waitFor(async () => Number(await page.locator('#review-map').getAttribute('data-borders')) > 0, 15_000, 'the base layer to be drawn');
    expect(await page.locator('#review-map .map-mark.file').count()).toBe(1);
    // "source" is established by the file's own record: pre-ticked, with the reason; the rest is the moderator's
    expect(await page.getByRole('checkbox', { name: 'Source plausible' }).isChecked()).toBe(true);
    await page.locator('#fact_source').filter({ hasText: 'carries its camera metadata' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'Content shows the claimed violation' }).isChecked()).toBe(false);

    for (const item of ['Time consistent', 'Place consistent', 'Content shows the claimed violation']) await page.getByRole('checkbox', { name: item }).check();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${ids[1]}`);
    await page.locator('#decided-notice').filter({ hasText: ids[0]!.slice(0, 8) }).waitFor();
    const { rows } = await system.ctx.db.query<{ checklist: Record<string, unknown> }>('SELECT checklist FROM decisions WHERE submission_id = $1', [ids[0]]);
    expect(rows.map((r) => r.checklist)).toEqual([
      { source: { ok: true, prefilled: 'camera_metadata_intact' }, time: { ok: true }, place: { ok: true }, content: { ok: true } },
    ]);

    // r: the rejection reason; the last entry opens, and after it the queue says it is empty
    await page.keyboard.press('r');
    await page.getByLabel('Reason', { exact: true }).selectOption({ label: 'cannot be verified' });
    await page.getByLabel('Details').fill('No way to confirm the place');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${ids[2]}`);
    await page.keyboard.press('r');
    await page.getByLabel('Reason', { exact: true }).selectOption({ label: 'cannot be verified' });
    await page.getByLabel('Details').fill('Nothing shows the station');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.waitForURL((u) => u.pathname === '/moderation' && u.searchParams.get('region') === region);
    await page.locator('#queue-done').filter({ hasText: 'Nothing more waits in this queue' }).waitFor();
    expect(problems).toEqual([]);
  }, STEP);

  test('the video plays in the review page, its original fetched by Range requests', async () => {
    const page = await newPage();
    await logIn(page);
    const ranges: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/original')) ranges.push(r.status());
    });
    await page.goto(`/moderation/submissions/${ids[1]}`);
    const player = page.locator('video.review-video');
    await player.scrollIntoViewIfNeeded();
    await page.keyboard.press('p');
    await waitFor(() => player.evaluate((v: HTMLVideoElement) => v.readyState >= 2 && !v.error && (v.ended || v.currentTime > 0.3)), 60_000, 'the video to play'); // the clip is 0.17 s long: it plays to its end
    expect(ranges).toContain(206);
    await shot(page, 'review-02-video');
    expect(problems).toEqual([]);
  }, STEP);

  test('a phone stacks the columns: files first, the decision below', async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await logIn(page);
    await page.goto(`/moderation/submissions/${ids[0]}`);
    const [files, decide] = await Promise.all(['.review-files', '.review-decide'].map((s) => page.locator(s).boundingBox()));
    expect(decide!.y).toBeGreaterThan(files!.y + files!.height - 1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(problems).toEqual([]);
  }, STEP);

  test('a submission sent by someone else appears in the open queue without a reload, with the counts', async () => {
    const page = await newPage();
    await logIn(page);
    await page.goto(`/moderation?region=${encodeURIComponent(region)}`);
    await page.evaluate(() => Object.assign(window, { stillThisPage: true }));
    const before = await page.locator('#queue-counts').innerText();

    // an observer in a browser context of their own sends one
    const observer = await newPage();
    await observer.goto('/');
    const picture = (await fs.readFile(fixturePath(other.file))).toString('base64');
    const sent = await observer.evaluate(async ({ fields, name, bytes }) => {
      const csrf = document.querySelector<HTMLInputElement>('input[name="_csrf"]')?.value ?? '';
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('files', new Blob([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))], { type: 'image/jpeg' }), name);
      return fetch('/api/v1/submissions', { method: 'POST', body: form, headers: { 'x-csrf-token': csrf, accept: 'application/json' } }).then(async (r) => ({ status: r.status, body: await r.text() }));
    }, { fields: { ...SUBMISSION_FIELDS, region, description: `Sent while the queue is open ${marker}` }, name: other.file, bytes: picture });
    expect(sent.status).toBe(201);
    const id = (JSON.parse(sent.body) as { submissionId: string }).submissionId;

    await page.locator(`#queue li[data-entry="${id}"]`).waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage)).toBe(true);
    expect(await page.locator('#queue-counts').innerText()).not.toBe(before);
    await page.locator('#live-status').waitFor();
    await shot(page, 'review-03-live-queue');
    expect(problems).toEqual([]);
  }, STEP);
});
