/**
 * Storage of the transparency log (db/migrations/001_baseline.sql). SQL only: what a leaf contains,
 * how the Merkle tree is hashed and which subtrees an append completes are decided in
 * domain/transparency/log.service.ts; this file reads and writes the rows and their bytes.
 */
import type { Queryable, Tx } from './pool';

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

/** A perfect subtree: level k, index i covers leaves [i·2^k, (i+1)·2^k). */
export interface SubtreePosition {
  level: number;
  index: number;
}

/** A leaf as stored: its hash, its canonical record and the SHA-256 of the file it records. */
export interface NewLeaf {
  leafHash: Buffer;
  record: Buffer;
  sha256: Buffer;
}

const HASH_BYTES = 32;

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
 * Locks the log for an append and returns its size (the next leaf's index) and its frontier (the
 * hashes of the perfect subtrees that make up the tree, largest first), in one round trip: the lock
 * is then held for the fewest waits on this process. Must run inside the caller's transaction (e.g.
 * the one that stores the upload): the row lock serialises appends until the commit, and a rollback
 * leaves neither a leaf nor a gap. The frontier is read by a statement of its own inside the function
 * (db/migrations/026_short_locks.sql), after the lock: it sees the subtrees the previous holder wrote.
 */
export async function lockLogForAppend(tx: Tx): Promise<{ size: number; frontier: Buffer[] }> {
  // Outside a transaction block (autocommit) the row lock would be gone with the statement. Asked of
  // the connection (the server says it with every answer), not with a query: no round trip.
  if (tx.getTransactionStatus() !== 'T') throw new Error('appending to the log must run inside a transaction');
  const { rows } = await tx.query<{ log_size: string; frontier: Buffer }>({ name: 'tlog.lock_for_append', text: 'SELECT log_size, frontier FROM tlog_lock_for_append()' });
  const { log_size: size, frontier } = rows[0]!;
  return { size: Number(size), frontier: Array.from({ length: frontier.length / HASH_BYTES }, (_, i) => frontier.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES)) };
}

/**
 * Writes one append in ONE statement, while the caller holds the log's lock: the leaves at
 * firstIndex, firstIndex + 1, … (every record has the same length), the subtree hashes the append
 * completed, the link of each leaf to its media_files row (mediaFileIds in the leaves' order, or none
 * for leaves that record no file) and the new size. One round trip under the lock instead of four:
 * concurrent submissions wait for each other's whole hold of it.
 */
export async function writeAppend(
  tx: Tx,
  a: { firstIndex: number; leaves: readonly NewLeaf[]; nodes: readonly (SubtreePosition & { hash: Buffer })[]; size: number; mediaFileIds: readonly string[] },
): Promise<void> {
  if (a.leaves.length === 0) return;
  if (a.mediaFileIds.length !== 0 && a.mediaFileIds.length !== a.leaves.length) throw new RangeError(`${a.mediaFileIds.length} media files for ${a.leaves.length} leaves`);
  const recordSize = a.leaves[0]!.record.length;
  await tx.query({
    // prepared by name: under the log's lock, where every upload waits for the one before
    name: 'tlog.write_append',
    text: `WITH leaves AS (
       INSERT INTO tlog_leaves (leaf_index, leaf_hash, record, sha256)
       SELECT $1::bigint + i, substring($2::bytea FROM i * 32 + 1 FOR 32), substring($3::bytea FROM i * $4 + 1 FOR $4),
              substring($5::bytea FROM i * 32 + 1 FOR 32)
         FROM generate_series(0, $6::int - 1) AS i
     ), subtrees AS (
       INSERT INTO tlog_subtrees (level, idx, hash)
       SELECT n.level, n.idx, substring($9::bytea FROM (n.ord::int - 1) * 32 + 1 FOR 32)
         FROM unnest($7::smallint[], $8::bigint[]) WITH ORDINALITY AS n(level, idx, ord)
     ), links AS (
       INSERT INTO tlog_media_leaves (leaf_index, media_file_id)
       SELECT $1::bigint + m.ord - 1, m.id FROM unnest($10::uuid[]) WITH ORDINALITY AS m(id, ord)
     )
     UPDATE tlog_state SET size = $11 WHERE id`,
    values: [
      a.firstIndex,
      packed(a.leaves.map((l) => l.leafHash), HASH_BYTES),
      packed(a.leaves.map((l) => l.record), recordSize),
      recordSize,
      packed(a.leaves.map((l) => l.sha256), HASH_BYTES),
      a.leaves.length,
      a.nodes.map((n) => n.level),
      a.nodes.map((n) => n.index),
      packed(a.nodes.map((n) => n.hash), HASH_BYTES),
      a.mediaFileIds,
      a.size,
    ],
  });
}

/** The stored hashes of these subtrees, in one query; a position not stored yet is absent from the result. */
export async function readSubtrees(db: Queryable, positions: readonly SubtreePosition[]): Promise<(SubtreePosition & { hash: Buffer })[]> {
  if (positions.length === 0) return [];
  const { rows } = await db.query<{ level: number; idx: string; hash: Buffer }>({
    // Named: prepared once per connection, so a proof costs one round trip and no planning.
    name: 'tlog_subtrees_at',
    text: 'SELECT t.level, t.idx, t.hash FROM unnest($1::smallint[], $2::bigint[]) AS w(level, idx) JOIN tlog_subtrees t ON t.level = w.level AND t.idx = w.idx',
    values: [positions.map((p) => p.level), positions.map((p) => p.index)],
  });
  return rows.map((r) => ({ level: r.level, index: Number(r.idx), hash: r.hash }));
}

