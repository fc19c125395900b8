/**
 * The transparency log end to end, over HTTP against the real API, worker, PostgreSQL and storage:
 * uploads get leaves and receipts, a forced tree head makes the proof bundle available, the
 * verifier CLI (and the standalone script) pass a genuine receipt and fail each tampering at the
 * right check, concurrent uploads get distinct gapless indices, the log continues consistently
 * across a restart on the same database and storage (same key), and bad inputs get clear 4xx.
 */
import { execFile } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createKeyPair, signCheckpoint, sthToJson, verifySthJson, vkeyFor, type SthJson } from '../../domain/transparency/checkpoint';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { hexBytes, leafFromJson } from '../../domain/transparency/leaf';
import { verifyConsistency, verifyInclusion } from '../../domain/transparency/merkle';
import { buildReceipt, receiptFile, type ProofBundle, type Receipt } from '../../domain/transparency/receipt';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, submissionForm, uploadSubmission, type UploadFile } from '../helpers/http';
import { ALL_CHECKS, formVersion } from '../helpers/moderation';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';
import { startWorker } from '../../worker/worker';
import { typescriptScript } from '../helpers/scripts';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../..');
const STANDALONE = path.join(ROOT, 'scripts/verify-receipt.mjs');
const FILES = ['xiaomi-mi-a1_gps_edited.jpg', 'macos-screenshot_noexif.png', 'apple-coremedia_nogps_portrait.mp4'];

type UploadResponse = {
  submissionId: string;
  files: { name: string; sha256: string; bytes: number; leaf: { index: number }; leafHash: string }[];
  log_receipt: Receipt;
  log_receipt_text: string;
};

