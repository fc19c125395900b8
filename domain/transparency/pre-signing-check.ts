/**
 * Before the worker signs a tree head, it checks that the new root is an append-only extension of
 * the previous signed head, computed from what it re-reads rather than trusted from the database:
 *
 *   1. its own memory (the last head it signed, kept beside the key): the database must still hold
 *      that head, and nothing smaller as its latest; else the log was rolled back or rewritten;
 *   2. the stored subtrees that make up the previous signed tree (its frontier) fold to the root
 *      the previous head SIGNED (the note, not the row's root column);
 *   3. every leaf since then is re-read, its hash recomputed from its record (and its index checked);
 *   4. the new root is computed from that frontier and those leaves, and must equal the root the
 *      stored subtree hashes give (what proofs are served from), and the consistency proof served
 *      from the stored subtrees must verify between the two heads.
 *
 * Any failure: no signature, an alarm (log_signing_refused) and an error. The scrub
 * (domain/integrity/scrub.service.ts) covers the inner subtree hashes these steps do not read.
 */
import type { StoredSth } from '../../db/transparency.repo';
import type { AppContext } from '../context';
import type { LogSigner } from '../ports/log-signer';
import { verifyCheckpoint, type Checkpoint } from './checkpoint';
import { decodeLeaf } from './leaf';
import { appendToFrontier, consistencyProof, frontierPositions, leafHash, rootAt, rootFromFrontier, verifyConsistency } from './merkle';
import { withStoredSubtrees } from './log.service';

/** Leaves re-read per query. */
const LEAF_PAGE = 10_000;

export class SigningRefused extends Error {
  constructor(message: string) {
    super(`not signing: ${message}`);
    this.name = 'SigningRefused';
  }
}

const hex = (b: Buffer) => b.toString('hex');

/** Returns the root of the first `size` leaves, checked as above; throws SigningRefused otherwise. */
export async function checkedNewRoot(ctx: AppContext, signer: LogSigner, previous: { sth: StoredSth; checkpoint: Checkpoint } | null, size: number): Promise<Buffer> {
  const log = ctx.repos.transparency;

  const remembered = await signer.lastSignedCheckpoint();
  if (remembered !== null) {
    let mine: Checkpoint;
    try {
      mine = verifyCheckpoint(remembered, signer.vkey);
    } catch (err) {
      throw new SigningRefused(`the last head this signer remembers does not verify with its key (${(err as Error).message})`);
    }
    const stored = await log.getSth(mine.treeSize);
    if (!previous || previous.checkpoint.treeSize < mine.treeSize || !stored || !stored.rootHash.equals(mine.rootHash)) {
      throw new SigningRefused(
        `the database's log is not the one this signer signed: it signed size ${mine.treeSize} with root ${hex(mine.rootHash)}, ` +
          `the database ${stored ? `has root ${hex(stored.rootHash)} at that size` : 'has no head of that size'} and its latest head is of size ${previous?.checkpoint.treeSize ?? 'none'} ` +
          '(a rollback or rewrite of the database)',
      );
    }
  }

  const oldSize = previous?.checkpoint.treeSize ?? 0;
  const positions = frontierPositions(oldSize);
  const found = new Map((await log.readSubtrees(positions)).map((s) => [`${s.level}/${s.index}`, s.hash]));
  const frontier = positions.map((p) => found.get(`${p.level}/${p.index}`));
  if (frontier.some((h) => h === undefined)) throw new SigningRefused(`subtree hashes of the signed tree of size ${oldSize} are missing`);
  if (previous && !rootFromFrontier(frontier as Buffer[]).equals(previous.checkpoint.rootHash)) {
    throw new SigningRefused(`the stored subtree hashes of the signed tree of size ${oldSize} do not give its signed root ${hex(previous.checkpoint.rootHash)} (a subtree hash or leaf was changed)`);
  }

  const leafHashes: Buffer[] = [];
  for (let start = oldSize; start < size; start += LEAF_PAGE) {
    const end = Math.min(size, start + LEAF_PAGE);
    const leaves = await log.leafRange(start, end);
    leaves.forEach((leaf, i) => {
      const index = start + i;
      let recorded: number;
      try {
        recorded = decodeLeaf(leaf.record).index;
      } catch (err) {
        throw new SigningRefused(`leaf #${index} has a malformed record (${(err as Error).message})`);
      }
      const hash = leafHash(leaf.record);
      if (leaf.index !== index || recorded !== index || !hash.equals(leaf.leafHash)) {
        throw new SigningRefused(`leaf #${index} does not match its record (stored at #${leaf.index}, record says #${recorded}, hash ${hex(leaf.leafHash)}, record hashes to ${hex(hash)})`);
      }
      leafHashes.push(hash);
    });
    if (leaves.length !== end - start) throw new SigningRefused(`leaves ${start}…${end - 1} are not all stored (${leaves.length} of ${end - start})`);
  }
  const newRoot = rootFromFrontier(appendToFrontier(oldSize, frontier as Buffer[], leafHashes).frontier);

  const storedRoot = await withStoredSubtrees(ctx.repos, (src) => rootAt(src, size)).catch((err: Error) => {
    throw new SigningRefused(`the stored subtree hashes of size ${size} cannot be read (${err.message})`);
  });
  if (!storedRoot.equals(newRoot)) {
    throw new SigningRefused(`the stored subtree hashes give root ${hex(storedRoot)} for size ${size}, the leaves give ${hex(newRoot)} (a subtree hash was changed)`);
  }
  if (previous) {
    const proof = await withStoredSubtrees(ctx.repos, (src) => consistencyProof(src, oldSize, size));
    if (!verifyConsistency(oldSize, size, previous.checkpoint.rootHash, newRoot, proof)) {
      throw new SigningRefused(`the consistency proof from size ${oldSize} to ${size} served from the stored subtrees does not verify`);
    }
  }
  return newRoot;
}
