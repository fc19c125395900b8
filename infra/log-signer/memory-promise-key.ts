import { createKeyPair, signNote } from '../../domain/transparency/checkpoint';
import type { PromiseSigner } from '../../domain/ports/log-signer';
import { promiseKeyName, promiseVkeyFor } from '../../domain/transparency/promise';

/** A fresh Ed25519 promise key for this process, never written anywhere. */
export function memoryPromiseSigner(origin: string): PromiseSigner {
  const { privateKey, publicKey } = createKeyPair();
  return { vkey: promiseVkeyFor(origin, publicKey), signNote: (text) => signNote(text, privateKey, promiseKeyName(origin)) };
}
