#!/usr/bin/env node
// Checks a file against a Svidetel receipt with nothing but Node (>= 18): no repository code, no
// packages, so anyone can read all of it and run it without trusting Svidetel.
//
//   node verify-receipt.mjs <file> --receipt receipt.json [--sth sth.json] (--key vkey-or-key.pem | --trust keys.txt | --trust-on-first-use) [--witnesses k]
//
// Checks, in order (the receipt format is documented in domain/transparency/receipt.ts):
//   1. file hash        SHA-256 and size of the file equal those in the receipt and its leaf record
//   2. leaf hash        SHA-256(0x00 ‖ 73-byte leaf record) equals the receipt's leaf hash
//   3. signature        the signed tree head (C2SP checkpoint, Ed25519 signed note) verifies with a
//                       log key you pinned: --key (a vkey, or an Ed25519 public key PEM) or --trust,
//                       a file of lines "log <vkey>" / "witness <vkey>" ('#' comments), with the keys
//                       Svidetel publishes out of band. Without either it refuses: anyone can sign a
//                       receipt under our log's name. --trust-on-first-use trusts the receipt's own
//                       key instead, and the verdict says so.
//      promise          (before 3, when the receipt has one) the log's signed promise to include the leaf
//                       by a stated time: the promise key is vouched for by a note the pinned log key
//                       signed; without a tree head yet, a valid promise is the verdict (PROMISED)
//      cosignatures     with --witnesses k: at least k witnesses of the trust file's "witness" lines
//                       cosigned that head (C2SP tlog-cosignature/v1), so it is the one history they saw
//   4. inclusion proof  the RFC 6962 audit path leads from the leaf hash to the SIGNED root
// --sth takes a newer signed tree head, or a proof bundle {leaf_index, leaf_hash, sth, inclusion_proof}.
// Prints each step; on failure prints "FAILED: <check>" and exits 1.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const sha256 = (...parts) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
const isHex = (s, bytes) => typeof s === 'string' && s.length === bytes * 2 && /^[0-9a-f]*$/.test(s);
const isU64 = (n) => Number.isSafeInteger(n) && n >= 0;

class Failed extends Error {
  constructor(check, why) {
    super(why);
    this.check = check;
  }
}
const check = (ok, name, why) => {
  if (!ok) throw new Failed(name, why);
};
const step = (name, detail) => console.log(`ok    ${name}: ${detail}`);
// Which check is running, so an unexpected error (unreadable file, bad JSON, bad PEM) names it too.
let stage = 'usage';

function args(argv) {
  const out = { file: undefined, receipt: undefined, sth: undefined, key: undefined, trust: undefined, witnesses: undefined, tofu: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].replace(/^--/, '');
    if (argv[i] === '--trust-on-first-use') out.tofu = true;
    else if (argv[i].startsWith('--') && flag in out && flag !== 'file' && flag !== 'tofu' && i + 1 < argv.length) out[flag] = argv[++i];
    else if (!argv[i].startsWith('--') && !out.file) out.file = argv[i];
    else throw new Failed('usage', `unexpected argument ${argv[i]}`);
  }
  const usage = 'node verify-receipt.mjs <file> --receipt receipt.json [--sth sth.json] (--key vkey-or-key.pem | --trust keys.txt | --trust-on-first-use) [--witnesses k]';
  if (!out.file || !out.receipt) throw new Failed('usage', usage);
  if (out.witnesses !== undefined && !(/^[1-9][0-9]*$/.test(out.witnesses) && out.trust)) throw new Failed('usage', `--witnesses takes a number and a --trust file listing the witnesses\n${usage}`);
  if ([out.key, out.trust, out.tofu || undefined].filter((x) => x !== undefined).length > 1) throw new Failed('usage', `--key, --trust and --trust-on-first-use exclude each other\n${usage}`);
  return out;
}

// Leaf record version 1: version(1) sha256(32) size(8) received_at(8) nonce(16) index(8), big-endian.
function encodeLeaf(leaf) {
  check(leaf && leaf.version === 1, 'leaf hash', 'unsupported leaf record version');
  check(isHex(leaf.sha256, 32) && isHex(leaf.nonce, 16), 'leaf hash', 'malformed leaf record');
  check(isU64(leaf.size) && isU64(leaf.received_at) && isU64(leaf.index), 'leaf hash', 'malformed leaf record');
  const b = Buffer.alloc(73);
  b[0] = 1;
  Buffer.from(leaf.sha256, 'hex').copy(b, 1);
  b.writeBigUInt64BE(BigInt(leaf.size), 33);
  b.writeBigUInt64BE(BigInt(leaf.received_at), 41);
  Buffer.from(leaf.nonce, 'hex').copy(b, 49);
  b.writeBigUInt64BE(BigInt(leaf.index), 65);
  return b;
}

