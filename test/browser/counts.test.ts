import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { loggedInClient, type Client } from '../helpers/http';
import { freshDatabaseUrl, processedFiles, startSystem, type TestSystem } from '../helpers/system';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';

/**
 * Counts as evidence walked as people would (issue 19): an observer reports an attendance count and
 * a protocol copy from a phone (the upload page's own flow and receipt), a moderator verifies the
 * count, checks the transcription and publishes both, and anyone reads the station's discrepancy and
 * its chart, in Russian and English. Locators are roles and labels.
 */

const CHROMIUM = '/usr/bin/chromium';
const describeInBrowser = existsSync(CHROMIUM) ? describeWithFixtures : describe.skip;
const PHOTO = 'nokia-8.3-5g_gps_offset.jpg';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const STEP_TIMEOUT = 120_000;
const STATION_PAGE = '/stations/1/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/8050';

describeInBrowser('counts: observer → moderator → public in a real browser', () => {
  let system: TestSystem;
  let browser: Browser | undefined;
  let admin: Client;
  const problems: string[] = [];
  const moderator = { email: `moderator-counts-${process.pid}@example.org`, password: 'correct horse battery staple' };
  const ids: { count?: string; protocol?: string } = {};

  async function newPage(locale: string, options = {}): Promise<Page> {
    const context = await browser!.newContext({ baseURL: system.url, locale, ...options });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
    page.on('console', (m) => m.type() === 'error' && !/favicon/.test(m.location().url) && problems.push(`${page.url()}: ${m.text()}`));
    return page;
  }

  /** The fields every upload has, as an observer fills them in (Russian labels). */
  async function fillCommon(page: Page, description: string) {
    await page.getByLabel('Фото и видео').setInputFiles([fixturePath(PHOTO)]);
    await page.getByLabel('Регион или страна').fill('Москва');
    await page.getByLabel('Номер участка (УИК)').fill('УИК 8050');
    await page.getByLabel('Что произошло').fill(description);
  }

  async function receiptId(page: Page): Promise<string> {
    await page.getByRole('heading', { level: 1, name: 'Получено. Спасибо!' }).waitFor({ timeout: 60_000 });
    const id = (await page.getByRole('term').filter({ hasText: /^Номер отправки$/ }).locator('xpath=following-sibling::dd[1]').innerText()).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    return id;
  }

  beforeAll(async () => {
    const launching = chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    launching.catch(() => undefined);
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('counts_flow') } });
    const token = await createAccountWithLink(system.ctx, moderator.email, 'moderator');
    await setPasswordWithToken(system.ctx, token, moderator.password);
    // The admin's part (tested over HTTP in test/integration/counts.test.ts): the protocol and official results.
    admin = await loggedInClient(system.ctx, system.url, 'admin');
    await admin.page('/admin/counts?election_id=1');
    await admin.postForm('/admin/counts/lines', { election_id: '1', lines: '1; voters; voters_on_list; Число избирателей; Voters on the list\n12; valid; valid; Действительных бюллетеней; Valid ballots\n20; cand_a; candidate; Кандидат А; Candidate A\n21; cand_b; candidate; Кандидат Б; Candidate B' });
    const csv = new FormData();
    csv.append('election_id', '1');
    // three voting days, turnout cumulative: 60 by the first close, 100 by the second, 150 and 420 on the last day at 10:00 and 12:00
    csv.append('file', new Blob(['uik,region,voters,valid,cand_a,cand_b,turnout_2024-03-15_20:00,turnout_2024-03-16_20:00,turnout_10:00,turnout_2024-03-17_12:00\n8050,Москва,2000,1290,1211,79,60,100,150,420\n'], { type: 'text/csv' }), 'official.csv');
    await admin.fetch(`/admin/counts/official?_csrf=${encodeURIComponent(admin.csrf)}`, { method: 'POST', body: csv });
    browser = await launching;
  }, STEP_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, STEP_TIMEOUT);

  test('observer (Russian, phone): reports a count and sends a protocol copy, each with its receipt', async () => {
    const page = await newPage('ru-RU', PHONE);
    await page.goto('/count');
    await page.getByRole('heading', { level: 1, name: 'Сообщить подсчёт явки' }).waitFor();
    await fillCommon(page, 'Считали кликером у входа с 10 до 12');
    await page.getByLabel('Начало подсчёта (местное время)').fill('2024-03-17T10:00');
    await page.getByLabel('Конец подсчёта (местное время)').fill('2024-03-17T12:00');
    await page.getByLabel('Сколько человек').fill('180');
    await page.getByLabel('Что считали').selectOption({ label: 'вошедших на участок' });
    await page.getByLabel('Как считали').selectOption({ label: 'счётчик-кликер' });
    await page.getByRole('button', { name: 'Отправить' }).click();
    ids.count = await receiptId(page);

    await page.goto('/protocol');
    await page.getByRole('heading', { level: 1, name: 'Отправить копию итогового протокола' }).waitFor();
    await fillCommon(page, 'Копия протокола, подписанная комиссией');
    await page.getByLabel('1. Число избирателей').fill('2000');
    await page.getByLabel('12. Действительных бюллетеней').fill('1290');
    await page.getByLabel('20. Кандидат А').fill('604');
    await page.getByLabel('21. Кандидат Б').fill('680'); // does not add up to the valid ballots
    await page.getByRole('button', { name: 'Отправить' }).click();
    ids.protocol = await receiptId(page);
  }, STEP_TIMEOUT);

  test('moderator (English): verifies the count, corrects and checks the protocol, publishes both', async () => {
    const page = await newPage('en-US', { viewport: { width: 1280, height: 900 } });
    await page.goto('/login');
    await page.getByLabel('Email').fill(moderator.email);
    await page.getByLabel('Password').fill(moderator.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/moderation');

    const publish = async () => {
      for (const item of ['Source plausible', 'Time consistent', 'Place consistent', 'Content shows the claimed violation']) await page.getByRole('checkbox', { name: item }).check();
      await page.getByRole('button', { name: 'Use the observer’s words' }).click();
      await page.getByRole('button', { name: 'Verify & publish' }).click();
      await page.getByRole('listitem').filter({ hasText: `${moderator.email} · verified and published` }).waitFor();
    };

    await processedFiles(system, ids.count!);
    await page.goto(`/moderation/submissions/${ids.count}`);
    await page.getByText('Count: 180 people (people entering the station), 2024-03-17 10:00 to 2024-03-17 12:00, clicker').waitFor();
    await page.getByText('Not verified: never shown to the public.').waitFor();
    await page.getByRole('button', { name: 'The count is plausible and the files support it' }).click();
    await page.getByText(`Verified by ${moderator.email}`).waitFor();
    await publish();

    await processedFiles(system, ids.protocol!);
    await page.goto(`/moderation/submissions/${ids.protocol}`);
    await page.getByText('Votes for the candidates do not sum to the valid ballots').waitFor();
    await page.getByLabel('21. Candidate B').fill('686'); // as the photo shows
    await page.getByRole('button', { name: 'Save the figures' }).click();
    await page.getByText('The protocol\'s arithmetic adds up.').waitFor();
    expect(await page.getByRole('row').filter({ hasText: '21. Candidate B' }).getByRole('cell').last().innerText()).toContain(moderator.email);
    expect(await page.getByRole('row').filter({ hasText: '20. Candidate A' }).getByRole('cell').last().innerText()).toContain('the observer');
    await page.getByRole('button', { name: 'The figures match the protocol photo' }).click();
    await page.getByText(`Checked against the photo by ${moderator.email}`).waitFor();
    await publish();
  }, STEP_TIMEOUT);

  test('the public (phone): the station page says the discrepancy in both languages and draws the chart', async () => {
    const page = await newPage('en-GB', PHONE);
    await page.goto(`${STATION_PAGE}?lang=en`);
    await page.getByRole('heading', { level: 2, name: 'The station\'s figures' }).waitFor();
    await page.getByText('The official result gives “Candidate A” 1,211; the protocol copy signed at the station gives 604 (a difference of +607).').waitFor();
    await page.getByText('From 2024-03-17 10:00 to 12:00 the official turnout is 270 voters; observers counted 180 (± 4, clicker; a difference of +90).').waitFor();
    // a chart row per voting day with figures: 15, 16 and 17 March
    expect(await page.locator('figure.chart').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-day')))).toEqual(['2024-03-15', '2024-03-16', '2024-03-17']);
    const chart = page.getByRole('img', { name: 'Turnout by hour: official and observers\' counts · 2024-03-17' });
    const box = (await chart.boundingBox())!;
    expect(box.width).toBeGreaterThan(300);
    expect(box.width).toBeLessThanOrEqual(390); // fits the phone: no sideways scroll
    expect(await chart.locator('circle.observed').count()).toBe(1);
    // 08:00–10:00 (150 − the 16th's close 100 = 50) and 10:00–12:00 (270)
    expect(await chart.locator('rect.official title').allTextContents()).toEqual(['2024-03-17T08:00/2024-03-17T10:00: 50', '2024-03-17T10:00/2024-03-17T12:00: 270']);
    expect(await page.getByRole('img', { name: '· 2024-03-16' }).locator('rect.official title').allTextContents()).toEqual(['2024-03-16T08:00/2024-03-16T20:00: 40']);

    await page.goto(`${STATION_PAGE}?lang=ru`);
    await page.getByText('По официальным данным «Кандидат А» — 1\u00a0211; в копии протокола, подписанной на участке, — 604 (разница +607).').waitFor();
    await page.getByRole('img', { name: 'Явка по часам: официально и по подсчётам наблюдателей · 2024-03-17' }).waitFor();

    await page.goto('/counts?election=1');
    await page.getByRole('link', { name: '8050' }).click();
    await page.waitForURL((u) => u.pathname === decodeURIComponent(STATION_PAGE) || u.pathname === STATION_PAGE);
    expect(problems).toEqual([]);
  }, STEP_TIMEOUT);
});
