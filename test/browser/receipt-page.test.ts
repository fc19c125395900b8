import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { Client, SUBMISSION_FIELDS, loggedInClient, submissionForm } from '../helpers/http';
import { decideFromPage } from '../helpers/moderation';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';
import { typescriptScript } from '../helpers/scripts';

/**
 * Issue 14 item 4 in Debian's Chromium, as an observer's phone shows the receipt page: 390 px wide,
 * in the phone's time zone. Nothing pushes the page sideways, the time is also the phone's local
 * time, the saved receipt passes both verifiers, and "forget" leaves nothing of the site behind.
 */

const CHROMIUM = '/usr/bin/chromium';
const describeInBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
const ROOT = path.join(__dirname, '../..');
const run = promisify(execFile);
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 };

describeInBrowser('the receipt page on a phone', () => {
  let system: TestSystem;
  let browser: Browser;
  let dir: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const launching = chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    launching.catch(() => undefined);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-receipt-browser-'));
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('receipt_browser'), LOG_STH_INTERVAL_SECONDS: '3600', LOG_ORIGIN: 'svidetel.test/log' } });
    browser = await launching;
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await system?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** One photo with a long unbroken name, sent through the no-JavaScript form: its receipt's key and bytes. */
  async function send(): Promise<{ key: string; jpeg: Buffer; name: string }> {
    const client = new Client(system.url);
    await client.page('/');
    const key = randomBytes(24).toString('base64url');
    const jpeg = await sharp(randomBytes(48 * 48 * 3), { raw: { width: 48, height: 48, channels: 3 } }).jpeg().toBuffer();
    const name = `IMG_20261201_104624_${'очень_длинное_имя_файла_без_пробелов_'.repeat(4)}.jpg`;
    const res = await client.fetch('/submit', { method: 'POST', body: submissionForm({ _csrf: client.csrf, idempotency_key: key, ...SUBMISSION_FIELDS }, [{ name, data: jpeg, type: 'image/jpeg' }]) });
    expect(res.status).toBe(303);
    return { key, jpeg, name };
  }

  async function phone(options: { locale?: string; timezoneId?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ ...PHONE, baseURL: system.url, acceptDownloads: true, ...options });
    contexts.push(context);
    context.setDefaultTimeout(30_000);
    return context.newPage();
  }

  test('at 390 px nothing scrolls sideways; the time is also the phone’s own; Russian by default', async () => {
    const { key, jpeg } = await send();
    const page = await phone({ locale: 'ru-RU', timezoneId: 'Asia/Vladivostok' });
    await page.goto(`/receipt/${key}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(width.client).toBe(390);
    expect(width.scroll).toBeLessThanOrEqual(width.client);
    // Each hash is shown whole, inside the screen.
    const sha = (await import('node:crypto')).createHash('sha256').update(jpeg).digest('hex');
    const hash = page.locator('code.hash', { hasText: sha });
    expect(await hash.textContent()).toBe(sha);
    const box = (await hash.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    // The UTC instant stays; next to it the phone's time (Vladivostok, UTC+10).
    const iso = (await page.locator('#received-at').getAttribute('datetime'))!;
    await expect(page.locator('#received-at').textContent()).resolves.toContain('UTC');
    const local = await page.locator('#received-at-local').textContent();
    const vladivostok = new Intl.DateTimeFormat('ru', { dateStyle: 'long', timeStyle: 'medium', timeZone: 'Asia/Vladivostok' }).format(new Date(iso));
    expect(local).toContain(vladivostok);
    expect(local).toContain('по времени этого телефона');
  });

  test('the saved receipt, as the browser downloads it, passes both verifiers with the key whose fingerprint the page shows', async () => {
    const { key, jpeg } = await send();
    await signTreeHeadIfGrown(system.workerCtx, { force: true });
    const page = await phone({ locale: 'en-US' });
    await page.goto(`/receipt/${key}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#log-receipt-json').click()]);
    const receiptFile = path.join(dir, 'saved-receipt.json');
    await download.saveAs(receiptFile);
    const logKey = (await (await fetch(`${system.url}/api/v1/log/key`)).json()) as { vkey: string; fingerprint: string };
    expect(await page.locator('#log-key-fingerprint').textContent()).toBe(logKey.fingerprint);
    const photo = path.join(dir, 'photo.jpg'); // the receipt names the file; the verifier reads its bytes
    await fs.writeFile(photo, jpeg);
    for (const args of [typescriptScript('scripts/verify.ts'), ['scripts/verify-receipt.mjs']]) {
      const { stdout } = await run(process.execPath, [...args, photo, '--receipt', receiptFile, '--key', logKey.vkey], { cwd: ROOT, timeout: 60_000 });
      expect(stdout).toContain('VERIFIED');
    }
  }, 120_000);

  test('"forget this upload on this phone" leaves no cookie, storage, database or cache of the site', async () => {
    const { key } = await send();
    const page = await phone({ locale: 'en-US' });
    // Whatever the site could have left: the upload form's cookie, a language cookie, and every kind of storage.
    await page.goto('/?lang=en');
    await page.goto(`/receipt/${key}`);
    await page.evaluate(async () => {
      localStorage.setItem('upload', 'kept');
      sessionStorage.setItem('upload', 'kept');
      document.cookie = 'script_cookie=1; path=/';
      await new Promise((resolve, reject) => {
        const open = indexedDB.open('uploads', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('files');
        open.onsuccess = () => {
          open.result.close();
          resolve(undefined);
        };
        open.onerror = () => reject(open.error);
      });
      await (await caches.open('receipts')).put('/receipt-copy', new Response('kept'));
    });
    const context = page.context();
    expect((await context.cookies()).map((c) => c.name).sort()).toEqual(expect.arrayContaining(['lang', 'script_cookie']));
    await expect(page.getByText('links whoever holds the phone to this upload')).toBeTruthy();

    await Promise.all([page.waitForURL('**/forgotten'), page.locator('#forget').click()]);
    await page.locator('#forgotten').waitFor();
    expect(await context.cookies()).toEqual([]);
    const left = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      databases: (await indexedDB.databases()).map((d) => d.name),
      caches: await caches.keys(),
    }));
    expect(left).toEqual({ local: 0, session: 0, databases: [], caches: [] });
    // Back does not lead to the receipt: this tab's entry no longer holds its address.
    expect(await page.evaluate(() => location.pathname)).toBe('/forgotten');
    expect(await page.content()).not.toContain(key);
  });

  test('a moderator’s question is answered on the phone, with a photo sent as a resumable upload, and reaches the moderator', async () => {
    const { key, jpeg } = await send();
    const { rows } = await system.ctx.db.query<{ id: string }>('SELECT submission_id AS id FROM media_files WHERE sha256 = $1', [
      (await import('node:crypto')).createHash('sha256').update(jpeg).digest(),
    ]);
    const id = rows[0]!.id;
    const moderator = await loggedInClient(system.ctx, system.url);
    expect((await decideFromPage(moderator, id, { action: 'needs_info', reason: 'Is there a photo of the station number?' })).status).toBe(303);

    const page = await phone({ locale: 'en-US' });
    await page.goto(`/receipt/${key}?lang=en`);
    await expect(page.locator('#receipt-state').getAttribute('data-state')).resolves.toBe('needs_info');
    await expect(page.locator('.question-text').textContent()).resolves.toContain('Is there a photo of the station number?');
    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(width.scroll).toBeLessThanOrEqual(width.client); // the form fits the 390 px phone
    const extra = await sharp(randomBytes(40 * 40 * 3), { raw: { width: 40, height: 40, channels: 3 } }).jpeg().toBuffer();
    await page.locator('#answer-body').fill('Yes: the sign at the entrance, attached.');
    await page.locator('#answer-files').setInputFiles({ name: 'sign.jpg', mimeType: 'image/jpeg', buffer: extra });
    // The file goes through the resumable upload endpoint, then one JSON request names it.
    const viaTus = page.waitForRequest((r) => r.url().endsWith('/api/v1/uploads') && r.method() === 'POST');
    const named = page.waitForResponse((r) => r.url().includes(`/api/v1/receipts/${key}/answer`));
    await page.locator('#answer-send').click();
    await viaTus;
    expect((await named).status()).toBe(201);
    await page.locator('.answer-body').waitFor();
    expect(await page.locator('.answer-body').textContent()).toBe('Yes: the sign at the entrance, attached.');
    expect(await page.locator('#answer-form').count()).toBe(0);
    const sha = (await import('node:crypto')).createHash('sha256').update(extra).digest('hex');
    await expect(page.locator('.answer-files code.hash').textContent()).resolves.toBe(sha);

    const review = (await moderator.page(`/moderation/submissions/${id}`)).body;
    expect(review).toContain('Yes: the sign at the entrance, attached.');
    expect(review).toMatch(/<a href="#file-[0-9a-f-]{36}">sign\.jpg<\/a>/);
    expect(review).toContain(sha);
    const left = await system.ctx.db.query('SELECT 1 FROM resumable_uploads');
    expect(left.rowCount).toBe(0); // the upload was taken by the answer
  }, 60_000);
});
