import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Bucket } from '../../domain/config';
import { DependencyError } from '../../domain/dependency-error';
import type { Logger } from '../../domain/logger';
import { DERIVATIVE_FORMAT, type DerivativeName } from '../../domain/media/derivatives';
import { DerivativeBytesMismatch, OriginalBytesMismatch, StoredOriginalDiffers, type BlobStore, type ByteRange, type OriginalsProtection, type StoredBlob } from '../../domain/ports/blob-store';
import { assertLogFileName } from '../../domain/transparency/tiles';
import { assertLogCopyName, assertSha, copyHashing, derivativeOfFileName, hashFile, HEX64, openLocalTemp } from './local-temp';
import { createUploadStaging } from './s3-upload-staging';
import { isPayloadMismatch, multipartEtag, PART_BYTES, PartsUpload, putChecked, takePartBuffer } from './s3-parts';

/**
 * The blob store in a bucket of an S3-compatible store (AWS S3, Ceph RGW, Backblaze B2, Wasabi,
 * MinIO). Keys mirror the filesystem layout:
 *   originals/ab/cd/<sha256>        write-once, content-addressed; COMPLIANCE-locked when the bucket has Object Lock
 *   derived/ab/<sha256>/<name>.jpg  derivatives; regenerable, never locked by us
 *   log/<checkpoint|tile/…>         the transparency log as C2SP tlog-tiles; a static copy, never locked by us
 *   log-copies/<folder>/<name>      on a replica: copies of the log's public data (checkpoints, leaf hashes)
 * Uploads being received stay local (STORAGE_DIR/tmp), as do originals fetched for a tool.
 *
 * Write-once rests on bucket versioning (enabled at start when it is not), not on conditional
 * writes: Ceph 16 ignores `If-None-Match: *`. A PUT over an existing key only adds a version, so
 * the FIRST version of an original's key is the original: it is what every read serves, and a
 * writer that finds it was not first (a race, or a key written before) reports created: false. No
 * one's later version, same bytes or not, is ever served as the original.
 */

type S3StoreSettings = S3Bucket & { objectLockDays: number; storageDir: string };

/** A version of a key as the bucket lists it. */
type StoredVersion = { versionId: string; size: number; etag: string; lastModified?: Date };

