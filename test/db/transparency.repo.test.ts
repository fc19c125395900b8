/**
 * The stored log against PostgreSQL, in this file's own database (a copy of the run's migrated
 * template, see test/helpers/databases.ts): the log starts empty. Appends and proofs go through
 * the log service (domain/transparency/log.service.ts), which computes what the repository stores.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../../db/pool';
import { createDatabase, repositoriesOn, type Database } from '../../db/repositories';
import { getSth, insertSth, leafByHash, leafRange, listSths, logSize, readSubtrees } from '../../db/transparency.repo';
import { appendLeaves, withStoredSubtrees } from '../../domain/transparency/log.service';
import { createKeyPair, signCheckpoint, verifyCheckpoint, vkeyFor } from '../../domain/transparency/checkpoint';
import { decodeLeaf, encodeLeaf, type LeafInput } from '../../domain/transparency/leaf';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  rootAt,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
  type SubtreeHashSource,
} from '../../domain/transparency/merkle';
import { testDatabaseUrl } from '../helpers/databases';

let pool: Pool;
let database: Database;

beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 25);
  database = createDatabase(pool);
});

afterAll(async () => {
  await pool?.end();
});

const input = (): LeafInput => ({ sha256: randomBytes(32), size: 1 + Math.floor(Math.random() * 1e9), receivedAt: Date.now() });

function counting(src: SubtreeHashSource): SubtreeHashSource & { reads: number } {
  const c = {
    reads: 0,
    hash(start: number, end: number) {
      c.reads++;
      return src.hash(start, end);
    },
  };
  return c;
}

/** A computation on the stored tree, and how many subtree hashes it read (all in withStoredSubtrees' one query). */
async function countingReads<T>(compute: (src: SubtreeHashSource) => Promise<T>): Promise<{ value: T; reads: number }> {
  let reads = 0;
  const value = await withStoredSubtrees(database.repos, async (src) => {
    const counted = counting(src);
    const result = await compute(counted);
    reads = counted.reads;
    return result;
  });
  return { value, reads };
}

async function allLeafHashes(): Promise<Buffer[]> {
  return (await pool.query<{ leaf_hash: Buffer }>('SELECT leaf_hash FROM tlog_leaves ORDER BY leaf_index')).rows.map((r) => r.leaf_hash);
}

