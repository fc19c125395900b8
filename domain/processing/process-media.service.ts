import { createHash } from 'node:crypto';
import { hashStoredBlob } from '../ports/blob-store';
import type { Extraction } from '../../db/media.repo';
import type { AppContext } from '../context';
import type { MediaFile } from '../media/model';
import type { DerivativeName, Derivatives } from '../media/derivatives';
import { MediaError } from '../media/errors';
import { detectFileType, SNIFF_BYTES, type DetectedType } from '../media/file-type';
import { extractMetadata, type MediaMetadata } from '../media/metadata';
import { isIoError, isNoSpace, messageOf } from '../caught-errors';
import type { QueuedJob } from '../ports/job-queue';
import { regionByCode } from '../regions/regions.service';
import { claimMismatches } from './claim-mismatch';
import { clusterRelatedFiles, clusterSameStation } from '../moderation/clusters';
import { relateToPartners } from './media-relations.service';
import { storeDerivative } from '../replication/derivatives.service';

function toExtraction(meta: MediaMetadata, flags: string[], phash: string | null, warnings: string[]): Extraction {
  return {
    width: meta.width,
    height: meta.height,
    orientation: meta.orientation,
    durationS: meta.duration_s,
    takenAtLocal: meta.taken_at_local,
    offset: meta.offset,
    offsetSource: meta.offset_source,
    takenAtUtc: meta.taken_at_utc,
    takenAtSource: meta.taken_at_source,
    gps: meta.gps,
    gpsSource: meta.gps_source,
    make: meta.make,
    model: meta.model,
    software: meta.software,
    flags,
    metadata: {
      format: meta.format,
      mime: meta.mime,
      warnings,
      apple_content_identifier: meta.apple_content_identifier,
      serial_numbers: meta.serial_numbers,
      taken_at_utc_source: meta.taken_at_utc_source,
    },
    phash,
    contentIdentifier: meta.apple_content_identifier,
  };
}

const emptyMetadata = (warning: string): Extraction => ({
  width: null, height: null, orientation: null, durationS: null, takenAtLocal: null, offset: null,
  offsetSource: null, takenAtUtc: null, takenAtSource: null, gps: null, gpsSource: null,
  make: null, model: null, software: null, flags: [], metadata: { warnings: [warning] }, phash: null, contentIdentifier: null,
});

const NO_DERIVATIVES = { thumb: false, preview: false, contact: false };

/**
 * The whole worker pipeline for one stored file: re-check the hash, sniff, read metadata, render
 * derivatives and the perceptual hash, flag what contradicts the observer's claim, link related
 * files, save. A file that cannot be parsed is saved as failed with its reason and stays
 * reviewable, on the first attempt; only transient errors (disk, database) propagate for a retry.
 */
