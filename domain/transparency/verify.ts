/**
 * Checks a file against its receipt, step by step, with the same check names and order as the
 * standalone scripts/verify-receipt.mjs: file hash → leaf hash → signature → inclusion proof.
 * The signature comes before the proof so that the proof is checked against the SIGNED root only.
 */
import { createHash, type KeyObject, type X509Certificate } from 'node:crypto';
import path from 'node:path';
import { keyFingerprint, parseVkey, verifySthJson, vkeyFor, type Checkpoint, type ParsedVkey, type SthJson } from './checkpoint';
import { verifyCosignatures, type VerifiedCosignature } from './cosignature';
import { verifyPromise, type CheckedPromise } from './promise';
import { checkpointDigest, verifyTimestampToken } from './timestamp';
import { encodeLeaf, hexBytes, leafFromJson } from './leaf';
import { leafHash, verifyInclusion } from './merkle';
import type { ProofBundle, Receipt, ReceiptFile } from './receipt';

export type CheckName = 'receipt' | 'file hash' | 'leaf hash' | 'promise' | 'signature' | 'cosignatures' | 'timestamp' | 'inclusion proof';

export interface CheckResult {
  check: CheckName;
  ok: boolean;
  detail: string;
}

export interface ReceiptVerification {
  ok: boolean;
  /** The first check that failed; later checks are not run. */
  failed?: CheckName;
  steps: CheckResult[];
  verdict: string;
}

export interface VerifyReceiptInput {
  /** The file's bytes, or its SHA-256 and size when the caller hashed a large file as a stream. */
  file: Buffer | { sha256: Buffer; size: number };
  /** Used to pick the receipt entry when the file matches none (to say which one it should have been). */
  fileName?: string;
  receipt: Receipt;
  /** A newer signed tree head, or a proof bundle from proof_url; defaults to the receipt's own. */
  sth?: SthJson | ProofBundle;
  /** The log key, pinned from a source other than the receipt (--key). */
  key?: string | KeyObject;
  /** Pinned log keys (a trust file's `log` lines): the one named like the receipt's log is used. */
  trustedLogKeys?: readonly string[];
  /**
   * Without a pinned key the verifier refuses: a receipt's own key proves nothing, as anyone can
   * sign a receipt under our log's name. Only when this is set is the receipt's key trusted, and
   * the verdict says so.
   */
  trustOnFirstUse?: boolean;
  /** Pinned witness keys (a trust file's `witness` lines, C2SP tlog-cosignature vkeys). */
  trustedWitnessKeys?: readonly string[];
  /**
   * How many of those witnesses must have cosigned the head (--witnesses k): a head only the log
   * signed may be one of two histories it shows to different people; one an honest witness
   * cosigned is the one history that witness saw.
   */
  requiredWitnesses?: number;
  /** The timestamping authority's certificate, pinned (--tsa-cert): a head's RFC 3161 time-stamp must be by it. */
  tsaCertificate?: X509Certificate;
}

class CheckFailed extends Error {
  constructor(
    readonly check: CheckName,
    message: string,
  ) {
    super(message);
  }
}

function fail(check: CheckName, message: string): never {
  throw new CheckFailed(check, message);
}

function pickEntry(receipt: Receipt, sha256: string, fileName?: string): ReceiptFile {
  if (!Array.isArray(receipt.files) || receipt.files.length === 0) fail('receipt', 'the receipt lists no files');
  const byHash = receipt.files.find((f) => f.sha256 === sha256);
  if (byHash) return byHash;
  const byName = fileName ? receipt.files.find((f) => f.name === path.basename(fileName)) : undefined;
  if (byName) return byName;
  if (receipt.files.length === 1) return receipt.files[0]!;
  return fail('file hash', `the file's SHA-256 ${sha256} matches no file in the receipt`);
}

/** Where a verifier gets the log key it trusts, when none is pinned: said in its refusal. */
export const NO_PINNED_KEY =
  'no pinned log key: give the key Svidetel publishes out of band with --key, or a trust file listing it with --trust; ' +
  '--trust-on-first-use trusts the key inside the receipt instead, which anyone forging a receipt can put there';

