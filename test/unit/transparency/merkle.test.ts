/**
 * Known-answer tests against the RFC 6962 reference vectors used by the Certificate Transparency
 * implementations, taken from transparency-dev/merkle:
 *   - leaf inputs, node hashes and roots for sizes 0–8: testonly/constants.go
 *     at commit 582a6ad190b6848f1d26f8bf08ddef29955d9db1
 *   - inclusion and consistency proofs: proof/verify_test.go
 *     at commit 02194e9afb6c1d95b5381350007963aa70fff472
 *     (that file numbers leaves from 1; the indices below are 0-based)
 * plus property tests on random trees.
 */
import { randomBytes } from 'node:crypto';
import {
  EMPTY_ROOT,
  MemoryTree,
  appendToFrontier,
  consistencyProof,
  frontierPositions,
  inclusionProof,
  leafHash,
  rootAt,
  rootFromFrontier,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../../domain/transparency/merkle';

const hd = (s: string) => Buffer.from(s, 'hex');

const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hd);

const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

/** ROOTS[n] = root of the tree of the first n leaves. */
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hd);

const INCLUSION_PROOFS: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY_PROOFS: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

function referenceTree(): MemoryTree {
  const tree = new MemoryTree();
  tree.append(...LEAF_INPUTS.map(leafHash));
  return tree;
}

const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));

