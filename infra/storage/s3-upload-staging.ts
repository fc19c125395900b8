import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { AbortMultipartUploadCommand, CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../domain/logger';
import type { TempFile, TempFileEntry } from '../../domain/ports/blob-store';
import type { LocalTemp } from './local-temp';
import { filledPart, PART_BYTES, PartsUpload, putChecked, takePartBuffer } from './s3-parts';

/**
 * Uploads sent into the bucket while they arrive, so an upload is stored when its last byte is,
 * not received first and sent after. An upload sent in parts is still written to its local temp
 * file too (what putOriginal sends when staging was not possible), but without fsync: the receipt
 * waits for the bucket, not for this disk. Resumable uploads are written by name into files of
 * their own (createEmptyTempFile) and never staged.
 *   - up to PART_BYTES (a photo): the bytes are held in memory and never written to the local disk;
 *     putOriginal sends them in one PUT under the original's key, signed with their SHA-256, which
 *     the store checks before it keeps them. Should staging give up on them (the memory budget),
 *     the bytes held so far go to the local file first and the rest follow them there;
 *   - beyond (a video): parts go to a multipart upload under staging/ as they arrive; putOriginal
 *     completes it and copies it under the original's key in the store (no bytes sent again), then
 *     removes the staging object.
 * Every byte is hashed here once, in order, and that SHA-256 is the upload's (TempFile.sha256: the
 * receiver does not hash them a second time): a part as the very buffer sent, which carries its MD5
 * for the store to check (and the completed upload's ETag is checked against those); bytes held in
 * memory before the PUT signed with their hash; bytes given up on as they go to the local file,
 * which putOriginal checks against the hash as it sends it. So the bytes stored are the bytes hashed.
 * A second hash of a video by its receiver, compared with this one, guarded only our copying of
 * received chunks into part buffers; the hash is now taken of those buffers, so it guards nothing.
 * Nothing is visible under originals/ before putOriginal. A staging upload not taken is aborted by
 * removeTemp; after a crash, listTempFiles names the bucket's staging uploads too, so the clean-up
 * of stale temp files (domain/integrity/consistency.service.ts) aborts them once old.
 */

const STAGING_PREFIX = 'staging/';
/** How a staging upload or object is named among temp files: `s3-staging:<key>:<upload id or version id>`. */
const STAGING_TEMP = 's3-staging:';
/** Bytes held in memory by all uploads being received; past it an upload is sent from its local file instead. */
const MEMORY_BUDGET = 256 * 1024 * 1024;
/** The largest object a single CopyObject may copy. */
const COPY_LIMIT = 5 * 1024 ** 3;

/** A fully received upload whose bytes are ready in memory or in the bucket, taken by putOriginal. */
export type StagedUpload = {
  /** The SHA-256 of every byte received (of the parts as sent, or of the bytes held in memory, which the store checks against the signed SHA-256 of the PUT). */
  sha256: string;
  size: number;
  /**
   * Of bytes held in memory, which never reach the local file: the ETag the store gives them, to
   * compare with what the store holds; null for bytes sent in parts (their local file has them).
   * Only until abort().
   */
  etagHere(): string | null;
  /**
   * Stores the bytes under `params.Key` (with its metadata and lock), as the original with this
   * SHA-256 (a PUT refused by the store when they do not hash to it); the staging is gone afterwards.
   */
  commit(params: { Bucket: string; Key: string } & Record<string, unknown>, sha256: string): Promise<{ versionId: string; etag: string }>;
  abort(): Promise<void>;
};

export type UploadStaging = {
  createTempFile(): TempFile;
  /** The staged bytes of a received temp file, or null when it has none (then its local file is sent). */
  take(tempPath: string): StagedUpload | null;
  /** Forgets a temp file's staging, and removes a staging upload or object a crash left (by its temp name). */
  discard(tempPath: string): Promise<boolean>;
  listStaging(): AsyncIterable<TempFileEntry>;
};

export function createUploadStaging(client: S3Client, bucket: string, where: string, uploads: LocalTemp, options: { largeInBucket: boolean }, log: Logger): UploadStaging {
  const byTempPath = new Map<string, Staging>();
  let held = 0;

  class Staging {
    private readonly hash = createHash('sha256');
    private chunks: Buffer[] = [];
    private buffered = 0;
    private parts: PartsUpload | null = null;
    /** Why these bytes cannot be taken from the staging (then the local file is sent). */
    unusable: string | null = null;
    size = 0;
    /** Every byte arrived (finish() ran). */
    received = false;
    /** The SHA-256 of every byte, once received. */
    sha256: string | null = null;

    /** Every byte so far is held here and nowhere else (no part sent, not given up on). */
    get inMemory(): boolean {
      return !this.parts && !this.unusable;
    }

    /** See StagedUpload.etagHere. */
    etagHere(): string | null {
      if (!this.inMemory) return null;
      const hash = createHash('md5');
      for (const chunk of this.chunks) hash.update(chunk);
      return `"${hash.digest('hex')}"`;
    }

    constructor(private readonly stagingKey: string) {}

    // Each byte is hashed once, in order: in its part as sent (sendPart), when given up on before
    // that (giveUp: what is held, then each byte as it arrives), or held in memory to the end (finish).
    async add(chunk: Buffer): Promise<void> {
      this.size += chunk.length;
      if (!this.unusable && held + chunk.length > MEMORY_BUDGET) this.giveUp('uploads being received hold the memory budget');
      if (this.unusable) return void this.hash.update(chunk);
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      held += chunk.length;
      while (this.buffered >= PART_BYTES && !this.unusable) await this.sendPart(PART_BYTES);
    }

    async finish(): Promise<void> {
      if (this.parts && !this.unusable && this.buffered > 0) await this.sendPart(this.buffered);
      if (this.parts && !this.unusable) await this.parts.settled().catch((err: Error) => this.giveUp(`a part was not stored: ${err.message}`));
      if (this.size > COPY_LIMIT) this.giveUp('larger than one server-side copy');
      if (this.inMemory) for (const chunk of this.chunks) this.hash.update(chunk);
      this.sha256 = this.hash.digest('hex');
      this.received = true;
    }

    /** The first `bytes` received, gathered into a reused part buffer (given back once its request settled) and sent. */
    private async sendPart(bytes: number): Promise<void> {
      if (!options.largeInBucket) return this.giveUp('the bucket locks every new object by default, staging objects too');
      const part = takePartBuffer();
      for (let filled = 0; filled < bytes; ) {
        const chunk = this.chunks[0]!;
        const n = Math.min(chunk.length, bytes - filled);
        chunk.copy(part, filled, 0, n);
        filled += n;
        if (n === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(n);
      }
      this.buffered -= bytes;
      held -= bytes;
      this.hash.update(filledPart(part, bytes));
      this.parts ??= new PartsUpload(client, where, { Bucket: bucket, Key: this.stagingKey });
      await this.parts.add(filledPart(part, bytes), part).catch((err: Error) => this.giveUp(`a part was not stored: ${err.message}`));
    }

    giveUp(why: string): void {
      if (this.unusable) return;
      this.unusable = why;
      // Held, not sent: hashed now, before the bytes that follow them.
      for (const chunk of this.chunks) this.hash.update(chunk);
      this.release();
      if (this.parts) void this.abort();
    }

    release(): void {
      held -= this.buffered;
      this.chunks = [];
      this.buffered = 0;
    }

    async abort(): Promise<void> {
      this.release();
      const parts = this.parts;
      this.parts = null;
      await parts?.abort().catch((err: Error) => log.warn({ key: this.stagingKey, err: err.message }, 'staging upload not aborted; the stale temp clean-up will'));
    }

    /** One PUT from memory, or the staging upload completed and copied under the key. */
    async commit(params: { Bucket: string; Key: string } & Record<string, unknown>, sha256: string): Promise<{ versionId: string; etag: string }> {
      if (!this.parts) {
        if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
        // Signed with the original's SHA-256 (finish() hashed them), which the store checks. They
        // stay held until abort() (etagHere).
        return putChecked(client, where, params, this.chunks[0] ?? Buffer.alloc(0), sha256);
      }
      const parts = this.parts;
      this.parts = null;
      let staged: { versionId: string } | null = null;
      try {
        staged = await parts.complete();
        const source = `${bucket}/${this.stagingKey}?versionId=${encodeURIComponent(staged.versionId)}`;
        const res = await client.send(new CopyObjectCommand({ ...params, CopySource: source, MetadataDirective: 'REPLACE' }));
        if (res.VersionId && res.CopyObjectResult?.ETag) return { versionId: res.VersionId, etag: res.CopyObjectResult.ETag };
        // Ceph 16 names no version in a copy's answer: the key's newest is it (putOriginal is serialised per hash by its caller).
        const head = await client.send(new HeadObjectCommand({ Bucket: params.Bucket, Key: params.Key }));
        if (!head.VersionId || !head.ETag) throw new Error(`the S3 ${where} copied ${this.stagingKey} without a version or ETag`);
        return { versionId: head.VersionId, etag: head.ETag };
      } catch (err) {
        if (!staged) await parts.abort().catch(() => undefined);
        throw err;
      } finally {
        if (staged) await removeStagingObject(this.stagingKey, staged.versionId);
      }
    }
  }

  async function removeStagingObject(key: string, versionId: string): Promise<void> {
    await client
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))
      .catch((err: Error) => log.warn({ key, err: err.message }, 'staging object not removed; the stale temp clean-up will'));
  }

  return {
    createTempFile() {
      const tempPath = uploads.newPath('.part');
      const staging = new Staging(`${STAGING_PREFIX}${tempPath.split('/').pop()}`);
      byTempPath.set(tempPath, staging);
      let received = false;
      // The local file, opened once the bytes are not held in memory only (sent in parts, or staging
      // gave up on them); `unwritten`: what arrived before, written to it first.
      let local: Writable | null = null;
      let unwritten: Buffer[] = [];
      /** Given up on (destroyed before received whole): nothing more is written anywhere. */
      let abandoned = false;
      const toLocal = async (chunks: Buffer[]): Promise<void> => {
        // A write still in progress when the upload was given up on (its part refused by the abort,
        // so staging gives up on the bytes) must not open the local file after its removal.
        if (abandoned) return;
        if (!local) {
          local = uploads.openTempFile(tempPath, { durable: false });
          local.once('error', (err) => stream.destroy(err));
        }
        for (const chunk of chunks) if (!local.write(chunk)) await once(local, 'drain');
      };
      const keep = async (chunk: Buffer | null): Promise<void> => {
        const chunks = chunk ? [chunk] : [];
        if (staging.inMemory) return void unwritten.push(...chunks);
        const held = unwritten;
        unwritten = [];
        await toLocal([...held, ...chunks]);
      };
      const stream: Writable = new Writable({
        highWaterMark: 1024 * 1024,
        write(chunk: Buffer, _encoding, done) {
          staging
            .add(chunk)
            .then(() => keep(chunk))
            .then(() => done(), done);
        },
        final(done) {
          staging
            .finish()
            .then(async () => {
              await keep(null);
              // Nothing arrived: an empty file, as putOriginal may read it (nothing staged to take).
              if (staging.size === 0) await toLocal([]);
              if (local) {
                local.end();
                await finished(local);
              }
              received = true;
              if (staging.size === 0) byTempPath.delete(tempPath);
            })
            .then(() => done(), done);
        },
        // Also called after a normal finish (autoDestroy): then the staging waits for putOriginal.
        // The local file is closed before the caller hears of it, so the removal that follows
        // (removeTemp) never runs before a file still being opened exists.
        destroy(err, done) {
          if (received) return done(err);
          abandoned = true;
          const file = local as Writable | null;
          const closed = file && !file.closed ? once(file, 'close').catch(() => undefined) : Promise.resolve();
          file?.destroy();
          unwritten = [];
          byTempPath.delete(tempPath);
          void Promise.all([staging.abort(), closed]).finally(() => done(err));
        },
      });
      const sha256 = () => {
        if (staging.sha256 === null) throw new Error(`the upload ${tempPath} is not received whole yet`);
        return staging.sha256;
      };
      return { path: tempPath, stream, sha256 };
    },

    take(tempPath) {
      const staging = byTempPath.get(tempPath);
      byTempPath.delete(tempPath);
      if (!staging) return null;
      if (!staging.received || staging.unusable) {
        void staging.abort();
        return null;
      }
      return {
        sha256: staging.sha256!,
        size: staging.size,
        etagHere: () => staging.etagHere(),
        commit: (params, sha256) => staging.commit(params, sha256),
        abort: () => staging.abort(),
      };
    },

    async discard(tempPath) {
      const staging = byTempPath.get(tempPath);
      byTempPath.delete(tempPath);
      await staging?.abort();
      if (!tempPath.startsWith(STAGING_TEMP)) return false;
      const [key, id] = tempPath.slice(STAGING_TEMP.length).split(':');
      if (!key?.startsWith(STAGING_PREFIX) || !id) throw new Error(`not a staging upload: ${tempPath}`);
      // An upload id, or the version id of a staging object whose copy a crash interrupted.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id })).catch(async (err: unknown) => {
        if ((err as { name?: string }).name !== 'NoSuchUpload') throw err;
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: id }));
      });
      return true;
    },

    async *listStaging() {
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: STAGING_PREFIX, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        for (const u of page.Uploads ?? []) if (u.Key && u.UploadId) yield { path: `${STAGING_TEMP}${u.Key}:${u.UploadId}`, modifiedAt: u.Initiated ?? new Date(0) };
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.NextUploadIdMarker;
      } while (keyMarker);
      let versionMarker: string | undefined;
      do {
        const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: STAGING_PREFIX, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
        for (const v of page.Versions ?? []) if (v.Key && v.VersionId) yield { path: `${STAGING_TEMP}${v.Key}:${v.VersionId}`, modifiedAt: v.LastModified ?? new Date(0) };
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        versionMarker = page.NextVersionIdMarker;
      } while (keyMarker);
    },
  };
}