// signed-note verifier key: <name>+<8 hex key id>+<base64(type ‖ 32-byte Ed25519 key)>; type 0x01
// for the log's note signatures, 0x04 for a witness's tlog-cosignature/v1.
function parseVkey(vkey, type = 0x01) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey.trim());
  check(m, 'signature', 'malformed verifier key');
  const key = Buffer.from(m[3], 'base64');
  check(key.length === 33 && key[0] === type, 'signature', `the verifier key is not an Ed25519 key of type 0x0${type}`);
  const raw = key.subarray(1);
  const id = sha256(m[1], Buffer.of(0x0a, type), raw).subarray(0, 4);
  check(id.toString('hex') === m[2], 'signature', 'the verifier key id does not match its name and key');
  return { name: m[1], id, raw };
}

// The keys the head may be signed by: one pinned with --key, the trust file's keys for this log
// (old and new while a rotation is announced), or, only when asked for, the receipt's own.
function loadKeys(a, receipt) {
  if (a.trust) {
    const keys = [];
    readFileSync(a.trust, 'utf8').split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const m = /^(log|witness)\s+(\S+)$/.exec(line);
      check(m, 'signature', `trust file line ${i + 1}: expected "log <vkey>" or "witness <vkey>"`);
      const k = parseVkey(m[2], m[1] === 'log' ? 0x01 : 0x04);
      if (m[1] === 'log' && k.name === receipt.log_origin) keys.push({ ...k, source: 'a key from your trust file' });
    });
    check(keys.length > 0, 'signature', `the trust file lists no key for log ${receipt.log_origin}`);
    return keys;
  }
  if (a.key) return [loadKey(a.key, receipt)];
  check(
    a.tofu,
    'signature',
    'no pinned log key: give the key Svidetel publishes out of band with --key, or a trust file listing it with --trust; ' +
      '--trust-on-first-use trusts the key inside the receipt instead, which anyone forging a receipt can put there',
  );
  check(receipt.key, 'signature', 'the receipt has no log key (the log had not published it yet): give --key with the key from /api/v1/log/key');
  const k = parseVkey(String(receipt.key?.vkey));
  check(sha256(k.raw).toString('hex') === receipt.key.fingerprint, 'signature', 'the receipt key does not match its fingerprint');
  return [{ ...k, tofu: true, source: `the receipt's own key, trusted on first use: compare fingerprint ${receipt.key.fingerprint} with the one Svidetel publishes` }];
}

function loadKey(arg, receipt) {
  const text = existsSync(arg) ? readFileSync(arg, 'utf8').trim() : arg;
  if (!text.startsWith('-----BEGIN')) return { ...parseVkey(text), source: 'the key you gave' };
  // A PEM key has no name: take the key name from the receipt, then derive the key id as the log does.
  const raw = Buffer.from(createPublicKey(text).export({ format: 'jwk' }).x, 'base64url');
  const name = String(receipt.log_origin); // the log names its key after its origin
  return { name, id: sha256(name, Buffer.of(0x0a, 0x01), raw).subarray(0, 4), raw, source: 'the key you gave' };
}

// signed note: text ending in "\n", a blank line, then lines "— <name> base64(key id ‖ signature)";
// returns the text when `key` signed it (other keys' lines are skipped), fails `checkName` otherwise.
function openNote(note, key, checkName) {
  check(typeof note === 'string' && note.endsWith('\n'), checkName, 'malformed signed note');
  const split = note.lastIndexOf('\n\n');
  check(split >= 0, checkName, 'malformed signed note');
  const text = note.slice(0, split + 1);
  const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.raw.toString('base64url') }, format: 'jwk' });
  let good = false;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    check(m, checkName, 'malformed signature line');
    const sig = Buffer.from(m[2], 'base64');
    if (m[1] !== key.name || !sig.subarray(0, 4).equals(key.id)) continue;
    check(sig.length === 68 && verify(null, Buffer.from(text), pub, sig.subarray(4)), checkName, `bad signature by ${key.name}`);
    good = true;
  }
  check(good, checkName, `no signature by ${key.name}`);
  return text;
}

