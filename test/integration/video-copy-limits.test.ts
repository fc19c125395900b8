import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mediaRepo from '../../db/media.repo';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';
import { ownElection, publish, uploadAndProcess, videoCopiesOf } from './archive-helpers';

/**
 * Issue 17, item 1: a published copy is bounded in time (VIDEO_COPY_MAX_MINUTES): past it, ffmpeg is
 * stopped and the copy recorded as failed with its reason, which the moderator's review page shows;
 * the public entry keeps the frame and says no playable copy could be made (not "still being made").
 */
describe('a published video copy past its time limit', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-copy-limits-'));
  let system: TestSystem;

  beforeAll(async () => {
    // 30 ms of ffmpeg: no transcode of a 3 s MJPEG clip ends within it
    system = await startSystem({ env: { VIDEO_COPY_MAX_MINUTES: '0.0005', PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('is stopped, recorded as failed with its reason, shown so to moderators and the public', async () => {
    const clip = path.join(dir, 'camera.avi');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=3:size=640x480:rate=25', '-c:v', 'mjpeg', clip]);
    const election = await ownElection(system, 'copy-limits');
    const fields = { election_id: String(election.id), region: 'Москва', station_number: '2034', category_code: 'ballot_stuffing', description: 'Видео, копия которого не успевает' };
    const id = await uploadAndProcess(system, fields, [{ name: 'camera.avi', data: fs.readFileSync(clip) }]);
    const [file] = await mediaRepo.listMediaFiles(system.ctx.db, id);
    expect(file!.status).toBe('ready'); // the original itself is processed: a frame, its metadata

    const copy = (await videoCopiesOf(system, id, 120_000)).get(file!.id)!;
    expect({ status: copy.status, reason: copy.failure_reason }).toEqual({ status: 'failed', reason: expect.stringMatching(/ffmpeg took longer than 0\.03 s/) });
    expect(await system.ctx.blobs.openDerivative(file!.sha256, 'video')).toBeNull();

    const moderator = await loggedInClient(system.ctx, system.url);
    const review = (await moderator.page(`/moderation/submissions/${id}?lang=en`)).body;
    expect(review).toMatch(/Published copy: failed: ffmpeg took longer than 0\.03 s/);

    await publish(moderator, id);
    const en = await (await fetch(`${system.url}/archive/${id}?lang=en`)).text();
    expect(en).not.toContain('<video');
    expect(en).toContain(`/media/${file!.id}/preview.jpg`);
    expect(en).toContain('No playable copy of this video could be made; a frame from it is shown.');
    expect(en).not.toContain('still being made');
    const ru = await (await fetch(`${system.url}/archive/${id}?lang=ru`)).text();
    expect(ru).toContain('Воспроизводимую копию этого видео сделать не удалось');
    expect((await fetch(`${system.url}/media/${file!.id}/video.mp4`)).status).toBe(404);
  }, 300_000);
});

describeWithFixtures("a published video copy's progress", () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false }); // the states are written here, with the worker's role, as the worker writes them
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  });

  test("is on the moderator's review page: not started, queued, being made with its percentage", async () => {
    const election = await ownElection(system, 'copy-progress');
    const res = await uploadSubmission(new Client(system.url), { election_id: String(election.id), region: 'Москва', station_number: '2034', category_code: 'ballot_stuffing', description: 'Видео в работе' }, [await fileFromPath(fixturePath('apple-coremedia_nogps_portrait.mp4'))]);
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { submissionId: string }).submissionId;
    const [file] = await mediaRepo.listMediaFiles(system.ctx.db, id);
    const moderator = await loggedInClient(system.ctx, system.url);
    const line = async () => /<p class="video-copy">([^<]*)<\/p>/.exec((await moderator.page(`/moderation/submissions/${id}?lang=en`)).body)?.[1];

    expect(await line()).toBe('Published copy: not started yet');
    await system.workerCtx.repos.videoCopies.deferVideoCopy(file!.id);
    expect(await line()).toBe('Published copy: queued');
    expect(await system.workerCtx.repos.videoCopies.startVideoCopy(file!.id, null)).toBe(true);
    await system.workerCtx.repos.videoCopies.noteVideoCopyProgress(file!.id, 0.42);
    expect(await line()).toBe('Published copy: being made: 42 %');
  }, 120_000);
});
