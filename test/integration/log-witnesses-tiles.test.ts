/**
 * The log's trust from outside, end to end over HTTP against the real API, PostgreSQL and storage,
 * with two witnesses run by `npm run witness`'s own code (scripts/witness.ts, real HTTP and state
 * files): the worker sends each head to both; witness A cosigns; witness B was shown a fork of the
 * log (a head of the same size with another root, signed with the log's key) and refuses the real
 * one, which raises an alarm. The head is served with A's cosignature, both verifiers accept it
 * with --witnesses 1 and refuse it with --witnesses 2. The log is served as C2SP tlog-tiles
 * (checkpoint, tiles, immutable), written to the blob store, and the proofs computed from tiles
 * equal the API's. Each head is time-stamped (RFC 3161) by a local `openssl ts` authority, and the
 * verifier checks the time-stamp against the pinned authority's certificate. Receipts carry an
 * inclusion promise checkable at once.
 */
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createKeyPair, signCheckpoint, splitNote, sthToJson, verifyCheckpoint, vkeyFor, type SthJson } from '../../domain/transparency/checkpoint';
import { verifyCosignatures } from '../../domain/transparency/cosignature';
import { appendLeaves } from '../../domain/transparency/log.service';
import { consistencyProof, inclusionProof, rootAt, verifyInclusion } from '../../domain/transparency/merkle';
import { TileHashSource, tilePath } from '../../domain/transparency/tiles';
import { formatAddCheckpoint } from '../../domain/transparency/witness';
import { delegatePromiseKeys, publishLogKey, signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { uploadReceipt } from '../../domain/transparency/log.service';
import { leafToJson } from '../../domain/transparency/leaf';
import type { ProofBundle } from '../../domain/transparency/receipt';
import { verifyReceiptFile } from '../../domain/transparency/verify';
import { memoryPromiseSigner } from '../../infra/log-signer/memory-promise-key';
import { fileWitnessStore, startWitness, type RunningWitness } from '../../scripts/witness';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';
import { startLocalTsa, type LocalTsa } from '../helpers/local-tsa';
import { typescriptScript } from '../helpers/scripts';

const ORIGIN = 'svidetel.witnessed/log';
const ROOT = path.join(__dirname, '../..');

async function exec(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, { cwd: ROOT, timeout: 60_000 });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout}${e.stderr}` };
  }
}

describe('witnesses and tiles', () => {
  let system: TestSystem;
  let storageDir: string;
  let dir: string;
  const witnesses: RunningWitness[] = [];
  let tsa: LocalTsa;
  const keys = { a: createKeyPair(), b: createKeyPair() };
  const get = (p: string) => fetch(system.url + p);
  const getJson = async <T>(p: string) => (await (await get(p)).json()) as T;
  let logVkey: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-witness-'));
    storageDir = path.join(dir, 'storage');
    // The log's key exists before the witnesses start: they are configured with it.
    const logKey = createKeyPair();
    await fs.mkdir(path.join(storageDir, 'keys'), { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(storageDir, 'keys', 'log-ed25519.pem'), logKey.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    logVkey = vkeyFor(ORIGIN, logKey.publicKey);
    for (const [name, key] of [['a.witness.test/w', keys.a], ['b.witness.test/w', keys.b]] as const) {
      witnesses.push(await startWitness({ name, privateKey: key.privateKey, logVkeys: [logVkey], store: await fileWitnessStore(path.join(dir, `${name.split('.')[0]}-state.json`)) }));
    }
    tsa = await startLocalTsa();
    const env = {
      LOG_TSA_URL: tsa.url,
      DATABASE_URL: await freshDatabaseUrl('witnessed'),
      LOG_ORIGIN: ORIGIN,
      LOG_STH_INTERVAL_SECONDS: '3600',
      LOG_WITNESSES: witnesses.map((w) => `${w.url} ${w.vkey}`).join(', '),
    };
    system = await startSystem({ env, storageDir, worker: false });
    // 300 leaves: one full level-0 tile and a partial one.
    await system.workerCtx.transaction((tx) => appendLeaves(tx, Array.from({ length: 300 }, () => ({ sha256: randomBytes(32), size: 1000, receivedAt: Date.now() }))));
  });
  afterAll(async () => {
    await system?.stop();
    await Promise.all(witnesses.map((w) => w.close()));
    await tsa?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  let sth: SthJson;
  let earlierToken: string | undefined;

  test('witness B, shown a fork, refuses the real head (alarm); witness A cosigns it, and the head is served with A’s cosignature', async () => {
    // Someone was shown another history at size 300, signed with the log's key: B cosigned it.
    const logPrivate = createPrivateKey(await fs.readFile(path.join(storageDir, 'keys', 'log-ed25519.pem'), 'utf8'));
    const forkNote = signCheckpoint({ origin: ORIGIN, treeSize: 300, rootHash: randomBytes(32) }, logPrivate, ORIGIN);
    const fork = await fetch(`${witnesses[1]!.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint(0, [], forkNote) });
    expect(fork.status).toBe(200);

    const signed = await signTreeHeadIfGrown(system.workerCtx, { force: true });
    expect(signed?.tree_size).toBe(300);
    sth = await getJson<SthJson>('/api/v1/log/sth');
    expect(sth.rfc3161_timestamp).toMatchObject({ tsa_url: tsa.url, gen_time: expect.any(String) });
    earlierToken = sth.rfc3161_timestamp!.token;
    const [a, b] = witnesses.map((w) => w.vkey);
    expect(verifyCosignatures(sth.checkpoint, [a!, b!]).map((c) => c.witness)).toEqual(['a.witness.test/w']);
    const alarms = await system.ownerDb.query<{ subject: string; detail: string }>("SELECT subject, detail FROM integrity_alarms WHERE kind = 'log_witness_refused' AND resolved_at IS NULL");
    expect(alarms.rows).toEqual([{ subject: expect.stringMatching(/^b\.witness\.test\/w\+/), detail: expect.stringContaining('HTTP 409') }]);
    // B kept both heads as proof of the fork.
    const state = JSON.parse(await fs.readFile(path.join(dir, 'b-state.json'), 'utf8')) as { conflicts: { cosigned: string; refused: string }[] };
    expect(state.conflicts).toEqual([expect.objectContaining({ cosigned: forkNote, refused: expect.stringContaining('\n300\n') })]);

    // The next head: A gets a consistency proof from 300 and cosigns again; B still refuses.
    await system.workerCtx.transaction((tx) => appendLeaves(tx, Array.from({ length: 20 }, () => ({ sha256: randomBytes(32), size: 1, receivedAt: Date.now() }))));
    await signTreeHeadIfGrown(system.workerCtx, { force: true });
    const next = await getJson<SthJson>('/api/v1/log/sth');
    expect(next.tree_size).toBe(320);
    expect(verifyCosignatures(next.checkpoint, [a!, b!]).map((c) => c.witness)).toEqual(['a.witness.test/w']);
  });

  test('tlog-tiles: checkpoint and tiles served and in the blob store; proofs from tiles equal the API’s', async () => {
    const res = await get('/log/checkpoint');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const note = await res.text();
    const cp = verifyCheckpoint(note, logVkey);
    expect(cp.treeSize).toBe(320);
    expect(verifyCosignatures(note, [witnesses[0]!.vkey])).toHaveLength(1);
    expect(await fs.readFile(path.join(storageDir, 'log', 'checkpoint'), 'utf8')).toBe(note);

    const fetched: string[] = [];
    const tiles = new TileHashSource(cp.treeSize, async (p) => {
      const r = await get(`/log/${p}`);
      expect([p, r.status, r.headers.get('cache-control')]).toEqual([p, 200, 'public, max-age=31536000, immutable']);
      const bytes = Buffer.from(await r.arrayBuffer());
      // the same bytes as the blob store's static copy
      expect(await fs.readFile(path.join(storageDir, 'log', ...p.split('/')))).toEqual(bytes);
      fetched.push(p);
      return bytes;
    });
    expect(await rootAt(tiles, cp.treeSize)).toEqual(cp.rootHash);
    const leaves = await getJson<{ leaves: { leaf_hash: string }[] }>('/api/v1/log/leaves?start=0&end=320');
    for (const i of [0, 255, 256, 299, 319]) {
      const h = leaves.leaves[i]!.leaf_hash;
      const api = await getJson<{ inclusion_proof: string[] }>(`/api/v1/log/proof/inclusion?leaf_hash=${h}&tree_size=320`);
      const fromTiles = await inclusionProof(tiles, i, cp.treeSize);
      expect(fromTiles.map((x) => x.toString('hex'))).toEqual(api.inclusion_proof);
      expect(verifyInclusion(Buffer.from(h, 'hex'), i, 320, fromTiles, cp.rootHash)).toBe(true);
    }
    const api = await getJson<{ consistency_proof: string[] }>('/api/v1/log/proof/consistency?first=300&second=320');
    expect((await consistencyProof(tiles, 300, 320)).map((x) => x.toString('hex'))).toEqual(api.consistency_proof);
    expect(fetched.sort()).toEqual(['tile/0/000', 'tile/0/001.p/64', 'tile/1/000.p/1']);
    // the partial tile of the older head (300) stays, for checkpoints of that size
    expect((await get(`/log/${tilePath({ level: 0, index: 1, width: 44 })}`)).status).toBe(200);
  });

  test('no tile beyond the signed head, no entry bundles (records are private), nothing but tile paths', async () => {
    for (const p of ['/log/tile/0/001.p/65', '/log/tile/0/002', '/log/tile/entries/000', '/log/tile/0/x000/001', '/log/tile/0/..%2F..%2Fkeys']) {
      const r = await get(p);
      expect([p, r.status]).toEqual([p, 404]);
    }
  });

  test('an inclusion promise at upload: given once the log key vouches for the API’s promise key, checkable at once, kept (else an alarm)', async () => {
    const record = (index: number) => ({ name: `f${index}.jpg`, leaf: { version: 1 as const, sha256: randomBytes(32).toString('hex'), size: 10, received_at: Date.now(), nonce: randomBytes(16).toString('hex'), index } });
    // Before the worker vouched for this API's promise key: a receipt without a promise.
    expect((await uploadReceipt(system.ctx, [record(320)], system.url)).receipt.promise_key).toBeUndefined();
    expect(await delegatePromiseKeys(system.workerCtx)).toBe(1);
    const [leaf] = await system.workerCtx.transaction((tx) => appendLeaves(tx, [{ sha256: randomBytes(32), size: 7, receivedAt: Date.now() }]));
    const { receipt, text } = await uploadReceipt(system.ctx, [{ name: 'e.jpg', leaf: leafToJson(leaf!.record) }], system.url);
    expect(receipt.promise_key).toContain('svidetel promise key v1\n');
    expect(receipt.files[0]!.promise).toContain(`\n${leaf!.index}\n`);
    expect(text).toContain('Promised:');
    const file = { sha256: leaf!.record.sha256, size: 7 };
    const promised = verifyReceiptFile({ file, receipt, key: logVkey });
    expect([promised.ok, promised.verdict]).toEqual([true, expect.stringMatching(/^PROMISED: .* by /)]);
    // A promise signed by a key the log did not vouch for is refused.
    const forged = JSON.parse(JSON.stringify(receipt)) as typeof receipt;
    forged.files[0]!.promise = memoryPromiseSigner(ORIGIN).signNote(forged.files[0]!.promise!.split('\n\n')[0]! + '\n');
    expect(verifyReceiptFile({ file, receipt: forged, key: logVkey }).failed).toBe('promise');

    // Kept: the next head covers it and the receipt verifies with its proof.
    await signTreeHeadIfGrown(system.workerCtx, { force: true });
    const bundle = await getJson<ProofBundle>(`/api/v1/log/proof/bundle?leaf_hash=${receipt.files[0]!.leaf_hash}`);
    const tsaCertificate = new X509Certificate(tsa.certPem);
    const verified = verifyReceiptFile({ file, receipt, sth: bundle, key: logVkey, tsaCertificate });
    expect(verified.steps.map((s) => s.check)).toEqual(['file hash', 'leaf hash', 'promise', 'signature', 'timestamp', 'inclusion proof']);
    expect(verified.steps[4]!.detail).toMatch(/time-stamped .* by CN=Svidetel test TSA \(the authority you pinned\)/);
    expect(verified.verdict).toMatch(/^VERIFIED/);
    // The RFC 3161 anchor: another authority's certificate, a token for another head, a flipped byte: refused.
    const other = await startLocalTsa();
    await other.close();
    expect(verifyReceiptFile({ file, receipt, sth: bundle, key: logVkey, tsaCertificate: new X509Certificate(other.certPem) }).failed).toBe('timestamp');
    const moved = JSON.parse(JSON.stringify(bundle)) as ProofBundle;
    moved.sth.rfc3161_timestamp!.token = earlierToken!;
    expect(verifyReceiptFile({ file, receipt, sth: moved, key: logVkey, tsaCertificate }).failed).toBe('timestamp');
    const flipped = JSON.parse(JSON.stringify(bundle)) as ProofBundle;
    const raw = Buffer.from(flipped.sth.rfc3161_timestamp!.token, 'base64');
    raw[raw.length - 10]! ^= 1;
    flipped.sth.rfc3161_timestamp!.token = raw.toString('base64');
    expect(verifyReceiptFile({ file, receipt, sth: flipped, key: logVkey, tsaCertificate }).failed).toBe('timestamp');

    // Not kept: a leaf waiting longer than the promised delay raises log_promise_late.
    await system.workerCtx.transaction((tx) => appendLeaves(tx, [{ sha256: randomBytes(32), size: 7, receivedAt: Date.now() }]));
    await new Promise((r) => setTimeout(r, 50));
    await delegatePromiseKeys({ ...system.workerCtx, config: { ...system.workerCtx.config, logSthIntervalMs: 10 } });
    const late = await system.ownerDb.query("SELECT detail FROM integrity_alarms WHERE kind = 'log_promise_late' AND resolved_at IS NULL");
    expect(late.rows).toEqual([{ detail: expect.stringContaining('promised delay') }]);
    await signTreeHeadIfGrown(system.workerCtx, { force: true });
    await delegatePromiseKeys(system.workerCtx);
    expect((await system.ownerDb.query("SELECT 1 FROM integrity_alarms WHERE kind = 'log_promise_late' AND resolved_at IS NULL")).rowCount).toBe(0);
  });

  test('the monitor audits every leaf from the tiles, keeps one entry per head, and reports a fork, a rollback and a rewrite of the leaves with both signed checkpoints', async () => {
    await publishLogKey(system.workerCtx);
    const state = path.join(dir, 'monitor.json');
    const monitor = (file = state) => exec(process.execPath, [...typescriptScript('scripts/verify.ts'), '--monitor', system.url, '--state', file, '--key', logVkey]);
    const m1 = await monitor();
    expect([m1.code, m1.out]).toEqual([0, expect.stringContaining('every leaf audited')]);
    expect(m1.out).toMatch(/ok {4}audit: root of size \d+ recomputed from all \d+ leaf hashes/);
    const saved = JSON.parse(await fs.readFile(state, 'utf8')) as { sths: SthJson[]; audit: { size: number } };
    // No new head: nothing appended to the state (each head once).
    expect((await monitor()).code).toBe(0);
    const again = JSON.parse(await fs.readFile(state, 'utf8')) as { sths: SthJson[] };
    expect(again.sths.map((x) => x.tree_size)).toEqual(saved.sths.map((x) => x.tree_size));
    expect(new Set(again.sths.map((x) => x.tree_size)).size).toBe(again.sths.length);

    const logPrivate = createPrivateKey(await fs.readFile(path.join(storageDir, 'keys', 'log-ed25519.pem'), 'utf8'));
    const forged = (size: number) => {
      const cp = { origin: ORIGIN, treeSize: size, rootHash: randomBytes(32) };
      return sthToJson(signCheckpoint(cp, logPrivate, ORIGIN), cp, new Date());
    };
    const withLast = async (name: string, last: SthJson) => {
      const file = path.join(dir, name);
      await fs.writeFile(file, JSON.stringify({ ...saved, sths: [...saved.sths.slice(0, -1), last] }));
      return file;
    };
    // We were shown another head of the latest size: a fork; a larger one than the log now has: a rollback.
    const latestSize = saved.sths.at(-1)!.tree_size;
    for (const [kind, last] of [['FORK', forged(latestSize)], ['ROLLBACK', forged(latestSize + 100)]] as const) {
      const file = await withLast(`${kind}.json`, last);
      const r = await monitor(file);
      expect([r.code, r.out]).toEqual([1, expect.stringContaining(`${kind}: `)]);
      expect(r.out).toContain(last.checkpoint);
      const evidence = JSON.parse(await fs.readFile(`${file}.evidence.json`, 'utf8')) as { kind: string; seen: SthJson; served: SthJson }[];
      expect(evidence).toEqual([expect.objectContaining({ kind: kind.toLowerCase(), seen: last, served: expect.objectContaining({ checkpoint: expect.stringContaining(`\n${kind === 'FORK' ? latestSize : latestSize}\n`) }) })]);
    }
    // A leaf hash changed in the served tiles: the signed root is not the root of the leaves.
    const tileFile = path.join(storageDir, 'log', 'tile', '0', '000');
    const tile = await fs.readFile(tileFile);
    tile[5]! ^= 1;
    await fs.writeFile(tileFile, tile);
    const fresh = await monitor(path.join(dir, 'fresh.json'));
    expect([fresh.code, fresh.out]).toEqual([1, expect.stringContaining('LEAVES: the leaf hashes the log serves give root')]);
  });

  test('splitNote keeps the log signature first: a verifier that knows no witness sees one signature it checks', () => {
    expect(splitNote(sth.checkpoint).signatures.map((s) => s.name)).toEqual([ORIGIN, 'a.witness.test/w']);
  });
});
