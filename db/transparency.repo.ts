/**
 * Storage of the transparency log (db/migrations/001_baseline.sql). SQL only: what a leaf contains and how the
 * Merkle tree is hashed live in domain/transparency.
 */
import { randomBytes } from 'node:crypto';
import { LEAF_NONCE_SIZE, LEAF_SIZE, encodeLeaf, newLeafRecord, type LeafInput, type LeafRecord } from '../domain/transparency/leaf';
import { HASH_SIZE, appendToFrontier, frontierPositions, leafHash, type SubtreeHashSource } from '../domain/transparency/merkle';
import type { Queryable, Tx } from './pool';

export interface AppendedLeaf {
  index: number;
  leafHash: Buffer;
  record: LeafRecord;
}

export interface StoredLeaf {
  index: number;
  leafHash: Buffer;
  /** Canonical leaf record bytes: decode with decodeLeaf. */
  record: Buffer;
  sha256: Buffer;
  createdAt: Date;
}

export interface StoredSth {
  treeSize: number;
  rootHash: Buffer;
  signedAt: Date;
  note: string;
}

/**
 * Fixed-width values packed into one bytea parameter that the SQL slices apart: pg sends a Buffer
 * parameter as binary, but a Buffer[] as a hex-escaped text array, whose encoding and parsing cost
 * more than the insert of an append batch.
 */
function packed(values: readonly Buffer[], width: number): Buffer {
  for (const v of values) if (v.length !== width) throw new RangeError(`expected ${width}-byte values, got ${v.length} bytes`);
  return Buffer.concat(values, values.length * width);
}

/**
 * Appends one leaf per input, in order, and returns them with their indices. Must run inside the
 * caller's transaction (e.g. the one that stores the upload): the log_state row lock serialises
 * appends, and a rollback leaves neither a leaf nor a gap.
 */
export async function appendLeaves(tx: Tx, inputs: readonly LeafInput[]): Promise<AppendedLeaf[]> {
  if (inputs.length === 0) return [];
  const state = await tx.query<{ size: string }>('SELECT size FROM tlog_state WHERE id FOR UPDATE');
  // The row lock assigned a transaction id; none means autocommit, where the lock is already gone.
  const inTx = await tx.query<{ in_tx: boolean }>('SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS in_tx');
  if (!inTx.rows[0]!.in_tx) throw new Error('appendLeaves must run inside a transaction');
  const size = Number(state.rows[0]!.size);

  const positions = frontierPositions(size);
  const found = await tx.query<{ level: number; idx: string; hash: Buffer }>(
    'SELECT level, idx, hash FROM tlog_subtrees WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))',
    [positions.map((p) => p.level), positions.map((p) => p.index)],
  );
  const byKey = new Map(found.rows.map((r) => [`${r.level}/${r.idx}`, r.hash]));
  const frontier = positions.map((p) => {
    const h = byKey.get(`${p.level}/${p.index}`);
    if (!h) throw new Error(`transparency log is missing subtree ${p.level}/${p.index} of size ${size}`);
    return h;
  });

  // One draw for every nonce: a randomBytes call per leaf costs more than hashing the leaf.
  const nonces = randomBytes(LEAF_NONCE_SIZE * inputs.length);
  const leaves = inputs.map((input, i) => {
    const record = newLeafRecord(input, size + i, nonces.subarray(i * LEAF_NONCE_SIZE, (i + 1) * LEAF_NONCE_SIZE));
    const bytes = encodeLeaf(record);
    return { index: size + i, record, bytes, leafHash: leafHash(bytes) };
  });
  const appended = appendToFrontier(size, frontier, leaves.map((l) => l.leafHash));

  await tx.query(
    `INSERT INTO tlog_leaves (leaf_index, leaf_hash, record, sha256)
     SELECT $1::bigint + i, substring($2::bytea FROM i * 32 + 1 FOR 32), substring($3::bytea FROM i * $4 + 1 FOR $4),
            substring($5::bytea FROM i * 32 + 1 FOR 32)
       FROM generate_series(0, $6::int - 1) AS i`,
    [
      size,
      packed(leaves.map((l) => l.leafHash), HASH_SIZE),
      packed(leaves.map((l) => l.bytes), LEAF_SIZE),
      LEAF_SIZE,
      packed(leaves.map((l) => l.record.sha256), HASH_SIZE),
      leaves.length,
    ],
  );
  await tx.query(
    `INSERT INTO tlog_subtrees (level, idx, hash)
     SELECT n.level, n.idx, substring($3::bytea FROM (n.ord::int - 1) * 32 + 1 FOR 32)
       FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS n(level, idx, ord)`,
    [appended.nodes.map((n) => n.level), appended.nodes.map((n) => n.index), packed(appended.nodes.map((n) => n.hash), HASH_SIZE)],
  );
  await tx.query('UPDATE tlog_state SET size = $1 WHERE id', [appended.size]);
  return leaves.map((l) => ({ index: l.index, leafHash: l.leafHash, record: l.record }));
}

