import { createHash } from 'node:crypto';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';

/** One request's body at most; larger objects go in parts of this size (the 256 MiB video: 16 parts). */
export const PART_BYTES = 16 * 1024 * 1024;
/** Parts in flight per upload: 4 × 16 MiB of memory at most. */
const PARTS_IN_FLIGHT = 4;

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
 * A multipart upload fed part by part: each part is sent with its MD5 for the store to check, a few
 * at a time (add() waits while PARTS_IN_FLIGHT are in flight), and the completed object's ETag is
 * checked against the parts'. Nothing is visible under the key before complete(); abort() leaves nothing.
 */
export class PartsUpload {
  private uploadId: Promise<string> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly parts: { PartNumber: number; ETag: string }[] = [];
  private readonly partMd5s: Buffer[] = [];
  private failure: unknown;

  constructor(
    private readonly client: S3Client,
    private readonly where: string,
    private readonly params: { Bucket: string; Key: string } & Record<string, unknown>,
  ) {}

  get key(): string {
    return this.params.Key;
  }

  async add(body: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.uploadId ??= this.client.send(new CreateMultipartUploadCommand(this.params)).then((res) => res.UploadId!);
    const UploadId = await this.uploadId;
    const PartNumber = this.partMd5s.length + 1;
    const md5 = createHash('md5').update(body).digest();
    this.partMd5s.push(md5);
    const { Bucket, Key } = this.params;
    const sending = this.client
      .send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body, ContentLength: body.length, ContentMD5: md5.toString('base64') }))
      .then(
        (res) => void this.parts.push({ PartNumber, ETag: res.ETag! }),
        (err: unknown) => void (this.failure ??= err),
      )
      .finally(() => this.inFlight.delete(sending));
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
    await Promise.allSettled(this.inFlight);
    const UploadId = await this.uploadId?.catch(() => undefined);
    if (!UploadId) return;
    const { Bucket, Key } = this.params;
    await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
  }
}
