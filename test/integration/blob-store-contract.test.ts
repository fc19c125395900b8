import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Bucket } from '../../domain/config';
import { createLogger } from '../../domain/logger';
import { DerivativeBytesMismatch, OriginalBytesMismatch, StoredOriginalDiffers, type BlobStore, type StoredBlob } from '../../domain/ports/blob-store';
import { createFsBlobStore } from '../../infra/storage/fs-blob-store';
import { createS3BlobStore } from '../../infra/storage/s3-blob-store';
import { createTestBucket, removeTestBucket } from '../helpers/s3';

/**
 * The BlobStore port's contract: the same assertions against the filesystem store and the S3 store
 * (a real Ceph RGW, test/helpers/s3.ts). What only S3 has (versions someone else wrote under an
 * original's key) is at the end.
 */
const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const silent = createLogger('silent', 'blob-store-test');

/** A received upload: a temp file of the store holding `data`. */
async function received(store: BlobStore, data: Buffer): Promise<string> {
  const temp = store.createTempFile();
  await new Promise<void>((resolve, reject) => temp.stream.end(data, () => resolve()).on('error', reject));
  return temp.path;
}

async function stored(store: BlobStore, data: Buffer): Promise<string> {
  const sha = sha256Of(data);
  await store.putOriginal(await received(store, data), sha);
  return sha;
}

async function listed(store: BlobStore): Promise<string[]> {
  const all: string[] = [];
  for await (const sha of store.listOriginals()) all.push(sha);
  return all;
}

