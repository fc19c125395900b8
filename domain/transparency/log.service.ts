/**
 * The transparency log as the web-facing API uses it: appends a leaf per received file (in the
 * upload's transaction), serves signed tree heads and the proofs between them, the log's public
 * key, and builds upload receipts. It never touches the private key: signing is signer.service.ts,
 * run by the worker only, which records the public key in the database for this side. The pure parts
 * (tree, leaf, checkpoint, receipt) are in this folder; db/transparency.repo.ts only stores the
 * rows and bytes this file computes.
 *
 * Proofs and leaves are served for trees up to the latest SIGNED head only: what a client can
 * check against a signature.
 */
import { randomBytes } from 'node:crypto';
import type { Repositories, TxRepositories } from '../../db/repositories';
import type { StoredLeaf, StoredSth } from '../../db/transparency.repo';
import type { AppContext } from '../context';
import { DependencyError } from '../dependency-error';
import { AppError, badRequest } from '../errors';
import { keyFingerprint, parseVkey, sthToJson, type SthJson } from './checkpoint';
import { withSignatureLines } from './cosignature';
import { LEAF_NONCE_SIZE, encodeLeaf, leafFromJson, newLeafRecord, type LeafInput, type LeafJson, type LeafRecord } from './leaf';
import { appendToFrontier, consistencyProof as merkleConsistencyProof, frontierPositions, inclusionProof, leafHash, type SubtreeHashSource } from './merkle';
import { maxMergeDelayMs, signPromise } from './promise';
import { buildReceipt, receiptFile, type ProofBundle, type Receipt } from './receipt';

type LogRepositories = Pick<Repositories, 'transparency'>;
/** A transaction's repositories, or (until every service opens its transactions with ctx.transaction) its client. */
type LogTransaction = Pick<TxRepositories, 'transparency'>;

export interface AppendedLeaf {
  index: number;
  leafHash: Buffer;
  record: LeafRecord;
}

/**
 * Appends one leaf per input, in order, and returns them with their indices. Runs in the caller's
 * transaction (e.g. the one that stores the upload): the log's lock serialises appends until the
 * commit, and a rollback leaves neither a leaf nor a gap. Only the frontier is read: the new
 * leaves' left siblings are exactly its subtrees.
 */
export function appendLeaves(tx: LogTransaction, inputs: readonly LeafInput[]): Promise<AppendedLeaf[]> {
  return append(tx, inputs, []);
}

/** A leaf per received file, each linked to its media_files row, in the caller's transaction: they commit, or roll back, with the upload. */
export function appendMediaLeaves(tx: LogTransaction, files: readonly { mediaFileId: string; leaf: LeafInput }[]): Promise<AppendedLeaf[]> {
  return append(
    tx,
    files.map((f) => f.leaf),
    files.map((f) => f.mediaFileId),
  );
}

/** The lock with the frontier, then every row of the append in one statement (mediaFileIds: one per input, or none). */
async function append(tx: LogTransaction, inputs: readonly LeafInput[], mediaFileIds: readonly string[]): Promise<AppendedLeaf[]> {
  if (inputs.length === 0) return [];
  const log = tx.transparency;
  const { size, frontier } = await log.lockLogForAppend();
  const positions = frontierPositions(size);
  if (frontier.length !== positions.length) throw new Error(`transparency log of size ${size} is missing subtrees of its frontier (${frontier.length} of ${positions.length} stored)`);

  // One draw for every nonce: a randomBytes call per leaf costs more than hashing the leaf.
  const nonces = randomBytes(LEAF_NONCE_SIZE * inputs.length);
  const leaves = inputs.map((input, i) => {
    const record = newLeafRecord(input, size + i, nonces.subarray(i * LEAF_NONCE_SIZE, (i + 1) * LEAF_NONCE_SIZE));
    const bytes = encodeLeaf(record);
    return { index: size + i, record, bytes, leafHash: leafHash(bytes) };
  });
  const appended = appendToFrontier(size, frontier, leaves.map((l) => l.leafHash));

  await log.writeAppend({
    firstIndex: size,
    leaves: leaves.map((l) => ({ leafHash: l.leafHash, record: l.bytes, sha256: l.record.sha256 })),
    nodes: appended.nodes,
    size: appended.size,
    mediaFileIds,
  });
  return leaves.map((l) => ({ index: l.index, leafHash: l.leafHash, record: l.record }));
}

/** [start, end) as the perfect subtree it must be: level k, index start / 2^k. */
function subtreeAt(start: number, end: number): { level: number; index: number; key: string } {
  const width = end - start;
  const level = Math.log2(width);
  if (!Number.isInteger(level) || start % width !== 0) throw new RangeError(`[${start}, ${end}) is not a perfect subtree`);
  return { level, index: start / width, key: `${level}/${start / width}` };
}

