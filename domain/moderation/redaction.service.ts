import { createHash } from 'node:crypto';
import type { RenderedRedaction } from '../../db/redactions.repo';
import type { AppContext } from '../context';
import { badRequest, conflict } from '../errors';
import { detectFileType } from '../media/file-type';
import { clipRegion, redactedCopiesKey, type FileRedaction, type RedactionRegion } from '../media/redaction';
import { readStoredHead } from '../processing/process-media.service';
import type { PublicChoices } from '../submissions/model';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * A redaction hides what the original shows; a downloadable original would give it all back. Both
 * together are refused (the public route also never serves the original of a redacted file).
 */
export function assertRedactionFitsChoices(choices: PublicChoices, redactions: FileRedaction[]): void {
  if (!choices.originalDownloadable || !redactions.some((r) => r.regions.length)) return;
  throw conflict('redacted_original');
}

/**
 * Renders the public copies (thumb, preview = the published image) of each redacted photo from its
 * original with the rectangles burned in, and stores them under their own key before the decision
 * is recorded: the public route serves them as soon as the decision commits, and never the
 * unredacted copies. The original is only read. Videos are refused until their copies can be
 * redacted too.
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
    if (file.kind !== 'image') {
      throw badRequest('redaction_video_unavailable', { file: file.original_name });
    }
    if (!file.has_preview) throw badRequest('redaction_not_rendered', { file: file.original_name });
    const type = detectFileType(await readStoredHead(ctx, file.sha256));
    if (!type) throw badRequest('redaction_not_rendered', { file: file.original_name });
    const hints = { width: file.width, height: file.height, duration_s: file.duration_s };
    const copies = await ctx.blobs.withOriginalFile(file.sha256, (path) => ctx.media.renderRedactedCopies(path, type, hints, redaction.regions));
    const copiesKey = redactedCopiesKey(file.sha256, redaction.regions);
    await ctx.blobs.writeDerivative(copiesKey, 'thumb', copies.thumb);
    await ctx.blobs.writeDerivative(copiesKey, 'preview', copies.preview);
    rendered.push({ ...redaction, copiesKey, thumbSha256: sha256(copies.thumb), previewSha256: sha256(copies.preview) });
  }
  return rendered;
}

/** Each file's latest redaction in an entry, for the review page to start from. */
export async function latestRedactions(ctx: AppContext, submissionId: string): Promise<FileRedaction[]> {
  return ctx.repos.redactions.listLatestRedactions(submissionId);
}
