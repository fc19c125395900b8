import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AppContext } from '../../domain/context';
import { AppError, notFound } from '../../domain/errors';
import { SNIFF_BYTES } from '../../domain/media/file-type';
import type { ResumableUpload } from '../../domain/uploads/model';
import { acceptFirstBytes, beginUpload, completeUpload, findUpload, recordUploadType, removeUpload } from '../../domain/uploads/uploads.service';
import { PASS_BUFFER_BYTES, STREAM_BUFFER_BYTES } from '../middleware/upload';

/**
 * Holds back the first bytes of an upload until the type can be told from them (SNIFF_BYTES, or the
 * whole file when it is shorter), so a refused file has nothing of it written. `stored` are the
 * bytes an earlier request already wrote (a first request cut off before SNIFF_BYTES).
 */
class FirstBytesCheck extends Transform {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private checked = false;

  constructor(
    private readonly stored: Buffer,
    private readonly totalBytes: number,
    private readonly check: (head: Buffer) => Promise<unknown>,
  ) {
    super({ highWaterMark: PASS_BUFFER_BYTES });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.checked) return done(null, chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.stored.length + this.heldBytes < Math.min(SNIFF_BYTES, this.totalBytes)) return done();
    this.checkHeld(done);
  }

  // The request ended before the type could be told: what came is written, the next request decides.
  override _flush(done: TransformCallback): void {
    if (!this.checked && this.heldBytes > 0) this.push(Buffer.concat(this.held));
    done();
  }

  private checkHeld(done: TransformCallback): void {
    const held = Buffer.concat(this.held);
    this.held = [];
    this.check(Buffer.concat([this.stored, held])).then(
      () => {
        this.checked = true;
        done(null, held);
      },
      (err: unknown) => done(err as Error),
    );
  }
}

async function readStart(filePath: string, bytes: number): Promise<Buffer> {
  if (bytes === 0) return Buffer.alloc(0);
  const handle = await fs.open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Read back when the last byte arrived and the running hash was lost (the upload began before a
 * restart of the server, or a request was cut off mid-write): node's hash state cannot be stored.
 */
async function sha256Of(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(filePath, { highWaterMark: STREAM_BUFFER_BYTES }), hash);
  return hash.digest('hex');
}