/**
 * Runs a tree computation (a proof, a root) with every stored subtree it needs read in ONE query
 * instead of one query per subtree: the Merkle functions ask for the same subtrees whatever their
 * hashes are, so a dry run with placeholder hashes records the positions, one query reads them,
 * and a second run computes from what was read.
 */
export async function withStoredSubtrees<T>(repos: LogRepositories, compute: (src: SubtreeHashSource) => Promise<T>): Promise<T> {
  const wanted = new Map<string, { level: number; index: number }>();
  const placeholder = Buffer.alloc(32);
  await compute({
    async hash(start, end) {
      const p = subtreeAt(start, end);
      wanted.set(p.key, p);
      return placeholder;
    },
  });
  const found = await repos.transparency.readSubtrees([...wanted.values()]);
  const byKey = new Map(found.map((s) => [`${s.level}/${s.index}`, s.hash]));
  return compute({
    async hash(start, end) {
      const h = byKey.get(subtreeAt(start, end).key);
      if (!h) throw new RangeError(`subtree [${start}, ${end}) is not in the log yet`);
      return h;
    },
  });
}

/** Most leaves one /log/leaves request returns. */
export const MAX_LEAVES_PER_REQUEST = 1000;
/** Most tree heads one /log/sths request returns. */
export const MAX_STHS_PER_REQUEST = 1000;

export const originOf = (note: string) => note.slice(0, note.indexOf('\n'));

/**
 * Refuses to start under another LOG_ORIGIN than the one the log's entries were signed under: the
 * origin is the first line of every checkpoint and the name of the signing key, so a changed one
 * would make every new head fail to verify against the old (and the worker refuse to sign). An
 * empty log may still be renamed.
 */
export async function assertLogOriginUnchanged(ctx: AppContext): Promise<void> {
  const log = ctx.repos.transparency;
  if ((await log.logSize()) === 0) return;
  const latest = await log.getSth();
  const signedUnder = latest ? [originOf(latest.note)] : await log.publicKeyOrigins();
  if (signedUnder.length === 0 || signedUnder.includes(ctx.config.logOrigin)) return;
  throw new DependencyError(
    `LOG_ORIGIN is ${ctx.config.logOrigin}, but this log's entries were signed as ${signedUnder.join(', ')}. ` +
      `The origin names the log in every checkpoint and receipt and cannot change once the log has entries: ` +
      `set LOG_ORIGIN=${signedUnder[0]} (with PUBLIC_URL alone, the origin is PUBLIC_URL's host followed by /log).`,
  );
}

export function presentSth(sth: StoredSth): SthJson {
  return sthToJson(sth.note, { origin: originOf(sth.note), treeSize: sth.treeSize, rootHash: sth.rootHash }, sth.signedAt);
}

/**
 * Heads as served: each checkpoint note carries, after the log's signature, the cosignatures its
 * witnesses returned (C2SP tlog-cosignature lines), which verifiers that do not know a witness ignore.
 */
export async function presentSths(ctx: Pick<AppContext, 'repos'>, sths: readonly StoredSth[]): Promise<SthJson[]> {
  const sizes = sths.map((s) => s.treeSize);
  const [cosignatures, timestamps] = await Promise.all([ctx.repos.transparency.cosignaturesOf(sizes), ctx.repos.transparency.timestampsOf(sizes)]);
  return sths.map((sth) => {
    const lines = cosignatures.filter((c) => c.treeSize === sth.treeSize).map((c) => c.line);
    const ts = timestamps.find((t) => t.treeSize === sth.treeSize);
    const json = presentSth({ ...sth, note: withSignatureLines(sth.note, lines) });
    return ts ? { ...json, rfc3161_timestamp: { tsa_url: ts.tsaUrl, gen_time: ts.genTime.toISOString(), token: ts.token.toString('base64') } } : json;
  });
}

export async function noteWithCosignatures(ctx: Pick<AppContext, 'repos'>, sth: StoredSth): Promise<string> {
  return (await presentSths(ctx, [sth]))[0]!.checkpoint;
}

/** The latest checkpoint with its cosignatures, as tlog-tiles serves it at <prefix>/checkpoint. */
export async function latestCheckpointNote(ctx: AppContext): Promise<string> {
  return noteWithCosignatures(ctx, await requireLatest(ctx));
}

const hex = (proof: readonly Buffer[]) => proof.map((h) => h.toString('hex'));

async function requireLatest(ctx: AppContext): Promise<StoredSth> {
  const latest = await ctx.repos.transparency.getSth();
  if (!latest) throw new AppError(404, 'no_tree_head');
  return latest;
}

function withinTree(what: string, size: number, latest: StoredSth): void {
  if (size > latest.treeSize) {
    throw badRequest('beyond_tree', { what, size, latest: latest.treeSize });
  }
}