/** A source that serves `data` as an original's bytes, as another store's openOriginalForCopy would. */
const serving = (data: Buffer) => async (): Promise<StoredBlob> => ({ size: data.length, stream: () => Readable.from([data.subarray(0, 7), data.subarray(7)]), discard: () => undefined });

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 20_000; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error('condition not met in 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exists = (p: string) => fs.stat(p).then(() => true, () => false);

/** `plant` writes bytes under an original's key behind the store's back (someone with its keys, or bit rot). */
type Adapter = { name: string; open(storageDir: string): Promise<BlobStore>; plant(storageDir: string, sha256: string, data: Buffer): Promise<void>; cleanUp(): Promise<void> };

const originalPath = (sha: string) => `originals/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;
let bucket: (S3Bucket & { client: S3Client }) | undefined;
const adapters: Adapter[] = [
  {
    name: 'filesystem',
    open: (dir) => createFsBlobStore(dir),
    async plant(dir, sha, data) {
      await fs.mkdir(path.dirname(path.join(dir, originalPath(sha))), { recursive: true });
      await fs.writeFile(path.join(dir, originalPath(sha)), data, { mode: 0o444 });
    },
    cleanUp: async () => undefined,
  },
  {
    name: 'S3 (Ceph RGW)',
    async open(dir) {
      bucket = await createTestBucket('contract');
      return createS3BlobStore({ ...bucket, objectLockDays: 1, storageDir: dir }, silent);
    },
    async plant(_dir, sha, data) {
      await bucket!.client.send(new PutObjectCommand({ Bucket: bucket!.bucket, Key: originalPath(sha), Body: data }));
    },
    cleanUp: async () => {
      if (bucket) await removeTestBucket(bucket);
    },
  },
];

describe.each(adapters)('BlobStore contract: $name', (adapter) => {
  let dir: string;
  let store: BlobStore;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-blobs-'));
    store = await adapter.open(dir);
  }, 180_000);
  afterAll(async () => {
    await adapter.cleanUp();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('an original is stored from its temp file, which is gone afterwards, and read back whole, streamed and by range', async () => {
    const data = randomBytes(300_000);
    const sha = sha256Of(data);
    const tempPath = await received(store, data);
    expect(await store.putOriginal(tempPath, sha)).toEqual({ created: true });
    expect(await exists(tempPath)).toBe(false);

    expect((await store.readOriginal(sha)).equals(data)).toBe(true);
    const blob = await store.openOriginal(sha);
    expect(blob?.size).toBe(data.length);
    expect((await buffer(blob!.stream())).equals(data)).toBe(true);
    const ranged = await store.openOriginal(sha);
    expect((await buffer(ranged!.stream({ start: 1000, end: 1999 }))).equals(data.subarray(1000, 2000))).toBe(true);
    expect(await listed(store)).toContain(sha);
  });

  test('an empty temp file (for a resumable upload, written by its path) is listed, takes bytes by path, becomes an original, and is removed', async () => {
    const empty = await store.createEmptyTempFile();
    expect((await fs.stat(empty)).size).toBe(0);
    const listedTemps: string[] = [];
    for await (const t of store.listTempFiles()) listedTemps.push(t.path);
    expect(listedTemps).toContain(empty);
    const data = randomBytes(50_000);
    await fs.appendFile(empty, data);
    const sha = sha256Of(data);
    expect(await store.putOriginal(empty, sha)).toEqual({ created: true });
    expect((await store.readOriginal(sha)).equals(data)).toBe(true);
    expect(await exists(empty)).toBe(false);

    const unused = await store.createEmptyTempFile();
    await store.removeTemp(unused);
    expect(await exists(unused)).toBe(false);
  });

  test('a second put of the same bytes stores nothing and reports so; the stored bytes stay', async () => {
    const data = randomBytes(10_000);
    const sha = await stored(store, data);
    const again = await received(store, data);
    expect(await store.putOriginal(again, sha)).toEqual({ created: false });
    expect(await exists(again)).toBe(false);
    expect((await store.readOriginal(sha)).equals(data)).toBe(true);
  });

  test('two puts of the same original racing: exactly one created it, and the stored bytes hash to it', async () => {
    for (let round = 0; round < 4; round++) {
      const data = randomBytes(200_000 + round);
      const sha = sha256Of(data);
      const temps = await Promise.all([received(store, data), received(store, data), received(store, data)]);
      const results = await Promise.all(temps.map((t) => store.putOriginal(t, sha)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(sha256Of(await store.readOriginal(sha))).toBe(sha);
      expect(sha256Of(await buffer((await store.openOriginal(sha))!.stream()))).toBe(sha);
    }
  });

  test('removing an uncommitted original leaves no trace of it', async () => {
    const sha = await stored(store, randomBytes(5000));
    await store.removeUncommittedOriginal(sha);
    expect(await store.openOriginal(sha)).toBeNull();
    expect(await listed(store)).not.toContain(sha);
  });

  test('missing originals and derivatives are null, not errors', async () => {
    const nothing = sha256Of(randomBytes(16));
    expect(await store.openOriginal(nothing)).toBeNull();
    expect(await store.openDerivative(nothing, 'thumb')).toBeNull();
    await expect(store.readOriginal(nothing)).rejects.toThrow();
  });

  test('a tool gets a local read-only file holding the original', async () => {
    const data = randomBytes(50_000);
    const sha = await stored(store, data);
    const seen = await store.withOriginalFile(sha, async (filePath) => {
      expect((await fs.stat(filePath)).mode & 0o222).toBe(0);
      return fs.readFile(filePath);
    });
    expect(seen.equals(data)).toBe(true);
  });

  test('an original larger than one request is stored in parts and reads back exactly, across the parts', async () => {
    const data = randomBytes(17 * 1024 * 1024 + 12_345);
    const sha = await stored(store, data);
    const blob = await store.openOriginal(sha);
    expect(blob?.size).toBe(data.length);
    expect(sha256Of(await buffer(blob!.stream()))).toBe(sha);
    const edge = 16 * 1024 * 1024;
    const across = await store.openOriginal(sha);
    expect((await buffer(across!.stream({ start: edge - 10, end: edge + 9 }))).equals(data.subarray(edge - 10, edge + 10))).toBe(true);
    expect(await store.withOriginalFile(sha, async (filePath) => sha256Of(await fs.readFile(filePath)))).toBe(sha);
  }, 120_000);

  test('a copy of an original from another store is stored once, checked by its SHA-256, with no temp file left', async () => {
    for (const data of [randomBytes(300_001), randomBytes(16 * 1024 * 1024 + 5)]) {
      const sha = sha256Of(data);
      expect(await store.storeCopyOfOriginal(sha, serving(data))).toBe(true);
      expect(sha256Of(await buffer((await store.openOriginal(sha))!.stream()))).toBe(sha);
      const quick = await store.openOriginalForCopy(sha);
      expect(quick?.size).toBe(data.length);
      expect(sha256Of(await buffer(quick!.stream()))).toBe(sha);
      // Held already: nothing of the source is taken (these bytes would not even hash to it).
      expect(await store.storeCopyOfOriginal(sha, serving(randomBytes(100)))).toBe(true);
      expect(sha256Of(await store.readOriginal(sha))).toBe(sha);
      expect(await listed(store)).toContain(sha);
    }
    const temps: string[] = [];
    for await (const t of store.listTempFiles()) temps.push(t.path);
    expect(temps).toEqual([]);
  }, 120_000);

  test('a copy whose bytes do not hash to the SHA-256, small or in parts, is never stored; a source without it stores nothing', async () => {
    for (const size of [40_000, 16 * 1024 * 1024 + 5]) {
      const data = randomBytes(size);
      const sha = sha256Of(data);
      const forged = Buffer.from(data);
      forged[size - 1]! ^= 1;
      await expect(store.storeCopyOfOriginal(sha, serving(forged))).rejects.toBeInstanceOf(OriginalBytesMismatch);
      expect(await store.openOriginal(sha)).toBeNull();
      await expect(store.storeCopyOfOriginal(sha, serving(data.subarray(1)))).rejects.toThrow();
      expect(await store.openOriginal(sha)).toBeNull();
    }
    const absent = sha256Of(randomBytes(8));
    expect(await store.storeCopyOfOriginal(absent, async () => null)).toBe(false);
    await expect(store.storeCopyOfOriginal(absent, () => Promise.reject(new Error('the source is down')))).rejects.toThrow('the source is down');
    expect(await store.openOriginalForCopy(absent)).toBeNull();
    expect(await store.openOriginal(absent)).toBeNull();
  }, 120_000);

  test('other bytes under an original\'s key are reported by a copy with what they hash to, never stored over; removed only when they are not the original\'s', async () => {
    const data = randomBytes(20_000);
    const sha = sha256Of(data);
    const other = randomBytes(5_000);
    await adapter.plant(dir, sha, other);
    const found = await store.storeCopyOfOriginal(sha, serving(data)).catch((err: unknown) => err);
    expect(found).toBeInstanceOf(StoredOriginalDiffers);
    expect((found as StoredOriginalDiffers).observed).toBe(sha256Of(other));
    expect(sha256Of(await buffer((await store.openOriginal(sha))!.stream()))).toBe(sha256Of(other));

    expect(await store.removeOtherBytes(sha)).toBe('removed');
    expect(await store.openOriginal(sha)).toBeNull();
    expect(await store.removeOtherBytes(sha)).toBe('absent');
    expect(await store.storeCopyOfOriginal(sha, serving(data))).toBe(true);
    // The right bytes are never removed.
    expect(await store.removeOtherBytes(sha)).toBe('right');
    expect((await store.readOriginal(sha)).equals(data)).toBe(true);
  });

  test('derivatives are listed with their sizes, by the key and copy they were written under', async () => {
    const sha = sha256Of(randomBytes(16));
    const thumb = randomBytes(1234);
    const video = randomBytes(4321);
    await store.writeDerivative(sha, 'thumb', thumb, sha256Of(thumb));
    await store.writeDerivative(sha, 'video', video, sha256Of(video));
    const found: string[] = [];
    for await (const d of store.listDerivatives()) if (d.key === sha) found.push(`${d.name}:${d.bytes}`);
    expect(found.sort()).toEqual(['thumb:1234', 'video:4321']);
  });

  test('a temp file written by name after its stream ended (a resumable upload) is stored from the file', async () => {
    const data = randomBytes(70_000);
    const sha = sha256Of(data);
    const temp = store.createTempFile();
    await new Promise<void>((resolve, reject) => temp.stream.end(() => resolve()).on('error', reject));
    await fs.appendFile(temp.path, data);
    expect(await store.putOriginal(temp.path, sha)).toEqual({ created: true });
    expect((await store.readOriginal(sha)).equals(data)).toBe(true);
  });

  test('a derivative is written, replaced whole and read back', async () => {
    const sha = sha256Of(randomBytes(16));
    const first = randomBytes(3000);
    const second = randomBytes(2000);
    await store.writeDerivative(sha, 'thumb', first, sha256Of(first));
    expect((await buffer((await store.openDerivative(sha, 'thumb'))!.stream())).equals(first)).toBe(true);
    await store.writeDerivative(sha, 'thumb', second, sha256Of(second));
    const blob = await store.openDerivative(sha, 'thumb');
    expect(blob?.size).toBe(second.length);
    expect((await buffer(blob!.stream())).equals(second)).toBe(true);
    expect(await store.openDerivative(sha, 'preview')).toBeNull();
  });

  test('a derivative copied from another store is checked by its recorded SHA-256, small or in parts: other bytes never replace it', async () => {
    for (const size of [50_000, 16 * 1024 * 1024 + 7]) {
      const sha = sha256Of(randomBytes(16));
      const data = randomBytes(size);
      const source = (bytes: Buffer): StoredBlob => ({ size: bytes.length, stream: () => Readable.from([bytes.subarray(0, 9), bytes.subarray(9)]), discard: () => undefined });
      await store.writeDerivativeFrom(sha, 'video', source(data), sha256Of(data));
      expect(sha256Of(await buffer((await store.openDerivative(sha, 'video'))!.stream()))).toBe(sha256Of(data));
      const forged = Buffer.from(data);
      forged[size - 1]! ^= 1;
      await expect(store.writeDerivativeFrom(sha, 'video', source(forged), sha256Of(data))).rejects.toBeInstanceOf(DerivativeBytesMismatch);
      expect(sha256Of(await buffer((await store.openDerivative(sha, 'video'))!.stream()))).toBe(sha256Of(data));
    }
  }, 120_000);

  test('a derivative from a local file, larger than one request, reads back exactly', async () => {
    const sha = sha256Of(randomBytes(16));
    const data = randomBytes(16 * 1024 * 1024 + 3);
    const file = path.join(dir, 'copy.mp4');
    await fs.writeFile(file, data);
    // The store says what the bytes it keeps hash to: the caller records that, reading no file itself.
    expect(await store.writeDerivativeFile(sha, 'video', file)).toEqual({ sha256: sha256Of(data), bytes: data.length });
    expect(sha256Of(await buffer((await store.openDerivative(sha, 'video'))!.stream()))).toBe(sha256Of(data));
    expect(await exists(file)).toBe(true);
    await fs.rm(file);
  }, 120_000);

  test("copies of the log's public data are replaced whole, listed by folder and never escape it", async () => {
    expect(await store.readLogCopy('checkpoints/000000000001.json')).toBeNull();
    await store.writeLogCopy('checkpoints/000000000001.json', Buffer.from('one'));
    await store.writeLogCopy('leaves/000000000000.json', Buffer.from('[1]'));
    await store.writeLogCopy('leaves/000000000000.json', Buffer.from('[1,2]'));
    expect((await store.readLogCopy('leaves/000000000000.json'))?.toString()).toBe('[1,2]');
    const listed: string[] = [];
    for await (const name of store.listLogCopies('checkpoints/')) listed.push(name);
    expect(listed).toEqual(['checkpoints/000000000001.json']);
    await expect(store.writeLogCopy('../originals/x', Buffer.from('x'))).rejects.toThrow(/not a log copy name/);
  });

  test('temp files are local and removable; free space is that of the local disk', async () => {
    const temp = await received(store, Buffer.from('partial'));
    expect(path.dirname(temp)).toBe(path.join(dir, 'tmp'));
    await store.removeTemp(temp);
    expect(await exists(temp)).toBe(false);
    await expect(store.removeTemp(path.join(dir, 'elsewhere'))).rejects.toThrow(/outside tmp/);
    const { bavail, bsize } = await fs.statfs(dir);
    expect(Math.abs((await store.freeBytes()) - bavail * bsize)).toBeLessThan(512 * 1024 * 1024);
  });
});

describe('S3 store: versions others write under an original key', () => {
  let dir: string;
  let where: S3Bucket & { client: S3Client };
  let store: BlobStore;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-blobs-'));
    where = await createTestBucket('overwrite');
    store = await createS3BlobStore({ ...where, objectLockDays: 1, storageDir: dir }, silent);
  }, 180_000);
  afterAll(async () => {
    await removeTestBucket(where);
    await fs.rm(dir, { recursive: true, force: true });
  });

  const keyOf = (sha: string) => `originals/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;

  test('bytes put over an original with the store keys are never served as it: the first version is the original', async () => {
    const data = randomBytes(20_000);
    const sha = await stored(store, data);
    await where.client.send(new PutObjectCommand({ Bucket: where.bucket, Key: keyOf(sha), Body: Buffer.from('forged') }));
    expect((await store.readOriginal(sha)).equals(data)).toBe(true);
    expect((await buffer((await store.openOriginal(sha))!.stream())).equals(data)).toBe(true);
    expect(await store.withOriginalFile(sha, (p) => fs.readFile(p))).toEqual(data);
    expect(await store.putOriginal(await received(store, data), sha)).toEqual({ created: false });
  });

  test("a copy read quickly from a key whose current version is forged fails its check; the original is copied from the first version", async () => {
    const data = randomBytes(30_000);
    const sha = await stored(store, data);
    await where.client.send(new PutObjectCommand({ Bucket: where.bucket, Key: keyOf(sha), Body: randomBytes(30_000) }));
    const elsewhere = await createFsBlobStore(path.join(dir, 'elsewhere'));
    await expect(elsewhere.storeCopyOfOriginal(sha, () => store.openOriginalForCopy(sha))).rejects.toBeInstanceOf(OriginalBytesMismatch);
    expect(await elsewhere.openOriginal(sha)).toBeNull();
    expect(await elsewhere.storeCopyOfOriginal(sha, () => store.openOriginal(sha))).toBe(true);
    expect((await elsewhere.readOriginal(sha)).equals(data)).toBe(true);
  });

  test('a copy that fails its check in parts leaves no multipart upload behind', async () => {
    const data = randomBytes(16 * 1024 * 1024 + 5);
    const forged = Buffer.from(data);
    forged[0]! ^= 1;
    await expect(store.storeCopyOfOriginal(sha256Of(data), serving(forged))).rejects.toBeInstanceOf(OriginalBytesMismatch);
    expect((await where.client.send(new ListMultipartUploadsCommand({ Bucket: where.bucket }))).Uploads ?? []).toEqual([]);
  }, 120_000);

  const leftovers = async () => {
    const temps: string[] = [];
    for await (const t of store.listTempFiles()) temps.push(t.path);
    const uploads = (await where.client.send(new ListMultipartUploadsCommand({ Bucket: where.bucket }))).Uploads ?? [];
    const staged = (await where.client.send(new ListObjectVersionsCommand({ Bucket: where.bucket, Prefix: 'staging/' }))).Versions ?? [];
    return { temps, uploads: uploads.length, staged: staged.length };
  };

  test('an upload larger than one part is sent while it arrives; stored, it leaves no staging behind; removed, nothing', async () => {
    const data = randomBytes(33 * 1024 * 1024 + 7);
    const tempPath = await received(store, data);
    expect((await leftovers()).uploads).toBe(1); // its parts are in the bucket before putOriginal
    expect((await fs.stat(tempPath)).size).toBe(data.length); // and in the local file, should staging not be taken
    expect(await store.putOriginal(tempPath, sha256Of(data))).toEqual({ created: true });
    expect(sha256Of(await store.readOriginal(sha256Of(data)))).toBe(sha256Of(data));
    expect(await leftovers()).toEqual({ temps: [], uploads: 0, staged: 0 });

    const other = randomBytes(17 * 1024 * 1024);
    await store.removeTemp(await received(store, other));
    expect(await leftovers()).toEqual({ temps: [], uploads: 0, staged: 0 });
    expect(await store.openOriginal(sha256Of(other))).toBeNull();
  }, 120_000);

  test("an upload is hashed once, by the store as it holds or sends the bytes: the temp file's SHA-256 is that of every byte, in memory or in parts", async () => {
    for (const size of [3 * 1024 * 1024 + 1, 2 * 16 * 1024 * 1024 + 12_345]) {
      const data = randomBytes(size);
      const temp = store.createTempFile();
      // Chunks that do not divide a part, so parts are gathered across them.
      const chunks = Array.from({ length: Math.ceil(size / 100_003) }, (_, i) => data.subarray(i * 100_003, (i + 1) * 100_003));
      await pipeline(Readable.from(chunks), temp.stream);
      expect(temp.sha256?.()).toBe(sha256Of(data));
      expect(await store.putOriginal(temp.path, sha256Of(data))).toEqual({ created: true });
      expect(sha256Of(await store.readOriginal(sha256Of(data)))).toBe(sha256Of(data));
    }
  }, 120_000);

  test('an upload of one part is held in memory only, never written to the local disk, and stored in one PUT', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const tempPath = await received(store, data);
    expect(await exists(tempPath)).toBe(false);
    expect(await leftovers()).toEqual({ temps: [], uploads: 0, staged: 0 });
    expect(await store.putOriginal(tempPath, sha256Of(data))).toEqual({ created: true });
    expect((await store.readOriginal(sha256Of(data))).equals(data)).toBe(true);
    // The same bytes again: compared with the stored original by the ETag of the bytes in memory.
    expect(await store.putOriginal(await received(store, data), sha256Of(data))).toEqual({ created: false });
    const versions = await where.client.send(new ListObjectVersionsCommand({ Bucket: where.bucket, Prefix: keyOf(sha256Of(data)) }));
    expect(versions.Versions).toHaveLength(1);
  }, 60_000);

  test('an upload cut off while arriving leaves no staging upload; one a crash left is a temp file the clean-up removes', async () => {
    const temp = store.createTempFile();
    const failed = new Promise((resolve) => temp.stream.on('error', resolve).on('close', resolve));
    temp.stream.write(randomBytes(20 * 1024 * 1024));
    await new Promise((r) => setTimeout(r, 500));
    temp.stream.destroy(new Error('client went away'));
    await failed;
    await store.removeTemp(temp.path);
    await waitUntil(async () => (await leftovers()).uploads === 0);

    const { UploadId } = await where.client.send(new CreateMultipartUploadCommand({ Bucket: where.bucket, Key: 'staging/left-by-a-crash.part' }));
    const { temps } = await leftovers();
    expect(temps).toEqual([`s3-staging:staging/left-by-a-crash.part:${UploadId}`]);
    await store.removeTemp(temps[0]!);
    expect(await leftovers()).toEqual({ temps: [], uploads: 0, staged: 0 });
  }, 120_000);

  test('an upload is refused when the key already holds other bytes than its SHA-256 says', async () => {
    const data = randomBytes(20_000);
    const sha = sha256Of(data);
    await where.client.send(new PutObjectCommand({ Bucket: where.bucket, Key: keyOf(sha), Body: randomBytes(20_000) }));
    await expect(store.putOriginal(await received(store, data), sha)).rejects.toThrow(/do not hash to it/);
    await expect(store.readOriginal(sha)).rejects.toThrow(/hash/);
  });

  test('a single PUT is signed with its SHA-256 and the store checks it: bytes that do not hash to it are refused, the stored ones stay', async () => {
    const sha = sha256Of(randomBytes(16));
    const thumb = randomBytes(4000);
    await store.writeDerivative(sha, 'thumb', thumb, sha256Of(thumb));
    // The hash given is not the body's: no one here hashes the body, the store refuses it.
    await expect(store.writeDerivative(sha, 'thumb', randomBytes(4000), sha256Of(thumb))).rejects.toBeInstanceOf(DerivativeBytesMismatch);
    expect((await buffer((await store.openDerivative(sha, 'thumb'))!.stream())).equals(thumb)).toBe(true);
    const versions = await where.client.send(new ListObjectVersionsCommand({ Bucket: where.bucket, Prefix: `derived/${sha.slice(0, 2)}/${sha}/thumb.jpg` }));
    expect(versions.Versions).toHaveLength(1);
  });

  test('bytes no row recorded are written with no look first; a version a crash left before stays the original, and other bytes there refuse the upload', async () => {
    // Nothing there: stored, one version.
    const fresh = randomBytes(30_000);
    expect(await store.putOriginal(await received(store, fresh), sha256Of(fresh), { recorded: false })).toEqual({ created: true });
    // The same bytes left by a crash (no row): ours is the duplicate, removed.
    const left = randomBytes(30_000);
    await where.client.send(new PutObjectCommand({ Bucket: where.bucket, Key: keyOf(sha256Of(left)), Body: left }));
    expect(await store.putOriginal(await received(store, left), sha256Of(left), { recorded: false })).toEqual({ created: false });
    // Other bytes under the key: refused, and nothing of ours stays.
    const data = randomBytes(30_000);
    await where.client.send(new PutObjectCommand({ Bucket: where.bucket, Key: keyOf(sha256Of(data)), Body: randomBytes(30_000) }));
    await expect(store.putOriginal(await received(store, data), sha256Of(data), { recorded: false })).rejects.toThrow(/do not hash to it/);
    for (const [bytes, versions] of [[fresh, 1], [left, 1], [data, 1]] as const) {
      const listed = await where.client.send(new ListObjectVersionsCommand({ Bucket: where.bucket, Prefix: keyOf(sha256Of(bytes)) }));
      expect(listed.Versions).toHaveLength(versions);
    }
    expect((await store.readOriginal(sha256Of(left))).equals(left)).toBe(true);
  });

  test('a temp file that does not hash to the SHA-256 given is not stored', async () => {
    const sha = sha256Of(randomBytes(100));
    await expect(store.putOriginal(await received(store, randomBytes(100)), sha)).rejects.toThrow(/not to the original's SHA-256/);
    expect(await store.openOriginal(sha)).toBeNull();
  });
});
