/**
 * The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): static, immutable files any web
 * server or mirror can serve, from which a client computes every proof itself.
 *
 *   <prefix>/checkpoint                the latest signed checkpoint (with its cosignatures)
 *   <prefix>/tile/<L>/<N>[.p/<W>]      256 (or W < 256, a partial tile) hashes of 32 bytes:
 *                                      hash i of tile N at level L is MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L])
 *
 * N is written in 3-digit path elements, all but the last prefixed with "x": 1234067 → x001/x234/067.
 * The prefix is https://<host>/log, so the checkpoint origin <host>/log is the schema-less prefix
 * the specification recommends.
 *
 * Entry bundles (tile/entries/…) are NOT served: an entry would be a leaf record, which holds the
 * exact receive time and size of a file and is the receipt holder's to show (see leaf.ts). The
 * level-0 tiles hold every leaf hash, which is everything an auditor needs to recompute the tree.
 *
 * A tile at level L is made of the stored subtrees at tree level 8·L (db tlog_subtrees), so
 * writing one is a single read. The client side (TileHashSource) is a SubtreeHashSource: the same
 * proof functions as the API (merkle.ts) run on tiles, so proofs from tiles and from the API agree.
 */
import { HASH_SIZE, rootFromLeafHashes, type SubtreeHashSource } from './merkle';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
/** The tlog-tiles path prefix under the site's address: the origin is <host>/log. */
export const TILES_PREFIX = '/log';

/** A tile: level, index within the level, and width (256 for a full tile). */
export interface TileId {
  level: number;
  index: number;
  width: number;
}