export async function latestSth(ctx: AppContext): Promise<SthJson> {
  return (await presentSths(ctx, [await requireLatest(ctx)]))[0]!;
}

export async function sthAt(ctx: AppContext, size: number): Promise<SthJson> {
  withinTree('Tree size', size, await requireLatest(ctx));
  const sth = await ctx.repos.transparency.getSth(size);
  if (!sth) throw new AppError(404, 'no_tree_head_at', { size });
  return (await presentSths(ctx, [sth]))[0]!;
}

/** Tree heads newest first; `before` pages to those with a smaller size. */
export async function listSths(ctx: AppContext, opts: { before?: number; limit: number }): Promise<SthJson[]> {
  const sths = await ctx.repos.transparency.listSths({ limit: Math.min(opts.limit, MAX_STHS_PER_REQUEST), ...(opts.before === undefined ? {} : { beforeSize: opts.before }) });
  return presentSths(ctx, sths);
}

async function requireLeaf(ctx: AppContext, leafHash: Buffer): Promise<StoredLeaf> {
  const leaf = await ctx.repos.transparency.leafByHash(leafHash);
  if (!leaf) throw new AppError(404, 'unknown_leaf', { hash: leafHash.toString('hex') });
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
    throw badRequest('leaf_not_in_tree', { index: leaf.index, size: treeSize, from: leaf.index + 1 });
  }
  const proof = await withStoredSubtrees(ctx.repos, (src) => inclusionProof(src, leaf.index, treeSize));
  return { leaf_index: leaf.index, leaf_hash: leaf.leafHash.toString('hex'), tree_size: treeSize, inclusion_proof: hex(proof) };
}

export async function consistencyProof(ctx: AppContext, first: number, second: number): Promise<{ first: number; second: number; consistency_proof: string[] }> {
  if (first > second) throw badRequest('first_after_second', { first, second });
  withinTree('second', second, await requireLatest(ctx));
  const proof = await withStoredSubtrees(ctx.repos, (src) => merkleConsistencyProof(src, first, second));
  return { first, second, consistency_proof: hex(proof) };
}

export type PublicLeaf = { index: number; leaf_hash: string };

/**
 * Leaf hashes of [start, end), never the records: a record holds the exact receive time (ms) and
 * size, which with an ISP's traffic records can name the sender, and its index, which the tree
 * heads' times place within one signing interval. The record is the receipt holder's to show.
 */
export async function leaves(ctx: AppContext, start: number, end: number): Promise<{ start: number; end: number; leaves: PublicLeaf[] }> {
  if (end <= start) throw badRequest('end_not_after_start', { start, end });
  if (end - start > MAX_LEAVES_PER_REQUEST) throw badRequest('too_many_leaves', { limit: MAX_LEAVES_PER_REQUEST, asked: end - start });
  withinTree('end', end, await requireLatest(ctx));
  const rows = await ctx.repos.transparency.leafRange(start, end);
  return { start, end, leaves: rows.map((l) => ({ index: l.index, leaf_hash: l.leafHash.toString('hex') })) };
}

/** What a receipt's proof_url serves: the inclusion proof of a leaf in the latest signed head. */
export async function proofBundle(ctx: AppContext, leafHash: Buffer): Promise<ProofBundle> {
  const latest = await requireLatest(ctx);
  const leaf = await requireLeaf(ctx, leafHash);
  if (leaf.index >= latest.treeSize) {
    throw new AppError(404, 'not_yet_signed', { index: leaf.index, size: latest.treeSize, within_s: Math.ceil(ctx.config.logSthIntervalMs / 1000) });
  }
  const proof = await withStoredSubtrees(ctx.repos, (src) => inclusionProof(src, leaf.index, latest.treeSize));
  return { leaf_index: leaf.index, leaf_hash: leaf.leafHash.toString('hex'), sth: (await presentSths(ctx, [latest]))[0]!, inclusion_proof: hex(proof) };
}

export type LogPublicKey = { origin: string; vkey: string; key_id: string; fingerprint: string; public_key_pem: string };

/** The key the worker recorded for this log, or null before the worker's first start. */
async function recordedKey(ctx: AppContext): Promise<LogPublicKey | null> {
  const stored = await ctx.repos.transparency.publicKeyOf(ctx.config.logOrigin);
  if (!stored) return null;
  const raw = parseVkey(stored.vkey).rawPublicKey;
  return { origin: stored.origin, vkey: stored.vkey, key_id: stored.vkey.split('+')[1]!, fingerprint: keyFingerprint(raw), public_key_pem: stored.publicKeyPem };
}

export async function publicKey(ctx: AppContext): Promise<LogPublicKey> {
  const key = await recordedKey(ctx);
  if (!key) throw new AppError(503, 'no_log_key');
  return key;
}

export const proofUrl = (baseUrl: string, leafHash: string) => `${baseUrl}/api/v1/log/proof/bundle?leaf_hash=${leafHash}`;

