/**
 * Signed tree heads as C2SP tlog-checkpoint notes signed per C2SP signed-note with Ed25519, so any
 * tool of that ecosystem (golang.org/x/mod/sumdb/note, transparency-dev) can check them:
 *
 *   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n ...]
 *   \n
 *   — <key name> <base64(4-byte key id ‖ 64-byte Ed25519 signature over the text above)>\n
 *
 * key id = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]
 * vkey   = <key name>+<key id, 8 lowercase hex>+<base64(0x01 ‖ 32-byte public key)>
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { HASH_SIZE } from './merkle';

const ALG_ED25519 = 0x01;
const EM_DASH = '\u2014';
// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  /** Optional extension lines; C2SP discourages them since monitors cannot audit them. */
  extensions?: string[];
}

export interface ParsedVkey {
  name: string;
  keyId: Buffer;
  rawPublicKey: Buffer;
  publicKey: KeyObject;
}

export function createKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export function privateKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new CheckpointError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new CheckpointError('the key is not an Ed25519 key');
  return Buffer.from(pub.export({ format: 'jwk' }).x!, 'base64url');
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new CheckpointError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

function checkKeyName(name: string): void {
  // signed-note: non-empty, no Unicode spaces, no '+'.
  if (name.length === 0 || /[\s+]/u.test(name) || hasControl(name)) throw new CheckpointError(`invalid key name ${JSON.stringify(name)}`);
}

function hasControl(s: string): boolean {
  return /[\u0000-\u0009\u000b-\u001f]/.test(s);
}

/** signed-note key id; `alg` is the signature type byte (0x01 Ed25519 note signatures, 0x04 tlog-cosignature/v1). */
export function keyId(name: string, rawPub: Buffer, alg: number = ALG_ED25519): Buffer {
  return createHash('sha256').update(name).update(Buffer.of(0x0a, alg)).update(rawPub).digest().subarray(0, 4);
}

export function vkeyFor(name: string, publicKey: KeyObject | Buffer, alg: number = ALG_ED25519): string {
  checkKeyName(name);
  const raw = Buffer.isBuffer(publicKey) ? publicKey : rawPublicKey(publicKey);
  return `${name}+${keyId(name, raw, alg).toString('hex')}+${Buffer.concat([Buffer.of(alg), raw]).toString('base64')}`;
}

/** SHA-256 of the raw public key, hex: what people compare out of band (receipt `key.fingerprint`). */
export function keyFingerprint(publicKey: KeyObject | Buffer): string {
  return createHash('sha256').update(Buffer.isBuffer(publicKey) ? publicKey : rawPublicKey(publicKey)).digest('hex');
}

export function strictBase64(s: string): Buffer | null {
  const b = Buffer.from(s, 'base64');
  // Node's decoder skips junk; only the canonical encoding round-trips.
  return s.length > 0 && b.toString('base64') === s ? b : null;
}

export function parseVkey(vkey: string, alg: number = ALG_ED25519): ParsedVkey {
  // Split at the first two '+' only: standard base64 of the key may itself contain '+'.
  const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(vkey);
  if (!m) throw new CheckpointError('malformed verifier key: expected <name>+<key id>+<key>');
  const [, name, idHex, keyB64] = m as unknown as [string, string, string, string];
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new CheckpointError('malformed verifier key: key id must be 8 lowercase hex digits');
  const key = strictBase64(keyB64);
  if (!key || key.length !== 33 || key[0] !== alg) throw new CheckpointError(`malformed verifier key: expected an Ed25519 key (0x0${alg} ‖ 32 bytes)`);
  const raw = key.subarray(1);
  const id = Buffer.from(idHex, 'hex');
  if (!keyId(name, raw, alg).equals(id)) throw new CheckpointError('malformed verifier key: key id does not match name and key');
  return { name, keyId: id, rawPublicKey: Buffer.from(raw), publicKey: publicKeyFromRaw(raw) };
}

export function formatCheckpoint(cp: Checkpoint): string {
  if (cp.origin.length === 0 || cp.origin.includes('\n') || hasControl(cp.origin)) throw new CheckpointError('invalid origin');
  if (!Number.isSafeInteger(cp.treeSize) || cp.treeSize < 0) throw new CheckpointError('invalid tree size');
  if (cp.rootHash.length !== HASH_SIZE) throw new CheckpointError('root hash must be 32 bytes');
  const ext = cp.extensions ?? [];
  if (ext.some((l) => l.length === 0 || l.includes('\n') || hasControl(l))) throw new CheckpointError('extension lines must be non-empty single lines');
  return [cp.origin, String(cp.treeSize), cp.rootHash.toString('base64'), ...ext].join('\n') + '\n';
}