export async function processMediaFile(ctx: AppContext, fileId: string): Promise<'ready' | 'failed' | 'skipped'> {
  const file = await ctx.repos.media.startProcessing(fileId);
  if (!file) return 'skipped'; // finished already, or unknown: nothing to do

  // A photo (at most MAX_PHOTO_MB) is read once and hashed, sniffed and decoded from memory; a
  // video is streamed. The claim lookup waits on the database while the picture decodes in
  // libvips' threads; nothing is written before the hash matches.
  const bytes = file.kind === 'image' ? await ctx.blobs.readOriginal(file.sha256) : null;
  const [stored, claim, media] = await Promise.all([
    bytes ? { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length } : hashStored(ctx, file.sha256),
    ctx.repos.media.findObserverClaim(file.submission_id),
    readMedia(ctx, file, bytes),
  ]);
  if (stored.sha256 !== file.sha256 || stored.bytes !== file.bytes) {
    // Evidence must never change; this needs a human, not a retry.
    const reason = `stored bytes do not match the upload (sha256 ${stored.sha256}, ${stored.bytes} bytes)`;
    await ctx.repos.media.saveExtraction(fileId, emptyMetadata(reason), { status: 'failed', reason }, NO_DERIVATIVES);
    ctx.log.error({ fileId }, 'stored original does not match its hash');
    return 'failed';
  }
  if (!media.read) {
    await ctx.repos.media.saveExtraction(fileId, emptyMetadata(media.reason), { status: 'failed', reason: media.reason }, NO_DERIVATIVES);
    return 'failed';
  }

  const { meta, rendered, contactSheet, failure } = media;
  const warnings = [...meta.warnings];
  const copies: WrittenCopy[] = [];
  if (rendered) {
    warnings.push(...rendered.warnings);
    copies.push(await writeCopy(ctx, file, 'thumb', rendered.thumb));
    if (rendered.preview) copies.push(await writeCopy(ctx, file, 'preview', rendered.preview));
    if (typeof contactSheet === 'string') warnings.push(contactSheet);
    else if (contactSheet) copies.push(await writeCopy(ctx, file, 'contact', contactSheet));
  }
  const contact = copies.some((c) => c.kind === 'contact');

  const capture = { takenAtLocal: meta.taken_at_local, offset: meta.offset, takenAtUtc: meta.taken_at_utc, gps: meta.gps };
  const flags = [...meta.flags, ...(claim ? claimMismatches(capture, claim, await regionByCode(ctx, claim.region_code), ctx.config) : [])];
  const extraction = toExtraction(meta, flags, rendered?.phash ?? null, warnings);
  const outcome = failure ? { status: 'failed' as const, reason: failure.message } : { status: 'ready' as const };
  const previewOwed = outcome.status === 'ready' && rendered !== null && rendered.preview === null;
  const derivatives = rendered ? { thumb: true, preview: rendered.preview !== null, contact, previewOwed } : NO_DERIVATIVES;
  await saveWithRelations(ctx, file, extraction, outcome, derivatives, copies);
  // The upload links its report to its station's cluster after its commit; this is the second
  // chance if its process died in between (idempotent; once per report, by its first file).
  if (file.position === 0) await clusterSameStation(ctx.repos, file.submission_id);
  // Owed in PostgreSQL first, so a lost job is found again by the sweep (requeueOwedPreviews).
  if (previewOwed) await ctx.queue.enqueue('render-preview', [fileId]).catch((err: Error) => ctx.log.warn({ fileId, err: err.message }, 'preview not enqueued; the sweep will'));
  // The published copy is its own job (a long transcode must not hold up review); the sweep
  // enqueues it again if this is lost.
  if (outcome.status === 'ready' && file.kind === 'video') {
    await ctx.queue.enqueue('encode-video', [fileId]).catch((err: Error) => ctx.log.warn({ fileId, err: err.message }, 'could not enqueue the video copy; the sweep will'));
  }
  return outcome.status;
}

/**
 * The first-look lane's job (domain/queue/jobs.ts): a photo is processed here at once; a video
 * moves to the heavy lane, so that long clips never hold the slots photos need. The sweep and the
 * API enqueue every file here alike; moving it costs one read.
 */
export async function processOrMoveToHeavyLane(ctx: AppContext, fileId: string): Promise<'ready' | 'failed' | 'skipped' | 'moved'> {
  const file = await ctx.repos.media.findMediaFile(fileId);
  if (!file || file.status === 'ready' || file.status === 'failed') return 'skipped';
  if (file.kind === 'video') {
    await ctx.queue.enqueue('process-video', [fileId]);
    return 'moved';
  }
  return processMediaFile(ctx, fileId);
}

/**
 * The full-size preview of a photo made ready from its embedded thumbnail: the one full decode of
 * the file, in the background lane (after every photo still waiting for its first look). A file
 * whose full picture cannot be decoded keeps its thumbnail and is owed nothing more.
 */
