/**
 * Append-only Merkle tree exactly as in RFC 6962 §2.1 (SHA-256, leaf hash H(0x00‖leaf), node hash
 * H(0x01‖left‖right), split at the largest power of two smaller than n).
 *
 * Proofs are generated from a SubtreeHashSource that only knows PERFECT subtrees (size 2^k, starting
 * at a multiple of 2^k). Every range the RFC recursion visits is either perfect or splits into
 * O(log n) perfect ones, so a proof over a stored tree of a million leaves costs O(log n) reads.
 *
 * Tree sizes and indices are JS numbers: they must be safe integers (< 2^53), and all halving uses
 * arithmetic, not 32-bit bitwise operators.
 */
import { hash } from 'node:crypto';

export const HASH_SIZE = 32;

/** Root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

// One-shot hashing of a reused input buffer: a createHash object per hash cost several times the
// hashing itself (an append batch hashes two nodes per leaf). Safe to share: hashing is synchronous.
let hashInput = Buffer.alloc(1 + 2 * HASH_SIZE);

function prefixedHash(prefix: number, first: Buffer, second?: Buffer): Buffer {
  const length = 1 + first.length + (second?.length ?? 0);
  if (hashInput.length < length) hashInput = Buffer.alloc(length);
  hashInput[0] = prefix;
  first.copy(hashInput, 1);
  second?.copy(hashInput, 1 + first.length);
  return hash('sha256', hashInput.subarray(0, length), 'buffer');
}

export function leafHash(leaf: Buffer): Buffer {
  return prefixedHash(0x00, leaf);
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return prefixedHash(0x01, left, right);
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}

function assertSize(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${n}`);
}

/** MTH(D[n]) computed directly from all leaf hashes: the reference the stored tree is checked against. */
export function rootFromLeafHashes(hashes: readonly Buffer[]): Buffer {
  const mth = (start: number, end: number): Buffer => {
    if (end - start === 1) return hashes[start]!;
    const k = splitPoint(end - start);
    return nodeHash(mth(start, start + k), mth(start + k, end));
  };
  return hashes.length === 0 ? EMPTY_ROOT : mth(0, hashes.length);
}

/** Hashes of perfect, aligned subtrees: hash(start, end) with end - start = 2^k and start % 2^k = 0. */
export interface SubtreeHashSource {
  hash(start: number, end: number): Promise<Buffer>;
}

/**
 * MTH(D[start:end]) for a range the RFC recursion can produce (start aligned to the next power of
 * two ≥ its size): perfect ranges are one read, others split exactly like the RFC does.
 */
async function rangeHash(src: SubtreeHashSource, start: number, end: number): Promise<Buffer> {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (isPowerOfTwo(n)) return src.hash(start, end);
  const k = splitPoint(n);
  return nodeHash(await src.hash(start, start + k), await rangeHash(src, start + k, end));
}

/** Root hash of the first treeSize leaves. */
export async function rootAt(src: SubtreeHashSource, treeSize: number): Promise<Buffer> {
  assertSize('treeSize', treeSize);
  return rangeHash(src, 0, treeSize);
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1, leaf-side sibling first. */
export async function inclusionProof(src: SubtreeHashSource, index: number, treeSize: number): Promise<Buffer[]> {
  assertSize('index', index);
  assertSize('treeSize', treeSize);
  if (index >= treeSize) throw new RangeError(`leaf index ${index} is outside a tree of size ${treeSize}`);
  const proof: Buffer[] = [];
  let start = 0;
  let end = treeSize;
  // Walk down from the root; siblings are collected top-down, the RFC lists them bottom-up.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      proof.push(await rangeHash(src, start + k, end));
      end = start + k;
    } else {
      proof.push(await rangeHash(src, start, start + k));
      start += k;
    }
  }
  return proof.reverse();
}

