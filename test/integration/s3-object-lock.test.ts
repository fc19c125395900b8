import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Bucket } from '../../domain/config';
import { createLogger } from '../../domain/logger';
import type { BlobStore } from '../../domain/ports/blob-store';
import { createS3BlobStore } from '../../infra/storage/s3-blob-store';
import { createTestBucket, removeTestBucket } from '../helpers/s3';

/**
 * Object Lock on a real Ceph RGW: in a bucket that has it, originals are under COMPLIANCE retention,
 * so even the holder of the store's keys (this test's own client) cannot delete, shorten or replace
 * them; derivatives are not locked. (Locked test objects stay until the server stops: they are tiny.)
 */
const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const keyOf = (sha: string) => `originals/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;
const DAYS = 2;

describe('S3 Object Lock', () => {
  let dir: string;
  let locked: S3Bucket & { client: S3Client };
  let store: BlobStore;

  async function storedOriginal(data: Buffer): Promise<string> {
    const temp = store.createTempFile();
    await new Promise<void>((resolve) => temp.stream.end(data, () => resolve()));
    const sha = sha256Of(data);
    expect(await store.putOriginal(temp.path, sha)).toEqual({ created: true });
    return sha;
  }

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-lock-'));
    locked = await createTestBucket('locked', { objectLock: true });
    store = await createS3BlobStore({ ...locked, objectLockDays: DAYS, storageDir: dir }, createLogger('silent', 'lock-test'));
  }, 180_000);
  afterAll(async () => {
    locked?.client.destroy();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('the store says originals are locked, and for how long', () => {
    expect(store.protection).toMatchObject({ locked: true, retentionDays: DAYS });
    expect(store.protection.summary).toMatch(/locked: COMPLIANCE retention for 2 days/);
  });

  test('an original is stored under COMPLIANCE retention for the configured days', async () => {
    const before = Date.now();
    const sha = await storedOriginal(randomBytes(4000));
    const head = await locked.client.send(new HeadObjectCommand({ Bucket: locked.bucket, Key: keyOf(sha) }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    const until = head.ObjectLockRetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + DAYS * 86_400_000 - 5000);
    expect(until).toBeLessThanOrEqual(Date.now() + DAYS * 86_400_000 + 5000);
  });

  test('with the store keys, a locked original can be neither deleted, nor shortened, nor replaced', async () => {
    const data = randomBytes(4000);
    const sha = await storedOriginal(data);
    const { client, bucket } = locked;
    const [version] = (await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: keyOf(sha) }))).Versions!;

    await expect(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(sha), VersionId: version!.VersionId }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      client.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: keyOf(sha), VersionId: version!.VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 60_000) } })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    // "Deleting" without a version only hides it behind a delete marker; overwriting only adds a version.
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(sha) }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(sha), Body: Buffer.from('forged') }));

    expect((await store.readOriginal(sha)).equals(data)).toBe(true);
    expect((await buffer((await store.openOriginal(sha))!.stream())).equals(data)).toBe(true);
    const first = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(sha), VersionId: version!.VersionId }));
    expect(first.ObjectLockMode).toBe('COMPLIANCE');
  });

  test('racing puts of one original into a locked bucket: exactly one created it; the duplicates, which cannot be removed, never change what is read', async () => {
    const data = randomBytes(100_000);
    const sha = sha256Of(data);
    const temps = await Promise.all(
      [1, 2, 3].map(async () => {
        const temp = store.createTempFile();
        await new Promise<void>((resolve) => temp.stream.end(data, () => resolve()));
        return temp.path;
      }),
    );
    const results = await Promise.all(temps.map((t) => store.putOriginal(t, sha)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(sha256Of(await store.readOriginal(sha))).toBe(sha);
  });

  test('derivatives are not locked: they can be made again, so they may be replaced and removed', async () => {
    const sha = sha256Of(randomBytes(16));
    const thumb = randomBytes(500);
    await store.writeDerivative(sha, 'thumb', thumb, createHash('sha256').update(thumb).digest('hex'));
    const key = `derived/${sha.slice(0, 2)}/${sha}/thumb.jpg`;
    const head = await locked.client.send(new HeadObjectCommand({ Bucket: locked.bucket, Key: key }));
    expect(head.ObjectLockMode).toBeUndefined();
    await locked.client.send(new DeleteObjectCommand({ Bucket: locked.bucket, Key: key, VersionId: head.VersionId }));
    expect(await store.openDerivative(sha, 'thumb')).toBeNull();
  });

  test('an uncommitted original cannot be removed from a locked bucket either: the undo says so and does not fail the rollback', async () => {
    const data = randomBytes(3000);
    const sha = await storedOriginal(data);
    await expect(store.removeUncommittedOriginal(sha)).resolves.toBeUndefined();
    // it stays, and the same upload later finds it rather than storing it twice
    expect((await store.readOriginal(sha)).equals(data)).toBe(true);
    const temp = store.createTempFile();
    await new Promise<void>((resolve) => temp.stream.end(data, () => resolve()));
    expect(await store.putOriginal(temp.path, sha)).toEqual({ created: false });
  });

  test('a bucket without Object Lock: the store says originals are not locked, and writes them without retention', async () => {
    const plain = await createTestBucket('unlocked');
    try {
      const unlockedStore = await createS3BlobStore({ ...plain, objectLockDays: DAYS, storageDir: dir }, createLogger('silent', 'lock-test'));
      expect(unlockedStore.protection.locked).toBe(false);
      expect(unlockedStore.protection.summary).toMatch(/NOT locked/);
      const data = randomBytes(1000);
      const temp = unlockedStore.createTempFile();
      await new Promise<void>((resolve) => temp.stream.end(data, () => resolve()));
      await unlockedStore.putOriginal(temp.path, sha256Of(data));
      const head = await plain.client.send(new HeadObjectCommand({ Bucket: plain.bucket, Key: keyOf(sha256Of(data)) }));
      expect(head.ObjectLockMode).toBeUndefined();
    } finally {
      await removeTestBucket(plain);
    }
  });
});
