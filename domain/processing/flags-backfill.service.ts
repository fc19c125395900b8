/**
 * The flags back-fill: files processed before a flag existed (gps_invalid) or before a rule changed
 * get the flags processing would give them now. An admin starts it; each finished file is then one
 * job. Each step's flags come from what processing stored where that is enough (claim, relations);
 * the metadata step's flags need tags that are not stored, so that step is run again (it reads
 * headers and tags, nothing is decoded). Nothing extracted is changed: only the flags.
 */
import { actorOf } from '../accounts/accounts.service';
import type { SessionUser } from '../accounts/model';
import { appendAudit } from '../audit/audit.service';
import type { AppContext } from '../context';
import { detectFileType } from '../media/file-type';
import { extractMetadata } from '../media/metadata';
import type { MediaFile } from '../media/model';
import { regionByCode } from '../regions/regions.service';
import { claimMismatches } from './claim-mismatch';
import { clusterRelatedFiles } from '../moderation/clusters';
import { relateToPartners } from './media-relations.service';
import { readStoredHead } from './process-media.service';

/** Enqueues a back-fill of every finished file, audited as the admin's action; returns how many. */
export async function startFlagsBackfill(ctx: AppContext, admin: SessionUser): Promise<{ files: number }> {
  const ids = await ctx.repos.media.listFinished();
  await ctx.transaction((tx) =>
    appendAudit(tx, actorOf(admin), { action: 'media.flags_backfill', entityType: 'media_files', entityId: 'finished', after: { files: ids.length } }),
  );
  await ctx.queue.enqueue('backfill-flags', ids);
  ctx.log.info({ files: ids.length }, 'flags back-fill enqueued');
  return { files: ids.length };
}

/** The job: one file's flags recomputed and saved; unfinished files are left to processing. */
export async function backfillFileFlags(ctx: AppContext, fileId: string): Promise<'changed' | 'unchanged' | 'skipped'> {
  const file = await ctx.repos.media.findMediaFile(fileId);
  if (!file || (file.status !== 'ready' && file.status !== 'failed')) return 'skipped';
  const [metadataFlags, claim] = await Promise.all([metadataStepFlags(ctx, file), ctx.repos.media.findObserverClaim(file.submission_id)]);
  const capture = {
    takenAtLocal: file.taken_at_local,
    offset: file.taken_at_offset,
    takenAtUtc: file.taken_at_utc,
    gps: file.gps_lat !== null && file.gps_lon !== null ? { lat: file.gps_lat, lon: file.gps_lon } : null,
  };
  const claimFlags = claim ? claimMismatches(capture, claim, await regionByCode(ctx, claim.region_code), ctx.config) : [];
  const { changed, related } = await ctx.transaction(async (tx) => {
    const { relations, related } = await relateToPartners(tx, ctx.config.nearDuplicateMaxDistance, file);
    return { changed: await tx.media.setFlags(file.id, [...metadataFlags, ...claimFlags, ...relations]), related };
  });
  await clusterRelatedFiles(ctx.repos, file.submission_id, related);
  return changed ? 'changed' : 'unchanged';
}

/** The metadata step run again on the stored original; none for a file whose metadata was never read (as processing saved it). */
async function metadataStepFlags(ctx: AppContext, file: MediaFile): Promise<string[]> {
  if (typeof file.metadata?.format !== 'string') return [];
  const type = detectFileType(await readStoredHead(ctx, file.sha256));
  if (!type) return [];
  return ctx.blobs.withOriginalFile(file.sha256, async (filePath) => (await extractMetadata(ctx.media, filePath, type)).flags);
}