/** Committed log size (the next leaf's index). */
export async function logSize(db: Queryable): Promise<number> {
  const r = await db.query<{ size: string }>('SELECT size FROM tlog_state WHERE id');
  return Number(r.rows[0]!.size);
}

export async function subtreeHash(db: Queryable, level: number, idx: number): Promise<Buffer | null> {
  const r = await db.query<{ hash: Buffer }>('SELECT hash FROM tlog_subtrees WHERE level = $1 AND idx = $2', [level, idx]);
  return r.rows[0]?.hash ?? null;
}

/** The stored tree as a proof source: one indexed read per perfect subtree. */
export function subtreeSource(db: Queryable): SubtreeHashSource {
  return {
    async hash(start, end) {
      const width = end - start;
      const level = Math.log2(width);
      if (!Number.isInteger(level) || start % width !== 0) throw new RangeError(`[${start}, ${end}) is not a perfect subtree`);
      const h = await subtreeHash(db, level, start / width);
      if (!h) throw new RangeError(`subtree [${start}, ${end}) is not in the log yet`);
      return h;
    },
  };
}

interface SthRow {
  tree_size: string;
  root_hash: Buffer;
  signed_at: Date;
  note: string;
}

const toSth = (r: SthRow): StoredSth => ({ treeSize: Number(r.tree_size), rootHash: r.root_hash, signedAt: r.signed_at, note: r.note });

/** Stores a signed tree head; a head already stored for that size is kept and returned. */
export async function insertSth(db: Queryable, sth: StoredSth): Promise<StoredSth> {
  const r = await db.query<SthRow>(
    'INSERT INTO tlog_sths (tree_size, root_hash, signed_at, note) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING RETURNING *',
    [sth.treeSize, sth.rootHash, sth.signedAt, sth.note],
  );
  if (r.rows[0]) return toSth(r.rows[0]);
  return (await getSth(db, sth.treeSize))!;
}

/** The head for a given size, or the latest one when size is omitted. */
export async function getSth(db: Queryable, treeSize?: number): Promise<StoredSth | null> {
  const r =
    treeSize === undefined
      ? await db.query<SthRow>('SELECT * FROM tlog_sths ORDER BY tree_size DESC LIMIT 1')
      : await db.query<SthRow>('SELECT * FROM tlog_sths WHERE tree_size = $1', [treeSize]);
  return r.rows[0] ? toSth(r.rows[0]) : null;
}

/** Heads newest first, those below `beforeSize` when given (for paging). */
export async function listSths(db: Queryable, opts: { limit?: number; beforeSize?: number } = {}): Promise<StoredSth[]> {
  const r = await db.query<SthRow>('SELECT * FROM tlog_sths WHERE ($1::bigint IS NULL OR tree_size < $1) ORDER BY tree_size DESC LIMIT $2', [
    opts.beforeSize ?? null,
    opts.limit ?? 100,
  ]);
  return r.rows.map(toSth);
}

interface LeafRow {
  leaf_index: string;
  leaf_hash: Buffer;
  record: Buffer;
  sha256: Buffer;
  created_at: Date;
}

const toLeaf = (r: LeafRow): StoredLeaf => ({ index: Number(r.leaf_index), leafHash: r.leaf_hash, record: r.record, sha256: r.sha256, createdAt: r.created_at });

export async function leafByHash(db: Queryable, hash: Buffer): Promise<StoredLeaf | null> {
  const r = await db.query<LeafRow>('SELECT * FROM tlog_leaves WHERE leaf_hash = $1', [hash]);
  return r.rows[0] ? toLeaf(r.rows[0]) : null;
}

