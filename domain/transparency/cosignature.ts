/**
 * C2SP tlog-cosignature/v1 (https://c2sp.org/tlog-cosignature): a witness's statement that a
 * checkpoint is the largest consistent head it saw of that log, as a note signature line:
 *
 *   — <witness name> base64(key id ‖ u64 timestamp (seconds, big-endian) ‖ Ed25519 signature)
 *
 * key id = SHA-256(<name> ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]; the signed message is
 *
 *   cosignature/v1\n
 *   time <timestamp>\n
 *   <the checkpoint's note text, with its final newline, without signature lines>
 *
 * A witness's vkey is <name>+<key id>+base64(0x04 ‖ public key).
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { CheckpointError, keyId, parseVkey, rawPublicKey, splitNote, vkeyFor, type ParsedVkey } from './checkpoint';

export const ALG_COSIGNATURE_V1 = 0x04;
const EM_DASH = '\u2014';

export const witnessVkeyFor = (name: string, publicKey: KeyObject | Buffer) => vkeyFor(name, publicKey, ALG_COSIGNATURE_V1);
export const parseWitnessVkey = (vkey: string) => parseVkey(vkey, ALG_COSIGNATURE_V1);

function cosignedMessage(text: string, time: number): Buffer {
  if (!Number.isSafeInteger(time) || time < 0) throw new CheckpointError('a cosignature time is a non-negative whole number of seconds');
  return Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8');
}

/** The cosignature line a witness adds to a checkpoint whose note text (without signatures) is `text`. */
export function cosign(text: string, time: number, privateKey: KeyObject, name: string): string {
  const sig = sign(null, cosignedMessage(text, time), privateKey);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(time));
  const id = keyId(name, rawPublicKey(privateKey), ALG_COSIGNATURE_V1);
  return `${EM_DASH} ${name} ${Buffer.concat([id, ts, sig]).toString('base64')}`;
}

export interface VerifiedCosignature {
  witness: string;
  keyId: Buffer;
  /** When the witness cosigned (seconds since the epoch, as it signed it). */
  time: number;
  line: string;
}

/**
 * The cosignatures of a note by the given witness keys. A line by a known key that does not verify
 * throws (signed-note: a bad signature by a trusted key is an error, not something to skip); lines
 * by other keys are ignored.
 */
export function verifyCosignatures(note: string, witnesses: readonly (string | ParsedVkey)[]): VerifiedCosignature[] {
  const keys = witnesses.map((w) => (typeof w === 'string' ? parseWitnessVkey(w) : w));
  const { text, signatures } = splitNote(note);
  const out: VerifiedCosignature[] = [];
  for (const sig of signatures) {
    const key = keys.find((k) => k.name === sig.name && k.keyId.equals(sig.keyId));
    if (!key) continue;
    if (sig.signature.length !== 72) throw new CheckpointError(`cosignature by ${sig.name} is not 72 bytes`);
    const timeBig = sig.signature.readBigUInt64BE(0);
    if (timeBig > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(`cosignature by ${sig.name} has an impossible time`);
    const time = Number(timeBig);
    if (!verify(null, cosignedMessage(text, time), key.publicKey, sig.signature.subarray(8))) {
      throw new CheckpointError(`invalid cosignature by witness ${key.name}+${key.keyId.toString('hex')}`);
    }
    if (!out.some((c) => c.witness === key.name && c.keyId.equals(key.keyId))) out.push({ witness: key.name, keyId: key.keyId, time, line: sig.line });
  }
  return out;
}

/** A note with more signature lines added (cosignatures), each line once. */
export function withSignatureLines(note: string, lines: readonly string[]): string {
  const present = new Set(splitNote(note).signatures.map((s) => s.line));
  const extra = [...new Set(lines)].filter((l) => !present.has(l));
  return extra.length ? note + extra.map((l) => `${l}\n`).join('') : note;
}
