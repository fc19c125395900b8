import * as mediaRepo from '../../db/media.repo';
import * as submissionsRepo from '../../db/submissions.repo';
import type { AppContext } from '../context';
import { notFound } from '../errors';
import { decodeCursor, encodeCursor } from '../pagination';

export const ARCHIVE_PAGE_SIZE = 20;

export async function listPublishedEntries(ctx: AppContext, cursor: string | undefined) {
  const before = decodeCursor(cursor);
  const rows = await submissionsRepo.listPublished(
    ctx.db,
    before ? { publishedAt: before.at, id: before.id } : null,
    ARCHIVE_PAGE_SIZE + 1,
  );
  const items = rows.slice(0, ARCHIVE_PAGE_SIZE);
  const last = items.at(-1);
  const next = rows.length > ARCHIVE_PAGE_SIZE && last?.published_at ? encodeCursor(last.published_at, last.id) : null;
  return { items, next };
}

/** A published entry with its files; unpublished ones are indistinguishable from missing ones. */
export async function publishedEntry(ctx: AppContext, id: string) {
  const entry = await submissionsRepo.findPublishedSubmission(ctx.db, id);
  if (!entry) throw notFound('The entry');
  const files = await mediaRepo.listMediaFiles(ctx.db, id);
  return { entry, files };
}

export async function publishedFile(ctx: AppContext, fileId: string) {
  const file = await mediaRepo.findPublishedMediaFile(ctx.db, fileId);
  if (!file) throw notFound('The file');
  return file;
}
