/**
 * The leaf record: what the log commits to for each received file. Its canonical bytes are the
 * Merkle leaf (leaf hash = SHA-256(0x00 ‖ record)), so the layout below must never change for
 * version 1; a new layout gets a new version byte.
 *
 * Version 1, 73 bytes, integers unsigned big-endian:
 *
 *   offset  length  field
 *        0       1  version      = 0x01
 *        1      32  sha256       SHA-256 of the file's bytes
 *       33       8  size         file size in bytes (u64)
 *       41       8  received_at  when the server received it, ms since the Unix epoch, UTC (u64)
 *       49      16  nonce        random: the public leaf hash then reveals nothing about a file
 *                                whose bytes someone already has
 *       65       8  index        the leaf's position in the log (u64), so a record cannot be
 *                                replayed at another position
 *
 * Integers are JS numbers and must be safe integers (< 2^53); the JSON form uses plain numbers.
 */
import { randomBytes } from 'node:crypto';

export const LEAF_VERSION = 1;
export const LEAF_SIZE = 73;
export const LEAF_NONCE_SIZE = 16;

export interface LeafRecord {
  version: typeof LEAF_VERSION;
  sha256: Buffer;
  size: number;
  receivedAt: number;
  nonce: Buffer;
  index: number;
}

/** JSON form used in receipts: bytes as lowercase hex, integers as numbers. */
export interface LeafJson {
  version: typeof LEAF_VERSION;
  sha256: string;
  size: number;
  received_at: number;
  nonce: string;
  index: number;
}

/** What the uploader side knows; the log adds nonce and index. */
export interface LeafInput {
  sha256: Buffer;
  size: number;
  receivedAt: number;
}

export function newLeafRecord(input: LeafInput, index: number, nonce: Buffer = randomBytes(LEAF_NONCE_SIZE)): LeafRecord {
  const record: LeafRecord = { version: LEAF_VERSION, sha256: input.sha256, size: input.size, receivedAt: input.receivedAt, nonce, index };
  validate(record);
  return record;
}

function checkU64(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`leaf ${name} must be a non-negative safe integer, got ${n}`);
}

function validate(r: LeafRecord): void {
  if (r.version !== LEAF_VERSION) throw new RangeError(`unsupported leaf version ${String(r.version)}`);
  if (!Buffer.isBuffer(r.sha256) || r.sha256.length !== 32) throw new RangeError('leaf sha256 must be 32 bytes');
  if (!Buffer.isBuffer(r.nonce) || r.nonce.length !== LEAF_NONCE_SIZE) throw new RangeError(`leaf nonce must be ${LEAF_NONCE_SIZE} bytes`);
  checkU64('size', r.size);
  checkU64('received_at', r.receivedAt);
  checkU64('index', r.index);
}

export function encodeLeaf(r: LeafRecord): Buffer {
  validate(r);
  const b = Buffer.alloc(LEAF_SIZE);
  b.writeUInt8(r.version, 0);
  r.sha256.copy(b, 1);
  b.writeBigUInt64BE(BigInt(r.size), 33);
  b.writeBigUInt64BE(BigInt(r.receivedAt), 41);
  r.nonce.copy(b, 49);
  b.writeBigUInt64BE(BigInt(r.index), 65);
  return b;
}

function readU64(b: Buffer, offset: number, name: string): number {
  const v = b.readBigUInt64BE(offset);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`leaf ${name} ${v} is beyond 2^53`);
  return Number(v);
}

export function decodeLeaf(b: Buffer): LeafRecord {
  if (b.length === 0 || b[0] !== LEAF_VERSION) throw new RangeError(`unsupported leaf version ${b.length ? b[0] : 'none'}`);
  if (b.length !== LEAF_SIZE) throw new RangeError(`a version 1 leaf is ${LEAF_SIZE} bytes, got ${b.length}`);
  return {
    version: LEAF_VERSION,
    sha256: Buffer.from(b.subarray(1, 33)),
    size: readU64(b, 33, 'size'),
    receivedAt: readU64(b, 41, 'received_at'),
    nonce: Buffer.from(b.subarray(49, 65)),
    index: readU64(b, 65, 'index'),
  };
}

export function leafToJson(r: LeafRecord): LeafJson {
  return { version: r.version, sha256: r.sha256.toString('hex'), size: r.size, received_at: r.receivedAt, nonce: r.nonce.toString('hex'), index: r.index };
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Strict hex decoding: Buffer.from(s, 'hex') silently stops at the first bad character. */
export function hexBytes(name: string, s: unknown, length: number): Buffer {
  if (typeof s !== 'string' || !HEX.test(s) || s.length !== length * 2) throw new RangeError(`${name} must be ${length} bytes of lowercase hex`);
  return Buffer.from(s, 'hex');
}

export function leafFromJson(j: LeafJson): LeafRecord {
  const r: LeafRecord = {
    version: j.version,
    sha256: hexBytes('leaf sha256', j.sha256, 32),
    size: j.size,
    receivedAt: j.received_at,
    nonce: hexBytes('leaf nonce', j.nonce, LEAF_NONCE_SIZE),
    index: j.index,
  };
  validate(r);
  return r;
}
