import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler } from 'express';
import multer, { type StorageEngine } from 'multer';
import { AppError, badRequest, payloadTooLarge } from '../../domain/errors';
import { isNoSpace } from '../../domain/caught-errors';
import { detectFileType, SNIFF_BYTES, type DetectedType } from '../../domain/media/file-type';
import { storageFull } from '../../domain/submissions/disk-space';
import type { BlobStore } from '../../domain/ports/blob-store';
import { emptyFile, notAcceptedType, tooLargeFor } from '../../domain/uploads/uploads.service';

/** What the upload middleware leaves on req.files: a temp file, its hash and its sniffed type. */
export type ReceivedFile = {
  originalName: string;
  tempPath: string;
  sha256: string;
  bytes: number;
  type: DetectedType;
};

export type UploadLimits = { maxPhotoBytes: number; maxVideoBytes: number; maxFiles: number };

const MiB = 1024 * 1024;
// Node's 16 KiB default makes every stage of busboy → hash → file stop and restart on each socket
// read; 1 MiB buffers bring the receive path to the CPU cost of a bare pipe (measured by bench:ingest).
export const STREAM_BUFFER_BYTES = MiB;
/**
 * The stages before the file (busboy's input and file stream, the inspection) only pass chunks on:
 * about one socket read (64 KiB) each, while the file's write stream gathers STREAM_BUFFER_BYTES
 * per write, as the resumable path does. A MiB in every stage was 3 MiB more held per upload in
 * flight (24 MB at 8 in flight), for no fewer writes.
 */
export const PASS_BUFFER_BYTES = 64 * 1024;

/**
 * Hashes (unless the temp file it feeds hashes them: `hashing` false) and counts bytes as they
 * pass, sniffs the type from the first bytes and enforces the per-kind size limit, so a wrong type
 * or an oversized photo is refused without reading the rest.
 */
class InspectingStream extends Transform {
  private readonly hash: Hash | null;
  private head: Buffer[] = [];
  private headBytes = 0;
  bytes = 0;
  type: DetectedType | null = null;

  constructor(
    private readonly limits: UploadLimits,
    hashing: boolean,
  ) {
    super({ highWaterMark: PASS_BUFFER_BYTES });
    this.hash = hashing ? createHash('sha256') : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    if (!this.type) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < SNIFF_BYTES) return done();
      const error = this.sniff();
      if (error) return done(error);
    }
    const error = this.checkSize();
    if (error) return done(error);
    done(null, this.takeHeadAnd(chunk));
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes === 0) return done(emptyFile());
    if (!this.type) {
      const error = this.sniff();
      if (error) return done(error);
      this.push(Buffer.concat(this.head));
      this.head = [];
    }
    done();
  }

  digest(): string {
    if (!this.hash) throw new Error('not hashed here: the temp file hashed the bytes');
    return this.hash.digest('hex');
  }

  private sniff(): AppError | null {
    this.type = detectFileType(Buffer.concat(this.head));
    return this.type ? null : notAcceptedType();
  }

  private checkSize(): AppError | null {
    return tooLargeFor(this.type!.kind, this.bytes, this.limits);
  }

  /** The bytes held back for sniffing (which include this chunk) go out together, once. */
  private takeHeadAnd(chunk: Buffer): Buffer {
    if (this.head.length === 0) return chunk;
    const held = Buffer.concat(this.head);
    this.head = [];
    return held;
  }
}

function createHashingStorage(blobs: BlobStore, limits: UploadLimits): StorageEngine {
  return {
    _handleFile(_req, file, cb) {
      // The store's temp file may hash what it keeps (S3: what it sends): then that is the one hash.
      const temp = blobs.createTempFile();
      const inspecting = new InspectingStream(limits, !temp.sha256);
      pipeline(file.stream, inspecting, temp.stream).then(
        () => {
          const received: ReceivedFile = {
            originalName: file.originalname,
            tempPath: temp.path,
            sha256: temp.sha256?.() ?? inspecting.digest(),
            bytes: inspecting.bytes,
            type: inspecting.type!,
          };
          cb(null, received as unknown as Partial<Express.Multer.File>);
        },
        (err: unknown) => {
          blobs.removeTemp(temp.path).finally(() => cb(err as Error));
        },
      );
    },
    _removeFile(_req, file, cb) {
      const { tempPath } = file as unknown as ReceivedFile;
      blobs.removeTemp(tempPath).then(() => cb(null), cb);
    },
  };
}

