/**
 * Signed-note known answers come from golang.org/x/mod/sumdb/note's own tests: repository
 * golang/mod, path sumdb/note/note_test.go, commit 02c991387e35f9e4c0a9b7ce137717055f8d716d
 * (TestSign, TestOpen, TestNewVerifier: the PeterNeumann and EnochRoot keys and signatures).
 */
import { randomBytes } from 'node:crypto';
import {
  CheckpointError,
  createKeyPair,
  formatCheckpoint,
  keyId,
  openNote,
  parseVkey,
  privateKeyFromSeed,
  rawPublicKey,
  signCheckpoint,
  signNote,
  sthToJson,
  verifyCheckpoint,
  verifySthJson,
  vkeyFor,
} from '../../../domain/transparency/checkpoint';

const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

/** The Go skey's last field is base64(0x01 ‖ 32-byte Ed25519 seed). */
const peterKey = () => privateKeyFromSeed(Buffer.from(PETER_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1));

describe('signed-note known answers (golang.org/x/mod/sumdb/note)', () => {
  it('derives the reference vkey and key id from the reference private key', () => {
    const key = peterKey();
    expect(vkeyFor('PeterNeumann', key)).toBe(PETER_VKEY);
    expect(keyId('PeterNeumann', rawPublicKey(key)).toString('hex')).toBe('c74f20a3');
    expect(parseVkey(PETER_VKEY).keyId.toString('hex')).toBe('c74f20a3');
  });

  it('produces the reference signature, byte for byte (em dash, blank line)', () => {
    expect(signNote(TEXT, peterKey(), 'PeterNeumann')).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('opens the reference note with either key, ignoring the other signature', () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(openNote(note, PETER_VKEY)).toBe(TEXT);
    expect(openNote(note, ENOCH_VKEY)).toBe(TEXT);
    expect(() => openNote(`${TEXT}\n${ENOCH_SIG}`, PETER_VKEY)).toThrow('no signature by key PeterNeumann+c74f20a3');
  });

  it('rejects the reference bad notes', () => {
    const bad = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
    ];
    for (const note of bad) expect(() => openNote(note, PETER_VKEY)).toThrow(CheckpointError);
    expect(() => openNote(`${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, PETER_VKEY)).toThrow(
      'invalid signature for key PeterNeumann+c74f20a3',
    );
    expect(() => openNote(`${TEXT.replace('cryptography', 'cryptographY')}\n${PETER_SIG}`, PETER_VKEY)).toThrow('invalid signature');
  });

  it('rejects mangled verifier keys', () => {
    const b = Buffer.from(PETER_VKEY);
    for (let i = 0; i < b.length; i++) {
      b[i]!++;
      expect(() => parseVkey(b.toString())).toThrow(CheckpointError);
      b[i]!--;
    }
    for (let cut = 1; cut < PETER_VKEY.length; cut += 3) expect(() => parseVkey(PETER_VKEY.slice(0, cut))).toThrow(CheckpointError);
    expect(() => parseVkey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')).toThrow(CheckpointError);
    expect(() => parseVkey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(CheckpointError);
  });
});

describe('checkpoints', () => {
  const origin = 'svidetel.example/log';
  const cp = { origin, treeSize: 20852163, rootHash: randomBytes(32) };
  const { privateKey, publicKey } = createKeyPair();
  const vkey = vkeyFor(origin, publicKey);

  it('formats the C2SP tlog-checkpoint body', () => {
    expect(formatCheckpoint(cp)).toBe(`${origin}\n20852163\n${cp.rootHash.toString('base64')}\n`);
    expect(formatCheckpoint({ ...cp, treeSize: 0, extensions: ['ext a'] })).toBe(`${origin}\n0\n${cp.rootHash.toString('base64')}\next a\n`);
  });

  it('round-trips sign → verify', () => {
    const note = signCheckpoint(cp, privateKey, origin);
    expect(note.split('\n').slice(3, 5)).toEqual(['', expect.stringMatching(/^\u2014 svidetel\.example\/log [A-Za-z0-9+/]{91}=$/)]);
    expect(verifyCheckpoint(note, vkey)).toEqual(cp);
    const withExt = signCheckpoint({ ...cp, extensions: ['a', 'b'] }, privateKey, origin);
    expect(verifyCheckpoint(withExt, vkey)).toEqual({ ...cp, extensions: ['a', 'b'] });
  });

  it('fails with a wrong key, or a tampered root, size or origin', () => {
    const note = signCheckpoint(cp, privateKey, origin);
    const other = vkeyFor(origin, createKeyPair().publicKey);
    expect(() => verifyCheckpoint(note, other)).toThrow('no signature by key');
    expect(() => verifyCheckpoint(note, vkeyFor('other.example/log', publicKey))).toThrow('no signature by key');
    const root2 = Buffer.from(cp.rootHash);
    root2[0]! ^= 1;
    const tampered = [
      note.replace(cp.rootHash.toString('base64'), root2.toString('base64')),
      note.replace('\n20852163\n', '\n20852164\n'),
      note.replace(`${origin}\n`, 'svidetel.example/log2\n'),
    ];
    for (const t of tampered) {
      expect(t).not.toBe(note);
      expect(() => verifyCheckpoint(t, vkey)).toThrow('invalid signature');
    }
  });

  it('rejects a well-signed note that is not a checkpoint', () => {
    const sign = (text: string) => signNote(text, privateKey, origin);
    for (const text of ['only\ntwo\n', `${origin}\n007\n${cp.rootHash.toString('base64')}\n`, `${origin}\n1\nAAAA\n`, `\n1\n${cp.rootHash.toString('base64')}\n`]) {
      expect(() => verifyCheckpoint(sign(text), vkey)).toThrow('malformed checkpoint');
    }
  });

  it('checks that the JSON form says what the signed note says', () => {
    const note = signCheckpoint(cp, privateKey, origin);
    const sth = sthToJson(note, cp, new Date('2024-06-01T00:00:00Z'));
    expect(sth).toEqual({ origin, tree_size: 20852163, root_hash: cp.rootHash.toString('hex'), timestamp: '2024-06-01T00:00:00.000Z', checkpoint: note });
    expect(verifySthJson(sth, vkey)).toEqual(cp);
    expect(() => verifySthJson({ ...sth, tree_size: 1 }, vkey)).toThrow('do not match');
    expect(() => verifySthJson({ ...sth, root_hash: '00'.repeat(32) }, vkey)).toThrow('do not match');
  });
});