function encodeIndex(n: number): string {
  const parts: string[] = [];
  let rest = n;
  do {
    parts.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return parts.map((p, i) => (i < parts.length - 1 ? `x${p}` : p)).join('/');
}

/** The path of a tile under the prefix, e.g. tile/0/x001/x234/067.p/12. */
export function tilePath(t: TileId): string {
  if (!Number.isSafeInteger(t.level) || t.level < 0 || t.level > 63) throw new RangeError(`bad tile level ${t.level}`);
  if (!Number.isSafeInteger(t.index) || t.index < 0) throw new RangeError(`bad tile index ${t.index}`);
  if (!Number.isInteger(t.width) || t.width < 1 || t.width > TILE_WIDTH) throw new RangeError(`bad tile width ${t.width}`);
  return `tile/${t.level}/${encodeIndex(t.index)}${t.width < TILE_WIDTH ? `.p/${t.width}` : ''}`;
}

const TILE_PATH = /^tile\/(0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** A tile path as the specification writes it, or null for anything else (entry bundles included). */
export function parseTilePath(p: string): TileId | null {
  const m = TILE_PATH.exec(p);
  if (!m) return null;
  const level = Number(m[1]);
  const elements = [...(m[2] ? m[2].split('/').filter(Boolean).map((e) => e.slice(1)) : []), m[3]!];
  // No leading zero elements: 000/001 is not the encoding of 1 (x000/001 is not either).
  if (elements.length > 1 && elements[0] === '000') return null;
  if (elements.length > 6) return null; // beyond 2^53
  const index = elements.reduce((n, e) => n * 1000 + Number(e), 0);
  const width = m[4] === undefined ? TILE_WIDTH : Number(m[4]);
  if (level > 63 || width > TILE_WIDTH || (m[4] !== undefined && width === TILE_WIDTH) || !Number.isSafeInteger(index)) return null;
  return { level, index, width };
}

/** The names the blob store keeps for the log (BlobStore.writeLogFile): nothing else, so no path escapes log/. */
export function assertLogFileName(name: string): void {
  if (name !== 'checkpoint' && parseTilePath(name) === null) throw new RangeError(`not a tlog-tiles file name: ${JSON.stringify(name)}`);
}

/** Leaves covered by one hash of a level-L tile. */
const span = (level: number) => TILE_WIDTH ** level;

/** Whether a tree of `size` leaves holds every hash of the tile (so serving it reveals nothing unsigned). */
export function tileWithin(t: TileId, size: number): boolean {
  return (t.index * TILE_WIDTH + t.width) * span(t.level) <= size;
}

/** The tiles of a tree of `size` leaves at one level: the full ones from `fromIndex`, then the partial one if any. */
function tilesAtLevel(level: number, size: number, fromIndex: number): TileId[] {
  const hashes = Math.floor(size / span(level));
  const out: TileId[] = [];
  for (let n = fromIndex; (n + 1) * TILE_WIDTH <= hashes; n++) out.push({ level, index: n, width: TILE_WIDTH });
  const partial = hashes % TILE_WIDTH;
  if (partial > 0) out.push({ level, index: Math.floor(hashes / TILE_WIDTH), width: partial });
  return out;
}

/**
 * The tiles a tree of `newSize` needs that a tree of `oldSize` did not: full tiles completed
 * since, and the partial tiles of the new size (which a checkpoint of that size requires).
 */
export function tilesToPublish(oldSize: number, newSize: number): TileId[] {
  const out: TileId[] = [];
  for (let level = 0; level <= 63 && span(level) <= newSize; level++) {
    const firstNew = Math.floor(Math.floor(oldSize / span(level)) / TILE_WIDTH);
    out.push(...tilesAtLevel(level, newSize, firstNew));
  }
  return out;
}

/** The stored subtrees a tile is made of: tree level 8·L, indices N·256 … N·256 + W − 1. */
export function tileSubtrees(t: TileId): { level: number; index: number }[] {
  return Array.from({ length: t.width }, (_, i) => ({ level: t.level * TILE_HEIGHT, index: t.index * TILE_WIDTH + i }));
}

/**
 * A SubtreeHashSource over tiles fetched by path (from a mirror, a static host or the API), for a
 * tree of `treeSize` leaves: the proof functions of merkle.ts run on it unchanged. Tiles are
 * fetched once and checked for their length; a wrong hash shows as a proof that does not verify.
 */
export class TileHashSource implements SubtreeHashSource {
  private readonly tiles = new Map<string, Promise<Buffer>>();
  /** Paths fetched, in order (for tests and for monitors that report their work). */
  readonly fetched: string[] = [];

  constructor(
    private readonly treeSize: number,
    private readonly fetchTile: (path: string) => Promise<Buffer>,
  ) {}

  private tile(level: number, index: number): Promise<Buffer> {
    const hashes = Math.floor(this.treeSize / span(level));
    const width = Math.min(TILE_WIDTH, hashes - index * TILE_WIDTH);
    const id = { level, index, width };
    const p = tilePath(id);
    let got = this.tiles.get(p);
    if (!got) {
      this.fetched.push(p);
      got = this.fetchTile(p).then((b) => {
        if (b.length !== width * HASH_SIZE) throw new Error(`tile ${p} has ${b.length} bytes, expected ${width * HASH_SIZE}`);
        return b;
      });
      this.tiles.set(p, got);
    }
    return got;
  }

  /** Node hashes at tile level L, global positions [from, to), all inside one tile. */
  private async hashesAt(level: number, from: number, to: number): Promise<Buffer[]> {
    const index = Math.floor(from / TILE_WIDTH);
    const tile = await this.tile(level, index);
    const out: Buffer[] = [];
    for (let j = from; j < to; j++) {
      const o = (j - index * TILE_WIDTH) * HASH_SIZE;
      out.push(tile.subarray(o, o + HASH_SIZE));
    }
    return out;
  }

  async hash(start: number, end: number): Promise<Buffer> {
    const width = end - start;
    const k = Math.log2(width);
    if (!Number.isInteger(k) || start % width !== 0 || end > this.treeSize) throw new RangeError(`[${start}, ${end}) is not a perfect subtree of a tree of size ${this.treeSize}`);
    // The subtree of height k is 2^(k − 8L) hashes of the tiles at level L = floor(k / 8).
    const level = Math.floor(k / TILE_HEIGHT);
    const each = span(level);
    return rootFromLeafHashes(await this.hashesAt(level, start / each, end / each));
  }
}