/** Per context (one database): the log key and the delegation of its promise key, once found. */
const knownReceiptKeys = new WeakMap<AppContext, { key?: LogPublicKey; delegation?: string }>();

/**
 * The log key and the log's delegation of this process's promise key, for a receipt. Neither changes
 * once recorded (a log has one key; a delegation names one promise key), so each is read until it is
 * found and then kept: a receipt for files already committed must not depend on PostgreSQL a second
 * time, as it may go away in between (the observer would get a receipt with no log part).
 */
async function receiptKeys(ctx: AppContext): Promise<{ key: LogPublicKey | null; delegation: string | null }> {
  let known = knownReceiptKeys.get(ctx);
  if (!known) knownReceiptKeys.set(ctx, (known = {}));
  // A look-up that fails (PostgreSQL busy or away after the commit) leaves that part out of this
  // receipt, as when it is not published yet; the receipt itself is still given.
  const unknown = (err: Error) => {
    ctx.log.warn({ err: err.message }, 'could not read the log key or promise delegation; the receipt goes without');
    return null;
  };
  const [key, delegation] = await Promise.all([
    known.key ?? recordedKey(ctx).catch(unknown),
    known.delegation ?? ctx.repos.transparency.promiseDelegation(ctx.promiseSigner.vkey).catch(unknown),
  ]);
  if (key) known.key = key;
  if (delegation) known.delegation = delegation;
  return { key, delegation };
}

/**
 * The downloadable receipt for files just received (see receipt.ts): leaf records, the log key
 * (once the signer has published it) and where to fetch each inclusion proof once a tree head
 * covers it. Nothing about the sender.
 */
export async function uploadReceipt(ctx: AppContext, files: readonly { name: string; leaf: LeafJson }[], baseUrl: string): Promise<{ receipt: Receipt; text: string }> {
  const { key, delegation } = await receiptKeys(ctx);
  const maxDelay = maxMergeDelayMs(ctx.config.logSthIntervalMs);
  const receipt = buildReceipt(
    ctx.config.logOrigin,
    key?.vkey ?? null,
    files.map((f) => {
      const record = leafFromJson(f.leaf);
      const entry = receiptFile({ name: f.name, record });
      // The promise is given only with the log key's delegation: a verifier must be able to check it now.
      const promise = delegation
        ? { promise: signPromise(ctx.config.logOrigin, record.index, Buffer.from(entry.leaf_hash, 'hex'), record.receivedAt + maxDelay, (t) => ctx.promiseSigner.signNote(t)) }
        : {};
      return { ...entry, proof_url: proofUrl(baseUrl, entry.leaf_hash), ...promise };
    }),
  );
  if (delegation) receipt.promise_key = delegation;
  return { receipt, text: receiptText(receipt, baseUrl) };
}

/**
 * Records this process's inclusion-promise key for the signer to delegate (promise.ts); until it
 * has, receipts are given without a promise. Never fails a start: a receipt without a promise is
 * still a receipt.
 */
export async function recordPromiseKey(ctx: AppContext): Promise<void> {
  await ctx.repos.transparency.recordPromiseKey(ctx.config.logOrigin, ctx.promiseSigner.vkey).catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not record the promise key'));
}

/** The same receipt for people: plain text, every value needed to check it by hand or with the verifier. */
export function receiptText(receipt: Receipt, baseUrl: string): string {
  const lines = ['SVIDETEL RECEIPT: files received into the public transparency log', '', `Log:             ${receipt.log_origin}`];
  if (receipt.key) {
    lines.push(
      `Log key:         ${receipt.key.vkey}`,
      `Key fingerprint: ${receipt.key.fingerprint}`,
      '                 (SHA-256 of the Ed25519 public key: compare it with the one Svidetel publishes)',
    );
  } else {
    lines.push(`Log key:         not published yet: fetch it from ${baseUrl}/api/v1/log/key and give it to the verifier with --key`);
  }
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
    if (f.promise) lines.push(`  Promised:    in a signed tree head by ${new Date(Number(/\nby ([0-9]+)\n/.exec(f.promise)?.[1])).toISOString()} (signed promise in the JSON receipt)`);
  });
  lines.push(
    '',
    'To check a file: keep the JSON receipt, download the proof from the Proof address once the next',
    'tree head is signed (minutes after the upload), then run, with the log key Svidetel publishes (not',
    'the one in this receipt: check that its fingerprint is the one above)',
    '  npm run verify -- <file> --receipt receipt.json --sth proof.json --key <published log key>',
    'or, with nothing but Node: node scripts/verify-receipt.mjs <file> --receipt receipt.json --sth proof.json --key <published log key>',
    '',
    'This receipt says nothing about who sent the files.',
    '',
  );
  return lines.join('\n');
}
