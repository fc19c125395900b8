import * as mediaRepo from '../../db/media.repo';
import { withTransaction } from '../../db/pool';
import type { AppContext } from '../context';
import { renderContactSheet, renderDerivatives, type Derivatives } from '../media/derivatives';
import { MediaError } from '../media/errors';
import { detectFileType, SNIFF_BYTES } from '../media/file-type';
import { extractMetadata, type MediaMetadata } from '../media/metadata';
import { timeMismatch } from './claim-mismatch';
import { findRelatedFiles } from './media-relations';

function toExtraction(meta: MediaMetadata, flags: string[], phash: string | null, warnings: string[]): mediaRepo.Extraction {
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
      taken_at_utc_source: meta.taken_at_utc_source,
    },
    phash,
    contentIdentifier: meta.apple_content_identifier,
  };
}

const emptyMetadata = (warning: string): mediaRepo.Extraction => ({
  width: null, height: null, orientation: null, durationS: null, takenAtLocal: null, offset: null,
  offsetSource: null, takenAtUtc: null, takenAtSource: null, gps: null, gpsSource: null,
  make: null, model: null, software: null, flags: [], metadata: { warnings: [warning] }, phash: null, contentIdentifier: null,
});

const NO_DERIVATIVES = { thumb: false, preview: false, contact: false };

/** An operating-system I/O error (disk, permissions, file table): worth retrying, unlike bad bytes. */
const isIoError = (e: unknown) => typeof (e as NodeJS.ErrnoException)?.code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The whole worker pipeline for one stored file: re-check the hash, sniff, read metadata, render
 * derivatives and the perceptual hash, flag what contradicts the observer's claim, link related
 * files, save. A file that cannot be parsed is saved as failed with its reason and stays
 * reviewable, on the first attempt; only transient errors (disk, database) propagate for a retry.
 */
export async function processMediaFile(ctx: AppContext, fileId: string): Promise<'ready' | 'failed' | 'skipped'> {
  const file = await mediaRepo.startProcessing(ctx.db, fileId);
  if (!file) return 'skipped'; // finished already, or unknown: nothing to do

  const stored = await ctx.storage.hashOriginal(file.sha256);
  if (stored.sha256 !== file.sha256 || stored.bytes !== file.bytes) {
    // Evidence must never change; this needs a human, not a retry.
    const reason = `stored bytes do not match the upload (sha256 ${stored.sha256}, ${stored.bytes} bytes)`;
    await mediaRepo.saveExtraction(ctx.db, fileId, emptyMetadata(reason), { status: 'failed', reason }, NO_DERIVATIVES);
    ctx.log.error({ fileId }, 'stored original does not match its hash');
    return 'failed';
  }

  const type = detectFileType(await ctx.storage.readOriginalHead(file.sha256, SNIFF_BYTES));
  if (!type) {
    const reason = 'the stored file is not a supported photo or video';
    await mediaRepo.saveExtraction(ctx.db, fileId, emptyMetadata(reason), { status: 'failed', reason }, NO_DERIVATIVES);
    return 'failed';
  }

  const path = ctx.storage.originalPath(file.sha256);
  let meta: MediaMetadata;
  try {
    meta = await extractMetadata(path, type);
  } catch (err) {
    // extractMetadata turns bad media into warnings; anything else it throws that is not I/O is
    // still about these bytes, and the same bytes would fail the same way on every retry.
    if (isIoError(err)) throw err;
    const reason = `the metadata cannot be read: ${messageOf(err)}`;
    await mediaRepo.saveExtraction(ctx.db, fileId, emptyMetadata(reason), { status: 'failed', reason }, NO_DERIVATIVES);
    return 'failed';
  }

  const warnings = [...meta.warnings];
  let rendered: Derivatives | null = null;
  let failure: MediaError | null = null;
  try {
    rendered = await renderDerivatives(path, type, meta);
  } catch (err) {
    if (!(err instanceof MediaError)) throw err; // renderDerivatives throws MediaError for every media problem
    failure = err;
    ctx.log.info({ fileId, code: err.code }, 'file kept but could not be rendered');
  }
  let contact = false;
  if (rendered) {
    warnings.push(...rendered.warnings);
    await ctx.storage.writeDerivative(file.sha256, 'thumb', rendered.thumb);
    await ctx.storage.writeDerivative(file.sha256, 'preview', rendered.preview);
    if (type.kind === 'video') contact = await writeContactSheet(ctx, file.sha256, path, meta, warnings);
  }

  const flags = [...meta.flags];
  const claim = await mediaRepo.findObserverClaim(ctx.db, file.submission_id);
  const fileTime = { takenAtLocal: meta.taken_at_local, offset: meta.offset, takenAtUtc: meta.taken_at_utc };
  if (claim && timeMismatch(fileTime, { happenedAt: claim.happened_at, votingStartsOn: claim.voting_starts_on, votingEndsOn: claim.voting_ends_on }, ctx.config.timeMismatchHours)) {
    flags.push('time_mismatch');
  }
  // place_mismatch (placeMismatch in ./claim-mismatch) needs the stated polling station's
  // coordinates; the schema has no polling stations yet, so it cannot be computed here.

  const extraction = toExtraction(meta, flags, rendered?.phash ?? null, warnings);
  const outcome = failure ? { status: 'failed' as const, reason: failure.message } : { status: 'ready' as const };
  await saveWithRelations(ctx, file, extraction, outcome, rendered ? { thumb: true, preview: true, contact } : NO_DERIVATIVES);
  return outcome.status;
}

/** A contact sheet helps review but is not needed: a problem with it is a warning on a ready file. */
async function writeContactSheet(ctx: AppContext, sha256: string, path: string, meta: MediaMetadata, warnings: string[]): Promise<boolean> {
  let sheet: Buffer;
  try {
    sheet = await renderContactSheet(path, meta);
  } catch (err) {
    if (isIoError(err)) throw err;
    warnings.push(`no contact sheet: ${messageOf(err)}`);
    return false;
  }
  await ctx.storage.writeDerivative(sha256, 'contact', sheet);
  return true;
}

/**
 * Saves the extraction with the relation flags (exact_duplicate, near_duplicate, live_photo_pair)
 * and adds the same flag to the partner files, so both files of a pair are found by a flag filter.
 * Which partners they are is looked up again when a moderator reads the page (relatedFilesOf), so
 * the links stay complete as more copies arrive. Lookup and save run under one lock: two copies
 * processed at the same moment cannot both miss each other.
 */
async function saveWithRelations(
  ctx: AppContext,
  file: mediaRepo.MediaFileRow,
  extraction: mediaRepo.Extraction,
  outcome: { status: 'ready' } | { status: 'failed'; reason: string },
  derivatives: { thumb: boolean; preview: boolean; contact: boolean },
): Promise<void> {
  await withTransaction(ctx.db, async (tx) => {
    await mediaRepo.lockRelationLookup(tx);
    const related = await findRelatedFiles(tx, ctx.config.nearDuplicateMaxDistance, {
      ...file,
      phash: extraction.phash,
      content_identifier: extraction.contentIdentifier,
    });
    const relations = [...new Set(related.map((r) => r.relation))];
    await mediaRepo.saveExtraction(tx, file.id, { ...extraction, flags: [...extraction.flags, ...relations] }, outcome, derivatives);
    for (const relation of relations) {
      await mediaRepo.addFlag(tx, related.filter((r) => r.relation === relation).map((r) => r.file_id), relation);
    }
  });
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
