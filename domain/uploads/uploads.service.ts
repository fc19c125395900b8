import { randomBytes } from 'node:crypto';
import type { TxRepositories } from '../../db/repositories';
import type { AppContext } from '../context';
import { AppError, badRequest, conflict, notFound, payloadTooLarge, unsupportedMedia } from '../errors';
import { detectFileType, type DetectedType, type MediaKind } from '../media/file-type';
import { ensureRoomForUpload } from '../submissions/disk-space';
import type { CompletedUpload, ResumableUpload } from './model';

const MiB = 1024 * 1024;
/** How many expired uploads one sweep removes; the next sweep takes the rest. */
const SWEEP_BATCH = 200;

/** The limits an upload is held to, from the configuration. */
export type SizeLimits = { maxPhotoBytes: number; maxVideoBytes: number };

/** The refusal of bytes that are not a photo or video we accept, whichever way they arrived. */
export const notAcceptedType = (): AppError => unsupportedMedia();

/** The largest file of this kind, or null when `bytes` fits. */
export function tooLargeFor(kind: MediaKind, bytes: number, limits: SizeLimits): AppError | null {
  const max = kind === 'video' ? limits.maxVideoBytes : limits.maxPhotoBytes;
  return bytes > max ? payloadTooLarge({ limit_mib: Math.round(max / MiB) }) : null;
}

export const emptyFile = (): AppError => badRequest('empty_file');

/** Upload ids are 128 random bits in hex: the id is the only key to an upload in progress. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;
export const newUploadId = (): string => randomBytes(16).toString('hex');

/** Names are kept as context (never as paths): the last segment, printable, at most 255 characters. */
export function cleanFileName(name: string, position: number): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const printable = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return printable || `file-${position + 1}`;
}

const expiryFrom = (ctx: AppContext) => new Date(ctx.clock.now().getTime() + ctx.config.uploadExpiryMs);

/**
 * Starts receiving one file of `declaredBytes`: refused at once when it is empty, larger than any
 * file may be, or would take the disk below its reserve. Its bytes go to a temp file of the blob store.
 */
export async function beginUpload(ctx: AppContext, u: { id: string; declaredBytes: number; originalName: string }): Promise<ResumableUpload> {
  if (!UPLOAD_ID.test(u.id)) throw badRequest('malformed_upload');
  if (!Number.isSafeInteger(u.declaredBytes) || u.declaredBytes < 0) throw badRequest('upload_length_missing');
  if (u.declaredBytes === 0) throw emptyFile();
  const limits = { maxPhotoBytes: ctx.config.maxPhotoBytes, maxVideoBytes: ctx.config.maxVideoBytes };
  const tooLarge = tooLargeFor(limits.maxVideoBytes >= limits.maxPhotoBytes ? 'video' : 'image', u.declaredBytes, limits);
  if (tooLarge) throw tooLarge;
  await ensureRoomForUpload(ctx, u.declaredBytes);
  const tempPath = await ctx.blobs.createEmptyTempFile();
  try {
    return await ctx.repos.uploads.insertUpload({
      id: u.id,
      tempPath,
      declaredBytes: u.declaredBytes,
      originalName: cleanFileName(u.originalName, 0),
      expiresAt: expiryFrom(ctx),
    });
  } catch (err) {
    await ctx.blobs.removeTemp(tempPath);
    throw err;
  }
}

/** The upload, or 404 when it never existed, was taken by a submission, or expired. */
export async function findUpload(ctx: AppContext, id: string): Promise<ResumableUpload> {
  const upload = UPLOAD_ID.test(id) ? await ctx.repos.uploads.findUpload(id, ctx.clock.now()) : null;
  if (!upload) throw notFound('upload');
  return upload;
}

/**
 * What the first bytes of an upload are, checked before the rest is accepted: a type we accept, and
 * a declared length within that kind's limit. The caller removes the upload when this throws. Not
 * recorded here: with the completion when the same request brings the last byte (one statement per
 * file, none while the bytes wait), else by recordUploadType when the request ends before. A
 * request that fails in between records nothing: the next one tells the type from the stored bytes.
 */
export function acceptFirstBytes(ctx: AppContext, upload: ResumableUpload, head: Buffer): DetectedType {
  const type = detectFileType(head);
  if (!type) throw notAcceptedType();
  const tooLarge = tooLargeFor(type.kind, upload.declaredBytes, ctx.config);
  if (tooLarge) throw tooLarge;
  return type;
}

/** The type a request told, recorded when the request ended before the upload was complete (so the next need not read the stored bytes). */
export async function recordUploadType(ctx: AppContext, upload: ResumableUpload, type: DetectedType): Promise<void> {
  await ctx.repos.uploads.setUploadType(upload.id, type);
}

/** Every byte arrived: the file's SHA-256 and type are recorded and it waits, a fresh expiry period, for its submission. */
export async function completeUpload(ctx: AppContext, upload: ResumableUpload, sha256: string): Promise<void> {
  if (!upload.type) throw new Error(`upload ${upload.id} completed without a type`);
  await ctx.repos.uploads.markUploadComplete(upload.id, sha256, upload.type, expiryFrom(ctx));
}

/** Removes an upload's bytes, then its row (a row without bytes is removed by the next sweep). */
export async function removeUpload(ctx: AppContext, upload: Pick<ResumableUpload, 'id' | 'tempPath'>): Promise<void> {
  await ctx.blobs.removeTemp(upload.tempPath);
  await ctx.repos.uploads.deleteUploads([upload.id]);
}

/** Removes every expired upload, finished or not; returns how many. */
export async function expireUploads(ctx: AppContext): Promise<number> {
  let removed = 0;
  for (;;) {
    const expired = await ctx.repos.uploads.listExpiredUploads(ctx.clock.now(), SWEEP_BATCH);
    for (const upload of expired) await removeUpload(ctx, upload);
    removed += expired.length;
    if (expired.length < SWEEP_BATCH) return removed;
  }
}

/**
 * Takes the finished uploads a submission (or an observer's answer) names, in its order, in the
 * caller's transaction; or a 409 naming those that are not (unknown, expired, taken already, or
 * still receiving): the client sends those again, and the rollback stores nothing.
 */
export async function takeCompletedUploads(ctx: AppContext, tx: TxRepositories, ids: readonly string[]): Promise<CompletedUpload[]> {
  if (ids.length === 0) return [];
  const taken = new Map((await tx.uploads.takeCompletedUploads(ids, ctx.clock.now())).map((u) => [u.id, u]));
  const missing = ids.filter((id) => !taken.has(id));
  if (missing.length > 0) {
    throw conflict('uploads_incomplete', {}, { uploads: missing });
  }
  return ids.map((id) => asCompleted(taken.get(id)!));
}

function asCompleted(u: ResumableUpload): CompletedUpload {
  return { id: u.id, originalName: u.originalName, tempPath: u.tempPath, bytes: u.declaredBytes, sha256: u.sha256!, type: u.type! };
}