/** PROOF(m, D[n]) of RFC 6962 §2.1.2: SUBPROOF(m, D[n], true). */
export async function consistencyProof(src: SubtreeHashSource, size1: number, size2: number): Promise<Buffer[]> {
  assertSize('size1', size1);
  assertSize('size2', size2);
  if (size1 > size2) throw new RangeError(`size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const proof: Buffer[] = [];
  let start = 0;
  let end = size2;
  let m = size1;
  let whole = true; // the RFC's b: the old tree is exactly the subtree being walked
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push(await rangeHash(src, start + k, end));
      end = start + k;
    } else {
      proof.push(await rangeHash(src, start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) proof.push(await rangeHash(src, start, end));
  return proof.reverse();
}

function isHash(b: Buffer): boolean {
  return Buffer.isBuffer(b) && b.length === HASH_SIZE;
}

/** RFC 9162 §2.1.3.2; `leaf` is the leaf HASH. Returns false for any malformed input instead of throwing. */
export function verifyInclusion(leaf: Buffer, index: number, treeSize: number, proof: readonly Buffer[], root: Buffer): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node has no right sibling (the right edge of the tree).
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2. As in the Certificate Transparency implementations, any tree is consistent
 * with the empty tree, and equal sizes need equal roots and an empty proof.
 */
export function verifyConsistency(size1: number, size2: number, root1: Buffer, root2: Buffer, proof: readonly Buffer[]): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1) return false;
  if (!proof.every(isHash)) return false;
  if (size1 === size2) return proof.length === 0 && isHash(root1) && root1.equals(root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0 || !isHash(root1) || !isHash(root2)) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

/** A stored perfect subtree: level k, index i covers leaves [i·2^k, (i+1)·2^k). */
export interface SubtreeNode {
  level: number;
  index: number;
  hash: Buffer;
}

/**
 * Positions of the perfect subtrees that make up a tree of `size` leaves, left to right (largest
 * first): one per set bit of size. Their hashes are the "frontier" needed to append.
 */
export function frontierPositions(size: number): { level: number; index: number }[] {
  assertSize('size', size);
  const out: { level: number; index: number }[] = [];
  let top = 0;
  while (2 ** (top + 1) <= size) top++;
  let start = 0;
  for (let level = top; level >= 0; level--) {
    const width = 2 ** level;
    if (start + width <= size) {
      out.push({ level, index: start / width });
      start += width;
    }
  }
  return out;
}

/** Root from a frontier: the non-perfect right parts fold right to left, as MTH does. */
export function rootFromFrontier(frontier: readonly Buffer[]): Buffer {
  if (frontier.length === 0) return EMPTY_ROOT;
  let r = frontier[frontier.length - 1]!;
  for (let i = frontier.length - 2; i >= 0; i--) r = nodeHash(frontier[i]!, r);
  return r;
}

/**
 * Appends leaf hashes to a tree given by its size and frontier. Returns every subtree that became
 * complete (the leaves themselves at level 0, and each parent when its right child completes),
 * and the new frontier. Needs no reads: the left siblings are exactly the frontier.
 */
export function appendToFrontier(
  size: number,
  frontier: readonly Buffer[],
  leafHashes: readonly Buffer[],
): { size: number; frontier: Buffer[]; nodes: SubtreeNode[] } {
  const positions = frontierPositions(size);
  if (positions.length !== frontier.length) throw new Error(`a tree of size ${size} has ${positions.length} frontier hashes, got ${frontier.length}`);
  const stack = positions.map((p, i) => ({ level: p.level, index: p.index, hash: frontier[i]! }));
  const nodes: SubtreeNode[] = [];
  let n = size;
  for (const h of leafHashes) {
    let node: SubtreeNode = { level: 0, index: n, hash: h };
    nodes.push(node);
    while (node.index % 2 === 1) {
      const left = stack.pop()!;
      node = { level: node.level + 1, index: (node.index - 1) / 2, hash: nodeHash(left.hash, node.hash) };
      nodes.push(node);
    }
    stack.push(node);
    n++;
  }
  return { size: n, frontier: stack.map((s) => s.hash), nodes };
}

/** In-memory tree storing every complete subtree hash by level; the test double for the database. */
export class MemoryTree implements SubtreeHashSource {
  private readonly levels: Buffer[][] = [[]];
  private frontier: Buffer[] = [];
  /** Number of hash() calls, so tests can check that proofs take O(log n) reads. */
  reads = 0;

  get size(): number {
    return this.levels[0]!.length;
  }

  append(...leafHashes: Buffer[]): void {
    const r = appendToFrontier(this.size, this.frontier, leafHashes);
    for (const node of r.nodes) (this.levels[node.level] ??= [])[node.index] = node.hash;
    this.frontier = r.frontier;
  }

  root(): Buffer {
    return rootFromFrontier(this.frontier);
  }

  async hash(start: number, end: number): Promise<Buffer> {
    this.reads++;
    const width = end - start;
    const level = Math.log2(width);
    const h = Number.isInteger(level) && start % width === 0 ? this.levels[level]?.[start / width] : undefined;
    if (!h) throw new RangeError(`no perfect subtree [${start}, ${end}) in a tree of size ${this.size}`);
    return h;
  }
}