export async function createS3BlobStore(settings: S3StoreSettings, log: Logger): Promise<BlobStore> {
  const client = s3Client(settings);
  const { bucket } = settings;
  const where = `bucket ${bucket} at ${settings.endpoint ?? 'AWS S3'}`;
  const uploads = await openLocalTemp(settings.storageDir);

  await client.send(new HeadBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
    throw new DependencyError(`Cannot use the S3 ${where}: ${describe(err)}. Check S3_ENDPOINT, S3_BUCKET and the credentials, or set STORAGE=fs.`);
  });
  await ensureVersioning(client, bucket, where, log);
  const objectLock = await objectLockOf(client, bucket);
  const protection: OriginalsProtection =
    !objectLock.enabled
      ? { locked: false, summary: `originals are NOT locked: the S3 ${where} has no Object Lock (only versioning keeps an overwritten original's first bytes)` }
      : { locked: true, retentionDays: settings.objectLockDays, summary: `originals are locked: COMPLIANCE retention for ${settings.objectLockDays} days in the S3 ${where}` };
  if (objectLock.lockedByDefault) {
    log.warn({ bucket }, 'the bucket has a default Object Lock retention: derivatives get locked too (they are regenerable; Svidetel locks only originals)');
  }

  const staging = createUploadStaging(client, bucket, where, uploads, { largeInBucket: !objectLock.lockedByDefault }, log);

  const originalKey = (sha256: string) => {
    assertSha(sha256);
    return `originals/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  };
  const derivativeKey = (sha256: string, name: DerivativeName) => {
    assertSha(sha256);
    return `derived/${sha256.slice(0, 2)}/${sha256}/${name}.${DERIVATIVE_FORMAT[name].extension}`;
  };

  /** Every version of exactly this key, newest first (the order S3 lists them in). */
  async function versionsOf(key: string): Promise<StoredVersion[]> {
    const found: StoredVersion[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      for (const v of page.Versions ?? []) {
        if (v.Key === key && v.VersionId) found.push({ versionId: v.VersionId, size: v.Size ?? 0, etag: v.ETag ?? '', lastModified: v.LastModified });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.NextVersionIdMarker;
    } while (keyMarker);
    return found;
  }

  /** The original: the first version ever stored under its key; null when there is none. */
  async function firstVersion(sha256: string): Promise<StoredVersion | null> {
    return (await versionsOf(originalKey(sha256))).at(-1) ?? null;
  }

  /** Copies one version into `into`, hashing it on the way; returns its SHA-256. */
  const fetchHashing = (key: string, versionId: string, into: Writable): Promise<string> => copyHashing(streamVersion(key, versionId), into);

  /** Bytes of one version, fetched when first read; destroying the stream aborts the request. */
  function streamVersion(key: string, versionId: string, range?: ByteRange): Readable {
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    const abort = new AbortController();
    out.once('close', () => abort.abort());
    client
      .send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, Range: range && `bytes=${range.start}-${range.end}` }), { abortSignal: abort.signal })
      .then((res) => pipeline(res.Body as Readable, out))
      .catch((err: unknown) => out.destroy(err as Error));
    return out;
  }

  const blobOf = (key: string, version: StoredVersion): StoredBlob => ({
    size: version.size,
    stream: (range) => streamVersion(key, version.versionId, range),
    discard: () => undefined,
  });

  /** What one version's bytes hash to, read whole. */
  const hashVersion = (sha256: string, version: StoredVersion) => fetchHashing(originalKey(sha256), version.versionId, new Writable({ write: (_chunk, _enc, done) => done() }));

  /** The stored original is the one with this SHA-256: by its ETag when it was stored as we store it, else by its bytes. */
  async function assertSameBytes(sha256: string, stored: StoredVersion, localEtag: string): Promise<void> {
    if (stored.etag === localEtag) return;
    const observed = await hashVersion(sha256, stored);
    if (observed !== sha256) {
      throw new StoredOriginalDiffers(`the S3 ${where} holds an original ${sha256} whose bytes do not hash to it (they hash to ${observed}; version ${stored.versionId}): refusing to record it`, observed);
    }
  }

  /** Removes one version we wrote; a COMPLIANCE-locked one cannot be, and stays (its bytes are the original's). */
  async function discardVersion(key: string, versionId: string, why: string): Promise<void> {
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    } catch (err) {
      if (!isAccessDenied(err) || !protection.locked) throw err;
      log.warn({ key, versionId }, `${why}; the version is under Object Lock and stays until its retention ends`);
    }
  }

  /** How an original is written: its SHA-256 as metadata, locked when the bucket can lock. */
  const originalParams = (key: string, sha256: string) => ({
    Bucket: bucket,
    Key: key,
    Metadata: { sha256 },
    ContentType: 'application/octet-stream',
    ...(protection.locked ? { ObjectLockMode: 'COMPLIANCE' as const, ObjectLockRetainUntilDate: new Date(Date.now() + settings.objectLockDays * 86_400_000) } : {}),
  });

  /**
   * Stores `size` bytes arriving as pieces of PART_BYTES (piecesOf): one PUT when they fit in one,
   * else a multipart upload. The bytes must hash to `what.sha256`, checked before the store keeps
   * them (a mismatch leaves nothing): a single PUT is signed with it and the store checks it, so it
   * is hashed by no one here; parts carry their MD5 for the store and are hashed here once, as they
   * pass, before the upload completes. An original is locked when the bucket can lock.
   */
  async function send(
    key: string,
    pieces: AsyncIterable<Buffer>,
    size: number,
    what: { sha256: string; original: boolean; contentType: string },
  ): Promise<{ versionId: string; etag: string }> {
    const common = what.original ? originalParams(key, what.sha256) : { Bucket: bucket, Key: key, ContentType: what.contentType };
    const mismatch = (actual: string) => checkSha256(actual, what.sha256, what.original ? 'original' : `copy under ${key}`);
    if (size <= PART_BYTES) {
      let body: Buffer = Buffer.alloc(0);
      for await (const piece of pieces) body = piece;
      try {
        return await putChecked(client, where, common, body, what.sha256);
      } catch (err) {
        if (isPayloadMismatch(err)) mismatch(createHash('sha256').update(body).digest('hex'));
        throw err;
      }
    }
    const whole = createHash('sha256');
    const upload = new PartsUpload(client, where, common);
    try {
      for await (const body of pieces) {
        whole.update(body);
        await upload.add(body, body);
      }
      await upload.settled();
      mismatch(whole.digest('hex'));
      return await upload.complete();
    } catch (err) {
      await upload.abort().catch(() => undefined);
      throw err;
    }
  }

  /** A local file's bytes sent as send() sends them. */
  async function sendFile(key: string, filePath: string, what: { sha256: string; original: boolean; contentType: string }): Promise<{ versionId: string; etag: string }> {
    const { size } = await fs.stat(filePath);
    return send(key, piecesOf(() => createReadStream(filePath, { highWaterMark: 1024 * 1024 }), size), size, what);
  }

  /**
   * Whether the key may hold an original: 'absent' when it has no current version and no delete
   * marker hides older ones (one HEAD), 'maybe' otherwise (its versions must be listed).
   */
  async function keyState(key: string): Promise<'absent' | 'maybe'> {
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return 'maybe';
    } catch (err) {
      if (isNotFound(err) && !isDeleteMarker(err)) return 'absent';
      if (isNotFound(err)) return 'maybe';
      throw err;
    }
  }

  /** One PUT of bytes held in memory, signed with their SHA-256 (the one hash of them), which the store checks. */
  const putWhole = async (key: string, data: Buffer, contentType: string, sha256?: string) => {
    await putChecked(client, where, { Bucket: bucket, Key: key, ContentType: contentType }, data, sha256);
  };

  return {
    protection,
    // S3 has no "full" we could ask about: the limit is the local disk uploads are received on.
    freeBytes: () => uploads.freeBytes(),
    // Received into the bucket as they arrive (s3-upload-staging.ts), and into a local file.
    createTempFile: () => staging.createTempFile(),
    createEmptyTempFile: () => uploads.createEmptyFile(), // written by name: nothing to stage
    async removeTemp(tempPath) {
      if (!(await staging.discard(tempPath))) await uploads.removeTemp(tempPath);
    },
    async *listTempFiles() {
      yield* uploads.list();
      yield* staging.listStaging();
    },

    // The staged bytes when the upload was staged (refused when they do not hash to the SHA-256),
    // else the local file (a resumable upload's, or one staging could not take).
    async putOriginal(tempPath, sha256, hint) {
      const key = originalKey(sha256);
      // The staging hashed every byte as it sent it (parts) or holds it (a PUT signed with the hash,
      // which the store checks): the bytes hashed are the bytes stored.
      const fromStaging = staging.take(tempPath);
      try {
        if (fromStaging) checkSha256(fromStaging.sha256, sha256);
        // Bytes no row recorded are very probably not here: no HEAD; the listing below still finds a
        // version written before ours (bytes a crash left), which then stays the original.
        if (hint?.recorded !== false && (await keyState(key)) === 'maybe') {
          const existing = await firstVersion(sha256);
          if (existing) {
            await assertSameBytes(sha256, existing, fromStaging?.etagHere() ?? (await localEtag(tempPath)));
            return { created: false };
          }
        }
        const mine = fromStaging
          ? await fromStaging.commit(originalParams(key, sha256), sha256)
          : await sendFile(key, tempPath, { sha256, original: true, contentType: 'application/octet-stream' });
        const first = await firstVersion(sha256);
        if (first?.versionId === mine.versionId) return { created: true };
        // Another writer's version came first (a race): that one is the original; ours is a duplicate.
        if (!first) throw new Error(`the S3 ${where} lists no version of ${key} right after storing one`);
        // Removed either way: when the first one's bytes are not the original's, the upload is refused.
        try {
          await assertSameBytes(sha256, first, mine.etag);
        } finally {
          await discardVersion(key, mine.versionId, `a duplicate of original ${sha256} lost a race`);
        }
        return { created: false };
      } finally {
        await fromStaging?.abort();
        await fs.rm(tempPath, { force: true });
      }
    },

    // Under the caller's per-hash lock, so every version of the key is this upload's own.
    async removeUncommittedOriginal(sha256) {
      const key = originalKey(sha256);
      for (const version of await versionsOf(key)) await discardVersion(key, version.versionId, `uncommitted original ${sha256} not removed`);
    },

    /**
     * The common path is one HEAD here while the source's GET starts, then the bytes streamed into
     * the PUT (parts for a large one), checked against the SHA-256 before the store keeps them and by
     * the store against each request's MD5: no temp file, no read-back. No listing after the PUT: a
     * concurrent copy of the same original can only add a version of the same checked bytes, and the
     * first version stays the original.
     */
    async storeCopyOfOriginal(sha256, open) {
      const key = originalKey(sha256);
      const opening = open();
      opening.catch(() => undefined); // handled where it is awaited; never an unhandled rejection while the HEAD runs
      const discardOpened = () => void opening.then((source) => source?.discard(), () => undefined);
      let state: 'absent' | 'maybe';
      try {
        state = await keyState(key);
      } catch (err) {
        discardOpened();
        throw err;
      }
      if (state === 'maybe') {
        discardOpened();
        const first = await firstVersion(sha256);
        if (first) {
          await assertSameBytes(sha256, first, '');
          return true;
        }
      }
      const source = state === 'absent' ? await opening : await open();
      if (!source) return false;
      try {
        await send(key, piecesOf(() => source.stream(), source.size), source.size, { sha256, original: true, contentType: 'application/octet-stream' });
      } catch (err) {
        source.discard();
        throw err;
      }
      return true;
    },

    // Every version, the first (the one served as the original) first: with Object Lock the first
    // refusal leaves the rest as they were.
    async removeOtherBytes(sha256) {
      const key = originalKey(sha256);
      const versions = (await versionsOf(key)).reverse();
      const first = versions[0];
      if (!first) return 'absent';
      if ((await hashVersion(sha256, first)) === sha256) return 'right';
      for (const version of versions) {
        try {
          await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: version.versionId }));
        } catch (err) {
          if (isAccessDenied(err) && protection.locked) return 'write-once';
          throw err;
        }
      }
      return 'removed';
    },

    // The key's current version, fetched at once: a copy checks it by hash, and openOriginal (its
    // first version) is what to copy when the current one is not the original.
    async openOriginalForCopy(sha256) {
      let res;
      try {
        res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: originalKey(sha256) }));
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
      const body = res.Body as Readable;
      return {
        size: res.ContentLength ?? 0,
        stream(range) {
          if (range) throw new Error('a copy of an original reads it whole');
          return body;
        },
        discard: () => body.destroy(),
      };
    },

    async readOriginal(sha256) {
      const first = await firstVersion(sha256);
      if (!first) throw new Error(`no original ${sha256} in the S3 ${where}`);
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: originalKey(sha256), VersionId: first.versionId }));
      const bytes = Buffer.from(await res.Body!.transformToByteArray());
      checkSha256(createHash('sha256').update(bytes).digest('hex'), sha256);
      return bytes;
    },

    async openOriginal(sha256) {
      const first = await firstVersion(sha256);
      return first && blobOf(originalKey(sha256), first);
    },

    // Fetched whole to a read-only local file, checked against its SHA-256, removed when `use` settles.
    async withOriginalFile(sha256, use) {
      const first = await firstVersion(sha256);
      if (!first) throw new Error(`no original ${sha256} in the S3 ${where}`);
      const localPath = uploads.newPath('.original');
      try {
        checkSha256(await fetchHashing(originalKey(sha256), first.versionId, createWriteStream(localPath, { flags: 'wx', mode: 0o400 })), sha256);
        return await use(localPath);
      } finally {
        await fs.rm(localPath, { force: true });
      }
    },

    async originalStoredAt(sha256) {
      const first = await firstVersion(sha256);
      return first ? (first.lastModified ?? new Date(0)) : null;
    },

    async *listOriginals() {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'originals/', ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const name = object.Key?.split('/').pop() ?? '';
          if (HEX64.test(name)) yield name;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    // One PUT is atomic: a reader gets the old object or the new one. Older versions stay readable
    // for a reader that already opened one (a lifecycle rule may expire noncurrent derived/ versions).
    async writeDerivative(sha256, name, data, dataSha256) {
      const key = derivativeKey(sha256, name);
      await putWhole(key, data, DERIVATIVE_FORMAT[name].mime, dataSha256).catch((err: unknown) => {
        throw isPayloadMismatch(err) ? new DerivativeBytesMismatch(`the derivative ${name} of ${sha256} does not hash to ${dataSha256}: not stored`) : err;
      });
    },

    // Hashed first (a single PUT is signed with the hash), then sent and checked against it: a file
    // changed in between is refused, never recorded under a hash it does not have.
    async writeDerivativeFile(sha256, name, filePath) {
      const copy = await hashFile(filePath);
      await sendFile(derivativeKey(sha256, name), filePath, { sha256: copy.sha256, original: false, contentType: DERIVATIVE_FORMAT[name].mime });
      return copy;
    },

    // Streamed from the source into the PUT (parts for a video copy), checked against the recorded SHA-256 on the way.
    async writeDerivativeFrom(sha256, name, source, dataSha256) {
      try {
        await send(derivativeKey(sha256, name), piecesOf(() => source.stream(), source.size), source.size, {
          sha256: dataSha256,
          original: false,
          contentType: DERIVATIVE_FORMAT[name].mime,
        });
      } catch (err) {
        source.discard();
        throw err;
      }
    },

    openDerivative: (sha256, name) => openObject(derivativeKey(sha256, name)),

    async *listDerivatives() {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'derived/', ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const [, , key, file] = object.Key?.split('/') ?? [];
          const name = file === undefined ? null : derivativeOfFileName(file);
          if (name && key && HEX64.test(key)) yield { key, name, bytes: object.Size ?? 0 };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async writeLogFile(name, data) {
      assertLogFileName(name);
      await putWhole(`log/${name}`, data, name === 'checkpoint' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
    },

    openLogFile(name) {
      assertLogFileName(name);
      return openObject(`log/${name}`);
    },

    // Small objects, replaced whole like derivatives (a leaf-hash file grows until its range is full).
    async writeLogCopy(name, data) {
      assertLogCopyName(name);
      await putWhole(`${LOG_COPIES}${name}`, data, 'text/plain; charset=utf-8');
    },

    async readLogCopy(name) {
      assertLogCopyName(name);
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${LOG_COPIES}${name}` }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },

    async *listLogCopies(prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${LOG_COPIES}${prefix}`, ContinuationToken: token }));
        for (const object of page.Contents ?? []) if (object.Key) yield object.Key.slice(LOG_COPIES.length);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
  };

  async function openObject(key: string): Promise<StoredBlob | null> {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return blobOf(key, { versionId: head.VersionId!, size: head.ContentLength ?? 0, etag: head.ETag ?? '' });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }
}

/** Where a replica keeps its copies of the log's public data: apart from log/, the tiles a static host serves. */
const LOG_COPIES = 'log-copies/';

/**
 * A client for a store (any of its buckets; the benchmark's too); checksums only where S3 requires
 * them (Ceph 16 rejects the SDK's newer default trailers).
 */
export function s3Client(settings: Omit<S3Bucket, 'bucket'>): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Creates the bucket when the store has none of that name, with Object Lock (which also turns
 * versioning on): for a deployment's own store (compose's), never needed for one made by hand.
 * Returns whether it was created.
 */
export async function createBucketIfAbsent(settings: S3Bucket): Promise<boolean> {
  const client = s3Client(settings);
  try {
    await client.send(new HeadBucketCommand({ Bucket: settings.bucket }));
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await client.send(new CreateBucketCommand({ Bucket: settings.bucket, ObjectLockEnabledForBucket: true }));
    return true;
  } finally {
    client.destroy();
  }
}

async function ensureVersioning(client: S3Client, bucket: string, where: string, log: Logger): Promise<void> {
  const { Status } = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  if (Status === 'Enabled') return;
  await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } })).catch((err: unknown) => {
    throw new DependencyError(
      `The S3 ${where} has no versioning and we could not enable it (${describe(err)}). Svidetel needs it so an original can never be replaced: enable it on the bucket.`,
    );
  });
  log.info({ bucket }, 'enabled versioning on the bucket (write-once originals rest on it)');
}

/** Whether the bucket has Object Lock, and whether it locks every new object by default. */
async function objectLockOf(client: S3Client, bucket: string): Promise<{ enabled: boolean; lockedByDefault: boolean }> {
  try {
    const { ObjectLockConfiguration: lock } = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    return { enabled: lock?.ObjectLockEnabled === 'Enabled', lockedByDefault: Boolean(lock?.Rule?.DefaultRetention) };
  } catch (err) {
    if ((err as Error).name === 'ObjectLockConfigurationNotFoundError' || isNotFound(err)) return { enabled: false, lockedByDefault: false };
    throw err;
  }
}

/** The ETag the file gets when stored as this adapter stores it. */
async function localEtag(filePath: string): Promise<string> {
  const file = await fs.open(filePath, 'r');
  try {
    const { size } = await file.stat();
    const partMd5s: Buffer[] = [];
    const chunk = Buffer.alloc(Math.min(PART_BYTES, Math.max(size, 1)));
    for (let offset = 0; offset < size; offset += PART_BYTES) {
      const { bytesRead } = await file.read(chunk, 0, Math.min(PART_BYTES, size - offset), offset);
      partMd5s.push(createHash('md5').update(chunk.subarray(0, bytesRead)).digest());
    }
    if (size <= PART_BYTES) return `"${(partMd5s[0] ?? createHash('md5').digest()).toString('hex')}"`;
    return multipartEtag(partMd5s);
  } finally {
    await file.close();
  }
}

function checkSha256(actual: string, expected: string, what: 'original' | string = 'original'): void {
  if (actual === expected) return;
  if (what === 'original') throw new OriginalBytesMismatch(`bytes hash to ${actual}, not to the original's SHA-256 ${expected}`, actual);
  throw new DerivativeBytesMismatch(`the ${what} hashes to ${actual}, not to the SHA-256 recorded for it, ${expected}: not stored`);
}

