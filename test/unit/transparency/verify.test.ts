/**
 * The standalone verifier script and the TS verifier must agree: a genuine receipt passes, and each
 * single tampering fails at the check that should catch it.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createKeyPair, signCheckpoint, splitNote, sthToJson, vkeyFor } from '../../../domain/transparency/checkpoint';
import { cosign, witnessVkeyFor, withSignatureLines } from '../../../domain/transparency/cosignature';
import { encodeLeaf, newLeafRecord } from '../../../domain/transparency/leaf';
import { MemoryTree, inclusionProof, leafHash } from '../../../domain/transparency/merkle';
import { buildReceipt, receiptFile, type ProofBundle, type Receipt } from '../../../domain/transparency/receipt';
import { parseTrustFile } from '../../../domain/transparency/trust-file';
import { verifyReceiptFile, type CheckName } from '../../../domain/transparency/verify';

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, '../../../scripts/verify-receipt.mjs');
const ORIGIN = 'svidetel.example/log';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-receipt-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const { privateKey, publicKey } = createKeyPair();
const vkey = vkeyFor(ORIGIN, publicKey);
const file = randomBytes(5000);

/** A log of 13 leaves where ours is #9, a signed head at size 13, and the receipt for it. */
async function setup(): Promise<{ receipt: Receipt; bundle: ProofBundle }> {
  const tree = new MemoryTree();
  for (let i = 0; i < 9; i++) tree.append(leafHash(randomBytes(73)));
  const record = newLeafRecord({ sha256: createHash('sha256').update(file).digest(), size: file.length, receivedAt: Date.UTC(2024, 8, 8, 6, 30) }, 9);
  tree.append(leafHash(encodeLeaf(record)));
  for (let i = 0; i < 3; i++) tree.append(leafHash(randomBytes(73)));
  const cp = { origin: ORIGIN, treeSize: tree.size, rootHash: tree.root() };
  const sth = sthToJson(signCheckpoint(cp, privateKey, ORIGIN), cp, new Date());
  const proof = await inclusionProof(tree, 9, tree.size);
  const receipt = buildReceipt(ORIGIN, vkey, [receiptFile({ name: 'evidence.jpg', record, sth, inclusionProof: proof })]);
  // The same leaf proven in a later head, as proof_url would serve it.
  tree.append(leafHash(randomBytes(73)));
  const cp2 = { origin: ORIGIN, treeSize: tree.size, rootHash: tree.root() };
  const bundle: ProofBundle = {
    leaf_index: 9,
    leaf_hash: receipt.files[0]!.leaf_hash,
    sth: sthToJson(signCheckpoint(cp2, privateKey, ORIGIN), cp2, new Date()),
    inclusion_proof: (await inclusionProof(tree, 9, tree.size)).map((h) => h.toString('hex')),
  };
  return { receipt, bundle };
}

const write = (name: string, data: string | Buffer) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
};

