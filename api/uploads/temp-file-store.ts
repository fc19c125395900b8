import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { AppContext } from '../../domain/context';
import { AppError } from '../../domain/errors';
import { SNIFF_BYTES } from '../../domain/media/file-type';
import type { ResumableUpload } from '../../domain/uploads/model';
import { acceptFirstBytes, beginUpload, completeUpload, findUpload, removeUpload } from '../../domain/uploads/uploads.service';
import { STREAM_BUFFER_BYTES } from '../middleware/upload';

/**
 * The stages before the file only pass chunks on: each holds about one socket read (64 KiB), while
 * the file's write stream gathers STREAM_BUFFER_BYTES per write. A MiB in every stage would only be
 * memory held per upload in flight.
 */
const PASS_BUFFER_BYTES = 64 * 1024;

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

async function storedBytes(upload: ResumableUpload): Promise<number> {
  try {
    return (await fs.stat(upload.tempPath)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw ERRORS.FILE_NOT_FOUND;
    throw err;
  }
}

/**
 * tus's view of the resumable uploads (domain/uploads): the bytes in a temp file of the blob store
 * (a local file whichever store keeps the originals), the rest in PostgreSQL. The protocol layer
 * only moves bytes: what is accepted, when an upload is complete and when it expires is the domain's.
 */
export class TempFileStore extends DataStore {
  private readonly hashes: RunningHashes;

  constructor(private readonly ctx: AppContext) {
    super();
    this.hashes = new RunningHashes(Math.max(64, ctx.config.maxConcurrentUploads * 4));
    // No creation-defer-length: the size limit is checked against the length declared at creation.
    // No expiration header: the domain decides (a finished upload gets a fresh period to be submitted).
    this.extensions = ['creation', 'creation-with-upload', 'termination'];
  }

  override async create(upload: Upload): Promise<Upload> {
    await beginUpload(this.ctx, { id: upload.id, declaredBytes: upload.size ?? -1, originalName: upload.metadata?.filename ?? '' });
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const upload = await this.find(id);
    return new Upload({ id, size: upload.declaredBytes, offset: await storedBytes(upload), metadata: { filename: upload.originalName } });
  }

  override async remove(id: string): Promise<void> {
    this.hashes.forget(id);
    await removeUpload(this.ctx, await this.find(id));
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    let upload = await this.find(id);
    // Hashed as the bytes pass, never read back (but after a restart or a request cut off mid-write).
    const hash = this.hashes.continueAt(id, offset);
    let written = 0;
    const counting = new Transform({
      highWaterMark: PASS_BUFFER_BYTES,
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
        hash?.update(chunk);
        done(null, chunk);
      },
    });
    const stages: (Transform | Readable)[] = [readable];
    if (!upload.type) {
      const stored = await readStart(upload.tempPath, Math.min(offset, SNIFF_BYTES));
      // A refused type is removed before the refusal travels on, so nothing is left once the client hears it.
      const refuseWithNothingKept = async (err: unknown): Promise<never> => {
        if (err instanceof AppError) await removeUpload(this.ctx, upload);
        throw err;
      };
      const accept = async (head: Buffer) => {
        const type = await acceptFirstBytes(this.ctx, upload, head).catch(refuseWithNothingKept);
        upload = { ...upload, type };
      };
      stages.push(new FirstBytesCheck(stored, upload.declaredBytes, accept));
    }
    try {
      await pipeline([...stages, counting, createWriteStream(upload.tempPath, { flags: 'r+', start: offset, highWaterMark: STREAM_BUFFER_BYTES })]);
    } catch (err) {
      // A refused file goes at once, with whatever of it an earlier request wrote: nothing half-kept.
      // Any other failure is a cut connection or a full disk: what was written stays on disk, and
      // the client resumes from there (the offset is the temp file's length).
      if (err instanceof AppError) await removeUpload(this.ctx, upload);
      throw err;
    }
    const newOffset = offset + written;
    if (newOffset === upload.declaredBytes) {
      await syncToDisk(upload.tempPath);
      await completeUpload(this.ctx, upload, hash ? hash.digest('hex') : await sha256Of(upload.tempPath));
    } else if (hash) {
      this.hashes.keep(id, hash, newOffset);
    }
    return newOffset;
  }

  private async find(id: string): Promise<ResumableUpload> {
    try {
      return await findUpload(this.ctx, id);
    } catch (err) {
      if (err instanceof AppError && err.status === 404) throw ERRORS.FILE_NOT_FOUND;
      throw err;
    }
  }
}
