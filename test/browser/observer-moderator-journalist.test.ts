import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import * as catalogRepo from '../../db/catalog.repo';
import * as mediaRepo from '../../db/media.repo';
import * as submissionsRepo from '../../db/submissions.repo';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import type { Category, Election } from '../../domain/catalog/model';
import { describeWithFixtures, fixturePath, loadExpected, type ExpectedFile } from '../helpers/fixtures';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';

/**
 * The whole foundation walked as people would, in a real (Debian) Chromium against the real system:
 * an observer sends evidence (with and without JavaScript), a moderator reviews and publishes it,
 * a journalist finds it in the archive. Locators are roles and labels only, so a control a screen
 * reader cannot name fails the test too. Screenshots land in test/artifacts/ (git-ignored).
 */

const CHROMIUM = '/usr/bin/chromium'; // Debian's; never a downloaded browser
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  // eslint-disable-next-line no-console
  console.warn(`${CHROMIUM} not found: the browser test is skipped (apt-get install chromium).`);
}
const describeInBrowser = HAVE_CHROMIUM ? describeWithFixtures : describe.skip;
const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const PHOTO = 'nokia-8.3-5g_gps_offset.jpg';
const VIDEO = 'iphone-6_gps_rot90.mov';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 } };
const STEP_TIMEOUT = 120_000;

const expectedOf = (name: string): ExpectedFile => {
  const e = loadExpected().find((x) => x.file === name);
  if (!e) throw new Error(`${name} is not in expected.json`);
  return e;
};

/** "2022-08-14 14:12:31 +03:00": how the pages show a capture time, derived from expected.json. */
const shownCaptureTime = (e: ExpectedFile) => `${e.taken_at!.slice(0, 19).replace('T', ' ')} ${e.offset}`;

/** The receipt's row for a file: the table whose columns include SHA-256 (other receipt tables may follow). */
const receiptCells = (page: Page, name: string) =>
  page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'SHA-256', exact: true }) })
    .getByRole('row').filter({ hasText: name }).getByRole('cell');