/** The keys to check the head with, and how the verdict names them; TOFU when none was pinned. */
function resolveKeys(input: VerifyReceiptInput): { vkeys: ParsedVkey[]; note: string; tofu: boolean } {
  const { receipt, key } = input;
  try {
    if (typeof key === 'string') return { vkeys: [parseVkey(key)], note: 'the key you gave', tofu: false };
    // A key without a name (PEM) is named after the log, as the log names its key.
    if (key) return { vkeys: [parseVkey(vkeyFor(receipt.log_origin, key))], note: 'the key you gave', tofu: false };
    if (input.trustedLogKeys) {
      // Several keys for one log: an old and a new key while a rotation is announced.
      const vkeys = input.trustedLogKeys.map((k) => parseVkey(k)).filter((k) => k.name === receipt.log_origin);
      if (vkeys.length === 0) fail('signature', `the trust file lists no key for log ${receipt.log_origin}`);
      return { vkeys, note: 'a key from your trust file', tofu: false };
    }
    if (!input.trustOnFirstUse) fail('signature', NO_PINNED_KEY);
    if (!receipt.key) return fail('signature', 'the receipt has no log key (the log had not published it yet): give --key with the key from /api/v1/log/key');
    const fromReceipt = parseVkey(receipt.key.vkey);
    if (keyFingerprint(fromReceipt.rawPublicKey) !== receipt.key.fingerprint) fail('signature', 'the receipt key does not match its fingerprint');
    return { vkeys: [fromReceipt], note: `the receipt's own key (fingerprint ${receipt.key.fingerprint}), trusted on first use: compare it with the fingerprint Svidetel publishes`, tofu: true };
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    return fail('signature', (err as Error).message);
  }
}

/** The head checked with the first key that signed it; the last key's error when none did. */
function verifyWithAny(sth: SthJson, vkeys: readonly ParsedVkey[]): { cp: Checkpoint; vkey: ParsedVkey } {
  let error: Error | undefined;
  for (const vkey of vkeys) {
    try {
      return { cp: verifySthJson(sth, vkey), vkey };
    } catch (err) {
      error = err as Error;
    }
  }
  return fail('signature', error!.message);
}

function isBundle(x: SthJson | ProofBundle): x is ProofBundle {
  return 'sth' in x;
}