export async function renderOwedPreview(ctx: AppContext, fileId: string): Promise<'made' | 'impossible' | 'skipped'> {
  const file = await ctx.repos.media.findMediaFile(fileId);
  if (!file?.preview_owed) return 'skipped';
  const type = detectFileType(await readStoredHead(ctx, file.sha256));
  const hints = { width: file.width, height: file.height, duration_s: file.duration_s };
  let preview: Buffer | null = null;
  try {
    if (type) ({ preview } = await ctx.blobs.withOriginalFile(file.sha256, (path) => ctx.media.renderFullPreview(path, type, hints)));
  } catch (err) {
    if (!(err instanceof MediaError) || isNoSpace(err)) throw err; // transient: retried
    ctx.log.info({ fileId, code: err.code }, 'no full-size preview can be made; the thumbnail stays');
  }
  const copy = preview ? await writeCopy(ctx, file, 'preview', preview) : null;
  await ctx.transaction(async (tx) => {
    if (await tx.media.settleOwedPreview(fileId, copy !== null)) await tx.media.recordDerivativeHashes(fileId, copy ? [copy] : []);
  });
  return copy ? 'made' : 'impossible';
}

/** Previews owed in PostgreSQL are enqueued again (idempotent by job id). */
export async function requeueOwedPreviews(ctx: AppContext): Promise<number> {
  const ids = await ctx.repos.media.listOwedPreviews();
  await ctx.queue.enqueue('render-preview', ids);
  return ids.length;
}

type WrittenCopy = { kind: DerivativeName; sha256: string };

/** Stores a copy and returns its SHA-256, recorded with the extraction so the copy can be checked like an original. */
async function writeCopy(ctx: AppContext, file: MediaFile, kind: DerivativeName, data: Buffer): Promise<WrittenCopy> {
  const { sha256 } = await storeDerivative(ctx, file.sha256, kind, data);
  return { kind, sha256 };
}

async function openStored(ctx: AppContext, sha256: string) {
  const blob = await ctx.blobs.openOriginal(sha256);
  if (!blob) throw new Error(`the original ${sha256} is not in the store`); // a retry may find it (a store being restored)
  return blob;
}

/** Re-reads the stored bytes of a video (streamed): the worker checks them against the hash taken at upload. */
async function hashStored(ctx: AppContext, sha256: string): Promise<{ sha256: string; bytes: number }> {
  return hashStoredBlob(await openStored(ctx, sha256));
}

