import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as mediaRepo from '../../db/media.repo';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission } from '../helpers/http';
import { compareCopies, decodeJpeg, meanInBox } from '../helpers/pixels';
import { freshDatabaseUrl, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * The moderation workspace in a real (Debian) Chromium: log in with a second factor, work through
 * a queue of fixture submissions with the keyboard, verify with the checklist, reject with a
 * reason, publish with chosen public fields (and see the public page show exactly those),
 * unpublish, and two moderators deciding one entry at once. Own database: the queue holds only
 * this test's entries, so "next entry" is predictable. Screenshots land in test/artifacts/.
 */

const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const STEP = 120_000;

const codeFor = (email: string, secret: string, offsetMs = 0) =>
  new TOTP({ issuer: 'Svidetel', label: email, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetMs });

describeWithFixtures('moderation workspace in a real browser', () => {
  let system: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  const marker = randomUUID().slice(0, 8);
  const password = 'correct horse battery staple';
  const alice = `alice-${marker}@example.org`;
  const bob = `bob-${marker}@example.org`;
  const carol = `carol-${marker}@example.org`;
  let aliceSecret = '';
  // With GPS and a camera make/model: the entry published with chosen public fields.
  const photos = loadExpected().filter((e) => e.kind === 'image' && e.mime === 'image/jpeg' && e.vips_decode_ok_fail_on_warning !== false);
  const withGps = photos.find((e) => e.gps && e.gps_valid && e.make && e.model)!;
  const others = photos.filter((e) => e !== withGps).slice(0, 3);
  const ids: string[] = []; // queue order (oldest first): [published later, rejected, verified, contested]

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: system.url, locale: 'en-US', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      // refused forms answer 400/409 with the form again: expected here, the page shows why
      if (msg.type() === 'error' && !/favicon|status of 40[019]/.test(msg.text() + msg.location().url)) problems.push(`${page.url()}: ${msg.text()}`);
    });
    return page;
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const status = async (page: Page) => (await page.locator('#submission-status').innerText()).trim();

  async function logIn(page: Page, email: string, code?: string) {
    await page.goto('/login?lang=en');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    if (code) await page.getByLabel('Two-factor code (if turned on)').fill(code);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  async function tickChecklist(page: Page) {
    for (const item of ['Source plausible', 'Time consistent', 'Place consistent', 'Content shows the claimed violation']) {
      await page.getByRole('checkbox', { name: item }).check();
    }
  }

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('browser_moderation') } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    for (const email of [alice, bob, carol]) await setPasswordWithToken(system.ctx, await createAccountWithLink(system.ctx, email, 'moderator'), password);
    const sources = [withGps, ...others];
    for (const [i, e] of sources.entries()) {
      const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, region: `Region ${marker}`, description: `Observer text ${i} ${marker}: commission member throws ballots` }, [await fileFromPath(fixturePath(e.file))]);
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { submissionId: string }).submissionId);
    }
    await waitFor(async () => {
      const files = await Promise.all(ids.map((id) => mediaRepo.listMediaFiles(system.ctx.db, id)));
      return files.every((f) => f.every((x) => x.status === 'ready' || x.status === 'failed'));
    }, 90_000, 'the fixtures to be processed');
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await system?.stop();
  });

  test('log in, turn on two-factor login, log in again with the code', async () => {
    const page = await newPage();
    await logIn(page, alice);
    await page.waitForURL((u) => u.pathname === '/moderation');
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    aliceSecret = (await page.locator('#totp-secret').innerText()).trim();
    await page.getByLabel('Code from your app (6 digits)').fill(codeFor(alice, aliceSecret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('On: logging in asks for a code from your app.').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();

    await logIn(page, alice);
    await page.getByRole('alert').filter({ hasText: 'enter the current 6-digit code' }).waitFor();
    await logIn(page, alice, codeFor(alice, aliceSecret, 30_000));
    await page.waitForURL((u) => u.pathname === '/moderation');
    expect(problems).toEqual([]);
  }, STEP);

  test('work through the queue with the keyboard: verify with the checklist, reject with a reason, a note', async () => {
    const page = await newPage();
    await logIn(page, bob); // alice's codes allow one login per 30 s; bob has no second factor
    await page.waitForURL((u) => u.pathname === '/moderation');
    await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();
    const entries = page.locator('#queue li[data-entry]'); // the four come from one station within minutes: one cluster, in queue order
    expect(await entries.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-entry')))).toEqual(ids);
    await shot(page, 'moderation-01-queue');

    // j, j, k: the second entry, then back to the first; o opens it
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await page.evaluate(() => document.activeElement?.closest('li')?.getAttribute('data-entry'))).toBe(ids[0]);
    await page.keyboard.press('j');
    await page.keyboard.press('o');
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${ids[1]}`);
    await page.getByText('You are reviewing this entry').waitFor();

    // r: straight to the rejection reason
    await page.keyboard.press('r');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('reason_code');
    await page.getByLabel('Reason', { exact: true }).selectOption({ label: 'cannot be verified' });
    await page.getByLabel('Details').fill('No way to confirm the place');
    await page.getByRole('button', { name: 'Reject' }).click();
    // opened from the queue: the decision opens the queue's next entry, and links to the one decided
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${ids[2]}` && u.searchParams.get('from') === 'queue');
    await page.getByRole('link', { name: 'Open the decided entry' }).click();
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${ids[1]}`);
    await page.getByRole('listitem').filter({ hasText: `${bob} · rejected — cannot be verified · No way to confirm the place` }).waitFor();
    expect(await status(page)).toBe('rejected');

    // j: the next pending entry; n: the notes field; v: the checklist
    await page.keyboard.press('j');
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${ids[2]}`);
    await page.keyboard.press('n');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('note-body');
    await page.keyboard.type(`Same ballot box as the report next door (${marker})`);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText(`Same ballot box as the report next door (${marker})`).waitFor();
    await page.keyboard.press('v');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('check_source');
    await page.getByRole('checkbox', { name: 'Source plausible' }).check(); // the facts may have pre-ticked it
    for (const item of ['Time consistent', 'Content shows the claimed violation']) await page.getByRole('checkbox', { name: item }).check();
    await shot(page, 'moderation-02-entry');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Tick “Place consistent” or explain in its text field why not.' }).waitFor();
    expect(await status(page)).toBe('pending');
    await tickChecklist(page);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('listitem').filter({ hasText: `${bob} · verified` }).waitFor();
    expect(await status(page)).toBe('verified');

    // k from here is the previous pending entry: the first one
    await page.keyboard.press('k');
    await page.waitForURL((u) => u.pathname === `/moderation/submissions/${ids[0]}`);
    expect(problems).toEqual([]);
  }, STEP);

  test('publish with chosen public fields; the public page shows exactly those; unpublish with a reason', async () => {
    const page = await newPage();
    await logIn(page, bob);
    await page.waitForURL((u) => u.pathname === '/moderation');
    await page.goto(`/moderation/submissions/${ids[0]}`);
    await tickChecklist(page);
    const title = `Ballots thrown in, station 8050 (${marker})`;
    const description = 'A commission member puts a stack of ballots into the box at 12:05.';
    await page.getByLabel('Public title (optional)').fill(title);
    await page.getByLabel('Public description').fill(description);
    await page.getByRole('radio', { name: 'precise GPS coordinates' }).check();
    await page.getByRole('checkbox', { name: 'Show the device make and model' }).check();
    await page.getByRole('button', { name: 'Verify & publish' }).click();
    await page.getByRole('listitem').filter({ hasText: `${bob} · verified and published` }).waitFor();
    expect(await status(page)).toBe('published');
    await shot(page, 'moderation-03-published');

    const reader = await newPage();
    await reader.goto(`/archive/${ids[0]}?lang=en`);
    await reader.getByRole('heading', { level: 1, name: title }).waitFor();
    const text = await reader.locator('main').innerText();
    expect(text).toContain(description);
    expect(text).not.toContain(`Observer text 0 ${marker}`);
    expect(text).toContain(`${withGps.make} ${withGps.model}`);
    expect(text).toContain(`${withGps.gps!.lat.toFixed(5)}, ${withGps.gps!.lon.toFixed(5)}`);
    expect(text).not.toContain('Download the original');
    await shot(reader, 'moderation-04-public-choices');

    await page.getByLabel('Reason (shown on the public page)').fill('The observer asked to take it down for their safety.');
    await page.getByRole('button', { name: 'Unpublish' }).click();
    await page.getByRole('listitem').filter({ hasText: `${bob} · unpublished — The observer asked to take it down for their safety.` }).waitFor();
    expect(await status(page)).toBe('withdrawn');
    await reader.reload();
    await reader.getByText('Reason: The observer asked to take it down for their safety.').waitFor();
    expect(await reader.locator('main').innerText()).not.toContain(description);
    expect(problems).toEqual([]);
  }, STEP);

  test('two moderators deciding the same entry at once: the second sees the conflict and nothing of theirs is stored', async () => {
    const [pageA, pageB] = [await newPage(), await newPage()];
    await logIn(pageA, bob);
    await logIn(pageB, carol);
    await Promise.all([pageA.waitForURL((u) => u.pathname === '/moderation'), pageB.waitForURL((u) => u.pathname === '/moderation')]);
    await pageA.goto(`/moderation/submissions/${ids[3]}`);
    await pageB.goto(`/moderation/submissions/${ids[3]}`);
    await pageB.getByText(`${bob} is reviewing this entry`).waitFor();
    await tickChecklist(pageA);
    await tickChecklist(pageB);
    await Promise.all([
      pageA.getByRole('button', { name: 'Verify', exact: true }).click(),
      pageB.getByRole('button', { name: 'Verify', exact: true }).click(),
    ]);
    await pageA.getByRole('listitem').filter({ hasText: `${bob} · verified` }).waitFor();
    await pageB.waitForLoadState();
    const conflict = pageB.locator('p.error[role=alert]');
    await conflict.waitFor();
    expect(await conflict.innerText()).toContain(bob);
    expect(await conflict.innerText()).toMatch(/is reviewing this entry|already decided|changed after you opened it/);
    await shot(pageB, 'moderation-05-conflict');
    // The refusal may have been rendered before the first decision committed; a fresh load shows it.
    await pageB.goto(`/moderation/submissions/${ids[3]}`);
    expect(await status(pageB)).toBe('verified');
    const decisions = (await system.ctx.db.query('SELECT account_id FROM decisions WHERE submission_id = $1', [ids[3]])).rows;
    expect(decisions).toHaveLength(1);
    expect(problems).toEqual([]);
  }, STEP);

  test('redact a photo before publishing: boxes drawn with the mouse and the keyboard are burned into every public copy; the original is untouched', async () => {
    const fixture = 'samsung-galaxy-s7_gps_orient6.jpg'; // 12 MP, turned by its EXIF orientation
    const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, region: `Region ${marker}`, description: `Observer text redaction ${marker}` }, [await fileFromPath(fixturePath(fixture))]);
    const id = ((await res.json()) as { submissionId: string }).submissionId;
    const [file] = await waitFor(async () => {
      const files = await mediaRepo.listMediaFiles(system.ctx.db, id);
      return files.every((f) => f.status === 'ready') && files;
    }, 90_000, 'the photo to be processed');

    const page = await newPage();
    await logIn(page, carol);
    await page.waitForURL((u) => u.pathname === '/moderation');
    await page.goto(`/moderation/submissions/${id}`);
    await tickChecklist(page);
    await page.getByLabel('Public description').fill('Ballots thrown into the box; the people in the frame are covered.');

    // a box dragged with the mouse (blur, the default)
    const canvas = page.getByRole('application', { name: `Picture ${fixture}: draw boxes to cover` });
    await canvas.scrollIntoViewIfNeeded();
    const at = (await canvas.boundingBox())!;
    await page.mouse.move(at.x + at.width * 0.1, at.y + at.height * 0.1);
    await page.mouse.down();
    await page.mouse.move(at.x + at.width * 0.35, at.y + at.height * 0.3, { steps: 5 });
    await page.mouse.up();
    const lines = page.getByLabel(`Boxes to cover on ${fixture}`);
    expect((await lines.inputValue()).split('\n')).toEqual([expect.stringMatching(/^(9|10)(\.\d+)? (9|10)(\.\d+)? (24|25)(\.\d+)? (19|20)(\.\d+)? blur$/)]);
    expect(await canvas.locator('.redact-box').count()).toBe(1);

    // a box placed with the keyboard alone (fill): the box starts at 40 40 20 20
    await page.getByLabel('New boxes:').selectOption('fill');
    await canvas.focus();
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowDown', 'Shift+ArrowLeft', 'Shift+ArrowLeft', 'Enter']) await page.keyboard.press(key);
    expect((await lines.inputValue()).split('\n')[1]).toBe('46 44 16 20 fill');
    expect(await canvas.locator('.redact-box').count()).toBe(2);
    await shot(page, 'moderation-06-redaction');
    await page.getByRole('button', { name: 'Verify & publish' }).click();
    await page.getByRole('listitem').filter({ hasText: `${carol} · verified and published` }).waitFor();

    // every public copy has both boxes covered and is the plain copy elsewhere
    const [redaction] = await system.ctx.repos.redactions.listLatestRedactions(id);
    expect(redaction!.regions).toHaveLength(2);
    const stored = async (kind: 'thumb' | 'preview') => {
      const blob = (await system.ctx.blobs.openDerivative(file!.sha256, kind))!;
      const chunks: Buffer[] = [];
      for await (const chunk of blob.stream()) chunks.push(chunk as Buffer);
      return decodeJpeg(Buffer.concat(chunks));
    };
    const plain = { thumb: await stored('thumb'), preview: await stored('preview') };
    const served: Record<string, string> = {};
    for (const [variant, kind] of [['thumb.jpg', 'thumb'], ['preview.jpg', 'preview'], ['published.jpg', 'preview']] as const) {
      const copy = await fetch(`${system.url}/media/${file!.id}/${variant}`);
      expect({ variant, status: copy.status }).toEqual({ variant, status: 200 });
      const bytes = Buffer.from(await copy.arrayBuffer());
      served[variant] = createHash('sha256').update(bytes).digest('hex');
      const { insideMean, outsideMax } = compareCopies(plain[kind], await decodeJpeg(bytes), redaction!.regions, 16);
      expect({ variant, outside: outsideMax <= 2, blurred: insideMean[0]! > 2, filled: insideMean[1]! > 10 }).toEqual({ variant, outside: true, blurred: true, filled: true });
      expect(meanInBox(await decodeJpeg(bytes), redaction!.regions[1]!, 4)).toBeLessThan(8);
    }

    // the original is the bytes received, and not offered; the entry says it was redacted
    expect(createHash('sha256').update(await system.ctx.blobs.readOriginal(file!.sha256)).digest('hex')).toBe(file!.sha256);
    expect((await fetch(`${system.url}/media/${file!.id}/original`)).status).toBe(404);
    const entry = (await (await fetch(`${system.url}/api/v1/entries/${id}`)).json()) as { files: { redacted: boolean; original_url: string | null }[] };
    expect(entry.files.map((f) => f.redacted)).toEqual([true]);
    const reader = await newPage();
    await reader.goto(`/archive/${id}?lang=en`);
    await reader.getByText('A moderator covered part of this picture').waitFor();

    // the audit row names the boxes and the copies made
    const audit = await system.ctx.db.query<{ after: { redactions: unknown[]; redacted_copies: { preview_sha256: string; thumb_sha256: string }[] } }>(
      `SELECT after FROM audit_log WHERE entity_id = $1 AND action = 'submission.verify_publish'`,
      [id],
    );
    expect(audit.rows[0]!.after.redactions).toEqual([{ fileId: file!.id, regions: redaction!.regions }]);
    expect(audit.rows[0]!.after.redacted_copies).toEqual([{ file_id: file!.id, thumb_sha256: served['thumb.jpg'], preview_sha256: served['preview.jpg'] }]);
    expect(problems).toEqual([]);
  }, STEP);

  test('a cluster of five duplicates in the queue is decided in one action: the four copies are merged into the one picked', async () => {
    const used = new Set([withGps.file, ...others.map((o) => o.file), 'samsung-galaxy-s7_gps_orient6.jpg']);
    const duplicate = photos.find((e) => !used.has(e.file))!;
    const copies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, region: `Region ${marker}`, station_number: '9999', description: `Copy ${i} ${marker}` }, [await fileFromPath(fixturePath(duplicate.file))]);
      copies.push(((await res.json()) as { submissionId: string }).submissionId);
    }
    await waitFor(async () => {
      const files = await Promise.all(copies.map((id) => mediaRepo.listMediaFiles(system.ctx.db, id)));
      return files.every((f) => f.every((x) => x.status === 'ready'));
    }, 90_000, 'the copies to be processed');

    const page = await newPage();
    await logIn(page, carol);
    await page.waitForURL((u) => u.pathname === '/moderation');
    const cluster = page.locator('li.cluster', { hasText: 'A cluster of 5' });
    await cluster.waitFor();
    expect(await cluster.innerText()).toContain('identical files');
    expect(await cluster.locator('li[data-entry]').evaluateAll((els) => els.map((e) => e.getAttribute('data-entry')))).toEqual(copies);
    await cluster.locator('input.select-cluster').check();
    await cluster.getByRole('radio', { name: new RegExp(`keep this one .*${copies[0]!.slice(0, 8)}`) }).check();
    await page.getByLabel('Decision').selectOption('merge');
    await page.getByLabel('One reason for all').fill('The same photo sent five times.');
    await shot(page, 'moderation-07-cluster');
    await page.getByRole('button', { name: 'Apply to the ticked entries' }).click();
    await page.locator('#bulk-result').filter({ hasText: 'Decided: 4; not decided: 0' }).waitFor();

    const statuses = (await system.ctx.db.query<{ id: string; status: string; merged_into_id: string | null }>('SELECT id, status, merged_into_id FROM submissions WHERE id = ANY($1)', [copies])).rows;
    expect(Object.fromEntries(statuses.map((r) => [r.id, [r.status, r.merged_into_id]]))).toEqual(
      Object.fromEntries(copies.map((id, i) => [id, i === 0 ? ['pending', null] : ['merged', copies[0]]])),
    );
    const audit = await system.ctx.db.query('SELECT 1 FROM audit_log WHERE action = $1 AND entity_id = ANY($2)', ['submission.merge', copies]);
    expect(audit.rowCount).toBe(4);
    expect(await page.locator('li.cluster', { hasText: 'A cluster of 5' }).count()).toBe(0);
    expect(problems).toEqual([]);
  }, STEP);
});
