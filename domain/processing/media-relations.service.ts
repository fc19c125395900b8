import type { Repositories, TxRepositories } from '../../db/repositories';
import type { AppContext } from '../context';
import { FLAGS, RELATIONS, isFlag, type Relation } from '../media/flags';
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
 * The relation flags of a file (exact_duplicate, near_duplicate, live_photo_pair), which its partner
 * files get too, so both files of a pair are found by a flag filter, and the partners themselves.
 * Which partners they are is looked up again when a moderator reads the page (relatedFilesOf), so the
 * links stay complete as more copies arrive. The lookup holds a lock until the caller's transaction
 * ends: the caller saves the returned flags on the file in the same transaction, and links the
 * submissions (clusterRelatedFiles) once it has committed.
 */
export async function relateToPartners(tx: Pick<TxRepositories, 'media'>, maxDistance: number, file: FileIdentity): Promise<{ relations: Relation[]; related: RelatedFile[] }> {
  await tx.media.lockRelationLookup();
  const related = await findRelatedFiles(tx, maxDistance, file);
  const relations = [...new Set(related.map((r) => r.relation))];
  for (const relation of relations) {
    await tx.media.addFlag(related.filter((r) => r.relation === relation).map((r) => r.file_id), relation);
  }
  return { relations, related };
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