/**
 * The bytes of `source` (opened when first read) cut into the pieces send() makes requests of:
 * PART_BYTES each, the last shorter. Fails when the source gives more or fewer than `size`.
 */
async function* piecesOf(source: () => AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let received = 0;
  let yielded = 0;
  // Full parts in pooled buffers (given back by the part's request); a smaller whole in one of its own.
  const next = (left: number) => (left >= PART_BYTES ? takePartBuffer() : Buffer.allocUnsafe(left));
  let piece = next(size);
  let filled = 0;
  for await (const chunk of source()) {
    received += chunk.length;
    if (received > size) throw new Error(`more bytes than the ${size} announced`);
    for (let at = 0; at < chunk.length; ) {
      const copied = chunk.copy(piece, filled, at);
      filled += copied;
      at += copied;
      if (filled === piece.length) {
        yield piece;
        yielded += piece.length;
        piece = next(size - yielded);
        filled = 0;
      }
    }
  }
  if (received !== size) throw new Error(`${received} bytes, not the ${size} announced`);
  if (size === 0) yield piece;
}

/** A 404 whose key's current version is a delete marker (older versions may be under it). */
function isDeleteMarker(err: unknown): boolean {
  const headers = (err as { $response?: { headers?: Record<string, string> } }).$response?.headers;
  return headers?.['x-amz-delete-marker'] === 'true';
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

function isAccessDenied(err: unknown): boolean {
  return statusOf(err) === 403;
}

function describe(err: unknown): string {
  const e = err as Error & { Code?: string };
  return `${e.name}${e.message && e.message !== e.name ? `: ${e.message}` : ''}`;
}