export function verifyReceiptFile(input: VerifyReceiptInput): ReceiptVerification {
  const steps: CheckResult[] = [];
  const pass = (check: CheckName, detail: string) => steps.push({ check, ok: true, detail });
  try {
    const { receipt } = input;
    if (receipt?.version !== 1) fail('receipt', `unsupported receipt version ${String(receipt?.version)}`);
    const digest = Buffer.isBuffer(input.file) ? createHash('sha256').update(input.file).digest() : input.file.sha256;
    const size = Buffer.isBuffer(input.file) ? input.file.length : input.file.size;
    const sha = digest.toString('hex');
    const entry = pickEntry(receipt, sha, input.fileName);

    if (entry.sha256 !== sha || entry.leaf?.sha256 !== sha) fail('file hash', `the file's SHA-256 is ${sha}, the receipt says ${entry.sha256}`);
    if (entry.size !== size || entry.leaf.size !== size) fail('file hash', `the file is ${size} bytes, the receipt says ${entry.size}`);
    pass('file hash', `SHA-256 ${sha}, ${size} bytes, as in the receipt`);

    let leaf: Buffer;
    try {
      leaf = leafHash(encodeLeaf(leafFromJson(entry.leaf)));
    } catch (err) {
      return fail('leaf hash', `bad leaf record: ${(err as Error).message}`);
    }
    if (entry.leaf.index !== entry.leaf_index) fail('leaf hash', `the leaf record says index ${entry.leaf.index}, the receipt says ${entry.leaf_index}`);
    if (leaf.toString('hex') !== entry.leaf_hash) fail('leaf hash', `the leaf record hashes to ${leaf.toString('hex')}, the receipt says ${entry.leaf_hash}`);
    pass('leaf hash', `leaf #${entry.leaf_index} received at ${new Date(entry.leaf.received_at).toISOString()} hashes to ${entry.leaf_hash}`);

    let resolved: ReturnType<typeof resolveKeys> | undefined;
    const logKeys = () => (resolved ??= resolveKeys(input));
    let promised: CheckedPromise | undefined;
    if (entry.promise !== undefined) {
      const keys = logKeys();
      try {
        promised = verifyPromise(String(receipt.promise_key), entry.promise, keys.vkeys);
      } catch (err) {
        return fail('promise', (err as Error).message);
      }
      if (promised.origin !== receipt.log_origin || promised.index !== entry.leaf_index || !promised.leafHash.equals(leaf)) {
        fail('promise', `the promise is for leaf #${promised.index} ${promised.leafHash.toString('hex')} of ${promised.origin}, not this one`);
      }
      pass('promise', `the log promised leaf #${entry.leaf_index} in a signed tree head by ${promised.deadline.toISOString()} (signed with a key vouched for by ${keys.note})`);
    }

    const given = input.sth;
    const sth = given ? (isBundle(given) ? given.sth : given) : entry.sth;
    const proofHex = given && isBundle(given) ? given.inclusion_proof : entry.inclusion_proof;
    if (!sth && promised && Date.now() <= promised.deadline.getTime()) {
      return {
        ok: true,
        steps,
        verdict:
          `PROMISED${resolved?.tofu ? ' (TRUST ON FIRST USE of the receipt\'s own key)' : ''}: this file (SHA-256 ${sha}) is leaf #${entry.leaf_index} of ${receipt.log_origin}, received ${new Date(entry.leaf.received_at).toISOString()}; ` +
          `the log signed a promise to have it in a signed tree head by ${promised.deadline.toISOString()}. Fetch ${entry.proof_url ?? 'the proof'} after that and check again for the inclusion proof.`,
      };
    }
    if (!sth) {
      fail(
        'signature',
        `the receipt has no signed tree head yet${promised ? ` and the promised time ${promised.deadline.toISOString()} has passed` : ''}${entry.proof_url ? `: fetch ${entry.proof_url} and pass it as the STH` : ''}`,
      );
    }
    const keys = logKeys();
    const { cp, vkey } = verifyWithAny(sth, keys.vkeys);
    if (cp.origin !== receipt.log_origin) fail('signature', `the tree head is from log ${cp.origin}, the receipt is from ${receipt.log_origin}`);
    pass('signature', `tree head of size ${cp.treeSize} of ${cp.origin} signed by ${vkey.name}+${vkey.keyId.toString('hex')}, verified with ${keys.note}`);

    const required = input.requiredWitnesses ?? 0;
    if (required > 0 || (input.trustedWitnessKeys?.length ?? 0) > 0) {
      let cosigned: VerifiedCosignature[];
      try {
        cosigned = verifyCosignatures(sth.checkpoint, input.trustedWitnessKeys ?? []);
      } catch (err) {
        return fail('cosignatures', (err as Error).message);
      }
      const names = cosigned.map((c) => c.witness);
      if (cosigned.length < required) {
        fail('cosignatures', `the head is cosigned by ${cosigned.length} of the witnesses you trust${names.length ? ` (${names.join(', ')})` : ''}; you asked for ${required}`);
      }
      pass('cosignatures', `cosigned by ${cosigned.length} witness(es) you trust: ${names.join(', ') || 'none'}${required ? ` (${required} required)` : ''}`);
    }

    if (sth.rfc3161_timestamp) {
      try {
        const t = verifyTimestampToken(Buffer.from(sth.rfc3161_timestamp.token, 'base64'), checkpointDigest(sth.checkpoint), input.tsaCertificate);
        pass('timestamp', `the tree head was time-stamped ${t.genTime.toISOString()} by ${t.tsa}${input.tsaCertificate ? ' (the authority you pinned)' : " (the token's own certificate: pin the authority's with --tsa-cert)"}`);
      } catch (err) {
        fail('timestamp', `RFC 3161 time-stamp: ${(err as Error).message}`);
      }
    } else if (input.tsaCertificate) {
      fail('timestamp', 'you pinned a timestamping authority, but the tree head has no RFC 3161 time-stamp');
    }

    if (given && isBundle(given) && (given.leaf_index !== entry.leaf_index || given.leaf_hash !== entry.leaf_hash)) {
      fail('inclusion proof', 'the proof bundle is for another leaf');
    }
    if (!Array.isArray(proofHex)) fail('inclusion proof', 'no inclusion proof');
    let proof: Buffer[];
    try {
      proof = proofHex.map((h, i) => hexBytes(`proof[${i}]`, h, 32));
    } catch (err) {
      return fail('inclusion proof', (err as Error).message);
    }
    if (!verifyInclusion(leaf, entry.leaf_index, cp.treeSize, proof, cp.rootHash)) {
      fail('inclusion proof', `leaf #${entry.leaf_index} is not proven to be in the tree of size ${cp.treeSize}`);
    }
    pass('inclusion proof', `leaf #${entry.leaf_index} is in the tree of size ${cp.treeSize} with root ${cp.rootHash.toString('hex')}`);

    return {
      ok: true,
      steps,
      verdict:
        `${keys.tofu ? `VERIFIED (TRUST ON FIRST USE of the receipt's own key ${receipt.key!.fingerprint}: proves nothing until you compare it with the published fingerprint)` : 'VERIFIED'}: this file (SHA-256 ${sha}) is leaf #${entry.leaf_index} of ${cp.origin}, ` +
        `received ${new Date(entry.leaf.received_at).toISOString()}, in the signed tree of size ${cp.treeSize}.`,
    };
  } catch (err) {
    if (!(err instanceof CheckFailed)) throw err;
    steps.push({ check: err.check, ok: false, detail: err.message });
    return { ok: false, failed: err.check, steps, verdict: `FAILED: ${err.check}` };
  }
}
