import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission } from '../helpers/http';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';

/**
 * Errors said in the reader's language, as a moderator and an observer meet them in a real browser:
 * verifying with nothing ticked on the Russian page names all four missing checklist items in
 * Russian; and an observer who picks "attendance count" on the general upload form gets the count's
 * fields in place, keeps what was typed and the files chosen, and sends the count with its figures.
 */

const CHROMIUM = '/usr/bin/chromium';
const describeInBrowser = existsSync(CHROMIUM) ? describeWithFixtures : describe.skip;
const STEP = 120_000;
const PHOTO = 'nokia-8.3-5g_gps_offset.jpg';

describeInBrowser('errors in the reader’s language; the general form’s count', () => {
  let system: TestSystem;
  let browser: Browser | undefined;
  const problems: string[] = [];
  const moderator = { email: `moderator-errors-${process.pid}@example.org`, password: 'correct horse battery staple' };

  async function newPage(locale: string): Promise<Page> {
    const context = await browser!.newContext({ baseURL: system.url, locale, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
    // a refused form answers 400 with the form again: expected here, the page says why; with no
    // worker in this system, the queue's thumbnails are never made
    const expected = (m: ConsoleMessage) => /favicon|status of 400/.test(m.text() + m.location().url) || /\/moderation\/files\/[^/]+\/thumb\.jpg$/.test(m.location().url);
    page.on('console', (m) => m.type() === 'error' && !expected(m) && problems.push(`${page.url()}: ${m.text()} (${m.location().url})`));
    return page;
  }

  beforeAll(async () => {
    const launching = chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    launching.catch(() => undefined);
    system = await startSystem({ worker: false, env: { DATABASE_URL: await freshDatabaseUrl('errors_browser') } });
    const token = await createAccountWithLink(system.ctx, moderator.email, 'moderator');
    await setPasswordWithToken(system.ctx, token, moderator.password);
    browser = await launching;
  }, STEP);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, STEP);

  afterEach(() => {
    expect(problems).toEqual([]);
  });

  test('verifying with nothing ticked on the Russian page names the four missing items, in Russian, and changes nothing', async () => {
    const sent = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await fileFromPath(fixturePath(PHOTO))]);
    const { submissionId } = (await sent.json()) as { submissionId: string };
    const page = await newPage('ru-RU');
    await page.goto('/login?lang=ru');
    await page.getByLabel('Эл. почта').fill(moderator.email);
    await page.getByLabel('Пароль').fill(moderator.password);
    await page.getByRole('button', { name: 'Вход' }).click();
    await page.waitForURL((u) => u.pathname === '/moderation');

    await page.goto(`/moderation/submissions/${submissionId}`);
    await page.locator('#verify').click();
    const error = page.locator('p.error[role=alert]').filter({ hasText: 'Отметьте' });
    await error.waitFor();
    const text = await error.innerText();
    for (const item of ['Источник правдоподобен', 'Время согласуется', 'Место согласуется', 'Видно заявленное нарушение']) {
      expect(text).toContain(`Отметьте «${item}» или объясните в поле под ним, почему нет.`);
    }
    expect(text).not.toMatch(/note_|check_|[A-Za-z]{5}/); // no field names, no English
    const { rows } = await system.ownerDb.query(`SELECT status FROM submissions WHERE id = $1`, [submissionId]);
    expect(rows).toEqual([{ status: 'pending' }]);
  }, STEP);

  test('choosing “attendance count” on the general form puts the count’s fields in place; what was typed and the files stay, and the count is sent', async () => {
    const page = await newPage('en-US');
    await page.goto('/?lang=en');
    await page.getByLabel('Photos and videos').setInputFiles([fixturePath(PHOTO)]);
    await page.getByLabel('Region or country').fill('Москва');
    await page.getByLabel('Polling station number (UIK)').fill('8050');
    await page.getByLabel('What happened').fill('Counted at the door with a clicker');
    await page.getByLabel('Kind of violation').selectOption('attendance_count');

    await page.getByRole('heading', { level: 1, name: 'Report an attendance count' }).waitFor();
    expect(page.url()).toMatch(/\/\?lang=en$/); // the same page: nothing typed was lost on the way
    expect(await page.getByLabel('What happened').inputValue()).toBe('Counted at the door with a clicker');
    expect(await page.getByLabel('Region or country').inputValue()).toBe('Москва');
    expect(await page.getByLabel('Photos and videos').evaluate((input: HTMLInputElement) => input.files?.length)).toBe(1);

    await page.getByLabel('Counting began (local time)').fill('2024-03-17T10:00');
    await page.getByLabel('Counting ended (local time)').fill('2024-03-17T12:00');
    await page.getByLabel('How many people').fill('180');
    await page.getByLabel('How it was counted').selectOption('clicker');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Received. Thank you!' }).waitFor({ timeout: 60_000 });
    const { rows } = await system.ownerDb.query(
      `SELECT s.category_code, c.people, c.method, s.description FROM attendance_counts c JOIN submissions s ON s.id = c.submission_id`,
    );
    expect(rows).toEqual([{ category_code: 'attendance_count', people: 180, method: 'clicker', description: 'Counted at the door with a clicker' }]);
  }, STEP);
});
