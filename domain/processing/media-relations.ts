import * as mediaRepo from '../../db/media.repo';
import type { Queryable } from '../../db/pool';
import type { AppContext } from '../context';
import { bandProbes } from '../media/perceptual-hash';

export type RelatedFile = mediaRepo.RelatedFileRow;
type FileIdentity = Pick<mediaRepo.MediaFileRow, 'id' | 'submission_id' | 'sha256' | 'kind' | 'phash' | 'content_identifier'>;

/**
 * Exact duplicates, near duplicates and Live Photo partners of one file, nearest first; with
 * publishedOnly, only among files of published submissions.
 */
export function findRelatedFiles(db: Queryable, maxDistance: number, file: FileIdentity, publishedOnly = false): Promise<RelatedFile[]> {
  return mediaRepo.findRelatedFiles(db, {
    fileId: file.id,
    submissionId: file.submission_id,
    sha256: file.sha256,
    kind: file.kind,
    phash: file.phash,
    bandProbes: file.phash ? bandProbes(file.phash, maxDistance) : [],
    maxDistance,
    contentIdentifier: file.content_identifier,
    publishedOnly,
  });
}

/**
 * The flags the public sees on a published file: its own (no_metadata, edited, mismatches) and its
 * relations computed against published files only. The stored relation flags count every upload,
 * published or not: shown publicly, they would tell when an unpublished copy arrived.
 */
export async function publicFlags(ctx: AppContext, file: FileIdentity & { flags: string[] }): Promise<string[]> {
  const related = await findRelatedFiles(ctx.db, ctx.config.nearDuplicateMaxDistance, file, true);
  const own = file.flags.filter((f) => !(mediaRepo.RELATIONS as readonly string[]).includes(f));
  return [...own, ...mediaRepo.RELATIONS.filter((r) => related.some((f) => f.relation === r))];
}

/**
 * For the review page: the links are computed when the page is read, so they always name every
 * current partner (the stored flags only say that there is one, for filtering).
 */
export async function relatedFilesOf(ctx: AppContext, files: FileIdentity[]): Promise<Record<string, RelatedFile[]>> {
  const lists = await Promise.all(files.map((f) => findRelatedFiles(ctx.db, ctx.config.nearDuplicateMaxDistance, f)));
  return Object.fromEntries(files.map((f, i) => [f.id, lists[i]!]));
}
