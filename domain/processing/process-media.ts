import * as mediaRepo from '../../db/media.repo';
import type { AppContext } from '../context';
import { renderDerivatives } from '../media/derivatives';
import { MediaError } from '../media/errors';
import { detectFileType, SNIFF_BYTES } from '../media/file-type';
import { extractMetadata, type MediaMetadata } from '../media/metadata';

function toExtraction(meta: MediaMetadata, flags: string[]): mediaRepo.Extraction {
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
      warnings: meta.warnings,
      apple_content_identifier: meta.apple_content_identifier,
      taken_at_utc_source: meta.taken_at_utc_source,
    },
  };
}

const emptyMetadata = (warning: string): mediaRepo.Extraction => ({
  width: null, height: null, orientation: null, durationS: null, takenAtLocal: null, offset: null,
  offsetSource: null, takenAtUtc: null, takenAtSource: null, gps: null, gpsSource: null,
  make: null, model: null, software: null, flags: [], metadata: { warnings: [warning] },
});

/**
 * The whole worker pipeline for one stored file: re-check the hash, sniff, read metadata, render
 * derivatives, save. A file that cannot be parsed is saved as failed with its reason and stays
 * reviewable; transient errors (disk, database) propagate so the job is retried.
 */
export async function processMediaFile(ctx: AppContext, fileId: string): Promise<'ready' | 'failed' | 'skipped'> {
  const file = await mediaRepo.startProcessing(ctx.db, fileId);
  if (!file) return 'skipped'; // finished already, or unknown: nothing to do

  const stored = await ctx.storage.hashOriginal(file.sha256);
  if (stored.sha256 !== file.sha256 || stored.bytes !== file.bytes) {
    // Evidence must never change; this needs a human, not a retry.
    const reason = `stored bytes do not match the upload (sha256 ${stored.sha256}, ${stored.bytes} bytes)`;
    await mediaRepo.saveExtraction(ctx.db, fileId, emptyMetadata(reason), { status: 'failed', reason }, { thumb: false, preview: false });
    ctx.log.error({ fileId }, 'stored original does not match its hash');
    return 'failed';
  }

  const type = detectFileType(await ctx.storage.readOriginalHead(file.sha256, SNIFF_BYTES));
  if (!type) {
    const reason = 'the stored file is not a supported photo or video';
    await mediaRepo.saveExtraction(ctx.db, fileId, emptyMetadata(reason), { status: 'failed', reason }, { thumb: false, preview: false });
    return 'failed';
  }

  const path = ctx.storage.originalPath(file.sha256);
  const meta = await extractMetadata(path, type);
  const flags = [...meta.flags];
  if (await mediaRepo.hasOtherSubmissionWithHash(ctx.db, file.sha256, file.submission_id)) flags.push('exact_duplicate');
  const extraction = toExtraction(meta, flags);

  try {
    const derivatives = await renderDerivatives(path, type, meta);
    await ctx.storage.writeDerivative(file.sha256, 'thumb', derivatives.thumb);
    await ctx.storage.writeDerivative(file.sha256, 'preview', derivatives.preview);
    const warnings = [...meta.warnings, ...derivatives.warnings];
    await mediaRepo.saveExtraction(ctx.db, fileId, { ...extraction, metadata: { ...extraction.metadata, warnings } }, { status: 'ready' }, { thumb: true, preview: true });
    return 'ready';
  } catch (err) {
    if (!(err instanceof MediaError)) throw err;
    await mediaRepo.saveExtraction(ctx.db, fileId, extraction, { status: 'failed', reason: err.message }, { thumb: false, preview: false });
    ctx.log.info({ fileId, code: err.code }, 'file kept but could not be rendered');
    return 'failed';
  }
}

/** After the last attempt of a transient failure: record it so a moderator still sees the file. */
export async function recordFinalFailure(ctx: AppContext, fileId: string, reason: string): Promise<void> {
  await mediaRepo.markFailed(ctx.db, fileId, `processing failed after retries: ${reason}`);
}

/** PostgreSQL is the source of truth: unfinished files are enqueued again (idempotent by job id). */
export async function requeueUnfinished(ctx: AppContext, olderThan: Date | null): Promise<number> {
  const ids = await mediaRepo.listUnfinished(ctx.db, olderThan);
  for (const id of ids) await ctx.queue.enqueue('process-media', id);
  return ids.length;
}
