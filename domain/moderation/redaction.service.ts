import type { RenderedRedaction } from '../../db/redactions.repo';
import type { AppContext } from '../context';
import { badRequest, conflict } from '../errors';
import { detectFileType } from '../media/file-type';
import { clipRegion, isTimed, redactedCopiesKey, type FileRedaction, type RedactionRegion } from '../media/redaction';
import { readStoredHead } from '../processing/process-media.service';
import type { PublicChoices } from '../submissions/model';
import { storeDerivative } from '../replication/derivatives.service';

/**
 * A redaction hides what the original shows; a downloadable original would give it all back. Both
 * together are refused (the public route also never serves the original of a redacted file).
 */
export function assertRedactionFitsChoices(choices: PublicChoices, redactions: FileRedaction[]): void {
  if (!choices.originalDownloadable || !redactions.some((r) => r.regions.length)) return;
  throw conflict('redacted_original');
}

/**
 * Renders the public copies (thumb, preview = the published image; a video's poster) of each
 * redacted file from its original with the rectangles burned in, and stores them under their own key
 * before the decision is recorded: the public route serves them as soon as the decision commits, and
 * never the unredacted copies. A video's published copy takes longer: the worker makes it after the
 * decision (job encode-video, see publishedVideoCopies) and until then the public gets none. The
 * original is only read. A time range belongs to a video's rectangle only.
 */
export async function renderRedactions(ctx: AppContext, submissionId: string, redactions: FileRedaction[]): Promise<RenderedRedaction[]> {
  const wanted = redactions
    .map((r) => ({ fileId: r.fileId, regions: r.regions.map(clipRegion).filter((c): c is RedactionRegion => c !== null) }))
    .filter((r) => r.regions.length > 0);
  if (wanted.length === 0) return [];
  const files = await ctx.repos.media.listMediaFiles(submissionId);
  const rendered: RenderedRedaction[] = [];
  for (const redaction of wanted) {
    const file = files.find((f) => f.id === redaction.fileId);
    if (!file) throw badRequest('redaction_unknown_file');
    if (file.kind === 'image' && redaction.regions.some(isTimed)) {
      throw badRequest('redaction_time_on_photo', { file: file.original_name });
    }
    if (!file.has_preview) throw badRequest('redaction_not_rendered', { file: file.original_name });
    const type = detectFileType(await readStoredHead(ctx, file.sha256));
    if (!type) throw badRequest('redaction_not_rendered', { file: file.original_name });
    const hints = { width: file.width, height: file.height, duration_s: file.duration_s };
    const copies = await ctx.blobs.withOriginalFile(file.sha256, (path) => ctx.media.renderRedactedCopies(path, type, hints, redaction.regions));
    const copiesKey = redactedCopiesKey(file.sha256, redaction.regions);
    const thumb = await storeDerivative(ctx, copiesKey, 'thumb', copies.thumb);
    const preview = await storeDerivative(ctx, copiesKey, 'preview', copies.preview);
    rendered.push({ ...redaction, copiesKey, thumbSha256: thumb.sha256, previewSha256: preview.sha256 });
  }
  return rendered;
}

/**
 * After a publishing decision: the worker makes each video's published copy with the redaction the
 * decision chose (or none), again if the copy it has was made otherwise. A job that finds its copy
 * already right does nothing; one that cannot be queued now is queued by the sweep.
 */
export async function queueVideoCopiesOfPublication(ctx: AppContext, submissionId: string): Promise<void> {
  const videos = (await ctx.repos.media.listMediaFiles(submissionId)).filter((f) => f.kind === 'video').map((f) => f.id);
  if (videos.length === 0) return;
  await ctx.queue
    .enqueue('encode-video', videos)
    .catch((err: Error) => ctx.log.warn({ submissionId, err: err.message }, 'could not enqueue the published video copies; the sweep will'));
}

/** Each file's latest redaction in an entry, for the review page to start from. */
export async function latestRedactions(ctx: AppContext, submissionId: string): Promise<FileRedaction[]> {
  return ctx.repos.redactions.listLatestRedactions(submissionId);
}