describe('stored transparency log', () => {
  it('gives 20 concurrent appends of 50 leaves the indices 0..999, once each', async () => {
    const batches = await Promise.all(
      Array.from({ length: 20 }, () => database.transaction((tx) => appendLeaves(tx, Array.from({ length: 50 }, input)))),
    );
    for (const b of batches) {
      // A batch is contiguous: the lock is held for the whole append.
      expect(b.map((l) => l.index)).toEqual(Array.from({ length: 50 }, (_, i) => b[0]!.index + i));
    }
    const indices = batches.flat().map((l) => l.index).sort((a, b) => a - b);
    expect(indices).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await logSize(pool)).toBe(1000);
    const stored = (await pool.query<{ leaf_index: string }>('SELECT leaf_index FROM tlog_leaves ORDER BY leaf_index')).rows.map((r) => Number(r.leaf_index));
    expect(stored).toEqual(indices);
  });

  it('stores leaves whose records are what was appended', async () => {
    const [l] = await database.transaction((tx) => appendLeaves(tx, [input()]));
    const byHash = await leafByHash(pool, l!.leafHash);
    expect(byHash?.index).toBe(l!.index);
    expect(decodeLeaf(byHash!.record)).toEqual(l!.record);
    expect(leafHash(encodeLeaf(l!.record))).toEqual(l!.leafHash);
    const bySha256 = await pool.query<{ leaf_index: string }>('SELECT leaf_index FROM tlog_leaves WHERE sha256 = $1', [l!.record.sha256]);
    expect(bySha256.rows.map((x) => Number(x.leaf_index))).toEqual([l!.index]);
    const range = await leafRange(pool, 10, 20);
    expect(range.map((x) => x.index)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
    for (const x of range) expect(leafHash(x.record)).toEqual(x.leafHash);
  });

  it('stored subtree hashes give the same roots as the direct computation', async () => {
    const hashes = await allLeafHashes();
    for (const n of [1, 2, 7, 512, 999, 1000, hashes.length]) {
      expect(await withStoredSubtrees(database.repos, (src) => rootAt(src, n))).toEqual(rootFromLeafHashes(hashes.slice(0, n)));
    }
    expect((await readSubtrees(pool, [{ level: 9, index: 0 }])).map((s) => s.hash)).toEqual([rootFromLeafHashes(hashes.slice(0, 512))]);
    expect(await readSubtrees(pool, [{ level: 10, index: 0 }])).toEqual([]);
  });

  it('proves inclusion and consistency from the stored tree in O(log n) reads', async () => {
    const hashes = await allLeafHashes();
    const n = hashes.length;
    const bound = 2 * Math.ceil(Math.log2(n)) + 2;
    for (const index of [0, 1, 500, 777, n - 1]) {
      const { value: proof, reads } = await countingReads((src) => inclusionProof(src, index, n));
      expect(reads).toBeLessThanOrEqual(bound);
      expect(verifyInclusion(hashes[index]!, index, n, proof, rootFromLeafHashes(hashes))).toBe(true);
    }
    for (const [a, b] of [[1, n], [300, 777], [999, n]] as const) {
      const { value: proof, reads } = await countingReads((src) => consistencyProof(src, a, b));
      expect(reads).toBeLessThanOrEqual(bound);
      expect(verifyConsistency(a, b, rootFromLeafHashes(hashes.slice(0, a)), rootFromLeafHashes(hashes.slice(0, b)), proof)).toBe(true);
    }
  });

  it('leaves no gap when an append rolls back, and refuses to run outside a transaction', async () => {
    const before = await logSize(pool);
    await expect(
      database.transaction(async (tx) => {
        await appendLeaves(tx, [input(), input()]);
        throw new Error('crash after append');
      }),
    ).rejects.toThrow('crash after append');
    expect(await logSize(pool)).toBe(before);
    const client = await pool.connect();
    try {
      await expect(appendLeaves(repositoriesOn(client), [input()])).rejects.toThrow('inside a transaction');
    } finally {
      client.release();
    }
    // The autocommit attempt wrote nothing either (its lock statement committed on its own).
    expect(await logSize(pool)).toBe(before);
    const [next] = await database.transaction((tx) => appendLeaves(tx, [input()]));
    expect(next!.index).toBe(before);
  });

  it('refuses to change or delete what was logged', async () => {
    await expect(pool.query("UPDATE tlog_leaves SET record = '\\x00' WHERE leaf_index = 0")).rejects.toThrow('append-only');
    await expect(pool.query('DELETE FROM tlog_subtrees WHERE level = 0 AND idx = 0')).rejects.toThrow('append-only');
    await expect(pool.query('TRUNCATE tlog_leaves')).rejects.toThrow('append-only');
    await expect(pool.query('UPDATE tlog_state SET size = 0')).rejects.toThrow('cannot shrink');
  });

  it('refuses a second leaf with a leaf hash already logged', async () => {
    const [l] = await database.transaction((tx) => appendLeaves(tx, [input()]));
    await expect(
      pool.query('INSERT INTO tlog_leaves (leaf_index, leaf_hash, record, sha256) VALUES ($1, $2, $3, $4)', [
        l!.index + 1_000_000,
        l!.leafHash,
        encodeLeaf(l!.record),
        l!.record.sha256,
      ]),
    ).rejects.toThrow('tlog_leaves_leaf_hash_unique');
  });

  it('stores and lists signed tree heads', async () => {
    const { privateKey, publicKey } = createKeyPair();
    const origin = 'svidetel.example/log';
    for (const size of [500, 1000]) {
      const cp = { origin, treeSize: size, rootHash: await withStoredSubtrees(database.repos, (src) => rootAt(src, size)) };
      await insertSth(pool, { treeSize: size, rootHash: cp.rootHash, signedAt: new Date(), note: signCheckpoint(cp, privateKey, origin) });
    }
    const latest = await getSth(pool);
    expect(latest?.treeSize).toBe(1000);
    expect(verifyCheckpoint(latest!.note, vkeyFor(origin, publicKey))).toEqual({ origin, treeSize: 1000, rootHash: latest!.rootHash });
    const again = await insertSth(pool, { ...latest!, signedAt: new Date(0), note: 'ignored' });
    expect(again.note).toBe(latest!.note);
    expect((await listSths(pool)).map((s) => s.treeSize)).toEqual([1000, 500]);
    expect((await listSths(pool, { beforeSize: 1000, limit: 5 })).map((s) => s.treeSize)).toEqual([500]);
    expect(await getSth(pool, 123)).toBeNull();
  });
});
