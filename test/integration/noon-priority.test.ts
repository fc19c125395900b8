/**
 * Issue 13, items 3, 5 and 6. A job stalled twice is taken up a third time. Lanes: the real BullMQ adapter on Redis runs a photo's first look while
 * every video slot is taken, and takes a waiting photo before a background job queued earlier.
 * HEIC: through the real upload and worker, a HEIC that embeds a thumbnail is ready for moderation
 * with its thumbnail and perceptual hash while its full-size preview is owed in PostgreSQL, and the
 * background job then makes it (one full decode, its hash recorded); one without is decoded once,
 * in full, at its first look, and is ready with its preview (none owed).
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import * as mediaRepo from '../../db/media.repo';
import { createLogger } from '../../domain/logger';
import type { QueuedJob } from '../../domain/ports/job-queue';
import type { JobName } from '../../domain/queue/jobs';
import { consumeBullmqJobs, createBullmqQueue } from '../../infra/queue/bullmq';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission } from '../helpers/http';
import { processedFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('processing lanes (BullMQ on the real Redis)', () => {
  /** A handler that records what starts and holds each job until the test lets it go. */
  function heldJobs() {
    const started: string[] = [];
    const releases = new Map<string, () => void>();
    const run = (job: QueuedJob) =>
      new Promise<void>((resolve) => {
        started.push(`${job.name}:${job.id}`);
        releases.set(`${job.name}:${job.id}`, resolve);
      });
    const release = (key: string) => releases.get(key)?.();
    return { started, run, release, releaseAll: () => [...releases.values()].forEach((r) => r()) };
  }

  async function withLanes(test: (enqueue: (name: JobName, id: string) => Promise<void>, held: ReturnType<typeof heldJobs>) => Promise<void>) {
    const prefix = `lanes-${randomBytes(4).toString('hex')}`;
    const queue = createBullmqQueue({ redisUrl: REDIS_URL, prefix });
    const held = heldJobs();
    const consumer = consumeBullmqJobs(
      { redisUrl: REDIS_URL, prefix, concurrency: 1, heavyConcurrency: 1, retryMaxDelayMs: 1000, stopGraceMs: 2000, log: createLogger('silent', 'lanes-test'), onReconnect: () => undefined },
      held.run,
    );
    try {
      await test((name, id) => queue.enqueue(name, [id]), held);
    } finally {
      held.releaseAll();
      await consumer.close();
      await queue.close();
    }
  }

  test('a photo is taken at once while videos hold the heavy pool', async () => {
    await withLanes(async (enqueue, held) => {
      for (const v of ['v1', 'v2', 'v3']) await enqueue('process-video', v);
      await waitFor(async () => held.started.includes('process-video:v1'), 10_000, 'the first video to start');
      await enqueue('process-media', 'p1');
      await waitFor(async () => held.started.includes('process-media:p1'), 10_000, 'the photo to start beside the videos');
      expect(held.started.filter((s) => s.startsWith('process-video'))).toEqual(['process-video:v1']); // the heavy pool is one
    });
  });

  test('a photo waiting is taken before a background job that waited longer', async () => {
    await withLanes(async (enqueue, held) => {
      await enqueue('process-media', 'first');
      await waitFor(async () => held.started.includes('process-media:first'), 10_000, 'the first photo');
      await enqueue('render-preview', 'older-background');
      await enqueue('process-media', 'newer-photo');
      held.release('process-media:first');
      await waitFor(async () => held.started.length === 2, 10_000, 'the next job');
      expect(held.started[1]).toBe('process-media:newer-photo');
      held.release('process-media:newer-photo');
      await waitFor(async () => held.started.includes('render-preview:older-background'), 10_000, 'the background job after it');
    });
  });
});

