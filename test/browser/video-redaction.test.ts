import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import type { RedactionRegion } from '../../domain/media/redaction';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission } from '../helpers/http';
import { NEVER_HOLDING_BOX, expectedFrameReport, redactedFrameReport } from '../helpers/pixels';
import { processedFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Issue 18, item 1 for video, as a moderator in a real (Debian) Chromium: on the review page pause
 * the clip, set the time range, draw a box with the mouse and another with the keyboard, publish,
 * and find the boxes in the frames of the public copy while their ranges last, and nowhere else.
 */
const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describeWithFixtures('video redaction in a real browser', () => {
  let system: TestSystem;
  let browser: Browser;
  let launching: Promise<Browser> | undefined;
  /** The copy without boxes while the test has not taken it (then its own finally disposes of it). */
  let untaken: ReturnType<TestSystem['ctx']['media']['renderVideoCopy']> | undefined;
  const problems: string[] = [];
  const marker = randomUUID().slice(0, 8);
  const moderator = `vredact-${marker}@example.org`;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    // Chromium starts while the system does, not after it.
    launching = chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
    launching.catch(() => undefined);
    system = await startSystem();
    await setPasswordWithToken(system.ctx, await createAccountWithLink(system.ctx, moderator, 'moderator'), password);
    browser = await launching;
  }, 120_000);
  afterAll(async () => {
    await (await untaken?.catch(() => null))?.dispose();
    await (await launching?.catch(() => undefined))?.close();
    await system?.stop();
  });

  test('pause, set the range, draw with the mouse and the keyboard, publish: the public copy is covered only then and there', async () => {
    const fixture = 'apple-coremedia_gps_loci_offset.mp4'; // 1280×720 H.264, 3.6 s
    const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, region: `Region ${marker}`, description: `Observer text video ${marker}` }, [await fileFromPath(fixturePath(fixture))]);
    const id = ((await res.json()) as { submissionId: string }).submissionId;
    const [video] = await processedFiles(system, id, 400_000);
    // The copy without the boxes, to compare the public copy with, is rendered while the moderator
    // works and the worker makes the public copy, not after them: it needs neither.
    const rendering = (untaken = system.ctx.media.renderVideoCopy(fixturePath(fixture), video!, system.ctx.config.videoCopy, undefined, [NEVER_HOLDING_BOX]));
    rendering.catch(() => undefined);

    const context = await browser.newContext({ baseURL: system.url, locale: 'en-US', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page: Page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`${page.url()}: ${err.message}`));
    await page.goto('/login?lang=en');
    await page.getByLabel('Email').fill(moderator);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/moderation');
    await page.goto(`/moderation/submissions/${id}`);
    for (const item of ['Source plausible', 'Time consistent', 'Place consistent', 'Content shows the claimed violation']) await page.getByRole('checkbox', { name: item }).check();
    await page.getByLabel('Public description').fill('Ballots thrown into the box; the people in the frame are covered.');

    const canvas = page.getByRole('application', { name: `Video ${fixture}: draw boxes to cover on the paused frame` });
    await canvas.scrollIntoViewIfNeeded();
    const panel = page.locator(`.vredact-file[data-file-id="${video!.id}"]`);
    const lines = page.getByLabel(`Boxes to cover on ${fixture}`);

    // a blurred box from 0.5 s to 1.5 s, dragged with the mouse on the frame at 1 s
    await panel.getByLabel('Frame:').fill('1');
    await panel.getByLabel('New box from (s)').fill('0.5');
    await panel.getByLabel('to (s)').fill('1.5');
    const at = (await canvas.boundingBox())!;
    await page.mouse.move(at.x + at.width * 0.1, at.y + at.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(at.x + at.width * 0.4, at.y + at.height * 0.55, { steps: 5 });
    await page.mouse.up();
    expect((await lines.inputValue()).split('\n')).toEqual([expect.stringMatching(/^(9|10)(\.\d+)? (19|20)(\.\d+)? (29|30)(\.\d+)? (34|35)(\.\d+)? 0\.5 1\.5 blur$/)]);
    expect(await canvas.locator('.redact-box').count()).toBe(1);

    // a filled box from 2 s to 3 s with the keyboard alone: the frame at 2.5 s, "from"/"to" set from it
    await page.getByLabel('New boxes:').selectOption('fill');
    await panel.getByLabel('Frame:').focus();
    await panel.getByLabel('Frame:').fill('2');
    await panel.getByRole('button', { name: '“from” = this frame' }).press('Enter');
    await panel.getByLabel('to (s)').fill('3');
    await panel.getByLabel('Frame:').fill('2.5');
    await canvas.focus();
    // the box starts at 40 40 20 20: three steps right, two down
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowDown', 'Enter']) await page.keyboard.press(key);
    const [first, second] = (await lines.inputValue()).split('\n');
    expect(second).toBe('54 50 20 20 2 3 fill');
    // at 2.5 s only the second box holds: only it is drawn over the frame
    await waitFor(async () => (await canvas.locator('.redact-box').count()) === 1 || null, 10_000, 'the boxes of the frame at 2.5 s');
    await page.screenshot({ path: path.join(ARTIFACTS, 'moderation-07-video-redaction.png'), fullPage: true });
    await page.getByRole('button', { name: 'Verify & publish' }).click();
    await page.getByRole('listitem').filter({ hasText: `${moderator} · verified and published` }).waitFor();

    const [redaction] = await system.ctx.repos.redactions.listLatestRedactions(id);
    const boxes: RedactionRegion[] = redaction!.regions;
    expect(boxes.map((b) => [b.style, b.from_s, b.to_s])).toEqual([['blur', 0.5, 1.5], ['fill', 2, 3]]);
    expect(first).toMatch(/ 0\.5 1\.5 blur$/);

    // the public copy, once made with the boxes, against a copy made without them
    const copy = await waitFor(async () => {
      const c = await system.ctx.repos.videoCopies.findVideoCopy(video!.id);
      return c?.status === 'ready' && c.redaction_key !== null ? c : null;
    }, 400_000, 'the redacted copy');
    const served = await fetch(`${system.url}/media/${video!.id}/video.mp4`);
    expect(served.status).toBe(200);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-vredact-browser-'));
    const baseline = await rendering;
    untaken = undefined;
    try {
      const publicCopy = path.join(dir, 'public.mp4');
      await fs.writeFile(publicCopy, Buffer.from(await served.arrayBuffer()));
      expect(copy.sha256).toBeTruthy();
      for (const [t, holding] of [[0.2, [false, false]], [1.0, [true, false]], [2.5, [false, true]], [3.3, [false, false]]] as const) {
        expect(await redactedFrameReport(baseline.path, publicCopy, boxes, t)).toEqual(expectedFrameReport(t, false, holding));
      }
    } finally {
      await baseline.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  }, 900_000);
});