/** Committed log size (the next leaf's index). */
export async function logSize(db: Queryable): Promise<number> {
  const r = await db.query<{ size: string }>('SELECT size FROM tlog_state WHERE id');
  return Number(r.rows[0]!.size);
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

/** Every origin a log key was recorded for (one per origin the worker ever signed under). */
export async function publicKeyOrigins(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ origin: string }>('SELECT origin FROM tlog_public_keys ORDER BY origin');
  return rows.map((r) => r.origin);
}

/** A witness's cosignature of a signed head (migration 013): its note signature line as received. */
export interface StoredCosignature {
  treeSize: number;
  witness: string;
  keyId: Buffer;
  cosignedAt: Date;
  line: string;
}

/** Stores cosignatures; one already stored for the same head, witness and key is kept. */
export async function insertCosignatures(db: Queryable, cosignatures: readonly StoredCosignature[]): Promise<void> {
  if (cosignatures.length === 0) return;
  await db.query(
    `INSERT INTO tlog_cosignatures (tree_size, witness, key_id, cosigned_at, line)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::timestamptz[], $5::text[])
     ON CONFLICT DO NOTHING`,
    [
      cosignatures.map((c) => c.treeSize),
      cosignatures.map((c) => c.witness),
      cosignatures.map((c) => c.keyId),
      cosignatures.map((c) => c.cosignedAt),
      cosignatures.map((c) => c.line),
    ],
  );
}

/** The cosignatures of these heads, by witness name then key id. */
export async function cosignaturesOf(db: Queryable, treeSizes: readonly number[]): Promise<StoredCosignature[]> {
  if (treeSizes.length === 0) return [];
  const { rows } = await db.query<{ tree_size: string; witness: string; key_id: Buffer; cosigned_at: Date; line: string }>(
    'SELECT tree_size, witness, key_id, cosigned_at, line FROM tlog_cosignatures WHERE tree_size = ANY($1::bigint[]) ORDER BY tree_size, witness, key_id',
    [treeSizes],
  );
  return rows.map((r) => ({ treeSize: Number(r.tree_size), witness: r.witness, keyId: r.key_id, cosignedAt: r.cosigned_at, line: r.line }));
}

/** The largest head a witness (name and key id) cosigned, or 0 when none: the old size it expects next. */
export async function lastCosignedSize(db: Queryable, witness: string, keyId: Buffer): Promise<number> {
  const { rows } = await db.query<{ size: string | null }>('SELECT max(tree_size) AS size FROM tlog_cosignatures WHERE witness = $1 AND key_id = $2', [witness, keyId]);
  return Number(rows[0]?.size ?? 0);
}

/** An RFC 3161 time-stamp token of a signed head (migration 013). */
export interface StoredTimestamp {
  treeSize: number;
  tsaUrl: string;
  token: Buffer;
  genTime: Date;
}

export async function insertTimestamp(db: Queryable, t: StoredTimestamp): Promise<void> {
  await db.query('INSERT INTO tlog_timestamps (tree_size, tsa_url, token, gen_time) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [t.treeSize, t.tsaUrl, t.token, t.genTime]);
}

export async function timestampsOf(db: Queryable, treeSizes: readonly number[]): Promise<StoredTimestamp[]> {
  if (treeSizes.length === 0) return [];
  const { rows } = await db.query<{ tree_size: string; tsa_url: string; token: Buffer; gen_time: Date }>('SELECT * FROM tlog_timestamps WHERE tree_size = ANY($1::bigint[])', [treeSizes]);
  return rows.map((r) => ({ treeSize: Number(r.tree_size), tsaUrl: r.tsa_url, token: r.token, genTime: r.gen_time }));
}

/** Records an API process's promise key (migration 013) unless recorded. */
export async function recordPromiseKey(db: Queryable, origin: string, vkey: string): Promise<void> {
  await db.query('INSERT INTO tlog_promise_keys (vkey, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING', [vkey, origin]);
}

/** Promise keys of this origin the signer has not delegated yet, oldest first. */
export async function undelegatedPromiseKeys(db: Queryable, origin: string): Promise<string[]> {
  const { rows } = await db.query<{ vkey: string }>(
    'SELECT k.vkey FROM tlog_promise_keys k LEFT JOIN tlog_promise_delegations d USING (vkey) WHERE k.origin = $1 AND d.vkey IS NULL ORDER BY k.created_at LIMIT 100',
    [origin],
  );
  return rows.map((r) => r.vkey);
}

export async function insertPromiseDelegation(db: Queryable, vkey: string, note: string): Promise<void> {
  await db.query('INSERT INTO tlog_promise_delegations (vkey, note) VALUES ($1, $2) ON CONFLICT DO NOTHING', [vkey, note]);
}

/** The log key's delegation of a promise key, or null while the signer has not signed one. */
export async function promiseDelegation(db: Queryable, vkey: string): Promise<string | null> {
  const { rows } = await db.query<{ note: string }>('SELECT note FROM tlog_promise_delegations WHERE vkey = $1', [vkey]);
  return rows[0]?.note ?? null;
}

/** When the oldest leaf not covered by the latest signed head was appended (null: none waits). */
export async function oldestUnsignedLeafAt(db: Queryable, signedSize: number): Promise<Date | null> {
  const { rows } = await db.query<{ created_at: Date }>('SELECT created_at FROM tlog_leaves WHERE leaf_index = $1', [signedSize]);
  return rows[0]?.created_at ?? null;
}
