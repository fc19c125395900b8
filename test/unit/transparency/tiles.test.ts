/**
 * C2SP tlog-tiles: the specification's own examples (index 1234067 → x001/x234/067; the tiles of a
 * tree of 70 000 and of 256 leaves), and proofs computed from tiles equal to the proofs the API
 * computes from stored subtrees, for sizes around the tile boundaries.
 */
import { randomBytes } from 'node:crypto';
import { MemoryTree, consistencyProof, inclusionProof, rootAt, verifyInclusion } from '../../../domain/transparency/merkle';
import { TileHashSource, assertLogFileName, parseTilePath, tilePath, tileSubtrees, tilesToPublish, tileWithin, type TileId } from '../../../domain/transparency/tiles';

async function tileFrom(tree: MemoryTree, t: TileId): Promise<Buffer> {
  return Buffer.concat(await Promise.all(tileSubtrees(t).map((p) => tree.hash(p.index * 2 ** p.level, (p.index + 1) * 2 ** p.level))));
}

describe('tile paths (tlog-tiles)', () => {
  test('the specification’s example: index 1234067 is x001/x234/067', () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5, width: 17 })).toBe('tile/2/005.p/17');
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('tile/1/000.p/255')).toEqual({ level: 1, index: 0, width: 255 });
  });

  test.each(['tile/0/1234067', 'tile/00/000', 'tile/0/x000/001', 'tile/0/001/x002', 'tile/64/000', 'tile/0/000.p/256', 'tile/0/000.p/0', 'tile/0/000.p/01', 'tile/entries/000', 'tile/0/../000', 'checkpoint/x'])(
    'refuses %s',
    (p) => {
      expect(parseTilePath(p)).toBeNull();
      expect(() => assertLogFileName(p)).toThrow();
    },
  );

  test('the specification’s example: a tree of 70 000 leaves', () => {
    const tiles = tilesToPublish(0, 70_000);
    const at = (level: number) => tiles.filter((t) => t.level === level);
    expect(at(0).filter((t) => t.width === 256)).toHaveLength(273);
    expect(at(0).filter((t) => t.width < 256)).toEqual([{ level: 0, index: 273, width: 112 }]);
    expect(at(1)).toEqual([{ level: 1, index: 0, width: 256 }, { level: 1, index: 1, width: 17 }]);
    expect(at(2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(tiles).toHaveLength(277);
    // and of 256: a full level-0 tile and a level-1 tile of width 1
    expect(tilesToPublish(0, 256)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 1, index: 0, width: 1 }]);
  });

  test('growing a tree publishes only what is new: completed full tiles and the new partial ones', () => {
    expect(tilesToPublish(300, 600)).toEqual([
      { level: 0, index: 1, width: 256 },
      { level: 0, index: 2, width: 88 },
      { level: 1, index: 0, width: 2 },
    ]);
    expect(tileWithin({ level: 0, index: 2, width: 88 }, 600)).toBe(true);
    expect(tileWithin({ level: 0, index: 2, width: 89 }, 600)).toBe(false);
  });
});

describe('proofs from tiles agree with proofs from stored subtrees', () => {
  const tree = new MemoryTree();
  beforeAll(() => {
    for (let i = 0; i < 70_100; i++) tree.append(randomBytes(32));
  });

  test.each([1, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000, 70_100])('size %i', async (size) => {
    const files = new Map<string, Buffer>();
    for (const t of tilesToPublish(0, size)) files.set(tilePath(t), await tileFrom(tree, t));
    const tiles = new TileHashSource(size, async (p) => {
      const b = files.get(p);
      if (!b) throw new Error(`no tile ${p}`);
      return b;
    });
    const root = await rootAt(tree, size);
    expect(await rootAt(tiles, size)).toEqual(root);
    for (const i of [0, size - 1, Math.floor(size / 3)]) {
      const proof = await inclusionProof(tiles, i, size);
      expect(proof).toEqual(await inclusionProof(tree, i, size));
      expect(verifyInclusion(await tree.hash(i, i + 1), i, size, proof, root)).toBe(true);
    }
    for (const m of [1, Math.max(1, size - 1), Math.ceil(size / 2)]) {
      expect(await consistencyProof(tiles, m, size)).toEqual(await consistencyProof(tree, m, size));
    }
  });

  test('a tile of the wrong length is an error, not a wrong proof', async () => {
    const tiles = new TileHashSource(300, async () => Buffer.alloc(31));
    await expect(rootAt(tiles, 300)).rejects.toThrow(/bytes, expected/);
  });
});