function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split('\n');
  lines.pop(); // the text ends in a newline
  if (lines.length < 3) throw new CheckpointError('malformed checkpoint: fewer than three lines');
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw new CheckpointError('malformed checkpoint: empty origin');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new CheckpointError('malformed checkpoint: bad tree size');
  const rootHash = strictBase64(root);
  if (!rootHash || rootHash.length !== HASH_SIZE) throw new CheckpointError('malformed checkpoint: bad root hash');
  if (extensions.some((l) => l.length === 0)) throw new CheckpointError('malformed checkpoint: empty extension line');
  return { origin, treeSize: Number(size), rootHash, ...(extensions.length ? { extensions } : {}) };
}

/** Signs a note text (ending in a newline) per signed-note: text, blank line, one signature line. */
export function signNote(text: string, privateKey: KeyObject, keyName: string): string {
  checkKeyName(keyName);
  if (!text.endsWith('\n') || hasControl(text)) throw new CheckpointError('a note text must end in a newline and have no control characters');
  const sig = sign(null, Buffer.from(text, 'utf8'), privateKey);
  const id = keyId(keyName, rawPublicKey(privateKey));
  return `${text}\n${EM_DASH} ${keyName} ${Buffer.concat([id, sig]).toString('base64')}\n`;
}

export function signCheckpoint(cp: Checkpoint, privateKey: KeyObject, keyName: string): string {
  return signNote(formatCheckpoint(cp), privateKey, keyName);
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  /** What follows the key id: the signature (and, for a cosignature, its timestamp first). */
  signature: Buffer;
  line: string;
}

/** A note's text (ending in a newline) and its signature lines, checked for form only. */
export function splitNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (hasControl(note)) throw new CheckpointError('malformed note: control characters');
  if (!note.endsWith('\n')) throw new CheckpointError('malformed note: does not end in a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new CheckpointError('malformed note: no blank line before the signatures');
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
      if (!m) throw new CheckpointError('malformed note: bad signature line');
      const blob = strictBase64(m[2]!);
      if (!blob || blob.length < 5) throw new CheckpointError('malformed note: bad signature encoding');
      return { name: m[1]!, keyId: blob.subarray(0, 4), signature: blob.subarray(4), line };
    });
  return { text: note.slice(0, split + 1), signatures };
}

/**
 * Verifies a signed note against one trusted key and returns its text. Signatures by other keys are
 * ignored (witness cosignatures, rotated keys), as signed-note requires; a bad signature by the
 * trusted key, or none at all, throws.
 */
export function openNote(note: string, vkey: string | ParsedVkey): string {
  const key = typeof vkey === 'string' ? parseVkey(vkey) : vkey;
  const { text, signatures } = splitNote(note);
  let verified = false;
  for (const sig of signatures) {
    if (sig.name !== key.name || !sig.keyId.equals(key.keyId)) continue;
    if (sig.signature.length !== 64 || !verify(null, Buffer.from(text, 'utf8'), key.publicKey, sig.signature)) {
      throw new CheckpointError(`invalid signature for key ${key.name}+${key.keyId.toString('hex')}`);
    }
    verified = true;
  }
  if (!verified) throw new CheckpointError(`no signature by key ${key.name}+${key.keyId.toString('hex')}`);
  return text;
}

/** Verifies a checkpoint note (see openNote) and returns its contents. */
export function verifyCheckpoint(note: string, vkey: string | ParsedVkey): Checkpoint {
  return parseCheckpointText(openNote(note, vkey));
}

/** JSON form of a signed tree head. Only `checkpoint` is signed; the other fields must match it. */
export interface SthJson {
  origin: string;
  tree_size: number;
  root_hash: string;
  /** When the log signed it (ISO 8601). Informational: NOT covered by the signature. */
  timestamp: string;
  checkpoint: string;
  /**
   * An RFC 3161 time-stamp by the log's timestamping authority over SHA-256 of the checkpoint's
   * note text (origin, size, root, extension lines: without signature lines), when one was asked.
   */
  rfc3161_timestamp?: { tsa_url: string; gen_time: string; token: string };
}

export function sthToJson(note: string, cp: Checkpoint, timestamp: Date): SthJson {
  return { origin: cp.origin, tree_size: cp.treeSize, root_hash: cp.rootHash.toString('hex'), timestamp: timestamp.toISOString(), checkpoint: note };
}

/** Verifies the note and that the unsigned JSON fields say the same thing as the signed text. */
export function verifySthJson(sth: SthJson, vkey: string | ParsedVkey): Checkpoint {
  const cp = verifyCheckpoint(sth.checkpoint, vkey);
  if (cp.origin !== sth.origin || cp.treeSize !== sth.tree_size || cp.rootHash.toString('hex') !== sth.root_hash) {
    throw new CheckpointError('signed tree head JSON fields do not match its signed checkpoint');
  }
  return cp;
}