/** Runs a command, returning its exit code and stdout instead of throwing on a non-zero exit. */
async function exec(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(cmd, args, { cwd: ROOT, timeout: 60_000 });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout}${e.stderr}` };
  }
}

const cli = (...args: string[]) => exec(process.execPath, [...typescriptScript('scripts/verify.ts'), ...args]);
const standalone = (...args: string[]) => exec(process.execPath, [STANDALONE, ...args]);

const flipHex = (s: string, at = 0) => s.slice(0, at) + (s[at] === '0' ? '1' : '0') + s.slice(at + 1);
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Flips one bit inside the Ed25519 signature of a signed note, keeping the encoding canonical. */
function flipSignatureBit(note: string): string {
  const m = /\n\u2014 (\S+) (\S+)\n$/u.exec(note)!;
  const blob = Buffer.from(m[2]!, 'base64');
  blob[40] ^= 0x01;
  return `${note.slice(0, m.index)}\n\u2014 ${m[1]} ${blob.toString('base64')}\n`;
}

describeWithFixtures('transparency log end to end', () => {
  let system: TestSystem;
  let databaseUrl: string;
  let storageDir: string;
  let dir: string;
  let uploads: UploadFile[];
  const env = () => ({ DATABASE_URL: databaseUrl, LOG_STH_INTERVAL_SECONDS: '3600', LOG_ORIGIN: 'svidetel.test/log' });
  const get = (p: string) => fetch(system.url + p);
  const getJson = async <T>(p: string): Promise<T> => {
    const res = await get(p);
    if (res.status !== 200) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const write = async (name: string, data: string | Buffer | object) => {
    const p = path.join(dir, name);
    await fs.writeFile(p, Buffer.isBuffer(data) || typeof data === 'string' ? data : JSON.stringify(data, null, 2));
    return p;
  };

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl('tlog_e2e');
    storageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-tlog-'));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-tlog-files-'));
    uploads = await Promise.all(FILES.map((f) => fileFromPath(fixturePath(f))));
    system = await startSystem({ env: env(), storageDir });
  });
  afterAll(async () => {
    await system?.stop();
    await fs.rm(storageDir, { recursive: true, force: true });
    await fs.rm(dir, { recursive: true, force: true });
  });

  let first: UploadResponse;
  let bundles: ProofBundle[];

  test('the key is created on first start, kept 0600 outside the database, and served', async () => {
    const keyFile = path.join(storageDir, 'keys', 'log-ed25519.pem');
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = await getJson<{ origin: string; vkey: string; fingerprint: string; public_key_pem: string }>('/api/v1/log/key');
    expect(key.origin).toBe('svidetel.test/log');
    expect(key.vkey).toMatch(/^svidetel\.test\/log\+[0-9a-f]{8}\+/);
    const wellKnown = await get('/.well-known/svidetel-log-key');
    expect(await wellKnown.text()).toBe(`${key.vkey}\n`);
    // The worker signed the empty tree on its first start.
    const sth = await getJson<SthJson>('/api/v1/log/sth');
    expect(sth.tree_size).toBe(0);
    expect(verifySthJson(sth, key.vkey).treeSize).toBe(0);
    const pub = createPublicKey(key.public_key_pem).export({ format: 'jwk' }).x!;
    expect(createHash('sha256').update(Buffer.from(pub, 'base64url')).digest('hex')).toBe(key.fingerprint);
  });

  test('an upload appends one leaf per file and answers with a receipt', async () => {
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, uploads);
    expect(res.status).toBe(201);
    first = (await res.json()) as UploadResponse;
    expect(first.files.map((f) => f.leaf.index)).toEqual([0, 1, 2]);
    const r = first.log_receipt;
    expect(r).toMatchObject({ version: 1, log_origin: 'svidetel.test/log' });
    expect(r.files.map((f) => [f.name, f.leaf_index, f.sha256, f.size])).toEqual(first.files.map((f, i) => [f.name, i, f.sha256, f.bytes]));
    for (const f of r.files) {
      expect(f.leaf_hash).toBe(first.files[f.leaf_index]!.leafHash);
      expect(f.proof_url).toBe(`${system.url}/api/v1/log/proof/bundle?leaf_hash=${f.leaf_hash}`);
      expect(f.sth).toBeUndefined();
    }
    // Nothing about the observer: only the log, its key and the files.
    expect(Object.keys(r).sort()).toEqual(['files', 'key', 'log_origin', 'promise_key', 'version']);
    expect(JSON.stringify(r)).not.toContain(first.submissionId);
    expect(first.log_receipt_text).toContain(r.files[0]!.leaf_hash);
    expect(first.log_receipt_text).toContain(r.key!.fingerprint);
    expect(first.log_receipt_text).toContain('says nothing about who sent');
  });

  test('the proof bundle is there once a tree head is signed, and proves inclusion', async () => {
    const before = await get(`/api/v1/log/proof/bundle?leaf_hash=${first.log_receipt.files[0]!.leaf_hash}`);
    expect(before.status).toBe(404);
    expect(((await before.json()) as { error: { code: string } }).error.code).toBe('not_yet_signed');

    const sth = await signTreeHeadIfGrown(system.workerCtx, { force: true });
    expect(sth?.tree_size).toBe(3);
    expect(await signTreeHeadIfGrown(system.workerCtx, { force: true })).toBeNull(); // not grown: no new head

    bundles = [];
    for (const f of first.log_receipt.files) {
      const bundle = await getJson<ProofBundle>(new URL(f.proof_url!).pathname + new URL(f.proof_url!).search);
      expect(bundle.sth.tree_size).toBe(3);
      const cp = verifySthJson(bundle.sth, first.log_receipt.key!.vkey);
      const proof = bundle.inclusion_proof.map((h) => hexBytes('proof', h, 32));
      expect(verifyInclusion(hexBytes('leaf', f.leaf_hash, 32), f.leaf_index, 3, proof, cp.rootHash)).toBe(true);
      bundles.push(bundle);
    }
  });

  test('the verifier CLI and the standalone script pass the genuine receipt', async () => {
    const receipt = await write('receipt.json', first.log_receipt);
    const key = await write('key.pem', (await getJson<{ public_key_pem: string }>('/api/v1/log/key')).public_key_pem);
    for (const [i, f] of first.log_receipt.files.entries()) {
      const file = await write(f.name, uploads[i]!.data);
      const bundle = await write(`bundle-${i}.json`, bundles[i]!);
      const a = await cli(file, '--receipt', receipt, '--sth', bundle, '--trust-on-first-use');
      expect(a.out).toContain('ok    file hash');
      expect(a.out).toContain('ok    inclusion proof');
      expect(a.out).toContain(`VERIFIED (TRUST ON FIRST USE of the receipt's own key ${first.log_receipt.key!.fingerprint}: proves nothing until you compare it with the published fingerprint): ${f.name}`);
      expect(a.code).toBe(0);
      const b = await cli(file, '--receipt', receipt, '--sth', bundle, '--key', key);
      expect(b.code).toBe(0);
      expect(b.out).toContain('the key you gave');
      const c = await standalone(file, '--receipt', receipt, '--sth', bundle, '--key', key);
      expect(c.out).toContain('VERIFIED');
      expect(c.code).toBe(0);
    }
    // Without a tree head: the signed inclusion promise, checked at once, and where to get the proof.
    for (const verifier of [cli, standalone]) {
      const none = await verifier(path.join(dir, first.log_receipt.files[0]!.name), '--receipt', receipt, '--key', key);
      expect([none.code, none.out]).toEqual([0, expect.stringContaining('ok    promise: the log promised leaf #0 in a signed tree head by')]);
      expect(none.out).toContain('PROMISED: ');
      expect(none.out).toContain(first.log_receipt.files[0]!.proof_url!);
    }
 }, 180_000);

  test('an impostor receipt (same log name, another key, received a year earlier) is refused by default by both verifiers', async () => {
    // What a forger without our key can make: the real file, a leaf moved back a year, a one-leaf
    // tree signed by a key of its own under our log's name, and that key inside the receipt.
    const impostor = createKeyPair();
    const origin = first.log_receipt.log_origin;
    const genuine = first.log_receipt.files[0]!;
    const record = leafFromJson({ ...genuine.leaf, received_at: genuine.leaf.received_at - 365 * 86_400_000, index: 0 });
    const forgedFile = receiptFile({ name: genuine.name, record });
    const cp = { origin, treeSize: 1, rootHash: hexBytes('leaf', forgedFile.leaf_hash, 32) };
    const bundle: ProofBundle = { leaf_index: 0, leaf_hash: forgedFile.leaf_hash, sth: sthToJson(signCheckpoint(cp, impostor.privateKey, origin), cp, new Date()), inclusion_proof: [] };
    const forged = buildReceipt(origin, vkeyFor(origin, impostor.publicKey), [forgedFile]);
    const args = [await write('impostor-evidence.jpg', uploads[0]!.data), '--receipt', await write('impostor-receipt.json', forged), '--sth', await write('impostor-bundle.json', bundle)];
    const realKey = (await getJson<{ vkey: string }>('/api/v1/log/key')).vkey;
    const trust = await write('trusted-keys.txt', `# keys published by the log, checked out of band\nlog ${realKey}\n`);

    for (const verifier of [cli, standalone]) {
      const byDefault = await verifier(...args);
      expect([byDefault.code, byDefault.out.match(/FAILED: .*/)?.[0], byDefault.out.includes('VERIFIED')]).toEqual([1, 'FAILED: signature', false]);
      expect(byDefault.out).toContain('no pinned log key');
      for (const pinned of [['--trust', trust], ['--key', realKey]]) {
        const refused = await verifier(...args, ...pinned);
        expect([refused.code, refused.out.match(/FAILED: .*/)?.[0], refused.out.includes('VERIFIED')]).toEqual([1, 'FAILED: signature', false]);
      }
      // Only when asked for explicitly is the receipt's own key trusted, and the verdict says so.
      const tofu = await verifier(...args, '--trust-on-first-use');
      expect(tofu.code).toBe(0);
      expect(tofu.out).toMatch(/VERIFIED \(TRUST ON FIRST USE/);
    }
  }, 120_000);

  test('a changed byte or any tampered receipt field fails at the check that catches it', async () => {
    const f = first.log_receipt.files[0]!;
    const data = uploads[0]!.data;
    const otherKey = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n';
    const logKey = (await getJson<{ public_key_pem: string }>('/api/v1/log/key')).public_key_pem;
    type Case = [string, string, { file?: Buffer; receipt?: (r: Receipt) => void; bundle?: (b: ProofBundle) => void; key?: string; tofu?: true }];
    const cases: Case[] = [
      ['one byte of the file', 'file hash', { file: Buffer.concat([data.subarray(0, 500), Buffer.of(data[500]! ^ 0x01), data.subarray(501)]) }],
      ['the file hash in the receipt', 'file hash', { receipt: (r) => void (r.files[0]!.sha256 = flipHex(r.files[0]!.sha256)) }],
      ['the size in the leaf', 'file hash', { receipt: (r) => void (r.files[0]!.leaf.size += 1) }],
      ['the received time', 'leaf hash', { receipt: (r) => void (r.files[0]!.leaf.received_at -= 3_600_000) }],
      ['the nonce', 'leaf hash', { receipt: (r) => void (r.files[0]!.leaf.nonce = flipHex(r.files[0]!.leaf.nonce)) }],
      ['the index', 'leaf hash', { receipt: (r) => void (r.files[0]!.leaf_index = 1) }],
      ['the index in leaf and receipt', 'leaf hash', { receipt: (r) => void ((r.files[0]!.leaf_index = 1), (r.files[0]!.leaf.index = 1)) }],
      ['the leaf hash', 'leaf hash', { receipt: (r) => void (r.files[0]!.leaf_hash = flipHex(r.files[0]!.leaf_hash)) }],
      ['the root hash of the head', 'signature', { bundle: (b) => void (b.sth.root_hash = flipHex(b.sth.root_hash)) }],
      ['the tree size of the head', 'signature', { bundle: (b) => void (b.sth.tree_size = 2) }],
      ['the signature', 'signature', { bundle: (b) => void (b.sth.checkpoint = flipSignatureBit(b.sth.checkpoint)) }],
      ['the key in the receipt, trusted on first use', 'signature', { receipt: (r) => void (r.key!.fingerprint = flipHex(r.key!.fingerprint)), tofu: true }],
      ['another trusted key', 'promise', { key: otherKey }],
      ['the promise', 'promise', { receipt: (r) => void (r.files[0]!.promise = r.files[1]!.promise) }],
      ['the inclusion proof', 'inclusion proof', { bundle: (b) => void (b.inclusion_proof[0] = flipHex(b.inclusion_proof[0]!)) }],
      ['the bundle for another leaf', 'inclusion proof', { bundle: (b) => void (b.leaf_index = 1) }],
    ];
    // Four at a time: each case runs both verifiers as child processes.
    const results: unknown[][] = [];
    for (let start = 0; start < cases.length; start += 4) {
      results.push(
        ...(await Promise.all(
          cases.slice(start, start + 4).map(async ([what, check, t], n) => {
            const receipt = clone(first.log_receipt);
            const bundle = clone(bundles[0]!);
            t.receipt?.(receipt);
            t.bundle?.(bundle);
            const sub = await fs.mkdtemp(path.join(dir, `case-${start + n}-`));
            const put = (name: string, content: string | Buffer | object) =>
              fs.writeFile(path.join(sub, name), Buffer.isBuffer(content) || typeof content === 'string' ? content : JSON.stringify(content)).then(() => path.join(sub, name));
            const args = [
              await put(f.name, t.file ?? data),
              '--receipt',
              await put('receipt.json', receipt),
              '--sth',
              await put('bundle.json', bundle),
              ...(t.tofu ? ['--trust-on-first-use'] : ['--key', await put('key.pem', t.key ?? logKey)]),
            ];
            const [a, b] = await Promise.all([cli(...args), standalone(...args)]);
            return [what, a.code, a.out.match(/FAILED: .*/)?.[0], b.code, b.out.match(/FAILED: .*/)?.[0], check];
          }),
        )),
      );
    }
    expect(results).toEqual(cases.map(([what, check]) => [what, 1, `FAILED: ${check}`, 1, `FAILED: ${check}`, check]));
  }, 300_000);

  test('the HTML receipt page offers the same receipt as JSON and text', async () => {
    const client = new Client(system.url);
    await client.page('/');
    const posted = await client.fetch('/submit', { method: 'POST', body: submissionForm({ _csrf: client.csrf, ...SUBMISSION_FIELDS }, [uploads[0]!]) });
    expect(posted.status).toBe(303);
    const res = await client.fetch(posted.headers.get('location')!);
    expect(res.status).toBe(200);
    const page = await res.text();
    const json = /id="log-receipt-json" href="data:application\/json;charset=utf-8,([^"]+)"/.exec(page)?.[1];
    const text = /id="log-receipt-text" href="data:text\/plain;charset=utf-8,([^"]+)"/.exec(page)?.[1];
    expect(json && text).toBeTruthy();
    const unescape = (s: string) => decodeURIComponent(s.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"'));
    const receipt = JSON.parse(unescape(json!)) as Receipt;
    expect(receipt.files[0]!.leaf_index).toBe(3);
    expect(unescape(text!)).toContain(receipt.files[0]!.leaf_hash);
    await signTreeHeadIfGrown(system.workerCtx, { force: true });
    const bundle = await getJson<ProofBundle>(`/api/v1/log/proof/bundle?leaf_hash=${receipt.files[0]!.leaf_hash}`);
    const ok = await cli(await write('page-file.jpg', uploads[0]!.data), '--receipt', await write('page-receipt.json', receipt), '--sth', await write('page-bundle.json', bundle), '--key', receipt.key!.vkey);
    expect(ok.out).toContain('VERIFIED');
    expect(ok.code).toBe(0);
  });

  test('concurrent uploads get distinct, gapless indices; a submission’s files are contiguous', async () => {
    const before = (await signTreeHeadIfGrown(system.workerCtx, { force: true }))?.tree_size ?? (await getJson<SthJson>('/api/v1/log/sth')).tree_size;
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, i % 2 ? [uploads[0]!, uploads[1]!] : [uploads[1]!]);
        expect(res.status).toBe(201);
        return (await res.json()) as UploadResponse;
      }),
    );
    for (const r of results) {
      const idx = r.files.map((f) => f.leaf.index);
      expect(idx).toEqual(idx.map((_, i) => idx[0]! + i));
    }
    const all = results.flatMap((r) => r.files.map((f) => f.leaf.index)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 15 }, (_, i) => before + i));

    const sth = await signTreeHeadIfGrown(system.workerCtx, { force: true });
    expect(sth?.tree_size).toBe(before + 15);
    const page = await getJson<{ leaves: { index: number; leaf_hash: string; record?: unknown }[] }>(`/api/v1/log/leaves?start=${before}&end=${before + 15}`);
    const byIndex = new Map(results.flatMap((r) => r.files.map((f) => [f.leaf.index, f.leafHash] as const)));
    expect(page.leaves.map((l) => [l.index, l.leaf_hash])).toEqual(all.map((i) => [i, byIndex.get(i)]));
    expect(page.leaves.every((l) => l.record === undefined)).toBe(true);
  });

  test('leaf records stay with the receipt holder, published or not (exact time and size are not public)', async () => {
    const moderator = await loggedInClient(system.ctx, system.url);
    const review = await moderator.page(`/moderation/submissions/${first.submissionId}`);
    const res = await moderator.postForm(`/moderation/submissions/${first.submissionId}/decision`, { action: 'verify_publish', version: formVersion(review.body), ...ALL_CHECKS, public_description: 'Снимок с участка.' });
    expect(res.status).toBe(303);
    const page = await getJson<{ leaves: Record<string, unknown>[] }>('/api/v1/log/leaves?start=0&end=4');
    expect(page.leaves.map((l) => Object.keys(l).sort())).toEqual(Array.from({ length: 4 }, () => ['index', 'leaf_hash']));
    expect(page.leaves.slice(0, 3).map((l) => l.leaf_hash)).toEqual(first.log_receipt.files.map((f) => f.leaf_hash));
  });

  test('bad log requests get a clear 4xx', async () => {
    const size = (await getJson<SthJson>('/api/v1/log/sth')).tree_size;
    const leaf = first.log_receipt.files[0]!.leaf_hash;
    const unknown = 'ab'.repeat(32);
    const cases: [string, number, RegExp][] = [
      [`/api/v1/log/sth/${size + 1}`, 400, /beyond the log/],
      ['/api/v1/log/sth/-1', 400, /non-negative whole number/],
      ['/api/v1/log/sth/1e3', 400, /non-negative whole number/],
      ['/api/v1/log/sth/99999999999999999999', 400, /non-negative whole number|too large/],
      ['/api/v1/log/sth/2', 404, /No tree head was signed at size 2/],
      ['/api/v1/log/sths?limit=0', 400, /limit/],
      ['/api/v1/log/sths?limit=5000', 400, /limit/],
      ['/api/v1/log/sths?before=x', 400, /before/],
      [`/api/v1/log/proof/inclusion?leaf_hash=${leaf}&tree_size=${size + 1}`, 400, /beyond the log/],
      [`/api/v1/log/proof/inclusion?leaf_hash=${leaf}&tree_size=0`, 400, /tree_size/],
      [`/api/v1/log/proof/inclusion?leaf_hash=${first.log_receipt.files[2]!.leaf_hash}&tree_size=2`, 400, /not in the tree of size 2/],
      [`/api/v1/log/proof/inclusion?leaf_hash=${unknown}&tree_size=${size}`, 404, /no leaf with hash/],
      [`/api/v1/log/proof/inclusion?leaf_hash=xyz&tree_size=${size}`, 400, /64 hexadecimal digits/],
      [`/api/v1/log/proof/inclusion?leaf_hash=${leaf.slice(2)}&tree_size=${size}`, 400, /64 hexadecimal digits/],
      [`/api/v1/log/proof/inclusion?tree_size=${size}`, 400, /leaf_hash/],
      [`/api/v1/log/proof/inclusion?leaf_hash=${leaf}&leaf_hash=${leaf}&tree_size=${size}`, 400, /leaf_hash/],
      ['/api/v1/log/proof/consistency?first=3&second=2', 400, /must not be larger/],
      [`/api/v1/log/proof/consistency?first=1&second=${size + 1}`, 400, /beyond the log/],
      ['/api/v1/log/proof/consistency?first=1', 400, /second/],
      ['/api/v1/log/proof/consistency?first=a&second=2', 400, /first/],
      ['/api/v1/log/leaves?start=5&end=5', 400, /must be larger/],
      ['/api/v1/log/leaves?start=5&end=2', 400, /must be larger/],
      ['/api/v1/log/leaves?start=0&end=100000', 400, /At most 1000 leaves/],
      [`/api/v1/log/leaves?start=0&end=${size + 1}`, 400, /beyond the log/],
      ['/api/v1/log/leaves?start=0', 400, /end/],
      [`/api/v1/log/proof/bundle?leaf_hash=${unknown}`, 404, /no leaf with hash/],
      ['/api/v1/log/proof/bundle?leaf_hash=', 400, /64 hexadecimal digits/],
    ];
    for (const [url, status, message] of cases) {
      const res = await get(url);
      const body = (await res.json()) as { error?: { message: string } };
      expect([url, res.status, message.test(body.error?.message ?? '')]).toEqual([url, status, true]);
    }
  });

  test('after a restart on the same database and storage the log continues consistently, same key', async () => {
    const key = await getJson<{ vkey: string }>('/api/v1/log/key');
    const state = path.join(dir, 'monitor.json');
    const refused = await cli('--monitor', system.url, '--state', state);
    expect([refused.code, refused.out]).toEqual([1, expect.stringContaining('FAILED: key')]);
    const m1 = await cli('--monitor', system.url, '--state', state, '--key', key.vkey);
    expect(m1.out).toContain('CONSISTENT');
    expect(m1.code).toBe(0);
    const old = await getJson<SthJson>('/api/v1/log/sth');

    await system.stop();
    system = await startSystem({ env: env(), storageDir });
    expect((await getJson<{ vkey: string }>('/api/v1/log/key')).vkey).toBe(key.vkey);
    expect((await getJson<SthJson>('/api/v1/log/sth')).root_hash).toBe(old.root_hash);

    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [uploads[2]!]);
    const after = (await res.json()) as UploadResponse;
    expect(after.files[0]!.leaf.index).toBe(old.tree_size);
    const sth = (await signTreeHeadIfGrown(system.workerCtx, { force: true }))!;
    expect(sth.tree_size).toBe(old.tree_size + 1);
    const proof = await getJson<{ consistency_proof: string[] }>(`/api/v1/log/proof/consistency?first=${old.tree_size}&second=${sth.tree_size}`);
    const cpOld = verifySthJson(old, key.vkey);
    const cpNew = verifySthJson(sth, key.vkey);
    expect(verifyConsistency(old.tree_size, sth.tree_size, cpOld.rootHash, cpNew.rootHash, proof.consistency_proof.map((h) => hexBytes('p', h, 32)))).toBe(true);

    // The monitor follows the new head from the one it saw before the restart…
    const m2 = await cli('--monitor', system.url.replace(/\/?$/, '/'), '--state', state);
    expect(m2.out).toContain(`size ${old.tree_size} → ${sth.tree_size}`);
    expect(m2.code).toBe(0);
    // …and fails when what it stored disagrees with the server (as after a rewrite of the log).
    const saved = JSON.parse(await fs.readFile(state, 'utf8')) as { sths: SthJson[] };
    saved.sths[saved.sths.length - 1]!.root_hash = flipHex(saved.sths[saved.sths.length - 1]!.root_hash);
    await fs.writeFile(state, JSON.stringify(saved));
    const m3 = await cli('--monitor', system.url, '--state', state);
    expect(m3.out).toContain('FAILED: state');
    expect(m3.code).toBe(1);
    // A different pinned key fails too.
    const m4 = await cli('--monitor', system.url, '--state', path.join(dir, 'other.json'), '--key', 'svidetel.test/log+00000000+AQ==');
    expect(m4.out).toContain('FAILED: key');
    expect(m4.code).toBe(1);
  }, 180_000);

  test('neither the API nor the worker starts under another LOG_ORIGIN once the log has entries', async () => {
    const refusal = /LOG_ORIGIN is svidetel\.test\/renamed, but this log's entries were signed as svidetel\.test\/log\..*set LOG_ORIGIN=svidetel\.test\/log/s;
    await expect(startSystem({ env: { ...env(), LOG_ORIGIN: 'svidetel.test/renamed' }, storageDir })).rejects.toThrow(refusal);
    const renamed = { ...system.workerCtx, config: { ...system.workerCtx.config, logOrigin: 'svidetel.test/renamed' } };
    await expect(startWorker(renamed)).rejects.toThrow(refusal);
  });
});