/** The bytes a finished upload has are on the disk, not only in the page cache, before it is called complete. */
async function syncToDisk(filePath: string): Promise<void> {
  const handle = await fs.open(filePath, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * The SHA-256 of each upload in progress over the bytes it has so far, kept while its requests
 * follow each other without a gap: a request that ends in error forgets it, and so does the end of
 * the upload. Bounded, so uploads abandoned mid-way cannot grow it: the oldest go first (each only
 * costs its upload a read-back at the end).
 */
class RunningHashes {
  private readonly byId = new Map<string, { hash: Hash; bytes: number }>();

  constructor(private readonly max: number) {}

  /** The hash to continue at this offset, or null when the bytes before it were not hashed here. */
  continueAt(id: string, offset: number): Hash | null {
    const running = this.byId.get(id);
    this.byId.delete(id);
    if (running && running.bytes === offset) return running.hash;
    return offset === 0 ? createHash('sha256') : null;
  }

  keep(id: string, hash: Hash, bytes: number): void {
    if (this.byId.size >= this.max) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(id, { hash, bytes });
  }

  forget(id: string): void {
    this.byId.delete(id);
  }
}

/**
 * Counts and hashes the bytes as they pass. Bytes beyond the length the upload declared (a chunked
 * body gives no Content-Length to check first) are not passed on: what fits is kept, and `overflow`
 * is called to stop reading the body.
 */
class CountingStream extends Transform {
  written = 0;
  overflowed = false;

  constructor(
    private readonly hash: Hash | null,
    private readonly maxBytes: number,
    private readonly overflow: () => void,
  ) {
    super({ highWaterMark: PASS_BUFFER_BYTES });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const room = this.maxBytes - this.written;
    if (chunk.length > room) {
      this.overflowed = true;
      this.overflow();
      chunk = chunk.subarray(0, room);
    }
    this.written += chunk.length;
    this.hash?.update(chunk);
    done(null, chunk.length > 0 ? chunk : undefined);
  }
}

export const beyondDeclaredLength = (): AppError => new AppError(413, 'upload_beyond_length');

/**
 * The resumable uploads' bytes (domain/uploads): a temp file of the blob store (a local file whichever
 * store keeps the originals), the rest in PostgreSQL. The protocol (uploads.routes.ts) only moves
 * bytes: what is accepted, when an upload is complete and when it expires is the domain's.
 */
export class TempFileStore {
  private readonly hashes: RunningHashes;

  constructor(private readonly ctx: AppContext) {
    this.hashes = new RunningHashes(Math.max(64, ctx.config.maxConcurrentUploads * 4));
  }

  create(id: string, declaredBytes: number, originalName: string): Promise<ResumableUpload> {
    return beginUpload(this.ctx, { id, declaredBytes, originalName });
  }

  find(id: string): Promise<ResumableUpload> {
    return findUpload(this.ctx, id);
  }

  /** The bytes the server has: the length of the temp file (a row whose file is gone is no upload). */
  async storedBytes(upload: ResumableUpload): Promise<number> {
    try {
      return (await fs.stat(upload.tempPath)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('upload');
      throw err;
    }
  }

  async remove(upload: ResumableUpload): Promise<void> {
    this.hashes.forget(upload.id);
    await removeUpload(this.ctx, upload);
  }

  /**
   * Appends the body at `offset` (the stored length) and returns the new offset; the last byte makes
   * the upload complete. The body is piped, not pipelined: when it is cut off or `stop` fires (a newer
   * request wants the upload), what arrived is still written and hashed, and the client resumes from
   * there. A refused type removes the upload; any other failure leaves what was written on disk.
   * Bytes beyond the declared length are refused (413) once what fitted is kept.
   */
  async receive(body: Readable, upload: ResumableUpload, offset: number, stop: AbortSignal): Promise<number> {
    // Hashed as the bytes pass, never read back (but after a restart or a failed write).
    const hash = this.hashes.continueAt(upload.id, offset);
    const counting = new CountingStream(hash, upload.declaredBytes - offset, () => endEarly());
    let type = upload.type;
    const stages: Transform[] = [counting];
    if (!type) {
      const stored = await readStart(upload.tempPath, Math.min(offset, SNIFF_BYTES));
      const accept = async (head: Buffer) => {
        // A refused type is removed before the refusal travels on, so nothing is left once the client hears it.
        try {
          type = acceptFirstBytes(this.ctx, upload, head);
        } catch (err) {
          if (err instanceof AppError) await this.remove(upload);
          throw err;
        }
      };
      stages.unshift(new FirstBytesCheck(stored, upload.declaredBytes, accept));
    }
    const first = stages[0]!;
    const endEarly = () => {
      body.unpipe(first);
      if (!first.writableEnded) first.end();
    };
    const cutOff = () => {
      if (!body.readableEnded) endEarly();
    };
    body.pipe(first);
    body.on('error', endEarly);
    body.once('close', cutOff);
    stop.addEventListener('abort', endEarly, { once: true });
    try {
      await pipeline([...stages, createWriteStream(upload.tempPath, { flags: 'r+', start: offset, highWaterMark: STREAM_BUFFER_BYTES })]);
    } finally {
      body.unpipe(first);
      body.off('error', endEarly);
      body.off('close', cutOff);
      stop.removeEventListener('abort', endEarly);
    }
    const newOffset = offset + counting.written;
    if (newOffset === upload.declaredBytes) {
      await syncToDisk(upload.tempPath);
      await completeUpload(this.ctx, { ...upload, type }, hash ? hash.digest('hex') : await sha256Of(upload.tempPath));
    } else {
      if (type && !upload.type) await recordUploadType(this.ctx, upload, type);
      if (hash) this.hashes.keep(upload.id, hash, newOffset);
    }
    if (counting.overflowed) throw beyondDeclaredLength();
    return newOffset;
  }
}
