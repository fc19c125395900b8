/**
 * The log signer as it runs today: an Ed25519 private key in a PEM file at LOG_KEY_PATH, outside
 * the database, created on first use (mode 0600). Loaded only when the worker first signs or
 * publishes the key (the API never does), then kept for the life of the process.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Logger } from '../../domain/logger';
import type { LogSigner, OpenLogSigner } from '../../domain/ports/log-signer';
import { processCache } from '../../domain/process-cache';
import { createKeyFile, readKeyFile } from '../secrets/key-file';
import { createKeyPair, keyFingerprint, parseVkey, signCheckpoint, vkeyFor } from '../../domain/transparency/checkpoint';

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
  };
}

/** The opener the composition root puts in the context: one key per process, key path and origin. */
export function ed25519KeyFileSigner(config: { logKeyPath: string; logOrigin: string }, log: Logger): OpenLogSigner {
  return () => signers(`${config.logKeyPath}\n${config.logOrigin}`, () => loadSigner(config.logKeyPath, config.logOrigin, log));
}
