import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import * as mediaRepo from '../../db/media.repo';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { processedFiles, startSystem, type TestSystem } from '../helpers/system';
import { ownElection, publish, videoCopiesOf } from '../integration/archive-helpers';

/**
 * Issue 17, item 1: every video fixture gets a published copy that Debian's Chromium plays on the
 * public entry (with its poster), served with Range requests, and found by /check with the original
 * it was made from. One submission holds every video, so each is processed and copied once.
 */
const CHROMIUM = '/usr/bin/chromium';
const describeInBrowser = existsSync(CHROMIUM) ? describeWithFixtures : describe.skip;

describeInBrowser('published video copies play in the browser', () => {
  const videos = loadExpected().filter((e) => e.kind === 'video' && e.bytes > 0);
  let system: TestSystem;
  let browser: Browser;
  let entryId: string;
  let files: Awaited<ReturnType<typeof mediaRepo.listMediaFiles>>;
  let moderator: Client;

  beforeAll(async () => {
    system = await startSystem({ env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    const election = (await ownElection(system, 'video')).id;
    moderator = await loggedInClient(system.ctx, system.url);
    const fields = { election_id: String(election), region: 'Москва', station_number: '2034', category_code: 'ballot_stuffing', description: `Вброс на видео ${randomBytes(4).toString('hex')}` };
    const res = await uploadSubmission(new Client(system.url), fields, await Promise.all(videos.map((v) => fileFromPath(fixturePath(v.file)))));
    expect(res.status).toBe(201);
    entryId = ((await res.json()) as { submissionId: string }).submissionId;
    // processing six videos (frames, contact sheets) and then their copies: minutes on a busy machine
    await processedFiles(system, entryId, 400_000);
    await publish(moderator, entryId);
    const copies = await videoCopiesOf(system, entryId, 400_000);
    files = await mediaRepo.listMediaFiles(system.ctx.db, entryId);
    expect(files.map((f) => [f.original_name, copies.get(f.id)?.status])).toEqual(videos.map((v) => [v.file, 'ready']));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('each copy is MP4, answered 206 to a Range request, and found by its hash with its original', async () => {
    for (const file of files) {
      const whole = await fetch(`${system.url}/media/${file.id}/video.mp4`);
      const bytes = Buffer.from(await whole.arrayBuffer());
      expect({ file: file.original_name, status: whole.status, type: whole.headers.get('content-type'), ranges: whole.headers.get('accept-ranges') }).toEqual({
        file: file.original_name,
        status: 200,
        type: 'video/mp4',
        ranges: 'bytes',
      });
      // faststart: the index comes before the media data, so a phone can start playing at once
      expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
      const part = await fetch(`${system.url}/media/${file.id}/video.mp4`, { headers: { Range: 'bytes=100-199' } });
      expect({ status: part.status, range: part.headers.get('content-range') }).toEqual({ status: 206, range: `bytes 100-199/${bytes.length}` });
      expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));

      const sha = createHash('sha256').update(bytes).digest('hex');
      const found = (await (await fetch(`${system.url}/api/v1/files/${sha}`)).json()) as { status: string; entries: { id: string; copy_of: unknown }[] };
      expect(found).toMatchObject({ status: 'published', entries: [{ id: entryId, copy_of: { kind: 'video', file_id: file.id, original_sha256: file.sha256 } }] });
    }
    // the moderator's review page says where each copy stands
    const review = (await moderator.page(`/moderation/submissions/${entryId}?lang=en`)).body;
    expect(review.match(/Published copy: ready/g)).toHaveLength(files.length);
    const entry = (await (await fetch(`${system.url}/api/v1/entries/${entryId}`)).json()) as { files: { video_url: string | null; video_copy_sha256: string | null }[] };
    expect(entry.files.map((f) => f.video_url)).toEqual(files.map((f) => `/media/${f.id}/video.mp4`));
  });

  test('Chromium plays every copy on the entry page, with its poster, and asks nothing of another origin', async () => {
    const context = await browser.newContext({ baseURL: system.url, locale: 'ru-RU' });
    const requested: string[] = [];
    context.on('request', (req) => requested.push(req.url()));
    const page = await context.newPage();
    await page.goto(`/archive/${entryId}`);
    const players = page.locator('li.file video');
    expect(await players.count()).toBe(files.length);
    for (let i = 0; i < files.length; i++) {
      const player = players.nth(i);
      expect(await player.getAttribute('poster')).toBe(`/media/${files[i]!.id}/preview.jpg`);
      const played = await player.evaluate(
        (video: HTMLVideoElement) =>
          new Promise<{ readyState: number; advanced: boolean; error: number | null }>((resolve) => {
            video.muted = true;
            video.loop = true; // the shortest fixture lasts 0.17 s: keep it playing while it is watched
            const done = () => resolve({ readyState: video.readyState, advanced: video.currentTime > 0, error: video.error?.code ?? null });
            const timer = setTimeout(done, 20_000);
            video.addEventListener('error', () => {
              clearTimeout(timer);
              done();
            });
            void video.play().catch(() => undefined);
            const check = () => {
              if (video.readyState >= 3 && video.currentTime > 0) {
                clearTimeout(timer);
                done();
              } else if (!video.error) setTimeout(check, 50);
            };
            check();
          }),
      );
      expect({ file: files[i]!.original_name, ...played }).toEqual({ file: files[i]!.original_name, readyState: expect.any(Number), advanced: true, error: null });
      expect(played.readyState).toBeGreaterThanOrEqual(3);
    }
    expect(await page.getByRole('link', { name: 'Скачать видео (копия без метаданных)' }).count()).toBe(files.length);
    const origin = new URL(system.url).origin;
    expect(requested.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    await context.close();
  });
});
