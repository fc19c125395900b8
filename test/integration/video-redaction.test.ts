import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { redactedCopiesKey, type RedactionRegion } from '../../domain/media/redaction';
import { createMediaToolkit } from '../../infra/compose';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS } from '../helpers/moderation';
import { NEVER_HOLDING_BOX, compareCopies, decodeJpeg, expectedFrameReport, meanInBox, redactedFrameReport } from '../helpers/pixels';
import { processedFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';
import { decideByForm, ownElection, videoCopiesOf } from './archive-helpers';

/**
 * Issue 18, item 1 for video, through the real HTTP routes, worker and database: a video published
 * with boxes over time ranges gets a poster and a published copy with them burned in; the copy made
 * before the decision is never served for it and is replaced; every redacted copy (a photo's too)
 * is known to /check; the schema refuses a box the renderer could not draw.
 */
const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describeWithFixtures('publishing a video with a redaction', () => {
  let system: TestSystem;
  let moderator: Client;
  let fields: Record<string, string>;
  let dir: string;
  const get = (p: string) => fetch(`${system.url}${p}`);
  const download = async (p: string) => {
    const res = await get(p);
    expect({ p, status: res.status }).toEqual({ p, status: 200 });
    return Buffer.from(await res.arrayBuffer());
  };
  const lookup = async (sha: string) => (await (await get(`/api/v1/files/${sha}`)).json()) as { status: string; entries: { id: string; copy_of: { kind: string; file_id: string } | null }[] };

  beforeAll(async () => {
    system = await startSystem({ env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    moderator = await loggedInClient(system.ctx, system.url);
    const election = await ownElection(system, 'vredact');
    fields = { election_id: String(election.id), region: 'Москва', station_number: '2034', category_code: 'ballot_stuffing', description: `Вброс ${randomBytes(4).toString('hex')}` };
    dir = await mkdtemp(path.join(os.tmpdir(), 'svidetel-vredact-test-'));
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the poster and the published copy carry the boxes while their ranges last; the earlier copy is replaced; /check knows every redacted copy', async () => {
    const videoFixture = 'apple-coremedia_gps_loci_offset.mp4';
    const upload = await uploadSubmission(new Client(system.url), fields, [await fileFromPath(fixturePath(videoFixture)), await fileFromPath(fixturePath('google-pixel_gps.jpg'))]);
    expect(upload.status).toBe(201);
    const id = ((await upload.json()) as { submissionId: string }).submissionId;
    await processedFiles(system, id, 400_000);
    // the unredacted copy is made first, as for every processed video
    const before = await videoCopiesOf(system, id, 400_000);
    const files = await system.ctx.repos.media.listMediaFiles(id);
    const video = files.find((f) => f.kind === 'video')!;
    const photo = files.find((f) => f.kind === 'image')!;
    expect(before.get(video.id)).toMatchObject({ status: 'ready', redaction_key: null });
    const unredactedSha = before.get(video.id)!.sha256!;

    const videoBoxes: RedactionRegion[] = [
      { x: 0.1, y: 0.2, w: 0.3, h: 0.35, style: 'blur', from_s: 0.5, to_s: 1.5 },
      { x: 0.55, y: 0.5, w: 0.3, h: 0.3, style: 'fill', from_s: 2, to_s: 3 },
      { x: 0.8, y: 0.05, w: 0.15, h: 0.15, style: 'fill' },
    ];
    const photoBox: RedactionRegion = { x: 0.1, y: 0.1, w: 0.3, h: 0.3, style: 'fill' };
    await decideByForm(moderator, id, {
      action: 'verify_publish',
      ...ALL_CHECKS,
      public_location: 'rounded',
      public_description: 'Вброс на участке',
      [`redact_${video.id}`]: '10 20 30 35 0.5 1.5 blur\n55 50 30 30 2 3 fill\n80 5 15 15 fill',
      [`redact_${photo.id}`]: '10 10 30 30 fill',
    });

    // Until the redacted copy is made the public gets no video: never the copy made before.
    const early = await get(`/media/${video.id}/video.mp4`);
    if (early.status === 200) expect(sha256Of(Buffer.from(await early.arrayBuffer()))).not.toBe(unredactedSha);
    else expect(early.status).toBe(404);
    const entryBefore = (await (await get(`/api/v1/entries/${id}`)).json()) as { files: { id: string; redacted: boolean; video_url: string | null }[] };
    expect(entryBefore.files.find((f) => f.id === video.id)).toMatchObject({ redacted: true });

    // The poster: the whole-clip box is covered, the box of 2–3 s is not (the poster is picked early in the clip).
    const [plainPoster, publicPoster] = await Promise.all([
      moderator.fetch(`/moderation/files/${video.id}/preview.jpg`).then(async (r) => decodeJpeg(Buffer.from(await r.arrayBuffer()))),
      download(`/media/${video.id}/preview.jpg`).then(decodeJpeg),
    ]);
    const poster = compareCopies(plainPoster, publicPoster, videoBoxes, 16);
    expect(poster.outsideMax).toBeLessThanOrEqual(2);
    expect(meanInBox(publicPoster, videoBoxes[2]!, 4)).toBeLessThan(10);
    expect(poster.insideMean[1]).toBe(0);

    // The redacted copy replaces the one made before, under the redaction's own key.
    const key = redactedCopiesKey(video.sha256, videoBoxes);
    const after = await waitFor(async () => {
      const c = await system.ctx.repos.videoCopies.findVideoCopy(video.id);
      return c?.redaction_key === key && ['ready', 'failed'].includes(c.status) ? c : null;
    }, 400_000, 'the redacted copy');
    expect(after).toMatchObject({ status: 'ready', failure_reason: null });
    expect(after.sha256).not.toBe(unredactedSha);
    const served = await download(`/media/${video.id}/video.mp4`);
    expect(sha256Of(served)).toBe(after.sha256);
    const copyPath = path.join(dir, 'served.mp4');
    await writeFile(copyPath, served);

    // Frames of the public copy against a copy made without boxes, as the job would make it.
    const media = createMediaToolkit();
    const baseline = await media.renderVideoCopy(fixturePath(videoFixture), video, system.ctx.config.videoCopy, undefined, [NEVER_HOLDING_BOX]);
    try {
      for (const [t, holding] of [[1.0, [true, false, true]], [2.5, [false, true, true]]] as const) {
        expect(await redactedFrameReport(baseline.path, copyPath, videoBoxes, t)).toEqual(expectedFrameReport(t, false, holding));
      }
    } finally {
      await baseline.dispose();
    }

    // /check: the redacted video copy, its poster and thumb, and the redacted photo's copies.
    const redactedCopies: [string, string, string][] = [
      [video.id, 'video', sha256Of(served)],
      [video.id, 'preview', sha256Of(await download(`/media/${video.id}/preview.jpg`))],
      [video.id, 'thumb', sha256Of(await download(`/media/${video.id}/thumb.jpg`))],
      [photo.id, 'preview', sha256Of(await download(`/media/${photo.id}/published.jpg`))],
      [photo.id, 'thumb', sha256Of(await download(`/media/${photo.id}/thumb.jpg`))],
    ];
    for (const [fileId, kind, sha] of redactedCopies) {
      expect({ fileId, kind, ...(await lookup(sha)) }).toEqual({ fileId, kind, sha256: sha, status: 'published', entries: [expect.objectContaining({ id, copy_of: expect.objectContaining({ kind, file_id: fileId }) })] });
    }
    const redactedPhotoPreview = await download(`/media/${photo.id}/published.jpg`);
    expect(meanInBox(await decodeJpeg(redactedPhotoPreview), photoBox, 4)).toBeLessThan(10);

    // The decision's audit row holds the boxes with their time ranges.
    const audit = await system.ctx.db.query<{ after: { redactions: { fileId: string; regions: RedactionRegion[] }[] } }>(
      `SELECT after FROM audit_log WHERE entity_id = $1 AND action = 'submission.verify_publish'`,
      [id],
    );
    expect(audit.rows[0]!.after.redactions.find((r) => r.fileId === video.id)!.regions).toEqual(videoBoxes);
  }, 900_000);

  test('the schema refuses a box the renderer could not draw', async () => {
    const insert = (regions: unknown) =>
      system.ctx.db
        .query(
          `INSERT INTO media_redactions (decision_id, submission_id, media_file_id, regions, copies_key, thumb_sha256, preview_sha256)
           VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), $1, $2, $2, $2)`,
          [JSON.stringify(regions), Buffer.alloc(32, 1)],
        )
        .then(
          () => 'stored',
          (e: { code?: string }) => e.code,
        );
    const box = { x: 0.1, y: 0.1, w: 0.2, h: 0.2, style: 'blur' };
    // a drawable box passes the check and stops only at the keys (no such decision)
    expect(await insert([box])).toBe('23503');
    expect(await insert([{ ...box, from_s: 1, to_s: 2 }])).toBe('23503');
    for (const bad of [
      { ...box, x: 0.9 },
      { ...box, w: 0 },
      { ...box, style: 'smudge' },
      { ...box, from_s: 2, to_s: 1 },
      { ...box, from_s: 1 },
      { ...box, from_s: -1, to_s: 1 },
      { ...box, note: 'face' },
      { ...box, x: '0.1' },
    ]) {
      expect({ bad, code: await insert([box, bad]) }).toEqual({ bad, code: '23514' });
    }
  });
});