/** Text of a description-list value by the visible text of its term (`<dt>Status</dt><dd>…</dd>`). */
const factOf = (scope: Locator | Page, term: string) =>
  scope.getByRole('term').filter({ hasText: new RegExp(`^${term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).locator('xpath=following-sibling::dd[1]');

async function expectImageLoaded(img: Locator): Promise<void> {
  await img.scrollIntoViewIfNeeded();
  const size = await img.evaluate(async (el) => {
    const image = el as HTMLImageElement;
    await image.decode(); // rejects if the image is broken
    return { w: image.naturalWidth, h: image.naturalHeight };
  });
  expect(size.w).toBeGreaterThan(0);
  expect(size.h).toBeGreaterThan(0);
}

describeInBrowser('observer → moderator → journalist in a real browser', () => {
  let system: TestSystem;
  let browser: Browser | undefined;
  let launching: Promise<Browser> | undefined; // started alongside the system, closed even if the system fails to start
  const contexts: BrowserContext[] = [];
  const requested: string[] = [];
  const pageProblems: string[] = [];
  const expected404 = new Set<string>();
  const photo = expectedOf(PHOTO);
  const video = expectedOf(VIDEO);
  const marker = randomUUID().slice(0, 8);
  const description = `Вброс бюллетеней в 12:05 (browser test ${marker}), видно на фото и видео`;
  const descriptionNoJs = `Carousel voting, no-JS path (browser test ${marker})`;
  const moderator = { email: `moderator-browser-${marker}@example.org`, password: 'correct horse battery staple' };
  let election: Election;
  let category: Category;
  // Filled in as the story goes on.
  let publishedId = '';
  let unpublishedId = '';

  async function newContext(options: BrowserContextOptions): Promise<BrowserContext> {
    const context = await browser!.newContext({ baseURL: system.url, ...options });
    contexts.push(context);
    context.setDefaultTimeout(15_000);
    context.on('request', (req) => requested.push(req.url()));
    context.on('page', (page) => {
      page.on('pageerror', (err) => pageProblems.push(`${page.url()}: uncaught ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const where = msg.location().url;
        if (expected404.has(where) && /status of 404/.test(msg.text())) return;
        // The browser asks for /favicon.ico by itself; the app has none (reported, not this test's subject).
        if (new URL(where || 'about:blank').pathname === '/favicon.ico') return;
        pageProblems.push(`${page.url()}: console error ${msg.text()} (${where})`);
      });
    });
    return context;
  }

  /**
   * A full-page screenshot, and a note of anything wider than the viewport (a sideways scroll on a
   * phone): written to test/artifacts/layout.json for people to look at, not asserted, since the
   * layout is not this test's subject.
   */
  const layoutNotes: { page: string; viewport: number; scrollWidth: number; overflowing: string[] }[] = [];
  async function shot(page: Page, name: string) {
    layoutNotes.push({
      page: name,
      ...(await page.evaluate(() => {
        const viewport = document.documentElement.clientWidth;
        const overflowing = Array.from(document.querySelectorAll('main *'))
          .filter((el) => el.getBoundingClientRect().right > viewport + 0.5)
          .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''}: ${(el.textContent ?? '').trim().slice(0, 50)}`);
        return { viewport, scrollWidth: document.documentElement.scrollWidth, overflowing: overflowing.slice(0, 8) };
      })),
    });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** The upload form as a person fills it in: files, then every field by its visible label. */
  async function fillUploadForm(page: Page, lang: 'ru' | 'en', files: string[], text: string) {
    const L = lang === 'ru'
      ? { files: 'Фото и видео', election: 'Выборы', region: 'Регион или страна', station: 'Номер участка (УИК)', category: 'Что за нарушение', description: 'Что произошло' }
      : { files: 'Photos and videos', election: 'Election', region: 'Region or country', station: 'Polling station number (UIK)', category: 'Kind of violation', description: 'What happened' };
    await page.getByLabel(L.files).setInputFiles(files.map(fixturePath));
    await page.getByLabel(L.election, { exact: true }).selectOption({ label: lang === 'ru' ? election.name_ru : election.name_en });
    await page.getByLabel(L.region).fill('Москва');
    await page.getByLabel(L.station).fill('8050');
    await page.getByLabel(L.category).selectOption({ label: lang === 'ru' ? category.label_ru : category.label_en });
    await page.getByLabel(L.description).fill(text);
  }

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    launching = chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    });
    launching.catch(() => undefined); // awaited below; a failure surfaces there
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('observer_flow') } }); // its own queue: no other file's entries
    const elections = await catalogRepo.listElections(system.ctx.db, true);
    const categories = await catalogRepo.listCategories(system.ctx.db, true);
    election = elections.find((e) => e.slug === 'ru-president-2024') ?? elections[0]!;
    category = categories.find((c) => c.code === 'ballot_stuffing')!;
    const token = await createAccountWithLink(system.ctx, moderator.email, 'moderator');
    await setPasswordWithToken(system.ctx, token, moderator.password);
    browser = await launching;
  }, STEP_TIMEOUT);

  afterAll(async () => {
    await fs.writeFile(path.join(ARTIFACTS, 'layout.json'), JSON.stringify(layoutNotes, null, 2)).catch(() => undefined);
    for (const c of contexts) await c.close().catch(() => undefined);
    await (browser ?? (await launching?.catch(() => undefined)))?.close();
    await system?.stop();
  }, STEP_TIMEOUT);

  test('observer (Russian, phone, JavaScript): sends a photo and a video, sees progress and the receipt', async () => {
    const context = await newContext({ ...PHONE, locale: 'ru-RU' });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: 'Отправить фото или видео нарушения' }).waitFor();
    await shot(page, '01-upload');

    await fillUploadForm(page, 'ru', [PHOTO, VIDEO], description);

    // Hold the first file's upload until the progress bar has been seen: on loopback it is too fast to catch otherwise.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/uploads', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Отправить' }).click();
    const progress = page.getByRole('progressbar');
    await progress.waitFor({ state: 'visible' });
    // upload.js removes role="status" when a send starts (meant to undo role="alert"); aria-live stays.
    const status = page.getByText('Загрузка…', { exact: true });
    await status.waitFor();
    expect(await status.getAttribute('aria-live')).toBe('polite');
    expect(await page.getByRole('button', { name: 'Отправить' }).isDisabled()).toBe(true);
    release();

    await page.getByRole('heading', { level: 1, name: 'Получено. Спасибо!' }).waitFor();
    expect(await page.getByRole('button', { name: 'Отправить' }).isVisible()).toBe(false); // the form makes way for the receipt
    // The form (and its progress bar) is hidden now; the bar ended full.
    expect(await page.getByRole('progressbar', { includeHidden: true }).evaluate((p) => (p as HTMLProgressElement).value)).toBe(100);
    // Focus moves to the receipt so a screen reader announces it.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Получено. Спасибо!');

    publishedId = (await factOf(page, 'Номер отправки').innerText()).trim();
    expect(publishedId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Every word of the script's receipt comes from web/i18n.ts by way of the page (data-label-*).
    expect(await page.title()).toBe('Получено. Спасибо!');
    expect((await factOf(page, 'Получено').innerText()).trim()).not.toBe('');
    const receiptTable = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'SHA-256', exact: true }) });
    expect(await receiptTable.getByRole('columnheader').allInnerTexts()).toEqual(['Файл', 'Размер', 'SHA-256']);
    for (const exp of [photo, video]) {
      expect(await receiptCells(page, exp.file).allInnerTexts()).toEqual([exp.file, `${(exp.bytes / 1048576).toFixed(1)}\u00a0МБ`, exp.sha256]);
    }
    const download = page.getByRole('link', { name: 'Скачать квитанцию (JSON)' });
    expect(await download.getAttribute('download')).toBe(`svidetel-receipt-${publishedId}.json`);
    const proof = page.locator('#log-receipt');
    await proof.getByRole('heading', { level: 2, name: 'Доказательство получения' }).waitFor();
    expect(await proof.getByRole('columnheader').allInnerTexts()).toEqual(['Файл', 'Номер в журнале', 'Leaf hash']);
    expect(await proof.getByText(/^Отпечаток ключа журнала: \S+$/).count()).toBe(1);
    await proof.getByRole('link', { name: 'Скачать квитанцию-доказательство (JSON)' }).waitFor();
    await proof.getByRole('link', { name: 'Скачать её как текст' }).waitFor();
    expect(await page.getByRole('link', { name: 'Отправить ещё' }).getAttribute('href')).toBe('/');
    await shot(page, '02-receipt');

    // What the receipt promises is what the archive holds.
    const files = await mediaRepo.listMediaFiles(system.ctx.db, publishedId);
    expect(files.map((f) => [f.original_name, f.sha256])).toEqual([[PHOTO, photo.sha256], [VIDEO, video.sha256]]);
  }, STEP_TIMEOUT);

  test('observer (English, no JavaScript): the same form posts and returns the receipt page', async () => {
    const context = await newContext({ ...PHONE, locale: 'en-US', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: 'Send a photo or video of a violation' }).waitFor();
    await fillUploadForm(page, 'en', [PHOTO], descriptionNoJs);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/submit'),
      page.getByRole('button', { name: 'Send' }).click(),
    ]);
    // Post/Redirect/Get: the receipt is a page of its own, not the answer to the POST.
    expect(response.status()).toBe(303);
    await page.getByRole('heading', { level: 1, name: 'Received. Thank you!' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/receipt\/[A-Za-z0-9_-]{32}$/);
    unpublishedId = (await factOf(page, 'Submission id').innerText()).trim();
    expect(unpublishedId).toMatch(/^[0-9a-f-]{36}$/);
    expect(unpublishedId).not.toBe(publishedId);
    expect(await receiptCells(page, PHOTO).allInnerTexts()).toEqual([PHOTO, expect.any(String), photo.sha256]);
    await page.getByRole('link', { name: 'Send more' }).waitFor();
    await shot(page, '02b-receipt-nojs');
  }, STEP_TIMEOUT);

  test('moderator (English, desktop): logs in, finds it in the queue, checks what the files say, publishes', async () => {
    expect(publishedId).not.toBe('');
    const context = await newContext({ ...DESKTOP, locale: 'en-US' });
    const page = await context.newPage();

    await page.goto('/login');
    await page.getByRole('heading', { level: 1, name: 'Moderator log in' }).waitFor();
    await page.getByLabel('Email').fill(moderator.email);
    await page.getByLabel('Password').fill(moderator.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/moderation');
    await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();

    const counts = await submissionsRepo.countByStatus(system.ctx.db);
    expect(counts.pending).toBeGreaterThanOrEqual(2);
    await page.getByText(`Pending: ${counts.pending} · Published: ${counts.published} · Rejected: ${counts.rejected}`, { exact: true }).waitFor();
    await shot(page, '03-queue');

    // Oldest first: earlier test files may have filled the first pages, so page on as a person would.
    // One entry, not the cluster it may sit in (the two uploads come from one station within minutes).
    let item = page.locator('li[data-entry]').filter({ hasText: marker }).filter({ hasText: 'files: 2' });
    while ((await item.count()) === 0) {
      await page.getByRole('link', { name: 'Next →' }).click();
      await page.waitForLoadState();
      item = page.locator('li[data-entry]').filter({ hasText: marker }).filter({ hasText: 'files: 2' });
    }
    await item.getByRole('link', { name: category.label_en }).click();
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${publishedId}`);
    await page.getByRole('heading', { level: 1, name: 'Review submission' }).waitFor();

    // The worker is asynchronous: reload until both files are processed, as a moderator would.
    const fileItem = (name: string) => page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name }) });
    const statuses = async () => Promise.all([PHOTO, VIDEO].map(async (n) => (await factOf(fileItem(n), 'Status').innerText()).trim()));
    const deadline = Date.now() + 90_000;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      const now = await statuses();
      if (now.every((s) => s === 'ready')) break;
      if (now.some((s) => s.startsWith('processing failed')) || Date.now() > deadline) throw new Error(`files not ready: ${now.join(', ')}`);
      await new Promise((r) => setTimeout(r, delay)); // polling interval between reloads, not a wait for a guess
      await page.reload();
    }

    // The claim as the observer made it.
    expect((await factOf(page, 'Station').innerText()).trim()).toBe('8050');
    expect((await factOf(page, 'Region').innerText()).trim()).toBe('Москва');
    expect((await factOf(page, 'Violation').innerText()).trim()).toBe(category.label_en);
    expect((await factOf(page, 'Status').first().innerText()).trim()).toBe('pending');
    await page.getByRole('paragraph').filter({ hasText: description }).first().waitFor();

    // What the files say: previews render, capture times match what exiftool found.
    for (const exp of [photo, video]) {
      const li = fileItem(exp.file);
      if (exp === video) {
        // a video plays in the page, its frame as the poster until it does
        const poster = await li.locator('video').getAttribute('poster');
        expect(poster).toMatch(/^\/moderation\/files\/[0-9a-f-]{36}\/preview\.jpg$/);
        const frame = await page.request.get(poster!);
        expect([frame.status(), frame.headers()['content-type']]).toEqual([200, 'image/jpeg']);
      } else {
        await expectImageLoaded(li.getByRole('img', { name: exp.file }));
      }
      expect((await factOf(li, 'SHA-256').innerText()).trim()).toBe(exp.sha256);
      const captured = (await factOf(li, 'Capture time').innerText()).trim();
      expect(captured.startsWith(shownCaptureTime(exp))).toBe(true);
      expect(captured).toContain(exp.taken_at_source!);
      expect(captured.endsWith(`= ${exp.taken_at_utc}`)).toBe(true);
      expect(await li.getByRole('link', { name: 'Original' }).getAttribute('href')).toMatch(/^\/moderation\/files\/[0-9a-f-]{36}\/original$/);
    }
    await shot(page, '04-review');

    // The checklist, ticked as a moderator who checked each point; the public choices stay at their
    // defaults (the safest for the observer). The public text starts empty, never as the observer's
    // (publishing without one is refused: moderation-decisions.test.ts); taking the observer's words
    // is a click beside the warning about what they may reveal.
    for (const item of ['Source plausible', 'Time consistent', 'Place consistent', 'Content shows the claimed violation']) {
      await page.getByRole('checkbox', { name: item }).check();
    }
    expect(await page.getByLabel('Public description').inputValue()).toBe('');
    await page.getByText('The observer’s words may give them away').waitFor();
    await page.getByRole('button', { name: 'Use the observer’s words' }).click();
    expect(await page.getByLabel('Public description').inputValue()).toBe(description);
    await page.getByRole('button', { name: 'Verify & publish' }).click();
    // opened from the queue: the next entry (or the queue, empty) opens, with a link to the one decided
    await page.waitForURL((u) => !u.pathname.endsWith(publishedId));
    await page.getByRole('link', { name: 'Open the decided entry' }).click();
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${publishedId}`);
    await page.getByRole('listitem').filter({ hasText: `${moderator.email} · verified and published` }).waitFor();
    expect((await factOf(page, 'Status').first().innerText()).trim()).toBe('published');
    expect(await page.getByRole('button', { name: 'Verify & publish' }).count()).toBe(0);
    await shot(page, '04b-review-published');
  }, STEP_TIMEOUT);

  test('journalist (Russian, phone, not logged in): finds the entry, checks it, downloads a clean copy; nothing unpublished leaks', async () => {
    expect(publishedId).not.toBe('');
    expect(unpublishedId).not.toBe('');
    const context = await newContext({ ...PHONE, locale: 'ru-RU' });
    const page = await context.newPage();

    await page.goto('/archive');
    await page.getByRole('heading', { level: 1, name: 'Опубликованные материалы' }).waitFor();
    const card = page.getByRole('listitem').filter({ hasText: description });
    await card.waitFor();
    await expectImageLoaded(card.locator('img')); // alt="": decorative, so it has no img role
    expect(await page.getByRole('listitem').filter({ hasText: descriptionNoJs }).count()).toBe(0);
    await shot(page, '05-archive');

    await card.getByRole('link', { name: category.label_ru }).click();
    await page.waitForURL((u) => u.pathname === `/archive/${publishedId}`);
    await page.getByRole('heading', { level: 1, name: category.label_ru }).waitFor();
    expect(await factOf(page, 'Постоянная ссылка').getByRole('link').getAttribute('href')).toBe(`/archive/${publishedId}`);
    expect(await factOf(page, 'УИК').getByRole('link', { name: '8050' }).count()).toBe(1);
    expect((await factOf(page, 'Регион').innerText()).trim()).toBe('Москва');
    expect((await factOf(page, 'Выборы').innerText()).trim()).toBe(election.name_ru);
    expect((await factOf(page, 'Нарушение').innerText()).trim()).toBe(category.label_ru);
    await page.getByRole('paragraph').filter({ hasText: description }).waitFor();

    // The moderator kept the safe defaults: the place only roughly, no device, no original.
    const text = await page.getByRole('main').innerText();
    for (const exp of [photo, video]) {
      expect(text).not.toContain(exp.gps!.lat.toFixed(4));
      expect(text).not.toContain(exp.model!);
    }
    expect(await page.getByRole('link', { name: 'Скачать оригинал' }).count()).toBe(0);

    const files = page.getByRole('listitem').filter({ has: page.getByRole('term').filter({ hasText: 'SHA-256' }) });
    expect(await files.count()).toBe(2);
    const shown = [
      { exp: photo, image: 'Фото (опубликованная копия)', link: 'Скачать опубликованную копию' },
      { exp: video, image: 'Кадр из видео', link: 'Скачать кадр из видео' },
    ];
    for (const [i, { exp, image, link }] of shown.entries()) {
      const li = files.nth(i);
      expect((await factOf(li, 'SHA-256').innerText()).trim()).toBe(exp.sha256);
      expect((await factOf(li, 'Время съёмки').innerText()).trim().startsWith(shownCaptureTime(exp))).toBe(true);
      // A video whose published copy is made already plays it, its frame as the poster; until then the frame is shown.
      const player = li.locator('video');
      if (exp === video && (await player.count()) > 0) {
        expect(await player.getAttribute('poster')).toMatch(/^\/media\/[0-9a-f-]{36}\/preview\.jpg$/);
        expect(await player.getAttribute('src')).toMatch(/^\/media\/[0-9a-f-]{36}\/video\.mp4$/);
      } else await expectImageLoaded(li.getByRole('img', { name: image }));

      const href = await li.getByRole('link', { name: link }).getAttribute('href');
      expect(href).toMatch(/^\/media\/[0-9a-f-]{36}\/published\.jpg$/);
      const res = await page.request.get(href!);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toMatch(/^image\/jpeg/);
      expect(res.headers()['content-disposition']).toMatch(/attachment/);
      const body = await res.body();
      const meta = await sharp(body).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      // A re-encoded copy, not the original; the device's name went with the metadata.
      expect(createHash('sha256').update(body).digest('hex')).not.toBe(exp.sha256);
      expect(body.includes(Buffer.from(exp.model!))).toBe(false);
    }
    await shot(page, '06-entry');

    // The unpublished (no-JS) submission is indistinguishable from a missing one, in every form.
    const [unpublishedFile] = await mediaRepo.listMediaFiles(system.ctx.db, unpublishedId);
    const hidden = [
      `/archive/${unpublishedId}`,
      `/api/v1/entries/${unpublishedId}`,
      `/media/${unpublishedFile!.id}/preview.jpg`,
      `/media/${unpublishedFile!.id}/published.jpg`,
    ];
    for (const p of hidden) expected404.add(system.url + p);
    const response = await page.goto(`/archive/${unpublishedId}`);
    expect(response?.status()).toBe(404);
    await page.getByRole('heading', { level: 1, name: 'Не найдено' }).waitFor();
    for (const p of hidden.slice(1)) expect([p, (await page.request.get(p)).status()]).toEqual([p, 404]);
    // Nor can the journalist open it in the moderators' pages.
    expect((await page.request.get(`/moderation/submissions/${unpublishedId}`)).status()).toBe(401);
  }, STEP_TIMEOUT);

  test('no request left the test server, and no page logged an error', () => {
    expect(requested.length).toBeGreaterThan(10); // the listeners did hear the pages
    const elsewhere = requested.filter((u) => !u.startsWith(`${system.url}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(elsewhere).toEqual([]);
    expect(pageProblems).toEqual([]);
  });
});