// The inclusion promise (domain/transparency/promise.ts): a delegation signed by the log key
//   "svidetel promise key v1\n<origin>\n<promise vkey>\nmax-delay <s>\n"
// and the promise signed by that key
//   "svidetel inclusion promise v1\n<origin>\n<index>\n<base64 leaf hash>\nby <deadline ms>\n".
function checkPromise(receipt, entry, leafHash, keys) {
  let text;
  for (const k of keys) {
    try {
      text = openNote(String(receipt.promise_key), k, 'promise');
      break;
    } catch {
      // another pinned key of the log may have signed it
    }
  }
  check(text, 'promise', 'the promise key is not vouched for by the log key');
  const d = /^svidetel promise key v1\n([^\n]+)\n([^\n]+)\nmax-delay ([0-9]+)\n$/.exec(text);
  check(d, 'promise', 'malformed promise key delegation');
  const pk = parseVkey(d[2]);
  check(pk.name === `${d[1]}/promise` && d[1] === receipt.log_origin, 'promise', 'the promise key is for another log');
  const p = /^svidetel inclusion promise v1\n([^\n]+)\n([0-9]+)\n([A-Za-z0-9+/=]+)\nby ([0-9]+)\n$/.exec(openNote(entry.promise, pk, 'promise'));
  check(p, 'promise', 'malformed inclusion promise');
  check(p[1] === receipt.log_origin && Number(p[2]) === entry.leaf_index && Buffer.from(p[3], 'base64').equals(leafHash), 'promise', 'the promise is for another leaf');
  return new Date(Number(p[4]));
}

function openCheckpoint(note, key) {
  const text = openNote(note, key, 'signature');
  const [origin, size, root] = text.split('\n');
  check(/^(0|[1-9][0-9]*)$/.test(size) && Buffer.from(root, 'base64').length === 32, 'signature', 'malformed checkpoint');
  return { origin, treeSize: Number(size), root: Buffer.from(root, 'base64') };
}

// The witnesses of the trust file that cosigned the note: a signature line by a witness key is
// base64(key id ‖ u64 time ‖ Ed25519 signature over "cosignature/v1\ntime <time>\n" ‖ note text).
function cosigners(note, trustFile) {
  const witnesses = readFileSync(trustFile, 'utf8').split('\n').map((l) => /^\s*witness\s+(\S+)\s*$/.exec(l)).filter(Boolean).map((m) => parseVkey(m[1], 0x04));
  const split = note.lastIndexOf('\n\n');
  const text = note.slice(0, split + 1);
  const found = new Set();
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    const sig = Buffer.from(m[2], 'base64');
    const w = witnesses.find((k) => k.name === m[1] && sig.subarray(0, 4).equals(k.id));
    if (!w) continue;
    check(sig.length === 76, 'cosignatures', `malformed cosignature by ${w.name}`);
    const time = sig.readBigUInt64BE(4);
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: w.raw.toString('base64url') }, format: 'jwk' });
    check(verify(null, Buffer.from(`cosignature/v1\ntime ${time}\n${text}`), pub, sig.subarray(12)), 'cosignatures', `bad cosignature by witness ${w.name}`);
    found.add(w.name);
  }
  return [...found];
}