/** Leaves with start ≤ index < end, in order (for monitors mirroring the log). */
export async function leafRange(db: Queryable, start: number, end: number): Promise<StoredLeaf[]> {
  const r = await db.query<LeafRow>('SELECT * FROM tlog_leaves WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index', [start, end]);
  return r.rows.map(toLeaf);
}

/** Every leaf recorded for a file's SHA-256 (the same bytes may be uploaded more than once). */
export async function leavesBySha256(db: Queryable, sha256: Buffer): Promise<StoredLeaf[]> {
  const r = await db.query<LeafRow>('SELECT * FROM tlog_leaves WHERE sha256 = $1 ORDER BY leaf_index', [sha256]);
  return r.rows.map(toLeaf);
}

/**
 * Appends one leaf per received file and links each leaf to its media_files row (db/migrations/001_baseline.sql),
 * in the caller's transaction: the leaves commit, or roll back, with the upload.
 */
export async function appendMediaLeaves(tx: Tx, files: readonly { mediaFileId: string; leaf: LeafInput }[]): Promise<AppendedLeaf[]> {
  const appended = await appendLeaves(tx, files.map((f) => f.leaf));
  if (appended.length === 0) return appended;
  await tx.query('INSERT INTO tlog_media_leaves (leaf_index, media_file_id) SELECT * FROM unnest($1::bigint[], $2::uuid[])', [
    appended.map((l) => l.index),
    files.map((f) => f.mediaFileId),
  ]);
  return appended;
}

/**
 * Runs a tree computation (a proof, a root) with every stored subtree it needs read in ONE query
 * instead of one query per subtree: the Merkle functions ask for the same subtrees whatever their
 * hashes are, so a dry run with placeholder hashes records the positions, one query reads them,
 * and a second run computes from what was read.
 */
export async function withStoredSubtrees<T>(db: Queryable, compute: (src: SubtreeHashSource) => Promise<T>): Promise<T> {
  const position = (start: number, end: number) => {
    const width = end - start;
    const level = Math.log2(width);
    if (!Number.isInteger(level) || start % width !== 0) throw new RangeError(`[${start}, ${end}) is not a perfect subtree`);
    return { level, idx: start / width, key: `${level}/${start / width}` };
  };
  const wanted = new Map<string, { level: number; idx: number }>();
  const placeholder = Buffer.alloc(32);
  await compute({
    async hash(start, end) {
      const p = position(start, end);
      wanted.set(p.key, p);
      return placeholder;
    },
  });
  const positions = [...wanted.values()];
  const found = positions.length
    ? await db.query<{ level: number; idx: string; hash: Buffer }>({
        // Named: prepared once per connection, so a proof costs one round trip and no planning.
        name: 'tlog_subtrees_at',
        text: 'SELECT t.level, t.idx, t.hash FROM unnest($1::smallint[], $2::bigint[]) AS w(level, idx) JOIN tlog_subtrees t ON t.level = w.level AND t.idx = w.idx',
        values: [positions.map((p) => p.level), positions.map((p) => p.idx)],
      })
    : { rows: [] };
  const byKey = new Map(found.rows.map((r) => [`${r.level}/${r.idx}`, r.hash]));
  return compute({
    async hash(start, end) {
      const h = byKey.get(position(start, end).key);
      if (!h) throw new RangeError(`subtree [${start}, ${end}) is not in the log yet`);
      return h;
    },
  });
}

export interface StoredPublicKey {
  origin: string;
  vkey: string;
  publicKeyPem: string;
}

/** Records the log's public key for its origin unless one is recorded; returns the one that is. */
export async function recordPublicKey(db: Queryable, key: StoredPublicKey): Promise<StoredPublicKey> {
  await db.query('INSERT INTO tlog_public_keys (origin, vkey, public_key_pem) VALUES ($1, $2, $3) ON CONFLICT (origin) DO NOTHING', [
    key.origin,
    key.vkey,
    key.publicKeyPem,
  ]);
  return (await publicKeyOf(db, key.origin))!;
}

export async function publicKeyOf(db: Queryable, origin: string): Promise<StoredPublicKey | null> {
  const { rows } = await db.query<{ origin: string; vkey: string; public_key_pem: string }>(
    'SELECT origin, vkey, public_key_pem FROM tlog_public_keys WHERE origin = $1',
    [origin],
  );
  const row = rows[0];
  return row ? { origin: row.origin, vkey: row.vkey, publicKeyPem: row.public_key_pem } : null;
}