describe('a job whose worker dies is taken up again, however often', () => {
  test('stalled twice (two workers killed while running it), the third worker runs it', async () => {
    const prefix = `stalls-${randomBytes(4).toString('hex')}`;
    const queue = createBullmqQueue({ redisUrl: REDIS_URL, prefix });
    const starts: string[] = [];
    let finished = false;
    const consumerNamed = (name: string, hang: boolean) =>
      consumeBullmqJobs(
        {
          redisUrl: REDIS_URL, prefix, concurrency: 1, heavyConcurrency: 1, retryMaxDelayMs: 1000, stopGraceMs: 200,
          lockDurationMs: 1000, stalledIntervalMs: 500, log: createLogger('silent', 'stalls-test'), onReconnect: () => undefined,
        },
        async () => {
          starts.push(name);
          if (hang) await new Promise(() => undefined); // a worker that dies mid-job: it never answers
          finished = true;
        },
      );
    try {
      await queue.enqueue('process-media', ['stalls-twice']);
      for (const name of ['first', 'second']) {
        const dying = consumerNamed(name, true);
        await waitFor(async () => starts.includes(name), 20_000, `the ${name} worker to take the job`);
        await dying.close(); // past its grace the connection is cut with the job still running: it stalls
      }
      const third = consumerNamed('third', false);
      await waitFor(async () => finished, 30_000, 'the third worker to run the job that stalled twice');
      await third.close();
      expect(starts).toEqual(['first', 'second', 'third']);
    } finally {
      await queue.close();
    }
  }, 60_000);
});

describeWithFixtures('a HEIC is ready from its embedded thumbnail; its preview follows', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function derivative(sha256: string, name: 'thumb' | 'preview'): Promise<Buffer> {
    const blob = await system.ctx.blobs.openDerivative(sha256, name);
    if (!blob) throw new Error(`no ${name}`);
    const chunks: Buffer[] = [];
    for await (const chunk of blob.stream() as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async function upload(file: string) {
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await fileFromPath(fixturePath(file))]);
    expect(res.status).toBe(201);
    return ((await res.json()) as { submissionId: string }).submissionId;
  }

  test('with a thumbnail: ready with thumb and perceptual hash, then one full-size preview (hash recorded)', async () => {
    // Held back so the owed preview can be seen before the background job makes it.
    await system.stopWorker();
    const submissionId = await upload('iphone-15-pro_gps_offset_orient6.heic');
    await system.startWorker();
    const [ready] = await processedFiles(system, submissionId);
    expect(ready).toMatchObject({ status: 'ready', has_thumb: true });
    expect(ready!.phash).toMatch(/^[0-9a-f]{16}$/);
    // The thumb is the embedded 240×320 thumbnail, turned as the file says (portrait).
    const thumb = await sharp(await derivative(ready!.sha256, 'thumb')).metadata();
    expect([thumb.width, thumb.height]).toEqual([240, 320]);

    const done = await waitFor(async () => {
      const [f] = await mediaRepo.listMediaFiles(system.ctx.db, submissionId);
      return f && !f.preview_owed ? f : null;
    }, 90_000, 'the owed preview');
    expect(done.has_preview).toBe(true);
    const preview = await sharp(await derivative(done.sha256, 'preview')).metadata();
    expect([preview.width, preview.height]).toEqual([960, 1280]);
    const kinds = await system.ownerDb.query<{ kind: string }>('SELECT kind FROM derivative_hashes WHERE media_file_id = $1 ORDER BY kind', [done.id]);
    expect(kinds.rows.map((r) => r.kind)).toEqual(['preview', 'thumb']);
  }, 180_000);

  test('without a thumbnail: decoded once, in full, at its first look: ready with its preview, none owed', async () => {
    await system.stopWorker();
    const submissionId = await upload('iphone-11-pro_offset_nogps.heic');
    await system.startWorker();
    // The preview is made with the thumb, in the one decode: when the file is ready nothing is owed.
    const ready = await waitFor(async () => {
      const [f] = await mediaRepo.listMediaFiles(system.ctx.db, submissionId);
      return f?.status === 'ready' ? f : null;
    }, 90_000, 'the file to be ready');
    expect(ready).toMatchObject({ has_thumb: true, has_preview: true, preview_owed: false });
    expect(ready.phash).toMatch(/^[0-9a-f]{16}$/);
    const thumb = await sharp(await derivative(ready.sha256, 'thumb')).metadata();
    expect([thumb.width, thumb.height]).toEqual([240, 320]);
    const preview = await sharp(await derivative(ready.sha256, 'preview')).metadata();
    expect([preview.width, preview.height]).toEqual([960, 1280]);
    const kinds = await system.ownerDb.query<{ kind: string }>('SELECT kind FROM derivative_hashes WHERE media_file_id = $1 ORDER BY kind', [ready.id]);
    expect(kinds.rows.map((r) => r.kind)).toEqual(['preview', 'thumb']);
  }, 180_000);
});
