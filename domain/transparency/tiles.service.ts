/**
 * The log's tlog-tiles copy (tiles.ts) in the blob store: the worker writes the tiles each new
 * signed head needs, then the checkpoint (with its cosignatures), so the store's log/ folder is a
 * complete static log any host or mirror can serve; the API serves the same files at /log/….
 */
import type { StoredSth } from '../../db/transparency.repo';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { noteWithCosignatures } from './log.service';
import { parseTilePath, tilePath, tileSubtrees, tilesToPublish, tileWithin, type TileId } from './tiles';

type TileRepos = Pick<AppContext['repos'], 'transparency'>;

/** A tile's bytes from the stored subtrees: one query. */
export async function tileBytes(repos: TileRepos, t: TileId): Promise<Buffer> {
  const positions = tileSubtrees(t);
  const found = await repos.transparency.readSubtrees(positions);
  const byIndex = new Map(found.map((s) => [s.index, s.hash]));
  return Buffer.concat(
    positions.map((p) => {
      const h = byIndex.get(p.index);
      if (!h) throw new Error(`tile ${tilePath(t)}: subtree ${p.level}/${p.index} is not stored`);
      return h;
    }),
  );
}

/** The size the static copy's checkpoint has, or 0 when none was written yet. */
async function publishedSize(ctx: AppContext): Promise<number> {
  const blob = await ctx.blobs.openLogFile('checkpoint');
  if (!blob) return 0;
  const chunks: Buffer[] = [];
  for await (const c of blob.stream() as AsyncIterable<Buffer>) chunks.push(c);
  const size = Number(Buffer.concat(chunks).toString('utf8').split('\n')[1]);
  return Number.isSafeInteger(size) && size >= 0 ? size : 0;
}

/**
 * Writes the tiles a head of this size needs that the copy lacks, then its checkpoint: a reader of
 * the copy never finds a checkpoint whose tiles are missing. Idempotent (tiles never change).
 */
export async function publishTiles(ctx: AppContext, sth: StoredSth): Promise<{ tiles: number }> {
  const from = await publishedSize(ctx);
  if (from > sth.treeSize) return { tiles: 0 };
  const tiles = tilesToPublish(from, sth.treeSize);
  for (const t of tiles) await ctx.blobs.writeLogFile(tilePath(t), await tileBytes(ctx.repos, t));
  await ctx.blobs.writeLogFile('checkpoint', Buffer.from(await noteWithCosignatures(ctx, sth), 'utf8'));
  return { tiles: tiles.length };
}

/**
 * The largest signed size this process has seen, per database: signed heads only grow, so a tile
 * within it may be served without asking the database again (most reads of an immutable tile).
 */
const signedSizeSeen = new WeakMap<object, number>();

/**
 * A tile for the API: from the blob store's copy, or (not written yet, e.g. right after a restore)
 * from the stored subtrees. Only tiles a signed head covers: nothing about unsigned leaves.
 */
export async function readTile(ctx: AppContext, p: string): Promise<Buffer> {
  const t = parseTilePath(p);
  if (!t) throw new AppError(404, 'no_such_tile');
  if (!tileWithin(t, signedSizeSeen.get(ctx.repos) ?? 0)) {
    const size = (await ctx.repos.transparency.getSth())?.treeSize ?? 0;
    signedSizeSeen.set(ctx.repos, Math.max(size, signedSizeSeen.get(ctx.repos) ?? 0));
    if (!tileWithin(t, size)) throw new AppError(404, 'tile_beyond_tree', { size });
  }
  const blob = await ctx.blobs.openLogFile(tilePath(t));
  if (blob) {
    const chunks: Buffer[] = [];
    for await (const c of blob.stream() as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks);
  }
  return tileBytes(ctx.repos, t);
}
