/**
 * The transparency log as a service: signs tree heads, serves them and the proofs between them,
 * and builds upload receipts. The pure parts (tree, leaf, checkpoint, receipt) are in this folder,
 * storage of the tree is db/transparency.repo.ts, and the private key is a file (LOG_KEY_PATH)
 * created on first use, outside the database.
 *
 * Proofs and leaves are served for trees up to the latest SIGNED head only: what a client can
 * check against a signature.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as repo from '../../db/transparency.repo';
import type { AppContext } from '../context';
import { AppError, badRequest } from '../errors';
import { createLogKeyFile, readLogKeyFile } from '../storage/storage';
import { createKeyPair, keyFingerprint, keyId, rawPublicKey, signCheckpoint, sthToJson, verifyCheckpoint, vkeyFor, type SthJson } from './checkpoint';
import { leafFromJson, type LeafJson } from './leaf';
import { consistencyProof as merkleConsistencyProof, inclusionProof, rootAt } from './merkle';
import { buildReceipt, receiptFile, type ProofBundle, type Receipt } from './receipt';

/** Most leaves one /log/leaves request returns. */
export const MAX_LEAVES_PER_REQUEST = 1000;
/** Most tree heads one /log/sths request returns. */
export const MAX_STHS_PER_REQUEST = 1000;

type LogKey = {
  name: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  vkey: string;
  keyIdHex: string;
  fingerprint: string;
  publicPem: string;
};

const keys = new Map<string, Promise<LogKey>>();

