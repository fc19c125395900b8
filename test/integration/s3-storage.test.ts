import { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Bucket } from '../../domain/config';
import { restoreFromReplicas } from '../../domain/replication/restore.service';
import * as mediaRepo from '../../db/media.repo';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { createTestBucket, removeTestBucket, s3StorageEnv } from '../helpers/s3';
import { listFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * The whole system on STORAGE=s3 (a real Ceph RGW): an observer's photo and video go through the
 * HTTP upload into the bucket, the worker makes their derivatives from it, and a moderator
 * downloads the original (whole and by range) and a derivative exactly as stored. Nothing but
 * keys stays on the local disk.
 */
const expected = loadExpected();
const photo = expected.filter((e) => e.mime === 'image/jpeg').sort((a, b) => a.bytes - b.bytes)[0]!;
const video = expected.filter((e) => e.kind === 'video' && e.mime === 'video/mp4').sort((a, b) => a.bytes - b.bytes)[0]!;

describeWithFixtures('the system with its blobs in S3', () => {
  let bucket: S3Bucket & { client: S3Client };
  let system: TestSystem;
  const logged: string[] = [];

  beforeAll(async () => {
    bucket = await createTestBucket('system');
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged.push(chunk.toString('utf8'));
        done();
      },
    });
    system = await startSystem({ env: { ...s3StorageEnv(bucket), LOG_LEVEL: 'info' }, logTo: capture });
  }, 180_000);
  afterAll(async () => {
    await system?.stop();
    if (bucket) await removeTestBucket(bucket);
  });

  test('each process says at start whether the originals are locked (this bucket has no Object Lock)', () => {
    const said = logged.map((line) => JSON.parse(line) as { msg: string; store?: string; originalsLocked?: boolean }).filter((l) => l.store);
    expect(said.length).toBeGreaterThanOrEqual(2); // the API's and the worker's
    for (const line of said) {
      expect(line).toMatchObject({ store: 's3', originalsLocked: false });
      expect(line.msg).toMatch(/originals are NOT locked/);
      expect(line.msg).not.toMatch(/secret/);
    }
  });

  test('upload, processing and downloads work, byte for byte, with the originals only in the bucket', async () => {
    const files = [await fileFromPath(fixturePath(photo.file)), await fileFromPath(fixturePath(video.file))];
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, files);
    expect(res.status).toBe(201);
    const receipt = (await res.json()) as { submissionId: string; files: { sha256: string }[] };
    expect(receipt.files.map((f) => f.sha256)).toEqual([photo.sha256, video.sha256]);

    const rows = await waitFor(async () => {
      const found = await mediaRepo.listMediaFiles(system.ctx.db, receipt.submissionId);
      return found.every((f) => f.status === 'ready') ? found : null;
    }, 120_000, 'both files to be processed from the bucket');
    expect(rows.map((r) => [r.has_thumb, r.has_preview])).toEqual([[true, true], [true, true]]);
    expect(rows[1]!.has_contact).toBe(true);
    // the video's published copy (its own job, which holds a local copy of the original meanwhile) is in the bucket too
    await waitFor(async () => (await system.ctx.repos.videoCopies.findVideoCopy(rows[1]!.id))?.status === 'ready', 120_000, 'the video copy');
    const copy = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: `derived/${video.sha256.slice(0, 2)}/${video.sha256}/video.mp4` }));
    expect(copy.ContentType).toBe('video/mp4');
    // Every copy is recorded with the SHA-256 of its bytes (for the replicas and a restore): the video's, the contact sheet too.
    const videoCopy = await system.ctx.repos.videoCopies.findVideoCopy(rows[1]!.id);
    expect(await system.ctx.repos.replication.findStoredDerivative(video.sha256, 'video')).toEqual({ key: video.sha256, name: 'video', sha256: videoCopy!.sha256, bytes: videoCopy!.bytes });
    expect(await system.ctx.repos.replication.findStoredDerivative(video.sha256, 'contact')).toMatchObject({ key: video.sha256, name: 'contact' });

    // The originals are in the bucket under their SHA-256; the local disk holds no media at all.
    for (const { sha256 } of receipt.files) {
      const head = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: `originals/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}` }));
      expect(head.Metadata).toEqual({ sha256 });
    }
    expect((await listFiles(system.storageDir)).filter((f) => !f.startsWith('keys/'))).toEqual([]);

    const moderator = await loggedInClient(system.ctx, system.url);
    for (const [i, row] of rows.entries()) {
      const whole = await moderator.fetch(`/moderation/files/${row.id}/original`);
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(files[i]!.data)).toBe(true);
    }

    const videoRow = rows[1]!;
    const ranged = await moderator.fetch(`/moderation/files/${videoRow.id}/original`, { headers: { range: 'bytes=1000-50999' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 1000-50999/${video.bytes}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(files[1]!.data.subarray(1000, 51000))).toBe(true);

    const preview = await moderator.fetch(`/moderation/files/${rows[0]!.id}/preview.jpg`);
    expect(preview.status).toBe(200);
    const stored = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: `derived/${photo.sha256.slice(0, 2)}/${photo.sha256}/preview.jpg` }));
    expect(Buffer.from(await preview.arrayBuffer()).equals(Buffer.from(await stored.Body!.transformToByteArray()))).toBe(true);
  });

  test('copies lost from the store with no replica to copy them from: a restore makes the thumbnail again and reopens the video copy, which the worker makes again', async () => {
    const derived = (sha: string, name: string) => `derived/${sha.slice(0, 2)}/${sha}/${name}`;
    const thumbBefore = Buffer.from(await (await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: derived(photo.sha256, 'thumb.jpg') }))).Body!.transformToByteArray());
    for (const key of [derived(photo.sha256, 'thumb.jpg'), derived(video.sha256, 'video.mp4')]) {
      await bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.bucket, Key: key }));
    }
    const [, videoRow] = await system.ownerDb.query<{ id: string }>('SELECT id FROM media_files ORDER BY position').then((r) => r.rows);
    const report = await restoreFromReplicas(system.workerCtx);
    expect(report.derivatives).toEqual({ recorded: 6, replicaCopiesForgotten: 0, present: 4, copied: 0, remade: 1, remadeOtherBytes: 0, reopenedVideos: [videoRow!.id], lost: [] });
    const thumbAfter = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: derived(photo.sha256, 'thumb.jpg') }));
    expect(Buffer.from(await thumbAfter.Body!.transformToByteArray()).equals(thumbBefore)).toBe(true);
    await waitFor(async () => (await system.ctx.repos.videoCopies.findVideoCopy(videoRow!.id))?.status === 'ready', 120_000, 'the video copy made again');
    const again = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: derived(video.sha256, 'video.mp4') }));
    const recorded = await system.ctx.repos.replication.findStoredDerivative(video.sha256, 'video');
    expect(createHash('sha256').update(await again.Body!.transformToByteArray()).digest('hex')).toBe(recorded!.sha256);
  }, 180_000);
});
