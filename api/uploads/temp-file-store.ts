import { createHash } from 'node:crypto';
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
    super({ highWaterMark: STREAM_BUFFER_BYTES });
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
 * Read back once when the last byte arrived: node's hash state cannot be kept between the requests
 * of one upload, which may come after a restart of the server.
 */
async function sha256Of(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(filePath, { highWaterMark: STREAM_BUFFER_BYTES }), hash);
  return hash.digest('hex');
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
  constructor(private readonly ctx: AppContext) {
    super();
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
    await removeUpload(this.ctx, await this.find(id));
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const upload = await this.find(id);
    let written = 0;
    const counting = new Transform({
      highWaterMark: STREAM_BUFFER_BYTES,
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
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
      stages.push(new FirstBytesCheck(stored, upload.declaredBytes, (head) => acceptFirstBytes(this.ctx, upload, head).catch(refuseWithNothingKept)));
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
      await completeUpload(this.ctx, await this.find(id), await sha256Of(upload.tempPath));
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