async function script(fileBytes: Buffer, receipt: Receipt, extra: string[] = []): Promise<{ code: number; out: string }> {
  const f = write('evidence.jpg', fileBytes);
  const r = write('receipt.json', JSON.stringify(receipt));
  try {
    // Pinned to the log's key unless the test gives its own key, trust file or trust-on-first-use.
    const pinning = extra.some((a) => ['--key', '--trust', '--trust-on-first-use'].includes(a)) ? [] : ['--key', vkey];
    const { stdout } = await run(process.execPath, [SCRIPT, f, '--receipt', r, ...pinning, ...extra]);
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

function flipHexChar(s: string, at = 0): string {
  return s.slice(0, at) + (s[at] === '0' ? '1' : '0') + s.slice(at + 1);
}

type Tamper = [string, CheckName, (r: Receipt, bytes: Buffer) => Buffer | void];

const TAMPERINGS: Tamper[] = [
  ['one byte of the file', 'file hash', (_r, b) => Buffer.concat([b.subarray(0, 100), Buffer.of(b[100]! ^ 1), b.subarray(101)])],
  ['the file hash in the receipt', 'file hash', (r) => void (r.files[0]!.sha256 = flipHexChar(r.files[0]!.sha256))],
  ['the received time in the leaf', 'leaf hash', (r) => void (r.files[0]!.leaf.received_at -= 3_600_000)],
  ['the leaf index', 'leaf hash', (r) => void (r.files[0]!.leaf_index = 8)],
  ['the STH root hash', 'signature', (r) => void (r.files[0]!.sth!.root_hash = flipHexChar(r.files[0]!.sth!.root_hash))],
  ['the STH tree size', 'signature', (r) => void (r.files[0]!.sth!.tree_size = 12)],
  [
    'the root inside the signed checkpoint',
    'signature',
    (r) => {
      const sth = r.files[0]!.sth!;
      const lines = sth.checkpoint.split('\n');
      lines[2] = Buffer.from(flipHexChar(sth.root_hash), 'hex').toString('base64');
      sth.checkpoint = lines.join('\n');
    },
  ],
  [
    'the signature',
    'signature',
    (r) => {
      const sth = r.files[0]!.sth!;
      const [body, sig] = sth.checkpoint.split(`— ${ORIGIN} `) as [string, string];
      const raw = Buffer.from(sig.trim(), 'base64');
      raw[20]! ^= 1;
      sth.checkpoint = `${body}— ${ORIGIN} ${raw.toString('base64')}\n`;
    },
  ],
  ['a proof hash', 'inclusion proof', (r) => void (r.files[0]!.inclusion_proof![1] = flipHexChar(r.files[0]!.inclusion_proof![1]!))],
  ['the proof length', 'inclusion proof', (r) => void r.files[0]!.inclusion_proof!.pop()],
  [
    'the index, consistently in leaf, index and leaf hash',
    'inclusion proof',
    (r) => {
      const f = r.files[0]!;
      f.leaf.index = f.leaf_index = 10;
      f.leaf_hash = leafHash(
        encodeLeaf({ version: 1, sha256: Buffer.from(f.leaf.sha256, 'hex'), size: f.leaf.size, receivedAt: f.leaf.received_at, nonce: Buffer.from(f.leaf.nonce, 'hex'), index: 10 }),
      ).toString('hex');
    },
  ],
];

describe('receipt verification', () => {
  let receipt: Receipt;
  let bundle: ProofBundle;
  beforeAll(async () => ({ receipt, bundle } = await setup()));
  const copy = () => structuredClone(receipt);

  it('the script verifies a genuine receipt and says so step by step', async () => {
    const { code, out } = await script(file, receipt);
    expect(code).toBe(0);
    for (const c of ['file hash', 'leaf hash', 'signature', 'inclusion proof']) expect(out).toContain(`ok    ${c}:`);
    expect(out).toContain('VERIFIED: evidence.jpg');
    expect(out).toContain('leaf #9');
    expect(out).toContain('2024-09-08T06:30:00.000Z');
    expect(out).toContain('checked with the key you gave');
  });

  it('the TS verifier agrees', () => {
    const r = verifyReceiptFile({ file, receipt, key: vkey });
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => s.check)).toEqual(['file hash', 'leaf hash', 'signature', 'inclusion proof']);
    expect(r.verdict).toMatch(/^VERIFIED: .* leaf #9 of svidetel\.example\/log/);
  });

  it('both refuse without a pinned key, and trust the receipt\'s own key only when asked, saying so', async () => {
    const refused = await script(file, receipt, ['--trust-on-first-use', '--key', vkey]);
    expect(refused.code).toBe(1); // the options exclude each other
    const none = verifyReceiptFile({ file, receipt });
    expect([none.ok, none.failed]).toEqual([false, 'signature']);
    expect(none.steps.at(-1)!.detail).toContain('no pinned log key');

    const tofu = await script(file, receipt, ['--trust-on-first-use']);
    expect(tofu.code).toBe(0);
    expect(tofu.out).toContain("the receipt's own key, trusted on first use");
    expect(tofu.out).toContain(`VERIFIED (TRUST ON FIRST USE of the receipt's own key ${receipt.key!.fingerprint}`);
    const ts = verifyReceiptFile({ file, receipt, trustOnFirstUse: true });
    expect(ts.ok).toBe(true);
    expect(ts.verdict).toMatch(/^VERIFIED \(TRUST ON FIRST USE/);
  });

  it('takes the log key from a trust file: any key listed for the log, none for another log', async () => {
    const other = vkeyFor(ORIGIN, createKeyPair().publicKey);
    const elsewhere = vkeyFor('other.example/log', createKeyPair().publicKey);
    const trust = write('trust.txt', `# published by svidetel.example\nlog ${other}\nlog ${vkey}\nwitness ${witnessVkeyFor('w.example/1', createKeyPair().publicKey)}\n\n`);
    const ok = await script(file, receipt, ['--trust', trust]);
    expect([ok.code, ok.out]).toEqual([0, expect.stringContaining('checked with a key from your trust file')]);
    expect(verifyReceiptFile({ file, receipt, trustedLogKeys: parseTrustFile(fs.readFileSync(trust, 'utf8')).logKeys }).ok).toBe(true);

    const wrongLog = write('trust-other.txt', `log ${elsewhere}\n`);
    const refused = await script(file, receipt, ['--trust', wrongLog]);
    expect([refused.code, refused.out]).toEqual([1, expect.stringContaining('the trust file lists no key for log svidetel.example/log')]);
    expect(verifyReceiptFile({ file, receipt, trustedLogKeys: [elsewhere] }).failed).toBe('signature');
    expect(() => parseTrustFile('key something\n')).toThrow(/line 1/);
    // a witness line holds a cosignature key (type 0x04), not a log key
    expect(() => parseTrustFile(`witness ${elsewhere}\n`)).toThrow();
  });

  it('requires k of the trust file’s witnesses to have cosigned the head (both verifiers); a forged cosignature fails', async () => {
    const w1 = createKeyPair();
    const w2 = createKeyPair();
    const v1 = witnessVkeyFor('w1.example/w', w1.publicKey);
    const v2 = witnessVkeyFor('w2.example/w', w2.publicKey);
    const cosigned = JSON.parse(JSON.stringify(receipt)) as Receipt;
    const sth = cosigned.files[0]!.sth!;
    const text = splitNote(sth.checkpoint).text;
    sth.checkpoint = withSignatureLines(sth.checkpoint, [cosign(text, 1_800_000_000, w1.privateKey, 'w1.example/w'), cosign(text, 1_800_000_001, w2.privateKey, 'w2.example/w')]);
    const trust = write('trust-witnesses.txt', `log ${vkey}\nwitness ${v1}\nwitness ${v2}\n`);
    const keys = parseTrustFile(fs.readFileSync(trust, 'utf8'));
    const two = await script(file, cosigned, ['--trust', trust, '--witnesses', '2']);
    expect([two.code, two.out]).toEqual([0, expect.stringContaining('cosigned by 2 witness(es) you trust: w1.example/w, w2.example/w')]);
    expect(verifyReceiptFile({ file, receipt: cosigned, trustedLogKeys: keys.logKeys, trustedWitnessKeys: keys.witnessKeys, requiredWitnesses: 2 }).ok).toBe(true);

    const three = await script(file, cosigned, ['--trust', trust, '--witnesses', '3']);
    expect([three.code, three.out]).toEqual([1, expect.stringContaining('FAILED: cosignatures')]);
    expect(verifyReceiptFile({ file, receipt: cosigned, trustedLogKeys: keys.logKeys, trustedWitnessKeys: keys.witnessKeys, requiredWitnesses: 3 }).failed).toBe('cosignatures');
    // the receipt without cosignatures: refused when one is required
    expect((await script(file, receipt, ['--trust', trust, '--witnesses', '1'])).code).toBe(1);
    expect(verifyReceiptFile({ file, receipt, trustedLogKeys: keys.logKeys, trustedWitnessKeys: keys.witnessKeys, requiredWitnesses: 1 }).failed).toBe('cosignatures');

    // a cosignature over another checkpoint text (another history) does not count: it fails
    const forged = JSON.parse(JSON.stringify(receipt)) as Receipt;
    const fsth = forged.files[0]!.sth!;
    fsth.checkpoint = withSignatureLines(fsth.checkpoint, [cosign(text.replace(/\n13\n/, '\n14\n'), 1_800_000_000, w1.privateKey, 'w1.example/w')]);
    expect((await script(file, forged, ['--trust', trust, '--witnesses', '1'])).out).toContain('FAILED: cosignatures');
    expect(verifyReceiptFile({ file, receipt: forged, trustedLogKeys: keys.logKeys, trustedWitnessKeys: keys.witnessKeys, requiredWitnesses: 1 }).failed).toBe('cosignatures');
  });

  it.each(TAMPERINGS)('changing %s fails at "%s"', async (_what, expected, tamper) => {
    const r = copy();
    const bytes = tamper(r, Buffer.from(file)) ?? file;
    const { code, out } = await script(bytes, r);
    expect(code).not.toBe(0);
    expect(out).toContain(`FAILED: ${expected}\n`);
    expect(out).not.toContain('VERIFIED');
    const ts = verifyReceiptFile({ file: bytes, receipt: r, key: vkey });
    expect(ts.ok).toBe(false);
    expect(ts.failed).toBe(expected);
  });

  it('checks against a key given as vkey or PEM, and fails with another key', async () => {
    const pem = write('log.pem', publicKey.export({ format: 'pem', type: 'spki' }) as string);
    for (const k of [vkey, write('log.vkey', `${vkey}\n`), pem]) {
      const { code, out } = await script(file, receipt, ['--key', k]);
      expect(code).toBe(0);
      expect(out).toContain('checked with the key you gave');
    }
    const other = createKeyPair().publicKey;
    const otherPem = write('other.pem', other.export({ format: 'pem', type: 'spki' }) as string);
    for (const k of [vkeyFor(ORIGIN, other), otherPem]) {
      const { code, out } = await script(file, receipt, ['--key', k]);
      expect(code).toBe(1);
      expect(out).toContain('FAILED: signature');
      expect(verifyReceiptFile({ file, receipt, key: k.endsWith('.pem') ? other : k }).failed).toBe('signature');
    }
  });

  it('accepts a later proof bundle via --sth, and fails without any tree head', async () => {
    const b = write('bundle.json', JSON.stringify(bundle));
    const { code, out } = await script(file, receipt, ['--sth', b]);
    expect(code).toBe(0);
    expect(out).toContain(`tree of size ${bundle.sth.tree_size}`);
    expect(verifyReceiptFile({ file, receipt, sth: bundle, key: vkey }).ok).toBe(true);

    // A newer head alone does not fit the receipt's proof for the older size.
    const sthOnly = write('sth.json', JSON.stringify(bundle.sth));
    expect((await script(file, receipt, ['--sth', sthOnly])).out).toContain('FAILED: inclusion proof');

    const bare = copy();
    delete bare.files[0]!.sth;
    delete bare.files[0]!.inclusion_proof;
    bare.files[0]!.proof_url = 'https://svidetel.example/api/proof/9';
    const res = await script(file, bare);
    expect(res.code).toBe(1);
    expect(res.out).toContain('FAILED: signature');
    expect(res.out).toContain('https://svidetel.example/api/proof/9');
    expect((await script(file, bare, ['--sth', b])).code).toBe(0);
  });

  it('fails on a receipt whose key does not match its fingerprint (trusting it on first use)', async () => {
    const r = copy();
    r.key!.fingerprint = flipHexChar(r.key!.fingerprint);
    expect((await script(file, r, ['--trust-on-first-use'])).out).toContain('FAILED: signature');
    expect(verifyReceiptFile({ file, receipt: r, trustOnFirstUse: true }).failed).toBe('signature');
  });
});