async function readOrCreateKey(ctx: AppContext): Promise<LogKey> {
  const keyPath = ctx.config.logKeyPath;
  let pem = await readLogKeyFile(keyPath);
  let created = false;
  if (pem === null) {
    const pair = createKeyPair();
    ({ pem, created } = await createLogKeyFile(keyPath, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the transparency log key file (LOG_KEY_PATH) does not hold an Ed25519 private key');
  const publicKey = createPublicKey(privateKey);
  const name = ctx.config.logOrigin;
  const raw = rawPublicKey(publicKey);
  const key: LogKey = {
    name,
    privateKey,
    publicKey,
    vkey: vkeyFor(name, publicKey),
    keyIdHex: keyId(name, raw).toString('hex'),
    fingerprint: keyFingerprint(raw),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
  if (created) ctx.log.info({ fingerprint: key.fingerprint, vkey: key.vkey }, 'created the transparency log key');
  return key;
}

/** The log key, read (or created) once per process and key path. */
function logKey(ctx: AppContext): Promise<LogKey> {
  const id = `${ctx.config.logKeyPath}\n${ctx.config.logOrigin}`;
  let key = keys.get(id);
  if (!key) {
    key = readOrCreateKey(ctx).catch((err: unknown) => {
      keys.delete(id);
      throw err;
    });
    keys.set(id, key);
  }
  return key;
}

const originOf = (note: string) => note.slice(0, note.indexOf('\n'));

function present(sth: repo.StoredSth): SthJson {
  return sthToJson(sth.note, { origin: originOf(sth.note), treeSize: sth.treeSize, rootHash: sth.rootHash }, sth.signedAt);
}

const hex = (proof: readonly Buffer[]) => proof.map((h) => h.toString('hex'));

/**
 * Signs a tree head for the current log size when the log grew since the latest one and that one
 * is at least LOG_STH_INTERVAL_SECONDS old (`force` skips the wait: tests, tools). The first call
 * on an empty log signs the empty tree. Returns the new head, or null when none was due.
 * Refuses to sign when the latest head is not signed by this key and origin: a lost key or a
 * changed LOG_ORIGIN would otherwise fork the log silently.
 */
export async function signTreeHeadIfGrown(ctx: AppContext, opts: { force?: boolean } = {}): Promise<SthJson | null> {
  const key = await logKey(ctx);
  const [size, latest] = await Promise.all([repo.logSize(ctx.db), repo.getSth(ctx.db)]);
  if (latest) {
    if (latest.treeSize >= size) return null;
    if (!opts.force && Date.now() - latest.signedAt.getTime() < ctx.config.logSthIntervalMs) return null;
    try {
      verifyCheckpoint(latest.note, key.vkey);
    } catch (err) {
      throw new Error(
        `not signing: the latest tree head (size ${latest.treeSize}, log ${originOf(latest.note)}) does not verify with the key at ` +
          `LOG_KEY_PATH for LOG_ORIGIN ${key.name} (${(err as Error).message}); restore the original key file and origin`,
      );
    }
  }
  const rootHash = await repo.withStoredSubtrees(ctx.db, (src) => rootAt(src, size));
  const note = signCheckpoint({ origin: key.name, treeSize: size, rootHash }, key.privateKey, key.name);
  const stored = await repo.insertSth(ctx.db, { treeSize: size, rootHash, signedAt: new Date(), note });
  return present(stored);
}

async function requireLatest(ctx: AppContext): Promise<repo.StoredSth> {
  const latest = await repo.getSth(ctx.db);
  if (!latest) throw new AppError(404, 'no_tree_head', 'The log has no signed tree head yet; try again in a few seconds.');
  return latest;
}

function withinTree(what: string, size: number, latest: repo.StoredSth): void {
  if (size > latest.treeSize) {
    throw badRequest('beyond_tree', `${what} ${size} is beyond the log: the latest signed tree head has size ${latest.treeSize}.`);
  }
}

export async function latestSth(ctx: AppContext): Promise<SthJson> {
  return present(await requireLatest(ctx));
}

export async function sthAt(ctx: AppContext, size: number): Promise<SthJson> {
  withinTree('Tree size', size, await requireLatest(ctx));
  const sth = await repo.getSth(ctx.db, size);
  if (!sth) throw new AppError(404, 'no_tree_head', `No tree head was signed at size ${size}; /api/v1/log/sths lists those that were.`);
  return present(sth);
}

/** Tree heads newest first; `before` pages to those with a smaller size. */
export async function listSths(ctx: AppContext, opts: { before?: number; limit: number }): Promise<SthJson[]> {
  const sths = await repo.listSths(ctx.db, { limit: Math.min(opts.limit, MAX_STHS_PER_REQUEST), ...(opts.before === undefined ? {} : { beforeSize: opts.before }) });
  return sths.map(present);
}

async function requireLeaf(ctx: AppContext, leafHash: Buffer): Promise<repo.StoredLeaf> {
  const leaf = await repo.leafByHash(ctx.db, leafHash);
  if (!leaf) throw new AppError(404, 'unknown_leaf', `The log has no leaf with hash ${leafHash.toString('hex')}.`);
  return leaf;
}

export async function inclusionProofFor(
  ctx: AppContext,
  leafHash: Buffer,
  treeSize: number,
): Promise<{ leaf_index: number; leaf_hash: string; tree_size: number; inclusion_proof: string[] }> {
  withinTree('Tree size', treeSize, await requireLatest(ctx));
  const leaf = await requireLeaf(ctx, leafHash);
  if (leaf.index >= treeSize) {
    throw badRequest('leaf_not_in_tree', `Leaf #${leaf.index} is not in the tree of size ${treeSize}: it is in trees of size ${leaf.index + 1} and larger.`);
  }
  const proof = await repo.withStoredSubtrees(ctx.db, (src) => inclusionProof(src, leaf.index, treeSize));
  return { leaf_index: leaf.index, leaf_hash: leaf.leafHash.toString('hex'), tree_size: treeSize, inclusion_proof: hex(proof) };
}

export async function consistencyProof(ctx: AppContext, first: number, second: number): Promise<{ first: number; second: number; consistency_proof: string[] }> {
  if (first > second) throw badRequest('bad_range', `first (${first}) must not be larger than second (${second}).`);
  withinTree('second', second, await requireLatest(ctx));
  const proof = await repo.withStoredSubtrees(ctx.db, (src) => merkleConsistencyProof(src, first, second));
  return { first, second, consistency_proof: hex(proof) };
}

export type PublicLeaf = { index: number; leaf_hash: string };

/**
 * Leaf hashes of [start, end), never the records: a record holds the exact receive time (ms) and
 * size, which with an ISP's traffic records can name the sender, and its index, which the tree
 * heads' times place within one signing interval. The record is the receipt holder's to show.
 */
export async function leaves(ctx: AppContext, start: number, end: number): Promise<{ start: number; end: number; leaves: PublicLeaf[] }> {
  if (end <= start) throw badRequest('bad_range', `end (${end}) must be larger than start (${start}).`);
  if (end - start > MAX_LEAVES_PER_REQUEST) throw badRequest('bad_range', `At most ${MAX_LEAVES_PER_REQUEST} leaves per request (asked for ${end - start}).`);
  withinTree('end', end, await requireLatest(ctx));
  const rows = await repo.leafRange(ctx.db, start, end);
  return { start, end, leaves: rows.map((l) => ({ index: l.index, leaf_hash: l.leafHash.toString('hex') })) };
}

/** What a receipt's proof_url serves: the inclusion proof of a leaf in the latest signed head. */
export async function proofBundle(ctx: AppContext, leafHash: Buffer): Promise<ProofBundle> {
  const latest = await requireLatest(ctx);
  const leaf = await requireLeaf(ctx, leafHash);
  if (leaf.index >= latest.treeSize) {
    throw new AppError(
      404,
      'not_yet_signed',
      `Leaf #${leaf.index} is not in a signed tree head yet (the latest covers ${latest.treeSize} leaves); ` +
        `one is signed within about ${Math.ceil(ctx.config.logSthIntervalMs / 1000)} seconds.`,
    );
  }
  const proof = await repo.withStoredSubtrees(ctx.db, (src) => inclusionProof(src, leaf.index, latest.treeSize));
  return { leaf_index: leaf.index, leaf_hash: leaf.leafHash.toString('hex'), sth: present(latest), inclusion_proof: hex(proof) };
}

export type LogPublicKey = { origin: string; vkey: string; key_id: string; fingerprint: string; public_key_pem: string };

export async function publicKey(ctx: AppContext): Promise<LogPublicKey> {
  const key = await logKey(ctx);
  return { origin: key.name, vkey: key.vkey, key_id: key.keyIdHex, fingerprint: key.fingerprint, public_key_pem: key.publicPem };
}

export const proofUrl = (baseUrl: string, leafHash: string) => `${baseUrl}/api/v1/log/proof/bundle?leaf_hash=${leafHash}`;

/**
 * The downloadable receipt for files just received (see receipt.ts): leaf records, the log key
 * and where to fetch each inclusion proof once a tree head covers it. Nothing about the sender.
 */
export async function uploadReceipt(ctx: AppContext, files: readonly { name: string; leaf: LeafJson }[], baseUrl: string): Promise<{ receipt: Receipt; text: string }> {
  const key = await logKey(ctx);
  const receipt = buildReceipt(
    key.name,
    key.vkey,
    files.map((f) => {
      const record = leafFromJson(f.leaf);
      const entry = receiptFile({ name: f.name, record });
      return { ...entry, proof_url: proofUrl(baseUrl, entry.leaf_hash) };
    }),
  );
  return { receipt, text: receiptText(receipt) };
}

/** The same receipt for people: plain text, every value needed to check it by hand or with the verifier. */
export function receiptText(receipt: Receipt): string {
  const lines = [
    'SVIDETEL RECEIPT: files received into the public transparency log',
    '',
    `Log:             ${receipt.log_origin}`,
    `Log key:         ${receipt.key.vkey}`,
    `Key fingerprint: ${receipt.key.fingerprint}`,
    '                 (SHA-256 of the Ed25519 public key: compare it with the one Svidetel publishes)',
  ];
  receipt.files.forEach((f, i) => {
    lines.push(
      '',
      `File ${i + 1}: ${f.name}`,
      `  SHA-256:     ${f.sha256}`,
      `  Size:        ${f.size} bytes`,
      `  Received:    ${new Date(f.leaf.received_at).toISOString()} (${f.leaf.received_at} ms)`,
      `  Log index:   ${f.leaf_index}`,
      `  Nonce:       ${f.leaf.nonce}`,
      `  Leaf hash:   ${f.leaf_hash}`,
    );
    if (f.sth) lines.push(`  Signed tree: size ${f.sth.tree_size}, root ${f.sth.root_hash}`);
    if (f.proof_url) lines.push(`  Proof:       ${f.proof_url}`);
  });
  lines.push(
    '',
    'To check a file: keep the JSON receipt, download the proof from the Proof address once the next',
    'tree head is signed (minutes after the upload), then run',
    '  npm run verify -- <file> --receipt receipt.json --sth proof.json',
    'or, with nothing but Node: node scripts/verify-receipt.mjs <file> --receipt receipt.json --sth proof.json',
    '',
    'This receipt says nothing about who sent the files.',
    '',
  );
  return lines.join('\n');
}