describe('RFC 6962 reference vectors', () => {
  it('hashes leaves and every complete subtree as the reference does', async () => {
    const tree = referenceTree();
    for (const [level, hashes] of NODE_HASHES.entries()) {
      for (const [i, h] of hashes.entries()) {
        expect((await tree.hash(i * 2 ** level, (i + 1) * 2 ** level)).toString('hex')).toBe(h);
      }
    }
    expect(hex(LEAF_INPUTS.map(leafHash))).toEqual(NODE_HASHES[0]);
  });

  it('gives the reference root for every size 0–8, by each method', async () => {
    const tree = referenceTree();
    for (let n = 0; n <= 8; n++) {
      const hashes = LEAF_INPUTS.slice(0, n).map(leafHash);
      expect(rootFromLeafHashes(hashes)).toEqual(ROOTS[n]);
      expect(await rootAt(tree, n)).toEqual(ROOTS[n]);
      expect(rootFromFrontier(appendToFrontier(0, [], hashes).frontier)).toEqual(ROOTS[n]);
    }
    expect(EMPTY_ROOT).toEqual(ROOTS[0]);
    expect(tree.root()).toEqual(ROOTS[8]);
  });

  it.each(INCLUSION_PROOFS)('generates and verifies the inclusion proof of leaf $index in size $size', async ({ index, size, proof }) => {
    const tree = referenceTree();
    const got = await inclusionProof(tree, index, size);
    expect(hex(got)).toEqual(proof);
    expect(verifyInclusion(leafHash(LEAF_INPUTS[index]!), index, size, got, ROOTS[size]!)).toBe(true);
  });

  it.each(CONSISTENCY_PROOFS)('generates and verifies the consistency proof $size1 → $size2', async ({ size1, size2, proof }) => {
    const tree = referenceTree();
    const got = await consistencyProof(tree, size1, size2);
    expect(hex(got)).toEqual(proof);
    expect(verifyConsistency(size1, size2, ROOTS[size1]!, ROOTS[size2]!, got)).toBe(true);
  });

  it('rejects the reference test suite’s corrupted probes', async () => {
    const tree = referenceTree();
    const some = hd('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const { index, size } of INCLUSION_PROOFS.filter((p) => p.size > 1)) {
      const proof = await inclusionProof(tree, index, size);
      const leaf = leafHash(LEAF_INPUTS[index]!);
      const root = ROOTS[size]!;
      const probes: [number, number, Buffer[], Buffer, Buffer][] = [
        [index - 1, size, proof, root, leaf],
        [index + 1, size, proof, root, leaf],
        [index ^ 2, size, proof, root, leaf],
        [index, size * 2, proof, root, leaf],
        [index, Math.floor(size / 2), proof, root, leaf],
        [index, size, proof, root, Buffer.from('WrongLeaf')],
        [index, size, proof, EMPTY_ROOT, leaf],
        [index, size, proof, some, leaf],
        [index, size, [...proof, Buffer.alloc(0)], root, leaf],
        [index, size, [...proof, root], root, leaf],
        [index, size, [Buffer.alloc(0), ...proof], root, leaf],
        [index, size, [root, ...proof], root, leaf],
        [index, size, proof.slice(0, -1), root, leaf],
      ];
      if (proof.length > 1) probes.push([index, size, [proof[0]!, some, ...proof.slice(1)], root, leaf]);
      for (const [i, s, p, r, l] of probes) expect(verifyInclusion(l, i, s, p, r)).toBe(false);
    }
    for (const { size1, size2 } of CONSISTENCY_PROOFS.filter((p) => p.proof.length > 0)) {
      const proof = await consistencyProof(tree, size1, size2);
      const [r1, r2] = [ROOTS[size1]!, ROOTS[size2]!];
      const probes: [number, number, Buffer, Buffer, Buffer[]][] = [
        [size1 - 1, size2, r1, r2, proof],
        [size1 + 1, size2, r1, r2, proof],
        [size1 ^ 2, size2, r1, r2, proof],
        [size1, size2 * 2, r1, r2, proof],
        [size1, Math.floor(size2 / 2), r1, r2, proof],
        [size1, size2, Buffer.from('WrongRoot'), r2, proof],
        [size1, size2, r1, Buffer.from('WrongRoot'), proof],
        [size1, size2, r2, r1, proof],
        [size1, size2, r1, r2, []],
        [size1, size2, r1, r2, [...proof, Buffer.alloc(0)]],
        [size1, size2, r1, r2, [...proof, r1]],
        [size1, size2, r1, r2, [...proof, r2]],
        [size1, size2, r1, r2, [Buffer.alloc(0), ...proof]],
        [size1, size2, r1, r2, [r1, ...proof]],
        [size1, size2, r1, r2, [r2, ...proof]],
        [size1, size2, r1, r2, [proof[0]!, ...proof]],
        [size1, size2, r1, r2, proof.slice(0, -1)],
      ];
      for (const [s1, s2, a, b, p] of probes) expect(verifyConsistency(s1, s2, a, b, p)).toBe(false);
    }
  });

  it('handles the edge cases of the reference suite', () => {
    const [a, b] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    expect(verifyConsistency(0, 0, a, a, [])).toBe(true);
    expect(verifyConsistency(0, 1, a, b, [])).toBe(true);
    expect(verifyConsistency(1, 1, b, b, [])).toBe(true);
    expect(verifyConsistency(1, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 0, a, b, [])).toBe(false);
    expect(verifyConsistency(2, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 2, a, b, [])).toBe(false);
    expect(verifyConsistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    for (const [i, s] of [[0, 0], [1, 0], [2, 1]]) expect(verifyInclusion(a, i!, s!, [], a)).toBe(false);
    const h = leafHash(Buffer.from('data'));
    expect(verifyInclusion(h, 0, 1, [], h)).toBe(true);
    expect(verifyInclusion(Buffer.alloc(0), 0, 1, [], h)).toBe(false);
  });
});

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function flipBit(b: Buffer, bit: number): Buffer {
  const c = Buffer.from(b);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

describe('random trees', () => {
  const N = 3000;
  const rnd = prng(6962);
  const leaves = Array.from({ length: N }, () => leafHash(randomBytes(8)));
  const tree = new MemoryTree();
  // Appending in uneven batches exercises the frontier across batch boundaries.
  for (let i = 0; i < N; ) {
    const n = Math.min(N - i, 1 + rnd(40));
    tree.append(...leaves.slice(i, i + n));
    i += n;
  }
  const roots = new Map<number, Buffer>();
  const rootOf = (n: number) => {
    if (!roots.has(n)) roots.set(n, rootFromLeafHashes(leaves.slice(0, n)));
    return roots.get(n)!;
  };

  it('computes the same root as the direct RFC recursion at sampled sizes', async () => {
    for (const n of [1, 2, 3, 255, 256, 257, 1023, 1024, N, ...Array.from({ length: 20 }, () => 1 + rnd(N))]) {
      expect(await rootAt(tree, n)).toEqual(rootOf(n));
    }
    expect(tree.root()).toEqual(rootOf(N));
  });

  it('frontier positions cover exactly the tree', () => {
    for (const n of [0, 1, 5, 1000, 2 ** 40 + 3]) {
      const widths = frontierPositions(n).map((p) => 2 ** p.level);
      expect(widths.reduce((a, b) => a + b, 0)).toBe(n);
    }
  });

  it('every sampled inclusion proof verifies, with O(log n) reads', async () => {
    for (let k = 0; k < 200; k++) {
      const size = 1 + rnd(N);
      const index = rnd(size);
      tree.reads = 0;
      const proof = await inclusionProof(tree, index, size);
      expect(tree.reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size)) + 1);
      expect(verifyInclusion(leaves[index]!, index, size, proof, rootOf(size))).toBe(true);
    }
  });

  it('every sampled consistency proof verifies', async () => {
    for (let k = 0; k < 200; k++) {
      const size2 = 1 + rnd(N);
      const size1 = rnd(size2 + 1);
      tree.reads = 0;
      const proof = await consistencyProof(tree, size1, size2);
      expect(tree.reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size2)) + 2);
      expect(verifyConsistency(size1, size2, rootOf(size1), rootOf(size2), proof)).toBe(true);
    }
  });

  /*
   * A flipped size can still verify when the audit path has the same shape at both sizes (e.g.
   * leaf 0 of 5 and of 7): RFC 6962 proofs authenticate the root, and the signed tree head binds the
   * root to its size. So for size flips we require: either verification fails, or the root given
   * is not the log's root at the flipped size (which a signature check then rejects).
   */
  it('single-bit flips in proof, root, leaf hash and index break inclusion; size flips are caught by root', async () => {
    for (let k = 0; k < 25; k++) {
      const size = 2 + rnd(N - 1);
      const index = rnd(size);
      const proof = await inclusionProof(tree, index, size);
      const root = rootOf(size);
      const leaf = leaves[index]!;
      for (let bit = 0; bit < 256; bit += 1 + rnd(8)) {
        expect(verifyInclusion(flipBit(leaf, bit), index, size, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, proof, flipBit(root, bit))).toBe(false);
        const j = rnd(proof.length);
        expect(verifyInclusion(leaf, index, size, proof.map((p, i) => (i === j ? flipBit(p, bit) : p)), root)).toBe(false);
      }
      for (let bit = 0; 2 ** bit <= 2 * size; bit++) {
        const i2 = index ^ (2 ** bit); // bit < 31 here, so ^ is exact
        expect(verifyInclusion(leaf, i2, size, proof, root)).toBe(false);
        const s2 = size ^ (2 ** bit);
        if (s2 > 0 && s2 <= N && verifyInclusion(leaf, index, s2, proof, root)) expect(rootOf(s2)).not.toEqual(root);
      }
    }
  });

  it('single-bit flips in proof and roots break consistency; size flips are caught by root', async () => {
    for (let k = 0; k < 25; k++) {
      const size2 = 3 + rnd(N - 2);
      const size1 = 1 + rnd(size2 - 1);
      const proof = await consistencyProof(tree, size1, size2);
      const [r1, r2] = [rootOf(size1), rootOf(size2)];
      for (let bit = 0; bit < 256; bit += 1 + rnd(8)) {
        expect(verifyConsistency(size1, size2, flipBit(r1, bit), r2, proof)).toBe(false);
        expect(verifyConsistency(size1, size2, r1, flipBit(r2, bit), proof)).toBe(false);
        const j = rnd(proof.length);
        expect(verifyConsistency(size1, size2, r1, r2, proof.map((p, i) => (i === j ? flipBit(p, bit) : p)))).toBe(false);
      }
      for (let bit = 0; 2 ** bit <= 2 * size2; bit++) {
        const s1 = size1 ^ (2 ** bit);
        if (s1 > 0 && s1 <= N && verifyConsistency(s1, size2, r1, r2, proof)) expect(rootOf(s1)).not.toEqual(r1);
        const s2 = size2 ^ (2 ** bit);
        if (s2 > 0 && s2 <= N && verifyConsistency(size1, s2, r1, r2, proof)) expect(rootOf(s2)).not.toEqual(r2);
      }
    }
  });
});
