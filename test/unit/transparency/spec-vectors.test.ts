/**
 * The test vectors of docs/transparency-log.md, recomputed: the specification and the code say the
 * same thing about leaves, hashes, checkpoints and receipts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatCheckpoint, privateKeyFromSeed, signNote, verifyCheckpoint, vkeyFor } from '../../../domain/transparency/checkpoint';
import { encodeLeaf, leafFromJson, type LeafJson } from '../../../domain/transparency/leaf';
import { leafHash, rootFromLeafHashes } from '../../../domain/transparency/merkle';
import type { Receipt } from '../../../domain/transparency/receipt';
import { verifyReceiptFile } from '../../../domain/transparency/verify';

const SPEC = readFileSync(path.join(__dirname, '../../../docs/transparency-log.md'), 'utf8');

/** The fenced block after `<!-- vector: <name> ... -->`, with its final newline. */
function vector(name: string): string {
  const m = new RegExp(`<!-- vector: ${name.replace(/[()]/g, '\\$&')}[^>]*-->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\n`).exec(SPEC);
  if (!m) throw new Error(`docs/transparency-log.md has no vector "${name}"`);
  return m[1]!;
}
const hexVector = (name: string) => vector(name).trim();

describe('docs/transparency-log.md test vectors', () => {
  const file = Buffer.from(vector('file'), 'utf8');
  const leaf = JSON.parse(vector('leaf')) as LeafJson;
  const record = encodeLeaf(leafFromJson(leaf));
  const key = privateKeyFromSeed(Buffer.from(hexVector('Ed25519 seed'), 'hex'));
  const vkey = hexVector('vkey');

  it('the leaf record is the file’s hash, size, time, nonce and index in 73 bytes at the documented offsets', () => {
    expect(leaf.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(leaf.size).toBe(file.length);
    expect(record.toString('hex')).toBe(hexVector('leaf record'));
    expect(record.length).toBe(73);
    expect([record[0], record.subarray(1, 33).toString('hex'), record.readBigUInt64BE(33), record.readBigUInt64BE(41), record.subarray(49, 65).toString('hex'), record.readBigUInt64BE(65)]).toEqual([
      1,
      leaf.sha256,
      BigInt(leaf.size),
      BigInt(leaf.received_at),
      leaf.nonce,
      BigInt(leaf.index),
    ]);
  });

  it('the leaf hash and the root of the two-leaf tree', () => {
    expect(leafHash(record).toString('hex')).toBe(hexVector('leaf hash'));
    const root = rootFromLeafHashes([Buffer.from(hexVector('leaf 0 hash'), 'hex'), leafHash(record)]);
    expect(root.toString('hex')).toBe(hexVector('root of the tree of size 2'));
  });

  it('the checkpoint is the signed note of that root (Ed25519 signatures are deterministic)', () => {
    const root = Buffer.from(hexVector('root of the tree of size 2'), 'hex');
    expect(vkeyFor('svidetel.example/log', key)).toBe(vkey);
    const note = signNote(formatCheckpoint({ origin: 'svidetel.example/log', treeSize: 2, rootHash: root }), key, 'svidetel.example/log');
    expect(note).toBe(vector('checkpoint'));
    expect(verifyCheckpoint(vector('checkpoint'), vkey)).toEqual({ origin: 'svidetel.example/log', treeSize: 2, rootHash: root });
  });

  it('the receipt verifies for the file with the pinned key, and carries the same leaf and checkpoint', () => {
    const receipt = JSON.parse(vector('receipt')) as Receipt;
    expect(receipt.files[0]!.leaf).toEqual(leaf);
    expect(receipt.files[0]!.sth!.checkpoint).toBe(vector('checkpoint'));
    const result = verifyReceiptFile({ file, receipt, key: vkey });
    expect([result.ok, result.verdict]).toEqual([true, expect.stringMatching(/^VERIFIED: .* leaf #1 of svidetel\.example\/log/)]);
    expect(verifyReceiptFile({ file, receipt }).failed).toBe('signature'); // no pinned key
  });
});
