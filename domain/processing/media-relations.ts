import type { Repositories } from '../../db/repositories';
import type { AppContext } from '../context';
import { FLAGS, RELATIONS, isFlag } from '../media/flags';
import type { MediaFile, RelatedFile } from '../media/model';
import { bandProbes } from '../media/perceptual-hash';

type FileIdentity = Pick<MediaFile, 'id' | 'submission_id' | 'sha256' | 'kind' | 'phash' | 'content_identifier'>;

/**
 * Exact duplicates, near duplicates and Live Photo partners of one file, nearest first; with
 * publishedOnly, only among files of published submissions. `repos` may be a transaction's.
 */
export function findRelatedFiles(repos: Pick<Repositories, 'media'>, maxDistance: number, file: FileIdentity, publishedOnly = false): Promise<RelatedFile[]> {
  return repos.media.findRelatedFiles({
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
 * The flags the public sees on a published file, as the registry says (domain/media/flags.ts): its
 * own flags as stored, and its relations computed against published files only.
 */
export async function publicFlags(ctx: AppContext, file: FileIdentity & { flags: string[] }): Promise<string[]> {
  const related = await findRelatedFiles(ctx.repos, ctx.config.nearDuplicateMaxDistance, file, true);
  const own = file.flags.filter((f) => isFlag(f) && FLAGS[f].public === 'stored');
  return [...own, ...RELATIONS.filter((r) => related.some((f) => f.relation === r))];
}

/**
 * For the review page: the links are computed when the page is read, so they always name every
 * current partner (the stored flags only say that there is one, for filtering).
 */
export async function relatedFilesOf(ctx: AppContext, files: FileIdentity[]): Promise<Record<string, RelatedFile[]>> {
  const lists = await Promise.all(files.map((f) => findRelatedFiles(ctx.repos, ctx.config.nearDuplicateMaxDistance, f)));
  return Object.fromEntries(files.map((f, i) => [f.id, lists[i]!]));
}
