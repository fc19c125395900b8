import net from 'node:net';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { ListMultipartUploadsCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PartsUpload } from '../../infra/storage/s3-parts';
import type { S3Bucket } from '../../domain/config';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission, type UploadFile } from '../helpers/http';
import { createTestBucket, removeTestBucket, s3StorageEnv } from '../helpers/s3';
import { listFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Issue 15: an upload given up on while it arrives, on STORAGE=s3 against a real Ceph RGW. A video
 * is staged into the bucket as it arrives (a multipart upload under staging/, 16 MiB parts); when
 * the client cuts the connection, the size limit or the form refuses it, another file of the same
 * form is refused, or the store refuses its bytes, nothing of it may stay: no multipart upload
 * (ListMultipartUploads empty), no staging object, no original, no local temp file, no row. There
 * is no worker here, so no clean-up of stale temp files hides what the request path left behind.
 */
const mp4 = loadExpected().filter((e) => e.kind === 'video' && e.mime === 'video/mp4').sort((a, b) => a.bytes - b.bytes)[0]!;
const MiB = 1024 * 1024;
const BOUNDARY = 'svidetel-abandoned-upload';

describeWithFixtures('an upload given up on while it is staged in S3', () => {
  let bucket: S3Bucket & { client: S3Client };
  let system: TestSystem;
  let video: UploadFile;
  /** The video's bytes, padded to `bytes` (the type is told from the first bytes; the rest is never decoded here). */
  const videoOf = (bytes: number, tag: number): UploadFile => ({
    name: `clip-${tag}.mp4`,
    type: 'video/mp4',
    data: Buffer.concat([video.data, Buffer.alloc(bytes - video.data.length, tag)]),
  });

  /** What an upload could have left: in the bucket, on the local disk and in PostgreSQL. */
  async function leftovers() {
    const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
    const versions = await bucket.client.send(new ListObjectVersionsCommand({ Bucket: bucket.bucket }));
    const { rows } = await system.ownerDb.query<{ subs: number; files: number; blobs: number }>(
      `SELECT (SELECT count(*)::int FROM submissions) AS subs, (SELECT count(*)::int FROM media_files) AS files, (SELECT count(*)::int FROM blobs) AS blobs`,
    );
    return {
      multipartUploads: (uploads.Uploads ?? []).map((u) => u.Key),
      objects: [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].map((v) => v.Key),
      tempFiles: await listFiles(path.join(system.storageDir, 'tmp')),
      rows: rows[0],
    };
  }
  const nothing = (objects: string[] = []) => ({ multipartUploads: [], objects, tempFiles: [], rows: { subs: 0, files: 0, blobs: 0 } });

  /** Nothing left once the request's clean-up is over, and still nothing a moment later (a part that was in flight lands late). */
  async function expectNothingLeft(objects: string[] = []) {
    await waitFor(async () => JSON.stringify(await leftovers()) === JSON.stringify(nothing(objects)), 20_000, 'the abandoned upload to leave nothing').catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await leftovers())}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await leftovers()).toEqual(nothing(objects));
  }

  const stagingStarted = () => waitFor(async () => (await leftovers()).multipartUploads.length > 0, 20_000, 'a staging upload in the bucket');

  /** The form's fields and the head of its file part over a raw socket; the file's bytes as the test sends them. */
  function rawUpload(client: Client, file: UploadFile) {
    const fields = Object.entries(SUBMISSION_FIELDS)
      .map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('');
    const head = Buffer.from(`${fields}--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: video/mp4\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const url = new URL(system.url);
    const socket = net.connect({ port: Number(url.port), host: url.hostname });
    socket.on('error', () => {});
    socket.write(
      `POST /api/v1/submissions HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${client.cookieHeader()}\r\nX-CSRF-Token: ${client.csrf}\r\n` +
        `Accept: application/json\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
        `Content-Length: ${head.length + file.data.length + tail.length}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(head);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    return {
      closed,
      /** The file's bytes up to `upTo`, once the socket took them. */
      async sendUpTo(upTo: number, from = 0) {
        for (let at = from; at < upTo; at += MiB) {
          if (!socket.write(file.data.subarray(at, Math.min(upTo, at + MiB)))) await new Promise((r) => socket.once('drain', r));
        }
      },
      cut: () => socket.destroy(),
    };
  }

  async function newClient() {
    const client = new Client(system.url, 'en');
    await client.page('/');
    return client;
  }

  beforeAll(async () => {
    video = await fileFromPath(fixturePath(mp4.file));
    bucket = await createTestBucket('abandoned');
    system = await startSystem({ worker: false, env: { ...s3StorageEnv(bucket), MAX_VIDEO_MB: '40' } });
  }, 180_000);
  afterAll(async () => {
    await system?.stop();
    if (bucket) await removeTestBucket(bucket);
  });

  test.each([
    ['the first part is being sent', 16 * MiB + 64 * 1024],
    ['parts are in flight', 24 * MiB],
    ['two parts were sent', 33 * MiB],
  ])('a client that cuts the connection when %s leaves nothing', async (_when, cutAt) => {
    const client = await newClient();
    const upload = rawUpload(client, videoOf(38 * MiB, 1));
    await upload.sendUpTo(cutAt);
    await stagingStarted();
    upload.cut();
    await upload.closed;
    await expectNothingLeft();
  }, 120_000);


  test('a client that cuts the connection just as a part begins (the staging is starting, the local file opening) leaves nothing, not even a local temp file', async () => {
    // Around each part's first byte: the moment the first part waits for the upload's id was the
    // one that left a local temp file behind (opened by a write that outlived the abort).
    const cuts = [0, 1, 2, 3, 4, 5].map((k) => 16 * MiB + k * 32 * 1024).concat([32 * MiB, 32 * MiB + 64 * 1024]);
    for (const cutAt of cuts) {
      const upload = rawUpload(await newClient(), videoOf(38 * MiB, 1));
      await upload.sendUpTo(cutAt);
      upload.cut();
      await upload.closed;
      await expectNothingLeft().catch((err: Error) => {
        throw new Error(`cut after ${cutAt} bytes: ${err.message}`);
      });
    }
  }, 300_000);

  test('a video beyond the size limit is refused (413), its staged parts with it', async () => {
    const res = await uploadSubmission(await newClient(), SUBMISSION_FIELDS, [videoOf(48 * MiB, 2)]);
    expect(res.status).toBe(413);
    await expectNothingLeft();
  }, 120_000);

  test('a video received whole but refused with its form (a field, or another file of the form) leaves nothing', async () => {
    const { region: _, ...noRegion } = SUBMISSION_FIELDS;
    const res = await uploadSubmission(await newClient(), { ...noRegion, election_id: 'not-a-number' }, [videoOf(20 * MiB, 3)]);
    expect(res.status).toBe(400);
    await expectNothingLeft();

    const refused = await uploadSubmission(await newClient(), SUBMISSION_FIELDS, [videoOf(20 * MiB, 4), { name: 'notes.txt', data: Buffer.from('not a photo'), type: 'text/plain' }]);
    expect(refused.status).toBe(415);
    await expectNothingLeft();
  }, 120_000);

  test('a video whose bytes the store refuses (other bytes already under its key) leaves nothing but those', async () => {
    const file = videoOf(20 * MiB, 5);
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    const key = `originals/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: Buffer.from('other bytes, written first under the key') }));
    const res = await uploadSubmission(await newClient(), SUBMISSION_FIELDS, [file]);
    expect(res.status).toBeGreaterThanOrEqual(500);
    await expectNothingLeft([key]);
  }, 120_000);

  test('a staging upload aborted while its first part waits for the upload id sends no part after the abort', async () => {
    // The requests as the client sends them to the RGW (observed, not replaced).
    const sent: string[] = [];
    bucket.client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(`start ${context.commandName}`);
        try {
          return await next(args);
        } finally {
          sent.push(`end ${context.commandName}`);
        }
      },
      { step: 'initialize', name: 'observe-abort-order' },
    );
    try {
      for (let i = 0; i < 3; i++) {
        sent.length = 0;
        const parts = new PartsUpload(bucket.client, 'test bucket', { Bucket: bucket.bucket, Key: `staging/aborted-${i}.part` });
        const adding = parts.add(randomBytes(16 * MiB)).then(() => 'sent', (err: Error) => err.message);
        await parts.abort();
        await adding;
        // Every part request ended before the abort started: none can land after it.
        const abortAt = sent.indexOf('start AbortMultipartUploadCommand');
        expect(abortAt).toBeGreaterThan(0);
        expect(sent.slice(abortAt).filter((s) => s.includes('UploadPart'))).toEqual([]);
      }
      expect((await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }))).Uploads ?? []).toEqual([]);
    } finally {
      bucket.client.middlewareStack.remove('observe-abort-order');
    }
  }, 120_000);
});
