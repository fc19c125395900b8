/**
 * The log signer as it runs today: an Ed25519 private key in a PEM file at LOG_KEY_PATH, outside
 * the database, created on first use (mode 0600). Loaded only when the worker first signs or
 * publishes the key (the API never does), then kept for the life of the process. The last signed
 * checkpoint it saw stored is remembered in <key file>.checkpoint (mode 0600), beside the key.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Logger } from '../../domain/logger';
import type { LogSigner, OpenLogSigner } from '../../domain/ports/log-signer';
import { processCache } from '../../domain/process-cache';
import { createKeyFile, readKeyFile } from '../secrets/key-file';
import { createKeyPair, keyFingerprint, parseVkey, signCheckpoint, signNote, vkeyFor } from '../../domain/transparency/checkpoint';

const signers = processCache<LogSigner>();

async function loadSigner(keyPath: string, origin: string, log: Logger): Promise<LogSigner> {
  let pem = await readKeyFile(keyPath);
  let created = false;
  if (pem === null) {
    const pair = createKeyPair();
    ({ pem, created } = await createKeyFile(keyPath, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the transparency log key file (LOG_KEY_PATH) does not hold an Ed25519 private key');
  const publicKey = createPublicKey(privateKey);
  const vkey = vkeyFor(origin, publicKey);
  if (created) log.info({ fingerprint: keyFingerprint(publicKey), vkey }, 'created the transparency log key');
  return {
    name: origin,
    vkey,
    keyId: parseVkey(vkey).keyId.toString('hex'),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    signCheckpoint: (checkpoint) => signCheckpoint(checkpoint, privateKey, origin),
    signNote: (text) => signNote(text, privateKey, origin),
    lastSignedCheckpoint: () => readMemory(`${keyPath}.checkpoint`),
    rememberSignedCheckpoint: (note, treeSize) => remember(`${keyPath}.checkpoint`, note, treeSize),
  };
}

async function readMemory(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Replaces the remembered checkpoint whole (write, then rename), unless it would go back. */
async function remember(file: string, note: string, treeSize: number): Promise<void> {
  const previous = await readMemory(file);
  if (previous !== null && Number(previous.split('\n')[1]) > treeSize) return;
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, note, { mode: 0o600 });
  await fs.rename(temp, file);
}

/** The opener the composition root puts in the context: one key per process, key path and origin. */
export function ed25519KeyFileSigner(config: { logKeyPath: string; logOrigin: string }, log: Logger): OpenLogSigner {
  return () => signers(`${config.logKeyPath}\n${config.logOrigin}`, () => loadSigner(config.logKeyPath, config.logOrigin, log));
}