type MulterMessages = Partial<Record<multer.ErrorCode, () => AppError>>;

const fileMessages = (l: UploadLimits): MulterMessages => ({
  LIMIT_FILE_SIZE: () => payloadTooLarge({ limit_mib: Math.round(l.maxVideoBytes / MiB) }),
  LIMIT_FILE_COUNT: () => badRequest('too_many_files', { limit: l.maxFiles }),
  LIMIT_FIELD_VALUE: () => badRequest('field_too_long'),
  LIMIT_FIELD_COUNT: () => badRequest('too_many_fields'),
  LIMIT_FIELD_KEY: () => badRequest('malformed_form'),
  LIMIT_PART_COUNT: () => badRequest('malformed_form'),
  LIMIT_UNEXPECTED_FILE: () => badRequest('unexpected_file', { field: 'files' }),
});

/** Runs a multer middleware on multipart/form-data only; its errors, and busboy's, become AppErrors. */
function multipart(upload: RequestHandler, messages: MulterMessages, field: string): RequestHandler {
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next(badRequest('malformed_form', { field }));
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        const make = messages[err.code];
        return next(make ? make() : badRequest('malformed_form'));
      }
      if (err instanceof AppError) return next(err);
      if (isNoSpace(err)) return next(storageFull()); // the disk filled while this upload was written: not the observer's fault
      // busboy's parse errors (truncated body, bad boundary) and client aborts end up here.
      next(badRequest('malformed_form'));
    });
  };
}

/**
 * multer with every busboy limit set (its defaults are unlimited). Files land in the blob store's
 * temp files already hashed; the route must hand them to putOriginal or remove them.
 */
export function receiveFiles(blobs: BlobStore, limits: UploadLimits): RequestHandler {
  // multer ≥ 2.1 passes these to busboy; @types/multer does not list them yet.
  const options: multer.Options & { highWaterMark: number; fileHwm: number } = {
    storage: createHashingStorage(blobs, limits),
    // Browsers send file names as raw UTF-8; busboy's latin1 default would store Фото.jpg as mojibake.
    defParamCharset: 'utf8',
    highWaterMark: PASS_BUFFER_BYTES,
    fileHwm: PASS_BUFFER_BYTES,
    limits: {
      fileSize: Math.max(limits.maxPhotoBytes, limits.maxVideoBytes),
      files: limits.maxFiles,
      fields: 30,
      fieldSize: 64 * 1024,
      fieldNameSize: 100,
      parts: limits.maxFiles + 30,
      headerPairs: 100,
    },
  };
  return multipart(multer(options).array('files', limits.maxFiles), fileMessages(limits), 'files');
}

export function receivedFiles(req: Request): ReceivedFile[] {
  return ((req.files as unknown as ReceivedFile[] | undefined) ?? []).slice();
}

/**
 * One small image in the form field `field` and nothing else, held in memory only (never a temp
 * file): for a look-up that must not keep what it was sent. The content is the caller's to check.
 */
export function receiveImageInMemory(field: string, maxBytes: number): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1, fieldNameSize: 100, headerPairs: 20 },
  }).single(field);
  return multipart(
    upload,
    {
      LIMIT_FILE_SIZE: () => payloadTooLarge({ limit_mib: Number((maxBytes / MiB).toFixed(2)) }),
      LIMIT_FILE_COUNT: () => badRequest('too_many_parts', { field }),
      LIMIT_PART_COUNT: () => badRequest('too_many_parts', { field }),
      LIMIT_FIELD_COUNT: () => badRequest('too_many_parts', { field }),
      LIMIT_UNEXPECTED_FILE: () => badRequest('unexpected_file', { field }),
    },
    field,
  );
}

/** The image receiveImageInMemory kept, or null when the form held none. */
export function receivedImage(req: Request): Buffer | null {
  return req.file?.buffer ?? null;
}