/** The first bytes of a stored original, for sniffing its type from content. */
export async function readStoredHead(ctx: AppContext, sha256: string): Promise<Buffer> {
  const blob = await openStored(ctx, sha256);
  if (blob.size === 0) {
    blob.discard();
    return Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of blob.stream({ start: 0, end: Math.min(blob.size, SNIFF_BYTES) - 1 }) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

type ReadMedia =
  | { read: false; reason: string }
  | {
      read: true;
      type: DetectedType;
      meta: MediaMetadata;
      rendered: Derivatives | null;
      /** Videos only: the sheet, or a warning saying why there is none. */
      contactSheet: Buffer | string | null;
      failure: MediaError | null;
    };

/**
 * Sniff, metadata, derivatives, from a local copy of the original held for all of it. Problems
 * with the bytes come back as values (the file fails once, with its reason); only I/O errors are
 * thrown, for a retry.
 */
async function readMedia(ctx: AppContext, file: MediaFile, bytes: Buffer | null): Promise<ReadMedia> {
  const type = detectFileType(bytes ? bytes.subarray(0, SNIFF_BYTES) : await readStoredHead(ctx, file.sha256));
  if (!type) return { read: false, reason: 'the stored file is not a supported photo or video' };
  return ctx.blobs.withOriginalFile(file.sha256, (path) => readLocalMedia(ctx, file, path, type, bytes));
}

async function readLocalMedia(ctx: AppContext, file: MediaFile, path: string, type: DetectedType, bytes: Buffer | null): Promise<ReadMedia> {
  let meta: MediaMetadata;
  try {
    meta = await extractMetadata(ctx.media, path, type);
  } catch (err) {
    // extractMetadata turns bad media into warnings; anything else it throws that is not I/O is
    // still about these bytes, and the same bytes would fail the same way on every retry.
    if (isIoError(err) || isNoSpace(err)) throw err;
    return { read: false, reason: `the metadata cannot be read: ${messageOf(err)}` };
  }
  let rendered: Derivatives;
  try {
    rendered = await ctx.media.renderDerivatives(path, type, meta, bytes ?? undefined);
  } catch (err) {
    // renderDerivatives throws MediaError for every media problem; a tool that failed for want of
    // disk space says so in its message, and that is the disk's problem, not the file's.
    if (!(err instanceof MediaError) || isNoSpace(err)) throw err;
    ctx.log.info({ fileId: file.id, code: err.code }, 'file kept but could not be rendered');
    return { read: true, type, meta, rendered: null, contactSheet: null, failure: err };
  }
  const contactSheet = type.kind === 'video' ? await renderContactSheet(ctx, path, meta) : null;
  return { read: true, type, meta, rendered, contactSheet, failure: null };
}

/** A contact sheet helps review but is not needed: a problem with it is a warning on a ready file. */
async function renderContactSheet(ctx: AppContext, path: string, meta: MediaMetadata): Promise<Buffer | string> {
  try {
    return await ctx.media.renderContactSheet(path, meta);
  } catch (err) {
    if (isIoError(err) || isNoSpace(err)) throw err;
    return `no contact sheet: ${messageOf(err)}`;
  }
}

/**
 * Saves the extraction with the relation flags, which the partner files get too (relateToPartners),
 * in one transaction: two copies processed at the same moment cannot both miss each other. Their
 * submissions are linked into one cluster after the commit; a worker killed in between leaves that
 * link out (both files still carry the relation's flag, and each file's page lists its partners).
 */
async function saveWithRelations(
  ctx: AppContext,
  file: MediaFile,
  extraction: Extraction,
  outcome: { status: 'ready' } | { status: 'failed'; reason: string },
  derivatives: { thumb: boolean; preview: boolean; contact: boolean; previewOwed?: boolean },
  copies: WrittenCopy[],
): Promise<void> {
  const related = await ctx.transaction(async (tx) => {
    const { relations, related } = await relateToPartners(tx, ctx.config.nearDuplicateMaxDistance, {
      ...file,
      phash: extraction.phash,
      content_identifier: extraction.contentIdentifier,
    });
    await tx.media.saveExtraction(file.id, { ...extraction, flags: [...extraction.flags, ...relations] }, outcome, derivatives);
    await tx.media.recordDerivativeHashes(file.id, copies);
    return related;
  });
  await clusterRelatedFiles(ctx.repos, file.submission_id, related);
}

/**
 * A file's processing threw: only transient failures get here (the pipeline saves bad bytes as
 * failed itself). Within the retry window the reason is noted for admins, as far as the database
 * lets us (it may be what failed), and the error goes back to the queue for a retry after a
 * growing wait. Past the window the file is parked as waiting_retry with the reason, for the sweep
 * to try again later; the job leaves the queue only once that is written.
 */
export async function retryOrPark(ctx: AppContext, job: QueuedJob, err: unknown): Promise<'waiting_retry'> {
  const reason = messageOf(err);
  if (ctx.clock.now().getTime() - job.queuedAt.getTime() < ctx.config.retryWindowMs) {
    await ctx.repos.media.noteRetryReason(job.id, reason).catch(() => undefined);
    throw err;
  }
  await ctx.repos.media.parkForRetry(job.id, reason);
  ctx.log.warn({ fileId: job.id, attempts: job.attempt, reason }, 'still failing after the retry window: waiting for the sweep to retry');
  return 'waiting_retry';
}

/** PostgreSQL is the source of truth: unfinished files are enqueued again (idempotent by job id). */
export async function requeueUnfinished(ctx: AppContext, olderThan: Date | null): Promise<number> {
  const ids = await ctx.repos.media.listUnfinished(olderThan);
  await ctx.queue.enqueue('process-media', ids);
  return ids.length;
}