// RFC 9162 §2.1.3.2 (RFC 6962 trees): recompute the root from the leaf hash and its audit path.
function rootFromProof(leafHash, index, size, proof) {
  if (!(index < size)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.of(1), p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      r = sha256(Buffer.of(1), r, p);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 ? r : null;
}

function main() {
  const a = args(process.argv.slice(2));
  stage = 'receipt';
  const receipt = JSON.parse(readFileSync(a.receipt, 'utf8'));
  check(receipt.version === 1 && Array.isArray(receipt.files) && receipt.files.length > 0, 'receipt', 'not a version 1 receipt');

  stage = 'file hash';
  const bytes = readFileSync(a.file);
  const fileSha = sha256(bytes).toString('hex');
  const entry =
    receipt.files.find((f) => f.sha256 === fileSha) ??
    receipt.files.find((f) => f.name === path.basename(a.file)) ??
    (receipt.files.length === 1 ? receipt.files[0] : undefined);
  check(entry, 'file hash', `the file's SHA-256 ${fileSha} matches no file in the receipt`);
  check(entry.sha256 === fileSha && entry.leaf?.sha256 === fileSha, 'file hash', `the file's SHA-256 is ${fileSha}, the receipt says ${entry.sha256}`);
  check(entry.size === bytes.length && entry.leaf.size === bytes.length, 'file hash', `the file is ${bytes.length} bytes, the receipt says ${entry.size}`);
  step('file hash', `SHA-256 ${fileSha}, ${bytes.length} bytes, as in the receipt`);

  stage = 'leaf hash';
  const leafHash = sha256(Buffer.of(0), encodeLeaf(entry.leaf));
  check(entry.leaf.index === entry.leaf_index, 'leaf hash', 'the leaf record is for another index');
  check(leafHash.toString('hex') === entry.leaf_hash, 'leaf hash', `the leaf record hashes to ${leafHash.toString('hex')}, the receipt says ${entry.leaf_hash}`);
  const receivedAt = new Date(entry.leaf.received_at).toISOString();
  step('leaf hash', `leaf #${entry.leaf_index}, received ${receivedAt}`);

  let deadline;
  if (entry.promise !== undefined) {
    stage = 'signature';
    const keys = loadKeys(a, receipt);
    stage = 'promise';
    deadline = checkPromise(receipt, entry, leafHash, keys);
    step('promise', `the log promised leaf #${entry.leaf_index} in a signed tree head by ${deadline.toISOString()}`);
  }

  stage = 'signature';
  const given = a.sth ? JSON.parse(readFileSync(a.sth, 'utf8')) : undefined;
  const bundle = given && 'sth' in given ? given : undefined;
  const sth = bundle ? bundle.sth : (given ?? entry.sth);
  const proofHex = bundle ? bundle.inclusion_proof : entry.inclusion_proof;
  if (!sth && deadline && Date.now() <= deadline.getTime()) {
    console.log(`\nPROMISED: ${path.basename(a.file)} (SHA-256 ${fileSha}) is leaf #${entry.leaf_index} of ${receipt.log_origin}, received ${receivedAt}; the log signed a promise to have it in a signed tree head by ${deadline.toISOString()}. Fetch ${entry.proof_url ?? 'the proof'} after that and check again.`);
    return;
  }
  check(sth, 'signature', `the receipt has no signed tree head yet${deadline ? ` and the promised time ${deadline.toISOString()} has passed` : ''}${entry.proof_url ? `: fetch ${entry.proof_url} and pass it with --sth` : ''}`);
  let key;
  let cp;
  let refusal;
  for (const k of loadKeys(a, receipt)) {
    try {
      cp = openCheckpoint(sth.checkpoint, k);
      key = k;
      break;
    } catch (err) {
      refusal = err;
    }
  }
  if (!key) throw refusal;
  check(cp.origin === receipt.log_origin, 'signature', `the tree head is from ${cp.origin}, the receipt from ${receipt.log_origin}`);
  check(cp.treeSize === sth.tree_size && cp.root.toString('hex') === sth.root_hash, 'signature', 'the tree head JSON does not match its signed checkpoint');
  step('signature', `tree head of size ${cp.treeSize} signed by ${key.name}, checked with ${key.source}`);

  if (a.witnesses) {
    stage = 'cosignatures';
    const names = cosigners(sth.checkpoint, a.trust);
    check(names.length >= Number(a.witnesses), 'cosignatures', `the head is cosigned by ${names.length} of the witnesses you trust${names.length ? ` (${names.join(', ')})` : ''}; you asked for ${a.witnesses}`);
    step('cosignatures', `cosigned by ${names.length} witness(es) you trust: ${names.join(', ')} (${a.witnesses} required)`);
  }

  stage = 'inclusion proof';
  check(!bundle || (bundle.leaf_index === entry.leaf_index && bundle.leaf_hash === entry.leaf_hash), 'inclusion proof', 'the proof bundle is for another leaf');
  check(Array.isArray(proofHex) && proofHex.every((h) => isHex(h, 32)), 'inclusion proof', 'missing or malformed inclusion proof');
  const root = rootFromProof(leafHash, entry.leaf_index, cp.treeSize, proofHex.map((h) => Buffer.from(h, 'hex')));
  check(root && root.equals(cp.root), 'inclusion proof', `the proof does not lead to the signed root of the tree of size ${cp.treeSize}`);
  step('inclusion proof', `leaf #${entry.leaf_index} is in the tree of size ${cp.treeSize}, root ${cp.root.toString('hex')}`);

  const verified = key.tofu
    ? `VERIFIED (TRUST ON FIRST USE of the receipt's own key ${receipt.key.fingerprint}: proves nothing until you compare it with the published fingerprint)`
    : 'VERIFIED';
  console.log(`\n${verified}: ${path.basename(a.file)} (SHA-256 ${fileSha}) is leaf #${entry.leaf_index} of ${cp.origin}, received ${receivedAt}, unchanged, in the signed tree of size ${cp.treeSize}.`);
}

try {
  main();
} catch (err) {
  console.log(`FAILED: ${err instanceof Failed ? err.check : stage}\n      ${err.message}`);
  process.exitCode = 1;
}
