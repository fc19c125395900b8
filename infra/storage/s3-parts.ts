import { createHash } from 'node:crypto';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';

/** One request's body at most; larger objects go in parts of this size (the 256 MiB video: 16 parts). */
export const PART_BYTES = 16 * 1024 * 1024;
/** Parts in flight per upload: 4 × 16 MiB of memory at most. */
const PARTS_IN_FLIGHT = 4;

/**
 * Buffers of PART_BYTES, reused: a 256 MiB video or a backlog of copies would otherwise allocate
 * (and the collector free) a fresh 16 MiB per part. A buffer goes back when its request settled.
 */
const POOLED = new WeakSet<Buffer>();
const pool: Buffer[] = [];
/** Buffers kept for reuse at most (parts in flight of a few uploads at once). */
const POOL_MAX = 8;

/** A buffer of PART_BYTES from the pool (or a new one); give it back with releasePartBuffer once no request reads it. */
export function takePartBuffer(): Buffer {
  const buffer = pool.pop() ?? Buffer.allocUnsafe(PART_BYTES);
  POOLED.add(buffer);
  return buffer;
}

/** Gives a buffer of takePartBuffer back (anything else is ignored): only once nothing reads it any more. */
export function releasePartBuffer(buffer: Buffer | null | undefined): void {
  if (!buffer || !POOLED.has(buffer)) return;
  POOLED.delete(buffer);
  if (pool.length < POOL_MAX) pool.push(buffer);
}

/** The part of a pooled buffer holding `length` bytes (a view; the buffer is released by its owner). */
export const filledPart = (buffer: Buffer, length: number) => (length === buffer.length ? buffer : buffer.subarray(0, length));

/**
 * Signs a request with this payload hash (x-amz-content-sha256) instead of letting the SDK hash the
 * body again: the SHA-256 we know already (an original's address, a copy's recorded hash), or
 * UNSIGNED-PAYLOAD for a part, which carries its MD5 for the store to check instead. The store
 * refuses a body that does not hash to a signed SHA-256 (XAmzContentSHA256Mismatch).
 */
export function withPayloadHash<C extends { middlewareStack: { add: (...args: never[]) => void } }>(command: C, hash: string): C {
  (command.middlewareStack.add as unknown as (mw: unknown, options: { step: string; name: string }) => void)(
    (next: (args: { request: { headers?: Record<string, string> } }) => unknown) => (args: { request: { headers?: Record<string, string> } }) => {
      if (args.request.headers) args.request.headers['x-amz-content-sha256'] = hash;
      return next(args);
    },
    { step: 'build', name: 'svidetelPayloadHash' },
  );
  return command;
}

/** A PUT refused because its body does not hash to the SHA-256 it was signed with. */
export const isPayloadMismatch = (err: unknown) => (err as { name?: string }).name === 'XAmzContentSHA256Mismatch';

/**
 * The one PUT of bytes in memory: signed with their SHA-256 (given when known, else computed here,
 * the only hash of them), which the store checks before it keeps them; versioning is checked too.
 */
export async function putChecked(
  client: S3Client,
  where: string,
  params: { Bucket: string; Key: string } & Record<string, unknown>,
  body: Buffer,
  sha256?: string,
): Promise<{ versionId: string; etag: string }> {
  const hash = sha256 ?? createHash('sha256').update(body).digest('hex');
  const res = await client.send(withPayloadHash(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }), hash));
  if (!res.VersionId) throw new Error(`the S3 ${where} returned no version id: is versioning on?`);
  return { versionId: res.VersionId, etag: res.ETag ?? '' };
}

/** The ETag S3 gives an object uploaded in parts: the MD5 of the parts' MD5s, and their count. */
export function multipartEtag(partMd5s: Buffer[]): string {
  return `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}"`;
}

/** What a write returned, checked: the ETag the store computed is that of the bytes sent, and versioning is on. */
export function confirmed(where: string, versionId: string | undefined, etag: string | undefined, expected: string): { versionId: string; etag: string } {
  if (etag !== expected) throw new Error(`the S3 ${where} stored other bytes than sent (ETag ${etag}, expected ${expected})`);
  if (!versionId) throw new Error(`the S3 ${where} returned no version id: is versioning on?`);
  return { versionId, etag };
}

/**
 * A multipart upload fed part by part: each part is sent with its MD5 for the store to check (its
 * payload unsigned: the SDK does not hash 16 MiB again for the signature), a few
 * at a time (add() waits while PARTS_IN_FLIGHT are in flight), and the completed object's ETag is
 * checked against the parts'. Nothing is visible under the key before complete(); abort() leaves nothing.
 */
export class PartsUpload {
  private uploadId: Promise<string> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly parts: { PartNumber: number; ETag: string }[] = [];
  private readonly partMd5s: Buffer[] = [];
  private failure: unknown;
  /** Set by abort(): no part is sent after it, even one that was waiting for the upload's id. */
  private aborted = false;

  constructor(
    private readonly client: S3Client,
    private readonly where: string,
    private readonly params: { Bucket: string; Key: string } & Record<string, unknown>,
  ) {}

  get key(): string {
    return this.params.Key;
  }

  /** Sends `body` as the next part; `release` (a pooled buffer holding it) is given back once the request settled. */
  async add(body: Buffer, release?: Buffer): Promise<void> {
    if (this.failure) {
      releasePartBuffer(release);
      throw this.failure;
    }
    this.uploadId ??= this.client.send(new CreateMultipartUploadCommand(this.params)).then((res) => res.UploadId!);
    const UploadId = await this.uploadId;
    // Aborted while the upload was being created: a part sent now could land after the abort
    // (S3 lets it; its bytes would stay stored, listed nowhere).
    if (this.aborted) {
      releasePartBuffer(release);
      throw new Error(`the multipart upload of ${this.params.Key} was aborted`);
    }
    const PartNumber = this.partMd5s.length + 1;
    const md5 = createHash('md5').update(body).digest();
    this.partMd5s.push(md5);
    const { Bucket, Key } = this.params;
    const part = new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body, ContentLength: body.length, ContentMD5: md5.toString('base64') });
    const sending = this.client
      .send(withPayloadHash(part, 'UNSIGNED-PAYLOAD'))
      .then(
        (res) => void this.parts.push({ PartNumber, ETag: res.ETag! }),
        (err: unknown) => void (this.failure ??= err),
      )
      .finally(() => {
        this.inFlight.delete(sending);
        if (release) releasePartBuffer(release);
      });
    this.inFlight.add(sending);
    if (this.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Every part added so far is stored (or the first failure is thrown). */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  async complete(): Promise<{ versionId: string; etag: string }> {
    await this.settled();
    if (!this.uploadId) throw new Error('a multipart upload with no part');
    const { Bucket, Key } = this.params;
    const UploadId = await this.uploadId;
    const parts = [...this.parts].sort((a, b) => a.PartNumber - b.PartNumber);
    const { VersionId } = await this.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    // Asked again: Ceph 16 answers a completed upload with an empty ETag.
    const { ETag } = await this.client.send(new HeadObjectCommand({ Bucket, Key, VersionId }));
    return confirmed(this.where, VersionId, ETag, multipartEtag(this.partMd5s));
  }

  /** Waits for the parts in flight, then removes every part stored; an upload never created needs nothing. */
  async abort(): Promise<void> {
    this.aborted = true;
    const UploadId = await this.uploadId?.catch(() => undefined);
    // After the id: a part that was waiting for it is in flight by now (or refused, above).
    await Promise.allSettled(this.inFlight);
    if (!UploadId) return;
    const { Bucket, Key } = this.params;
    await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
  }
}
